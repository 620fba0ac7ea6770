// Command echoserver is a TCP server that logs what each connection sends,
// in the style of a goroutine-per-connection Go server. It imports net, so
// cgo decides whether it links libc.
package main

import (
	"flag"
	"log"
	"net"
)

func main() {
	addr := flag.String("addr", ":8888", "address to listen on")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	for {
		c, err := l.Accept()
		if err != nil {
			log.Println("accept error:", err)
			return
		}
		go handleConn(c)
	}
}

func handleConn(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 1024)
	for {
		n, err := c.Read(buf)
		if err != nil {
			log.Println("conn read error:", err)
			return
		}
		log.Printf("read %d bytes: %q", n, buf[:n])
		if _, err := c.Write(buf[:n]); err != nil {
			log.Println("conn write error:", err)
			return
		}
	}
}
