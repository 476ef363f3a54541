package models

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWebhookClientChecksTheAddressItDials: the client refuses a private
// address at the moment it dials, whatever the URL's check said before (a
// name that resolved elsewhere then: DNS rebinding), and follows no redirect.
func TestWebhookClientChecksTheAddressItDials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			http.Redirect(w, r, "/there", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	for _, target := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		_, err := webhookClient(false).Get(target)
		if err == nil || !strings.Contains(err.Error(), "private") {
			t.Fatalf("GET %s dialled a loopback address: %v", target, err)
		}
	}
	resp, err := webhookClient(true).Get(srv.URL)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("with private addresses allowed: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = webhookClient(true).Get(srv.URL + "/away")
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("a redirect was followed: %v %v", resp, err)
	}
	resp.Body.Close()
}
