// Command fileserver serves the current directory over HTTP. Through the
// net package it uses the C resolver when cgo is enabled, which makes the
// binary load libc dynamically.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", ":8000", "address to listen on")
	flag.Parse()
	cwd, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: http.FileServer(http.Dir(cwd))}
	log.Fatal(srv.ListenAndServe())
}
