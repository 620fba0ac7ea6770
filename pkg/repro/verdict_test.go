package repro_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/portmatrix/portmatrix/pkg/report"
	"github.com/portmatrix/portmatrix/pkg/repro"
)

// The verdicts are repeated in repro so it need not import report; they
// must stay the strings report rows use.
func TestVerdictsMatchReport(t *testing.T) {
	assert.Equal(t, report.ReproYes, repro.VerdictYes)
	assert.Equal(t, report.ReproNo, repro.VerdictNo)
	assert.Equal(t, report.ReproError, repro.VerdictError)
}
