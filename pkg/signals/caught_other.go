//go:build !unix

package signals

import "os"

var caught = []os.Signal{os.Interrupt}
