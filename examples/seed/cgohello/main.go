// Command cgohello calls C code of its own. Because of that the Go linker
// always hands the final link to the C linker (external linking), so
// -extldflags reach it without -linkmode=external.
package main

/*
#include <stdio.h>
#include <stdlib.h>

void foo(char *s) {
	printf("%s\n", s);
}

void bar(void *p) {
	int *q = (int *)p;
	printf("%d\n", *q);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

func main() {
	s := C.CString("hello")
	defer C.free(unsafe.Pointer(s))
	C.foo(s)

	i := 5
	C.bar(unsafe.Pointer(&i))

	var i32 int32 = 7
	p := (*uint32)(unsafe.Pointer(&i32))
	fmt.Println(*p)
}
