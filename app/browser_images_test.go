package app_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
)

// TestBrowserAttachAnImageWithoutJavaScript: with scripts off, a member
// chooses a photo in the new-idea form, describes it and posts; the idea's
// page shows the thumbnail, loaded under the page's CSP, with the alt text.
func TestBrowserAttachAnImageWithoutJavaScript(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	file := filepath.Join(t.TempDir(), "bell.jpg")
	if err := os.WriteFile(file, jpegWithEXIF(t, 1200, 900), 0o600); err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t)
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disable JavaScript: %v", err)
	}
	signInBrowser(t, tab, srv, srv.User("Anna", "anna@example.com", models.RoleMember))

	step(t, tab, "open the form", chromedp.NavigateResponse(srv.URL+"/ideas/new"))
	step(t, tab, "type a title", chromedp.SendKeys(chromedp.CSS("input#title"), "The bell rings twice"))
	step(t, tab, "open the images", chromedp.Click(chromedp.CSS(".image-fields summary")))
	step(t, tab, "choose a photo", chromedp.SetUploadFiles(chromedp.CSS("input#idea-image-0"), []string{file}))
	step(t, tab, "describe it", chromedp.SendKeys(chromedp.CSS("input#idea-alt-0"), "A bent bell on the handlebar"))
	screenshot(t, tab, "form")
	resp := clickAndWait(t, tab, "button[type=submit].primary")
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/ideas/") {
		t.Fatalf("after posting: %d %s", resp.Status, resp.URL)
	}
	loaded := `(() => { const i = document.querySelector("article.idea ul.images img"); return !!i && i.complete && i.naturalWidth; })()`
	if w := step(t, tab, "the thumbnail loads", chromedp.Poll[int](loaded)); w != 300 {
		t.Fatalf("the thumbnail is %d px wide, want 300 (turned upright: 900x1200)", w)
	}
	if alt := step(t, tab, "read the alt text", chromedp.AttributeValue(chromedp.CSS("article.idea ul.images img"), "alt")); alt.Value != "A bent bell on the handlebar" {
		t.Fatalf("alt %q", alt.Value)
	}
	screenshot(t, tab, "idea")
}
