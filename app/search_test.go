package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"samen/app/apptest"
)

// TestSearchRoutesHaveATighterLimit: searches (the search page, similar
// ideas, and lists with q) count against a per-address limit of their own,
// below the general one; other pages do not count against it.
func TestSearchRoutesHaveATighterLimit(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMIT_SEARCHES=3")
		c := srv.Client()
		wantStatus(t, c.Get("/search?q=lights"), http.StatusOK)
		wantStatus(t, c.Get("/ideas/similar?title=lights+that+switch"), http.StatusOK)
		wantStatus(t, c.Get("/?q=lights"), http.StatusOK)
		r := c.Get("/search?q=bell")
		wantStatus(t, r, http.StatusTooManyRequests)
		if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		wantAPIError(t, c.Get("/api/v1/ideas?q=bell"), http.StatusTooManyRequests, "too_many_requests")
		wantStatus(t, c.Get("/ideas/similar?title=bell"), http.StatusTooManyRequests)
		// Pages without a search are not counted by it.
		wantStatus(t, c.Get("/"), http.StatusOK)
		wantStatus(t, c.Get("/search"), http.StatusOK)
		wantStatus(t, c.Get("/api/v1/ideas"), http.StatusOK)
	})
}

// TestIPv6AddressesShareALimitPerSlash64: one host commonly holds a whole
// /64, so per-address limits count an IPv6 client by its /64.
func TestIPv6AddressesShareALimitPerSlash64(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMIT_REQUESTS=2", "SAMEN_TRUSTED_PROXIES=127.0.0.1/32")
		get := func(client string) int {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("X-Forwarded-For", client)
			return srv.Client().Do(req).StatusCode
		}
		get("2001:db8:1:2::1")
		get("2001:db8:1:2:aaaa:bbbb:cccc:dddd")
		if status := get("[2001:db8:1:2:ffff::9]:41000"); status != http.StatusTooManyRequests {
			t.Fatalf("a third address of the same /64 was not limited: %d", status)
		}
		if status := get("2001:db8:1:3::1"); status != http.StatusOK {
			t.Fatalf("the next /64 was limited: %d", status)
		}
		// IPv4 addresses still count one by one.
		get("203.0.113.7")
		get("203.0.113.7")
		if status := get("203.0.113.8"); status != http.StatusOK {
			t.Fatalf("a neighbouring IPv4 address was limited: %d", status)
		}
	})
}

// TestSearchPastItsTimeoutAnswersClearly: a search the database does not
// finish within SAMEN_SEARCH_TIMEOUT answers 503 with a message that says
// so, on the page and in the API, not a 500.
func TestSearchPastItsTimeoutAnswersClearly(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_SEARCH_TIMEOUT=1ns")
		c := srv.Client()
		r := c.Get("/search?q=lights")
		wantStatus(t, r, http.StatusServiceUnavailable)
		wantText(t, r, ".error-page .message", "This search took too long. Try fewer words, or longer ones.")
		r = c.Get("/api/v1/ideas?q=lights")
		wantAPIError(t, r, http.StatusServiceUnavailable, "search_timeout")
		var e struct{ Error struct{ Message string } }
		if err := json.Unmarshal(r.Body, &e); err != nil || !strings.Contains(e.Error.Message, "took too long") {
			t.Fatalf("API message %q (%v)", e.Error.Message, err)
		}
		wantStatus(t, c.Get("/ideas/similar?title=lights"), http.StatusServiceUnavailable)
		// What is not a search is not affected.
		wantStatus(t, c.Get("/"), http.StatusOK)
		if strings.Contains(srv.Logs(), "request failed") {
			t.Fatalf("a search past its timeout was logged as a failure:\n%s", srv.Logs())
		}
	})
}
