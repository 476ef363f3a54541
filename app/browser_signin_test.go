package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"samen/models"
)

// TestBrowserSignInWithOpenIDConnect signs in through the local provider in
// Chromium, from the sign-in page to the account page.
func TestBrowserSignInWithOpenIDConnect(t *testing.T) {
	srv, m := oidcServer(t, models.SQLite)
	tab := newBrowser(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "journey-1", Email: "rider@example.com", EmailVerified: true, PreferredUsername: "Rider"})

	resp := step(t, tab, "open the sign-in page", chromedp.NavigateResponse(srv.URL+"/login?next=%2Fme"))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /login answered %d", resp.Status)
	}
	wantAssetsLoaded(t, tab)
	screenshot(t, tab, "login")

	resp = clickAndWait(t, tab, "a.provider-oidc")
	if resp.Status != http.StatusOK {
		t.Fatalf("the page after signing in answered %d", resp.Status)
	}
	if !strings.HasSuffix(resp.URL, "/me") {
		t.Fatalf("signed in at %s, want /me", resp.URL)
	}
	if name := step(t, tab, "read the name", chromedp.Text(chromedp.CSS(".profile dd.name"))); strings.TrimSpace(name) != "Rider" {
		t.Fatalf("signed in as %q", name)
	}
	if who := step(t, tab, "read the header", chromedp.Text(chromedp.CSS("header a.account-name"))); who != "Rider" {
		t.Fatalf("the header shows %q", who)
	}
	screenshot(t, tab, "signed-in")

	// Sign out from the header.
	clickAndWait(t, tab, "header form[action='/logout'] button")
	if text := step(t, tab, "read the flash", chromedp.Text(chromedp.CSS("p.flash"))); text != "You are signed out." {
		t.Fatalf("after signing out: %q", text)
	}
}

// TestBrowserSignInWithEmailLink asks for a link, opens it from the log and
// joins as a new member.
func TestBrowserSignInWithEmailLink(t *testing.T) {
	srv, _ := oidcServer(t, models.SQLite)
	tab := newBrowser(t)
	step(t, tab, "open the sign-in page", chromedp.NavigateResponse(srv.URL+"/login"))
	step(t, tab, "type the email", chromedp.SendKeys(chromedp.CSS("input#email"), "newcomer@example.com"))
	clickAndWait(t, tab, "form.email-form button[type=submit]")
	if h := step(t, tab, "read the heading", chromedp.Text(chromedp.CSS("h1"))); h != "Check your inbox" {
		t.Fatalf("after asking for a link: %q", h)
	}
	link := srv.WaitLog(linkInLog, 1)
	step(t, tab, "open the link", chromedp.NavigateResponse(link))
	step(t, tab, "type a name", chromedp.SendKeys(chromedp.CSS("input#name"), "Nieuwkomer"))
	screenshot(t, tab, "choose-name")
	resp := clickAndWait(t, tab, "form.confirm-form button[type=submit]")
	if resp.Status != http.StatusOK {
		t.Fatalf("after the link: %d", resp.Status)
	}
	if who := step(t, tab, "read the header", chromedp.Text(chromedp.CSS("header a.account-name"))); who != "Nieuwkomer" {
		t.Fatalf("the header shows %q", who)
	}
}
