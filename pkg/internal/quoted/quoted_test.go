package quoted

import (
	"bytes"
	"math/rand/v2"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	for in, want := range map[string][]string{
		"gcc":                              {"gcc"},
		"  zig cc -target aarch64-linux  ": {"zig", "cc", "-target", "aarch64-linux"},
		`"/opt/my cc/bin/gcc" -O2`:         {"/opt/my cc/bin/gcc", "-O2"},
		`'a b' "c d"`:                      {"a b", "c d"},
		"":                                 nil,
	} {
		got, err := Split(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := Split(`"unterminated`)
	assert.ErrorContains(t, err, `unterminated " string`)
}

func TestJoin(t *testing.T) {
	tests := []struct {
		name   string
		fields []string
		want   string
	}{
		{"none", nil, ""},
		{"plain", []string{"-s", "-w", "-X", "main.v=1"}, "-s -w -X main.v=1"},
		{"space: single quotes", []string{"-extldflags=-static -lm"}, "'-extldflags=-static -lm'"},
		{"double quote inside: single quotes", []string{`-extldflags=-static "-L/opt/my lib"`}, `'-extldflags=-static "-L/opt/my lib"'`},
		{"single quote: double quotes", []string{"-extldflags=-Wl,-rpath,'$ORIGIN'"}, `"-extldflags=-Wl,-rpath,'$ORIGIN'"`},
		{"a lone double quote", []string{`a"b`}, `'a"b'`},
		{"line breaks are white space", []string{"a\nb", "c\rd"}, "'a\nb' 'c\rd'"},
		{"empty fields survive", []string{"", "x", ""}, "'' x ''"},
		{"non-ASCII is kept as it is", []string{"é", "a\xffb"}, "é a\xffb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Join(tt.fields)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			back, err := Split(got)
			require.NoError(t, err)
			assert.Equal(t, tt.fields, back)
		})
	}
	_, err := Join([]string{"ok", `it's "quoted"`})
	assert.ErrorContains(t, err, `argument "it's \"quoted\"" contains both single and double quotes and cannot be quoted`)
}

// randomString draws from bytes that matter to Split and to sh, and from
// any byte at all.
func randomString(r *rand.Rand) string {
	const special = " \t\n\r'\"\\$`!*?[]{}()<>|&;#~=%^,:@+-_./aZ9é"
	n := r.IntN(12)
	var b strings.Builder
	for range n {
		if r.IntN(4) == 0 {
			b.WriteByte(byte(1 + r.IntN(255))) // anything but NUL
		} else {
			b.WriteByte(special[r.IntN(len(special))])
		}
	}
	return b.String()
}

// TestJoinRoundTrip: Split(Join(fields)) == fields for any fields that do
// not hold both quote kinds in one field.
func TestJoinRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		fields := make([]string, r.IntN(5))
		for i := range fields {
			fields[i] = randomString(r)
		}
		s, err := Join(fields)
		bothQuotes := false
		for _, f := range fields {
			bothQuotes = bothQuotes || strings.Contains(f, "'") && strings.Contains(f, `"`)
		}
		if bothQuotes {
			require.Error(t, err, "%q", fields)
			continue
		}
		require.NoError(t, err, "%q", fields)
		back, err := Split(s)
		require.NoError(t, err, "%q -> %q", fields, s)
		if len(fields) == 0 {
			fields = nil
		}
		require.Equal(t, fields, back, "%q -> %q", fields, s)
	}
}

func TestShell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "''"},
		{"plain-._/=,:+@%", "plain-._/=,:+@%"},
		{"a b", "'a b'"},
		{"$HOME", "'$HOME'"},
		{"it's", `'it'\''s'`},
		{"*", "'*'"},
		{"~", "'~'"},
		{"é", "'é'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, Shell(tt.in))
		})
	}
}

// shEcho has /bin/sh read words quoted by Shell and print each back,
// NUL-terminated, so that any byte but NUL can be compared.
func shEcho(t testing.TB, words []string) []string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs /bin/sh")
	}
	var script strings.Builder
	script.WriteString(`printf '%s\0'`)
	for _, w := range words {
		script.WriteString(" " + Shell(w))
	}
	out, err := exec.Command("/bin/sh", "-c", script.String()).Output()
	require.NoError(t, err, script.String())
	got := strings.Split(string(bytes.TrimSuffix(out, []byte{0})), "\x00")
	if len(words) == 0 {
		return nil
	}
	return got
}

// TestShellRoundTrip: /bin/sh reads back every string Shell quoted, byte
// for byte (sh -c 'printf "%s\0" ARG...').
func TestShellRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"", "'", `'\''`, "\\", "\n", "a\nb", "$(id)", "`id`", "!", "-n", "--", "%s", "é", "\xff\xfe", "\x01"}
	for range 2000 {
		words = append(words, randomString(r))
	}
	var all strings.Builder
	for c := 1; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	words = append(words, all.String())
	assert.Equal(t, words, shEcho(t, words))
}

// FuzzShell explores what TestShellRoundTrip samples.
//
//	go test -fuzz=FuzzShell -fuzztime=20s ./pkg/internal/quoted/
func FuzzShell(f *testing.F) {
	for _, s := range []string{"", "a b", "it's", "$x", "\n", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("no argument can hold a NUL byte")
		}
		assert.Equal(t, []string{s}, shEcho(t, []string{s}))
	})
}

// FuzzJoin: Split inverts Join, or Join refuses.
//
//	go test -fuzz=FuzzJoin -fuzztime=20s ./pkg/internal/quoted/
func FuzzJoin(f *testing.F) {
	f.Add("a", "b c")
	f.Add("", "it's")
	f.Add(`"`, "\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		s, err := Join([]string{a, b})
		if err != nil {
			return
		}
		back, err := Split(s)
		require.NoError(t, err)
		assert.Equal(t, []string{a, b}, back)
	})
}
