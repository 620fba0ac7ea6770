package plural

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCount(t *testing.T) {
	tests := []struct {
		n    int
		word string
		want string
	}{
		{0, "job", "0 jobs"},
		{1, "job", "1 job"},
		{2, "main package", "2 main packages"},
		{1, "DLL", "1 DLL"},
		{12, "DLL", "12 DLLs"},
		{-1, "target", "-1 targets"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, Count(tt.n, tt.word))
		})
	}
}
