package app

import (
	"net"
	"sync"
	"sync/atomic"
)

// quietListener hands the server connections that never answer before they
// have been asked, and it closes at once, on Close, every connection that has
// not been asked anything yet.
//
// fasthttp writes an error page when reading a connection's first request
// fails: at its read timeout, or when its shutdown closes a connection that
// was opened but never used (a browser's preconnect, a client's or a proxy's
// spare). That page reaches a client that asked nothing: Go's client logs
// "Unsolicited response received on idle HTTP channel", and a proxy may hand
// it to the next request it sends on that connection. And fasthttp's
// shutdown waits until such a connection is 5 s old before it closes it, so
// a stop took seconds with every client idle.
type quietListener struct {
	net.Listener
	mu     sync.Mutex
	unused map[*quietConn]struct{}
	closed bool
}

func newQuietListener(ln net.Listener) *quietListener {
	return &quietListener{Listener: ln, unused: map[*quietConn]struct{}{}}
}

// Accept returns the next connection, wrapped.
func (l *quietListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &quietConn{Conn: conn, l: l}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = conn.Close()
		return c, nil // the server's read fails, and nothing is written
	}
	l.unused[c] = struct{}{}
	return c, nil
}

// Close stops accepting and closes every connection no request came on.
func (l *quietListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for c := range l.unused {
		_ = c.Conn.Close()
		delete(l.unused, c)
	}
	return err
}

func (l *quietListener) used(c *quietConn) {
	l.mu.Lock()
	delete(l.unused, c)
	l.mu.Unlock()
}

// quietConn is a connection that writes nothing until it has read something.
type quietConn struct {
	net.Conn
	l    *quietListener
	read atomic.Bool
}

func (c *quietConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.read.Swap(true) {
		c.l.used(c)
	}
	return n, err
}

// Write sends nothing on a connection no request came on: it closes it.
func (c *quietConn) Write(p []byte) (int, error) {
	if !c.read.Load() {
		_ = c.Close()
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

func (c *quietConn) Close() error {
	c.l.used(c)
	return c.Conn.Close()
}
