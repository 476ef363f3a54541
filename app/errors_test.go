package app

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestPanicLogRedactsTokensInPaths: the panic log cuts tokens from paths as
// the access log does.
func TestPanicLogRedactsTokensInPaths(t *testing.T) {
	logs := &bytes.Buffer{}
	s := &server{log: slog.New(slog.NewTextHandler(logs, nil))}
	a := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error { return c.SendStatus(500) }})
	a.Use(s.recoverer())
	a.Get("/auth/email/:token", func(*fiber.Ctx) error { panic("boom") })
	token := "SECRETsecretSECRETsecretSECRETsecretSECRET1"
	resp, err := a.Test(httptest.NewRequest("GET", "/auth/email/"+token, nil))
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("%v %v", resp, err)
	}
	if !strings.Contains(logs.String(), "msg=panic") || !strings.Contains(logs.String(), "path=/auth/email/…") || strings.Contains(logs.String(), token) {
		t.Fatalf("panic log:\n%s", logs)
	}
}
