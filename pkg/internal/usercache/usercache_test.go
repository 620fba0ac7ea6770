package usercache

import (
	"runtime"
	"testing"
)

func TestDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the XDG layout is read on linux; elsewhere os.UserCacheDir decides")
	}
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		env  []string
		want string
	}{
		{[]string{"XDG_CACHE_HOME", "/x", "HOME", "/home/u"}, "/x/portmatrix"},
		{[]string{"XDG_CACHE_HOME", "rel", "HOME", "/home/u"}, "/home/u/.cache/portmatrix"},
		{[]string{"HOME", "/home/u"}, "/home/u/.cache/portmatrix"},
	} {
		got, err := Dir(env(c.env...))
		if err != nil || got != c.want {
			t.Errorf("Dir(%v) = %q, %v; want %q", c.env, got, err, c.want)
		}
	}
	if _, err := Dir(env()); err == nil {
		t.Error("Dir with no HOME: no error")
	}
}
