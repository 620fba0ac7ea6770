// Command whoami looks the current user up with os/user, which calls
// getpwuid_r from libc when cgo is enabled.
package main

import (
	"fmt"
	"os"
	"os/user"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s (uid %s, home %s)\n", u.Username, u.Uid, u.HomeDir)
}
