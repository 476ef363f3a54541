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

// pageTTL is how long a page rendered for visitors is served again to other
// visitors, unless a write through this instance comes first. Members always
// get a fresh page; visitors see another instance's writes at most this late.
const pageTTL = 2 * time.Second

// maxPages bounds the cache, whatever query strings visitors send.
const maxPages = 256

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
}

// pageCache keeps the pages visitors read most for pageTTL.
type pageCache struct {
	mu    sync.Mutex
	pages map[string]cachedPage
}

func newPageCache() *pageCache { return &pageCache{pages: map[string]cachedPage{}} }

func (p *pageCache) get(key string, now time.Time, writes uint64) (cachedPage, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	page, ok := p.pages[key]
	return page, ok && now.Sub(page.at) < pageTTL && page.writes == writes
}

func (p *pageCache) put(key string, page cachedPage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pages) >= maxPages {
		for k, old := range p.pages {
			if page.at.Sub(old.at) >= pageTTL {
				delete(p.pages, k)
			}
		}
		if len(p.pages) >= maxPages {
			return
		}
	}
	p.pages[key] = page
}

// visitorPages serves a page a visitor asked for from what was rendered for
// another visitor in the last pageTTL: such pages differ only in their CSRF
// token, which each response gets its own of. Members, htmx requests and
// pages with a one-time message are always rendered.
func (s *server) visitorPages(c *fiber.Ctx) error {
	v := s.deps.ViewerOf(c)
	if v.User != nil || v.CSRF == "" || c.Method() != fiber.MethodGet || c.Get("HX-Request") != "" || handlers.HasFlash(c) {
		return c.Next()
	}
	// The brand's version and the visitor's theme are part of the key: a
	// brand saved on any instance shows at once, and one visitor's theme
	// never reaches another.
	brand := s.deps.BrandingOf(c)
	key := v.Lang + " " + handlers.ThemeOf(c) + " " + strconv.FormatInt(brand.Version, 10) + " " + c.OriginalURL()
	writes := s.store.Writes()
	if page, ok := s.pages.get(key, time.Now(), writes); ok {
		c.Set(fiber.HeaderContentType, page.contentType)
		return c.Send(bytes.Join(page.parts, []byte(v.CSRF)))
	}
	token, mark := v.CSRF, tokenMark()
	v.CSRF = mark
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
