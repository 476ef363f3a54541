package static_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"samen/models"
)

// palette reads the custom properties of the CSS rule whose selector is
// given exactly, from samen.css.
func palette(t *testing.T, css, selector string) map[string]string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(selector) + `\s*\{([^}]*)\}`)
	m := re.FindStringSubmatch(css)
	if m == nil {
		t.Fatalf("samen.css has no rule %q", selector)
	}
	props := map[string]string{}
	for _, p := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(m[1], -1) {
		props[p[1]] = p[2]
	}
	return props
}

// TestThemesMeetWCAGContrast computes the contrast ratio of every pair of
// text and background colours the pages use, in the light and the dark
// theme (both spellings of the dark one: chosen, and from the system), and
// wants at least 4.5:1 (WCAG 2.1 AA for normal text).
func TestThemesMeetWCAGContrast(t *testing.T) {
	raw, err := os.ReadFile("css/samen.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(raw)
	light := palette(t, css, ":root")
	for k, v := range tints(t, css) {
		light[k] = v
	}
	dark := palette(t, css, `:root[data-theme="dark"]`)
	system := palette(t, css, `:root:not([data-theme="light"])`)
	if len(dark) < 10 || !equal(dark, system) {
		t.Fatalf("the chosen and the system's dark palettes differ:\n%v\n%v", dark, system)
	}
	pairs := [][2]string{
		{"text", "bg"}, {"text", "surface"}, {"muted", "bg"}, {"muted", "surface"},
		{"brand", "bg"}, {"brand", "surface"}, {"brand-contrast", "brand"},
		{"danger", "bg"}, {"danger", "surface"},
		{"text", "tint"}, {"text", "alert-tint"}, {"text", "note-tint"}, {"brand", "tint"}, {"danger", "alert-tint"},
	}
	for name, p := range map[string]map[string]string{"light": light, "dark": dark} {
		for _, pair := range pairs {
			fg, bg := p[pair[0]], p[pair[1]]
			ratio, err := models.ContrastRatio(fg, bg)
			if err != nil {
				t.Fatalf("%s theme, --%s on --%s: %v", name, pair[0], pair[1], err)
			}
			t.Logf("%s theme: --%s %s on --%s %s: %.2f:1", name, pair[0], fg, pair[1], bg, ratio)
			if ratio < models.AAContrast {
				t.Errorf("%s theme: --%s %s on --%s %s has a contrast of %.2f:1, below %.1f:1", name, pair[0], fg, pair[1], bg, ratio, models.AAContrast)
			}
		}
	}
	// The accent check measures against the same backgrounds.
	if want := []string{light["bg"], light["surface"]}; !slices.Equal(want, models.LightBackgrounds) {
		t.Errorf("models.LightBackgrounds = %v, samen.css has %v", models.LightBackgrounds, want)
	}
	if want := []string{dark["bg"], dark["surface"]}; !slices.Equal(want, models.DarkBackgrounds) {
		t.Errorf("models.DarkBackgrounds = %v, samen.css has %v", models.DarkBackgrounds, want)
	}
}

// tints are the light theme's tinted backgrounds, in their own :root rule.
func tints(t *testing.T, css string) map[string]string {
	t.Helper()
	m := regexp.MustCompile(`:root \{ (--tint[^}]*)\}`).FindStringSubmatch(css)
	if m == nil {
		t.Fatal("samen.css has no light tints")
	}
	return palette(t, ":root {"+m[1]+"}", ":root")
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
