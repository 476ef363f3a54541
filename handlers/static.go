package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"samen/static"
)

// Static serves the embedded CSS, JavaScript and images. Fingerprinted URLs
// are cached for a year; plain names (for bookmarks and old links) revalidate.
type Static struct {
	Assets *static.Assets
}

// Serve answers GET /static/*.
func (s *Static) Serve(c *fiber.Ctx) error {
	asset, ok := s.Assets.ByURL(c.Path())
	cache := "public, max-age=31536000, immutable"
	if !ok {
		asset, ok = s.Assets.ByName(strings.TrimPrefix(c.Path(), "/static/"))
		cache = "public, no-cache"
	}
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, cache)
	c.Set(fiber.HeaderETag, asset.ETag)
	if ETagListed(c.Get(fiber.HeaderIfNoneMatch), asset.ETag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, asset.ContentType)
	return c.Send(asset.Body)
}
