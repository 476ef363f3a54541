package app

import (
	"bytes"
	"crypto/rand"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/handlers"
)

// pageTTL is how long a page (or an API answer) rendered for visitors is served again to other
// visitors, unless a write through this instance comes first. Members always
// get a fresh page; visitors see another instance's writes at most this late.
const pageTTL = 2 * time.Second

// maxPages and maxPageBytes bound the cache, whatever query strings
// visitors send: a page that would pass either is served, not kept.
const (
	maxPages     = 256
	maxPageBytes = 8 << 20
)

// tokenMark returns a text to render in place of the CSRF token, new for each
// render: at least 128 random bits, so no stored text can hold it, in characters that
// no template escapes.
func tokenMark() string {
	return "samenCsrf" + rand.Text()
}

type cachedPage struct {
	// parts is the page cut where its token stood: a response joins them
	// with the visitor's own token, and puts it nowhere else.
	parts       [][]byte
	contentType string
	at          time.Time
	// writes is the store's write count when the page was rendered: a write
	// through this instance makes the page out of date at once.
	writes uint64
	// shared is a page rendered for members, in place of parts.
	shared *sharedPage
}

// pageCache keeps the pages visitors read most for pageTTL.
type pageCache struct {
	mu    sync.Mutex
	pages map[string]cachedPage
	bytes int // the pages' texts
	// rendering holds a channel per page being rendered for the cache,
	// closed when it is done: when a page runs out, the requests that find
	// it so wait for one render instead of each rendering it at once.
	rendering map[string]chan struct{}
}

func newPageCache() *pageCache {
	return &pageCache{pages: map[string]cachedPage{}, rendering: map[string]chan struct{}{}}
}

// renderWait bounds how long a request waits for another's render of the
// same page before rendering it itself.
const renderWait = time.Second

// claim makes the caller the one to render key, and returns the release to
// call when the page is in the cache (or failed); when another request is
// rendering key already, it waits for that one (at most renderWait) and
// returns nil.
func (p *pageCache) claim(key string) (release func()) {
	p.mu.Lock()
	wait, busy := p.rendering[key]
	if !busy {
		done := make(chan struct{})
		p.rendering[key] = done
		p.mu.Unlock()
		return func() {
			p.mu.Lock()
			delete(p.rendering, key)
			p.mu.Unlock()
			close(done)
		}
	}
	p.mu.Unlock()
	select {
	case <-wait:
	case <-time.After(renderWait):
	}
	return nil
}

// lookup returns the page kept under key while it is fresh. Otherwise it
// makes the caller the one to render it (release, to call once the page is
// kept or failed), or, when another request was rendering it already,
// returns what that one kept.
func (p *pageCache) lookup(key string, writes func() uint64) (page cachedPage, ok bool, release func()) {
	if page, ok = p.get(key, time.Now(), writes()); ok {
		return page, true, nil
	}
	if release = p.claim(key); release != nil {
		return cachedPage{}, false, release
	}
	page, ok = p.get(key, time.Now(), writes())
	return page, ok, nil
}

func (p *pageCache) get(key string, now time.Time, writes uint64) (cachedPage, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	page, ok := p.pages[key]
	return page, ok && now.Sub(page.at) < pageTTL && page.writes == writes
}

// put keeps page under key. When the cache is full it first drops the
// pages no request can be served any more: out of date, or older than pageTTL.
func (p *pageCache) put(key string, page cachedPage) {
	size := page.size()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop(key)
	full := func() bool { return len(p.pages) >= maxPages || p.bytes+size > maxPageBytes }
	if full() {
		for k, old := range p.pages {
			if old.writes != page.writes || page.at.Sub(old.at) >= pageTTL {
				p.drop(k)
			}
		}
		if full() {
			return
		}
	}
	p.pages[key] = page
	p.bytes += size
}

// drop forgets the page kept under key, if any; p.mu is held.
func (p *pageCache) drop(key string) {
	if old, ok := p.pages[key]; ok {
		p.bytes -= old.size()
		delete(p.pages, key)
	}
}

// size is the bytes of the page's texts.
func (c cachedPage) size() (bytes int) {
	for _, part := range c.parts {
		bytes += len(part)
	}
	if c.shared != nil {
		bytes += c.shared.size
	}
	return bytes
}

// size is how many pages and answers the cache keeps, and their bytes.
func (p *pageCache) size() (entries, bytes int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pages), p.bytes
}

// visitorPages serves a page a visitor asked for from what was rendered for
// another visitor in the last pageTTL: such pages differ only in their CSRF
// token, which each response gets its own of. Members, htmx requests and
// pages with a one-time message are always rendered.
func (s *server) visitorPages(c *fiber.Ctx) error {
	v := s.deps.ViewerOf(c)
	if s.cfg.PageCache == "off" || v.User != nil || v.CSRF == "" || c.Method() != fiber.MethodGet || c.Get("HX-Request") != "" || handlers.HasFlash(c) {
		return c.Next()
	}
	key, writes := s.pageKey(c, v), s.store.Writes()
	page, ok, release := s.pages.lookup(key, s.store.Writes)
	if ok {
		c.Set(fiber.HeaderContentType, page.contentType)
		c.Response().ResetBody()
		appendJoined(c.Response(), page.parts, []byte(v.CSRF))
		return nil
	}
	if release != nil {
		defer release()
	}
	token, mark := v.CSRF, tokenMark()
	v.CSRF = mark
	c.SetUserContext(s.store.ForCache(c.UserContext()))
	err := c.Next()
	v.CSRF = token
	if err != nil {
		return err
	}
	resp := c.Response()
	parts := bytes.Split(bytes.Clone(resp.Body()), []byte(mark))
	if resp.StatusCode() == fiber.StatusOK {
		s.pages.put(key, cachedPage{parts: parts, contentType: string(resp.Header.ContentType()), at: time.Now(), writes: writes})
	}
	resp.SetBodyRaw(bytes.Join(parts, []byte(token)))
	return nil
}

// pageKey is where a page rendered to be shared is kept. The brand's version
// and the reader's theme are part of it: a brand saved on any instance shows
// at once, and one reader's theme never reaches another.
func (s *server) pageKey(c *fiber.Ctx, v *handlers.Viewer) string {
	brand := s.deps.BrandingOf(c)
	return v.Lang + " " + handlers.ThemeOf(c) + " " + strconv.FormatInt(brand.Version, 10) + " " + c.OriginalURL()
}

// visitorAnswers serves a JSON answer a visitor asked for from what was
// answered to another visitor in the last pageTTL, as visitorPages does for
// pages (an answer holds no CSRF token, so it is served as it was). Callers
// with a token or a session always get a fresh answer.
func (s *server) visitorAnswers(c *fiber.Ctx) error {
	v := s.deps.ViewerOf(c)
	if s.cfg.PageCache == "off" || v.User != nil || c.Method() != fiber.MethodGet {
		return c.Next()
	}
	key, writes := "api "+v.Lang+" "+c.OriginalURL(), s.store.Writes()
	answer, ok, release := s.pages.lookup(key, s.store.Writes)
	if ok {
		c.Set(fiber.HeaderContentType, answer.contentType)
		return c.Send(answer.parts[0])
	}
	if release != nil {
		defer release()
	}
	c.SetUserContext(s.store.ForCache(c.UserContext()))
	if err := c.Next(); err != nil {
		return err
	}
	resp := c.Response()
	if resp.StatusCode() == fiber.StatusOK {
		s.pages.put(key, cachedPage{parts: [][]byte{bytes.Clone(resp.Body())}, contentType: string(resp.Header.ContentType()),
			at: time.Now(), writes: writes})
	}
	return nil
}
