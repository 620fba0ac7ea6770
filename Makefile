# portmatrix: build a Go program for a matrix of platforms and prove what came out.
GO ?= go
BIN := bin/portmatrix

.PHONY: build deps test test-short demo lint release clean

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

# portmatrix building itself for the first-class targets, expecting static binaries.
release: build
	./$(BIN) build -f configs/release.yaml --dist dist --app-version "$$(git describe --tags --always --dirty 2>/dev/null || echo dev)" --commit "$$(git rev-parse HEAD 2>/dev/null || echo none)"

clean:
	rm -rf bin dist examples/seed/dist
