package app_test

import (
	"net/http"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
)

// TestBrowserBrandAndDarkTheme: in a browser whose system prefers dark, a
// branded home page loads its logo, branding.css and the dark palette under
// the policy; the footer's theme switch turns the light theme on and back to
// the system's, by plain form posts.
func TestBrowserBrandAndDarkTheme(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
	_, err := srv.Store.SaveBranding(t.Context(), admin, models.BrandingInput{
		Name: "Fietsclub", Accent: "#d2691e", WelcomeEN: "**Welcome**, riders!",
		CustomCSS: ".hero { outline: 3px dashed rgb(1, 2, 3); }",
		Logo:      encodePNG(t, testImage(120, 40)), Favicon: encodePNG(t, testImage(64, 64)),
	})
	if err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t)
	dark := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, dark); err != nil {
		t.Fatalf("prefer dark: %v", err)
	}
	resp := step(t, tab, "open home", chromedp.NavigateResponse(srv.URL+"/"))
	if resp.Status != http.StatusOK {
		t.Fatalf("home: %d", resp.Status)
	}
	wantAssetsLoaded(t, tab)
	colours := func(what string) (bg, brand string) {
		bg = step(t, tab, "read the background "+what, chromedp.Evaluate[string](`getComputedStyle(document.documentElement).backgroundColor`))
		brand = step(t, tab, "read --brand "+what, chromedp.Evaluate[string](`getComputedStyle(document.documentElement).getPropertyValue("--brand").trim()`))
		return bg, brand
	}
	if bg, brand := colours("from the system"); bg != "rgb(18, 22, 20)" || brand != "#d2691e" {
		t.Errorf("system dark: background %s, --brand %s; want the dark palette with the accent", bg, brand)
	}
	if got := step(t, tab, "read the custom CSS", chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".hero")).outlineColor`)); got != "rgb(1, 2, 3)" {
		t.Errorf("the custom CSS did not apply: outline %q", got)
	}
	if w := step(t, tab, "read the logo", chromedp.Evaluate[int](`document.querySelector("img.brand-logo").naturalWidth`)); w != 120 {
		t.Errorf("the logo is %d pixels wide, want 120", w)
	}
	screenshot(t, tab, "dark")

	// The switch needs no JavaScript.
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	resp = clickAndWait(t, tab, `.theme-switch button[value="light"]`)
	if resp.Status != http.StatusOK {
		t.Fatalf("after choosing light: %d", resp.Status)
	}
	if bg, brand := colours("chosen light"); bg != "rgb(246, 247, 245)" || brand != "#d2691e" {
		t.Errorf("light chosen: background %s, --brand %s", bg, brand)
	}
	if p := step(t, tab, "read the pressed button", chromedp.AttributeValue(chromedp.CSS(`.theme-switch button[value="light"]`), "aria-pressed")); p.Value != "true" {
		t.Errorf("the light button is aria-pressed=%q", p.Value)
	}
	screenshot(t, tab, "light")

	clickAndWait(t, tab, `.theme-switch button[value="system"]`)
	if bg, _ := colours("back to the system"); bg != "rgb(18, 22, 20)" {
		t.Errorf("back to the system: background %s", bg)
	}
}
