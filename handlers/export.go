package handlers

import (
	"bufio"
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Export gives the team the community's ideas as a spreadsheet.
type Export struct{ *Deps }

// exportTimeout bounds one export: 100,000 ideas take seconds.
const exportTimeout = 10 * time.Minute

// Ideas answers GET /admin/export/ideas.csv: every idea the caller may see,
// one row each, streamed as it is read from the database.
func (h *Export) Ideas(c *fiber.Ctx) error {
	user := h.ViewerOf(c).User
	store, baseURL, log := h.Store, h.BaseURL, h.Log
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="ideas.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	// The writer runs after the handler returns: it keeps nothing of c.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		if err := store.ExportIdeas(ctx, user, baseURL, w); err != nil {
			// The status is sent; the cut-off file is all the client can get.
			log.Error("export ideas", "error", err)
		}
	})
	return nil
}
