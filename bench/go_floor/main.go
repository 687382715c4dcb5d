// go_floor: the floor under molly-brown, as handshake_floor is the floor under kapsel.
//
// The same Gemini request as handshake_floor (a TLS handshake, "gemini://localhost/page.gmi\r\n",
// a 6 KB response, close_notify), done in memory by Go's crypto/tls, the TLS stack of the
// baseline server molly-brown, built by the same Debian Go toolchain. The server side runs on
// its own locked OS thread; its thread CPU time (CLOCK_THREAD_CPUTIME_ID) is read around every
// request and divided by the requests. Run it pinned to one core, as bench/run.sh does.
//
//	go_floor -c CERT -k KEY [-n 2000] [-w 100] [-r] [-V 1.3|1.2]
//	last line: server_us= n= resumed=
package main

import (
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID

func threadNanos() int64 {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime,
		uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		panic(errno)
	}
	return ts.Nano()
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go_floor: "+format+"\n", args...)
	os.Exit(1)
}

// pipeBuffer is one direction of an in-memory connection. Unlike net.Pipe, a write never
// waits for the reader: a TLS flight is written at once, as into a socket buffer or
// OpenSSL's BIO pair, so each side blocks only when it needs the other's answer.
type pipeBuffer struct {
	mu     sync.Mutex
	ready  *sync.Cond
	data   bytes.Buffer
	closed bool
}

func newPipeBuffer() *pipeBuffer {
	b := &pipeBuffer{}
	b.ready = sync.NewCond(&b.mu)
	return b
}

func (b *pipeBuffer) write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.ErrClosedPipe
	}
	b.data.Write(p)
	b.ready.Signal()
	return len(p), nil
}

func (b *pipeBuffer) read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.data.Len() == 0 && !b.closed {
		b.ready.Wait()
	}
	if b.data.Len() == 0 {
		return 0, io.EOF
	}
	return b.data.Read(p)
}

func (b *pipeBuffer) close() {
	b.mu.Lock()
	b.closed = true
	b.ready.Broadcast()
	b.mu.Unlock()
}

type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return "memory" }

// memConn is one end of an in-memory connection: it reads one pipeBuffer, writes the other.
type memConn struct{ in, out *pipeBuffer }

func memPipe() (net.Conn, net.Conn) {
	a, b := newPipeBuffer(), newPipeBuffer()
	return &memConn{in: a, out: b}, &memConn{in: b, out: a}
}

func (c *memConn) Read(p []byte) (int, error)       { return c.in.read(p) }
func (c *memConn) Write(p []byte) (int, error)      { return c.out.write(p) }
func (c *memConn) Close() error                     { c.out.close(); return nil }
func (c *memConn) LocalAddr() net.Addr              { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr             { return memAddr{} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

type result struct {
	nanos   int64
	resumed bool
	err     error
}

// serve answers one request on conn; the thread's CPU time around it is the request's cost.
func serve(conn net.Conn, config *tls.Config, response []byte) result {
	t0 := threadNanos()
	s := tls.Server(conn, config)
	err := s.Handshake()
	if err == nil {
		buf := make([]byte, 1026)
		got := 0
		for err == nil && !strings.Contains(string(buf[:got]), "\r\n") {
			var n int
			n, err = s.Read(buf[got:])
			got += n
		}
		if err == nil {
			_, err = s.Write(response)
		}
		if err == nil {
			err = s.CloseWrite() // close_notify, as kapsel's SSL_shutdown
		}
	}
	resumed := s.ConnectionState().DidResume
	conn.Close()
	return result{threadNanos() - t0, resumed, err}
}

func main() {
	cert := flag.String("c", "", "ECDSA certificate (PEM)")
	key := flag.String("k", "", "its key (PEM)")
	n := flag.Int("n", 2000, "measured requests")
	warmup := flag.Int("w", 100, "warm-up requests")
	resume := flag.Bool("r", false, "resume with the newest session ticket")
	version := flag.String("V", "1.3", "TLS version: 1.3 or 1.2")
	flag.Parse()
	tlsVersion := map[string]uint16{"1.3": tls.VersionTLS13, "1.2": tls.VersionTLS12}[*version]
	if *cert == "" || *key == "" || *n < 1 || *n > 200000 || *warmup < 0 || tlsVersion == 0 {
		die("usage: go_floor -c CERT -k KEY [-n N] [-w W] [-r] [-V 1.3|1.2]")
	}
	pair, err := tls.LoadX509KeyPair(*cert, *key)
	if err != nil {
		die("%v", err)
	}
	// molly-brown's settings: the certificate, TLS 1.2 as the minimum, and a request for a
	// client certificate (Gemini identities; `openssl s_client -msg` shows its
	// CertificateRequest). The client here sends none, as loadgen does not.
	serverConfig := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12,
		ClientAuth: tls.RequestClientCert}
	clientConfig := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", MinVersion: tlsVersion,
		MaxVersion: tlsVersion}
	if *resume {
		clientConfig.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	}
	response := []byte("20 text/gemini; lang=sv\r\n" + strings.Repeat("x", 6144))
	request := []byte("gemini://localhost/page.gmi\r\n")

	conns := make(chan net.Conn)
	results := make(chan result)
	go func() {
		runtime.LockOSThread() // the server's CPU time is this thread's
		for conn := range conns {
			results <- serve(conn, serverConfig, response)
		}
	}()

	var total int64
	resumed := 0
	for i := 0; i < *warmup+*n; i++ {
		serverEnd, clientEnd := memPipe()
		conns <- serverEnd
		c := tls.Client(clientEnd, clientConfig)
		_, err := c.Write(request)
		if err == nil {
			_, err = io.Copy(io.Discard, c)
		}
		c.Close()
		r := <-results
		if err != nil || r.err != nil {
			die("request %d: client %v, server %v", i, err, r.err)
		}
		if i >= *warmup {
			total += r.nanos
			if r.resumed {
				resumed++
			}
		}
	}
	close(conns)
	fmt.Printf("server_us=%.1f n=%d resumed=%d go=%s\n", float64(total)/1e3/float64(*n), *n, resumed,
		runtime.Version())
}
