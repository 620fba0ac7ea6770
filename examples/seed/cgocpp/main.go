// Command cgocpp calls a small C++ function through a C shim. Built with
// the mingw-w64 g++, it needs libstdc++-6.dll (and libgcc/libwinpthread)
// next to the .exe unless it is linked with -extldflags -static.
package main

// #cgo LDFLAGS: -lstdc++
// #include "greet.h"
import "C"

import "fmt"

func main() {
	fmt.Println(C.GoString(C.greet()))
}
