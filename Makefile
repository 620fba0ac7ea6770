# portmatrix: build a Go program for a matrix of platforms and prove what came out.
GO ?= go
BIN := bin/portmatrix

.PHONY: build deps test test-short demo lint release clean bench bench-smoke

build:
	$(GO) build -o $(BIN) ./cmd/portmatrix

# The full suite: unit, integration (real toolchain) and CLI scripts, race detector on.
test:
	$(GO) test -race -count=1 -timeout 60m ./...

# Unit tests only (no go toolchain runs): seconds.
test-short:
	$(GO) test -short ./...

# What the tests and the demo need from Debian: gcc, cross compilers, musl,
# qemu-user, wine (idempotent: installs only what is missing).
deps:
	bash scripts/install-deps.sh
	bash scripts/install-toolchains.sh

# The seed's claims about Go portability, built, inspected and smoke-run on
# this machine; exits non-zero if any claim does not hold.
demo: deps build
	./$(BIN) build -f examples/seed/portmatrix.yaml

lint:
	@out=$$(gofmt -l cmd pkg examples); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd examples/seed && $(GO) vet ./...

# portmatrix building itself for the first-class targets (and more), expecting
# static binaries where the OS allows: archives, SHA256SUMS, a second
# independent build of every job to prove it reproducible, and the report as
# Markdown, JUnit, HTML and JSON. The version comes from git describe.
# The SBOMs and the provenance come from configs/release.yaml's release:
# section; SHA256SUMS and the provenance are signed with SIGNING_KEY (give
# your release key; without one a throwaway ed25519 key is made in bin/) and
# checked with ssh-keygen and portmatrix verify-release.
SIGNING_KEY ?= bin/release-signing-key
release: build
	@test -f $(SIGNING_KEY) || { echo "make release: no $(SIGNING_KEY); making a throwaway ed25519 key (give SIGNING_KEY=... to sign with yours)"; ssh-keygen -q -t ed25519 -N '' -C portmatrix-release -f $(SIGNING_KEY); }
	./$(BIN) build -f configs/release.yaml --dist dist --reproducible --sign-key $(SIGNING_KEY) \
		--json dist/report.json --markdown dist/report.md --junit dist/junit.xml --html dist/report.html
	cd dist && sha256sum -c --strict --quiet SHA256SUMS
	printf 'release %s\n' "$$(cat $(SIGNING_KEY).pub)" > bin/allowed_signers
	ssh-keygen -Y verify -f bin/allowed_signers -I release -n file -s dist/SHA256SUMS.sig < dist/SHA256SUMS
	./$(BIN) verify-release --key $(SIGNING_KEY).pub --require-signature dist

# The build matrix benchmark of docs/benchmarks.md: portmatrix against a
# sequential go build loop and goreleaser on fzf and shfmt, 12 targets, cold
# and warm, 3 rounds (cold: 2), plus portmatrix without its output cache
# ("portmatrix nocache") where that cache matters. Takes hours on two cores:
# run it on a quiet machine.
# BENCHFLAGS adds flags (e.g. BENCHFLAGS='--all -- -j 3'); results go to
# dist/bench/results.md and the raw samples to dist/bench/samples.json.
bench:
	mkdir -p dist/bench
	$(GO) run ./scripts/bench --install-goreleaser --cold-rounds 2 --variant 'nocache=--cache off' --variant-scenarios warm,noop,cgo --out dist/bench/results.md --json dist/bench/samples.json $(BENCHFLAGS)

# The same harness on a generated hello world, 2 targets, 1 round: proves that
# every contender builds its outputs and the tables render; asserts no time.
bench-smoke:
	$(GO) run ./scripts/bench --smoke

clean:
	rm -rf bin dist examples/seed/dist
