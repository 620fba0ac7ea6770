// Command hello uses only pure-Go packages, so it links statically even with
// cgo enabled: nothing in it needs the C library.
package main

import "fmt"

func main() {
	fmt.Println("hello, portable go!")
}
