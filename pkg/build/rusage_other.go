//go:build !unix

package build

import "os"

// maxRSS is unknown (0) where the process state carries no rusage.
func maxRSS(*os.ProcessState) int64 { return 0 }
