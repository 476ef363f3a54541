package app

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/gofiber/fiber/v2"

	"samen/handlers"
)

// conditionalGet gives every answer to a GET that has no validator of its
// own (pages, the JSON API) an ETag, the hash of what it says, and answers
// 304 with no body when the client's If-None-Match already names it: a
// browser or an API client that holds the answer gets it confirmed instead
// of sent again.
//
// What it says leaves out the CSRF token, which is masked anew for every
// answer, and, when the answer carries one, puts in its secret, which is
// the session's (or the visitor's cookie's): a page held from an earlier
// session carries a token that no longer works, so it gets a new ETag, and
// a new page. Answers without a
// Cache-Control of their own say "private, no-cache": a member's page is
// theirs alone, and is asked for anew each time (the 304 makes that cheap).
func (s *server) conditionalGet(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet {
		return c.Next()
	}
	if err := c.Next(); err != nil {
		return err
	}
	resp := c.Response()
	if resp.StatusCode() != fiber.StatusOK || resp.IsBodyStream() || len(resp.Header.Peek(fiber.HeaderETag)) > 0 {
		return nil
	}
	cacheControl := string(resp.Header.Peek(fiber.HeaderCacheControl))
	if strings.Contains(cacheControl, "no-store") {
		return nil
	}
	h := xxhash.New()
	body := resp.Body()
	if token := s.deps.ViewerOf(c).CSRF; token != "" && bytes.Contains(body, []byte(token)) {
		// Only an answer that carries the token depends on the secret: an
		// API answer to a client without cookies (whose secret is new each
		// time) keeps one ETag while what it says stays the same.
		if secret, ok := c.Locals(csrfSecretKey{}).([]byte); ok {
			_, _ = h.Write(secret)
		}
		for {
			i := bytes.Index(body, []byte(token))
			if i < 0 {
				break
			}
			_, _ = h.Write(body[:i])
			body = body[i+len(token):]
		}
	}
	_, _ = h.Write(body)
	etag := `W/"` + strconv.FormatUint(h.Sum64(), 36) + `"`
	if cacheControl == "" {
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
	}
	c.Set(fiber.HeaderETag, etag)
	if handlers.ETagListed(c.Get(fiber.HeaderIfNoneMatch), etag) {
		resp.ResetBody()
		c.Status(fiber.StatusNotModified)
	}
	return nil
}
