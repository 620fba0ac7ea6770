package check

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseLog(t *testing.T) {
	tests := []struct {
		name string
		log  string
		want []Diag
	}{
		{
			name: "compiler error with the portmatrix header and trailer",
			log: "# job: tool/plan9/amd64/default\n# dir: /tmp/w/src\n# cd /tmp/w/src && GOOS=plan9 go build -o /o/tool ./cmd/tool\n\n" +
				"go: downloading github.com/creack/pty v1.1.11\n" +
				"# example.com/fx/term\n" +
				"term/term.go:3:26: undefined: winsize\n" +
				"term/term.go:4:2: undefined: other\n" +
				"\n# exit: exit status 1 after 1.2s\n",
			want: []Diag{{Package: "example.com/fx/term", Pos: "term/term.go:3:26", Msg: "undefined: winsize"}},
		},
		{
			name: "root package: ./ and the root directory are dropped",
			log:  "# github.com/cespare/reflex\n./reflex.go:235:22: undefined: syscall.Kill\n/tmp/w/src/x.go:1:1: second\n",
			want: []Diag{{Package: "github.com/cespare/reflex", Pos: "reflex.go:235:22", Msg: "undefined: syscall.Kill"}},
		},
		{
			name: "a file in the module cache starts at the module path",
			log:  "# github.com/creack/pty\n/home/u/go/pkg/mod/github.com/creack/pty@v1.1.11/pty_linux.go:39:8: undefined: _C_uint\n",
			want: []Diag{{Package: "github.com/creack/pty", Pos: "github.com/creack/pty@v1.1.11/pty_linux.go:39:8", Msg: "undefined: _C_uint"}},
		},
		{
			name: "load error over several lines, paths shortened",
			log: "package github.com/cespare/reflex\n" +
				"\timports github.com/fsnotify/fsnotify: build constraints exclude all Go files in /home/u/go/pkg/mod/github.com/fsnotify/fsnotify@v1.4.7\n",
			want: []Diag{{Package: "github.com/cespare/reflex", Msg: "imports github.com/fsnotify/fsnotify: build constraints exclude all Go files in github.com/fsnotify/fsnotify@v1.4.7"}},
		},
		{
			name: "load error through a chain: the last line carries the message",
			log:  "package example.com/a\n\timports example.com/b\n\timports example.com/c: build constraints exclude all Go files in /tmp/w/src/c\n",
			want: []Diag{{Package: "example.com/a", Msg: "imports example.com/c: build constraints exclude all Go files in c"}},
		},
		{
			name: "load error on one line",
			log:  "package example.com/a imports example.com/c: no Go files\n",
			want: []Diag{{Package: "example.com/a", Msg: "imports example.com/c: no Go files"}},
		},
		{
			name: "package: message",
			log:  "package example.com/a: cannot find package\n",
			want: []Diag{{Package: "example.com/a", Msg: "cannot find package"}},
		},
		{
			name: "go command error outside packages",
			log:  "go: warning: ignoring go.mod in $GOPATH\ngo: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)\n",
			want: []Diag{{Msg: "go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)"}},
		},
		{
			name: "positioned error before any package line",
			log:  "cmd/tool/main.go:3:8: package example.com/nope is not in std\n",
			want: []Diag{{Pos: "cmd/tool/main.go:3:8", Msg: "package example.com/nope is not in std"}},
		},
		{
			name: "linker error without a position",
			log:  "# example.com/fx/cmd/tool\nloadinternal: cannot find runtime/cgo\n/usr/lib/go/pkg/tool/linux_amd64/link: running gcc failed: exit status 1\n",
			want: []Diag{{Package: "example.com/fx/cmd/tool", Msg: "loadinternal: cannot find runtime/cgo"}},
		},
		{
			name: "two failing packages, each with its first error; continuation lines skipped",
			log: "# example.com/b\nb/b.go:1:1: cannot use x (variable of type int) as string value\n\thave int\n\twant string\ntoo many errors\n" +
				"# example.com/a\na/a.go:2:2: undefined: y\n",
			want: []Diag{
				{Package: "example.com/b", Pos: "b/b.go:1:1", Msg: "cannot use x (variable of type int) as string value"},
				{Package: "example.com/a", Pos: "a/a.go:2:2", Msg: "undefined: y"},
			},
		},
		{
			name: "assembler and cgo files have positions too",
			log:  "# example.com/asm\nasm_amd64.s:12: unrecognized instruction \"FOO\"\n",
			want: []Diag{{Package: "example.com/asm", Pos: "asm_amd64.s:12", Msg: "unrecognized instruction \"FOO\""}},
		},
		{
			name: "a message ending in a colon continues on the next line",
			log:  "ioctl_solaris.go:4:2: no required module provides package golang.org/x/sys/unix; to add it:\n\tgo get golang.org/x/sys/unix\n",
			want: []Diag{{Pos: "ioctl_solaris.go:4:2", Msg: "no required module provides package golang.org/x/sys/unix; to add it: go get golang.org/x/sys/unix"}},
		},
		{
			name: "nothing but noise",
			log:  "go: downloading golang.org/x/sys v0.1.0\n\n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ParseLog(tt.log, "/tmp/w/src", "/home/u/go/pkg/mod"))
		})
	}
}

func TestFirstError(t *testing.T) {
	log := "# example.com/m/zz\nzz/z.go:1:1: undefined: z\n# example.com/m/aa\naa/a.go:2:2: undefined: a\n"
	d, n, ok := FirstError(log, "", "")
	assert.True(t, ok)
	assert.Equal(t, 2, n)
	assert.Equal(t, Diag{Package: "example.com/m/aa", Pos: "aa/a.go:2:2", Msg: "undefined: a"}, d, "the package that sorts first, whatever finished first")

	d, _, _ = FirstError("# example.com/m/aa\naa/a.go:2:2: undefined: a\ngo: updates to go.mod needed\n", "", "")
	assert.Equal(t, Diag{Msg: "go: updates to go.mod needed"}, d, "an error outside packages comes first")

	_, _, ok = FirstError("go: downloading x v1\n", "", "")
	assert.False(t, ok)
}

func TestDiagString(t *testing.T) {
	tests := []struct {
		d    Diag
		want string
	}{
		{Diag{Package: "example.com/m/term", Pos: "term/term.go:3:26", Msg: "undefined: winsize"}, "example.com/m/term: term/term.go:3:26: undefined: winsize"},
		{Diag{Package: "example.com/m", Msg: "imports example.com/d: build constraints exclude all Go files in d"}, "example.com/m imports example.com/d: build constraints exclude all Go files in d"},
		{Diag{Msg: "go: go.mod requires go >= 1.99"}, "go: go.mod requires go >= 1.99"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.d.String())
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		msg, goos, goarch, want string
	}{
		{"undefined: syscall.SIGWINCH", "plan9", "386", "undefined: syscall.SIGWINCH"},
		{"undefined: X in zerrors_linux_arm.go", "linux", "arm", "undefined: X in zerrors_$GOOS_$GOARCH.go"},
		{"unsupported arm64 here", "linux", "arm", "unsupported arm64 here"},
		{"GOOS=plan9 GOARCH=arm is not supported", "plan9", "arm", "GOOS=$GOOS GOARCH=$GOARCH is not supported"},
		{"armor plan9x", "plan9", "arm", "armor plan9x"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			assert.Equal(t, tt.want, Normalize(tt.msg, tt.goos, tt.goarch))
		})
	}
}
