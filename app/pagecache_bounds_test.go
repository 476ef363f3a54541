package app

import (
	"bytes"
	"strconv"
	"testing"
	"time"
)

// TestPageCacheStaysWithinItsBounds: the page cache keeps at most
// maxPageBytes of text and maxPages pages, counts its bytes exactly, and
// makes room by dropping the pages no request could be served any more.
func TestPageCacheStaysWithinItsBounds(t *testing.T) {
	p := newPageCache()
	now := time.Now()
	page := func(size int, at time.Time, writes uint64) cachedPage {
		return cachedPage{parts: [][]byte{bytes.Repeat([]byte("x"), size-10), []byte("0123456789")}, at: at, writes: writes}
	}
	const size = 100 << 10
	for i := range maxPageBytes/size + 10 {
		p.put("/ideas/"+strconv.Itoa(i), page(size, now, 1))
	}
	if n, b := p.size(); b > maxPageBytes || n != maxPageBytes/size || b != n*size {
		t.Fatalf("%d pages of %d bytes each keep %d bytes; want %d pages within %d bytes", n, size, b, maxPageBytes/size, maxPageBytes)
	}
	// The same key again replaces its page, and its bytes.
	p.put("/ideas/0", page(2*size, now, 1))
	p.put("/ideas/0", page(size, now, 1))
	if n, b := p.size(); b != n*size {
		t.Fatalf("after replacing a page: %d pages, %d bytes, want %d", n, b, n*size)
	}
	// A page after a write (or past pageTTL) makes room: the others can no
	// longer be served.
	p.put("/", page(size, now, 2))
	if n, b := p.size(); n != 1 || b != size {
		t.Fatalf("after a write: %d pages of %d bytes, want only the new one", n, b)
	}
	p.put("/later", page(size, now.Add(pageTTL), 2))
	for i := range maxPages + 10 {
		p.put("/tiny/"+strconv.Itoa(i), page(16, now.Add(pageTTL), 2))
	}
	if n, _ := p.size(); n != maxPages {
		t.Fatalf("%d pages kept, want at most %d", n, maxPages)
	}
	if _, ok := p.get("/", now.Add(pageTTL), 2); ok {
		t.Fatal("a page past pageTTL was served")
	}
	if _, ok := p.get("/later", now.Add(pageTTL), 2); !ok {
		t.Fatal("a fresh page was not kept")
	}
}
