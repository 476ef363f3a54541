package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Branding is how the community presents itself: its name, logo and
// favicon, accent colour, welcome text per language, footer links and its
// own stylesheet. Empty fields fall back to Samen's defaults.
type Branding struct {
	// Version grows with every save; every instance reads it per request.
	Version int64
	Name    string
	// Accent is "#rrggbb", or "" for Samen's colours.
	Accent string
	// WelcomeEN and WelcomeNL are Markdown; the HTML beside each was
	// rendered and sanitised when saved.
	WelcomeEN, WelcomeNL          string
	WelcomeENHTML, WelcomeNLHTML  template.HTML
	PrivacyURL, TermsURL, SiteURL string
	// CustomCSS is the admins' stylesheet as saved (see CheckCSS).
	CustomCSS string
	// Logo, Favicon and Favicon180 are PNGs Samen encoded itself; nil when none.
	Logo, Favicon, Favicon180 []byte
	UpdatedAt                 *time.Time

	// Stylesheet is branding.css: the accent's custom properties, then the
	// admins' CSS. StylesheetHash, LogoHash and FaviconHash name the
	// contents in URLs (so browsers may keep them for long); "" when none.
	Stylesheet                            string
	StylesheetHash, LogoHash, FaviconHash string
}

// Welcome is the welcome text's HTML in lang, or English when lang has none.
func (b Branding) Welcome(lang string) template.HTML {
	if lang == "nl" && b.WelcomeNLHTML != "" {
		return b.WelcomeNLHTML
	}
	return b.WelcomeENHTML
}

// TableName keeps GORM on the branding table.
func (Branding) TableName() string { return "branding" }

// brandingRow is the stored row.
type brandingRow struct {
	Version       int64
	Name, Accent  string
	WelcomeEN     string `gorm:"column:welcome_en"`
	WelcomeENHTML string `gorm:"column:welcome_en_html"`
	WelcomeNL     string `gorm:"column:welcome_nl"`
	WelcomeNLHTML string `gorm:"column:welcome_nl_html"`
	PrivacyURL    string `gorm:"column:privacy_url"`
	TermsURL      string `gorm:"column:terms_url"`
	SiteURL       string `gorm:"column:site_url"`
	CustomCSS     string `gorm:"column:custom_css"`
	Logo, Favicon []byte
	Favicon180    []byte `gorm:"column:favicon_180"`
	UpdatedBy     *int64
	UpdatedAt     *time.Time
}

// brandCache keeps the branding of the version last read.
type brandCache struct {
	mu    sync.Mutex
	value *Branding
}

// Branding returns the community's branding. It reads the version number
// on every call (one small query) and the whole row only when the version
// moved, so a change saved on any instance shows on the next request of
// every other.
func (s *Store) Branding(ctx context.Context) (Branding, error) {
	var version int64
	if err := s.db.WithContext(ctx).Raw("SELECT version FROM branding WHERE id = 1").Scan(&version).Error; err != nil {
		return Branding{}, fmt.Errorf("read branding version: %w", err)
	}
	s.brand.mu.Lock()
	kept := s.brand.value
	s.brand.mu.Unlock()
	if kept != nil && kept.Version == version {
		return *kept, nil
	}
	var row brandingRow
	if err := s.db.WithContext(ctx).Table("branding").Where("id = 1").Take(&row).Error; err != nil {
		return Branding{}, fmt.Errorf("load branding: %w", err)
	}
	b := row.branding()
	s.brand.mu.Lock()
	if s.brand.value == nil || s.brand.value.Version < b.Version {
		s.brand.value = &b
	}
	s.brand.mu.Unlock()
	return b, nil
}

func (r brandingRow) branding() Branding {
	b := Branding{
		Version: r.Version, Name: r.Name, Accent: r.Accent,
		WelcomeEN: r.WelcomeEN, WelcomeNL: r.WelcomeNL,
		WelcomeENHTML: template.HTML(r.WelcomeENHTML), WelcomeNLHTML: template.HTML(r.WelcomeNLHTML), // sanitised on save
		PrivacyURL: r.PrivacyURL, TermsURL: r.TermsURL, SiteURL: r.SiteURL, CustomCSS: r.CustomCSS,
		Logo: r.Logo, Favicon: r.Favicon, Favicon180: r.Favicon180, UpdatedAt: r.UpdatedAt,
	}
	b.Stylesheet = brandStylesheet(b.Accent, b.CustomCSS)
	if b.Stylesheet != "" {
		b.StylesheetHash = contentHash([]byte(b.Stylesheet))
	}
	if len(b.Logo) > 0 {
		b.LogoHash = contentHash(b.Logo)
	}
	if len(b.Favicon) > 0 {
		b.FaviconHash = contentHash(append(append([]byte{}, b.Favicon...), b.Favicon180...))
	}
	return b
}

func contentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// brandStylesheet is branding.css: the accent as the brand colour (links,
// buttons, the current page) in the light theme, and in the dark theme too
// when it is readable there; then the admins' CSS.
func brandStylesheet(accent, custom string) string {
	var b strings.Builder
	if accent != "" {
		fmt.Fprintf(&b, ":root { --brand: %s; --brand-contrast: %s; }\n", accent, TextOn(accent))
		if c, err := CheckAccent(accent); err == nil && c.Dark >= AAContrast {
			dark := fmt.Sprintf("--brand: %s; --brand-contrast: %s;", accent, TextOn(accent))
			fmt.Fprintf(&b, ":root[data-theme=\"dark\"] { %s }\n", dark)
			fmt.Fprintf(&b, "@media (prefers-color-scheme: dark) { :root:not([data-theme=\"light\"]) { %s } }\n", dark)
		}
	}
	if strings.TrimSpace(custom) != "" {
		b.WriteString("/* The community's own styles */\n")
		b.WriteString(custom)
		b.WriteString("\n")
	}
	return b.String()
}

// BrandingInput is what an admin saves. Logo and Favicon are uploads as
// received (nil: keep the one there); the Remove flags drop the stored one.
type BrandingInput struct {
	Name, Accent                  string
	WelcomeEN, WelcomeNL          string
	PrivacyURL, TermsURL, SiteURL string
	CustomCSS                     string
	Logo, Favicon                 []byte
	RemoveLogo, RemoveFavicon     bool
}

// Input is the branding as an admin would save it again unchanged.
func (b Branding) Input() BrandingInput {
	return BrandingInput{
		Name: b.Name, Accent: b.Accent, WelcomeEN: b.WelcomeEN, WelcomeNL: b.WelcomeNL,
		PrivacyURL: b.PrivacyURL, TermsURL: b.TermsURL, SiteURL: b.SiteURL, CustomCSS: b.CustomCSS,
	}
}

// Limits of what branding holds.
const (
	MaxBrandName   = 60
	MaxWelcome     = 4000
	MaxFooterURL   = 500
	MaxCustomCSS   = 32 << 10
	MaxImageUpload = 1 << 20
)

// SaveBranding checks in, re-encodes its images, renders the welcome texts,
// stores the lot with a new version and records the change in the audit log.
// Problems come back as ValidationErrors by field.
func (s *Store) SaveBranding(ctx context.Context, actor *User, in BrandingInput) (Branding, error) {
	errs := ValidationErrors{}
	in.Name = strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(in.Name) > MaxBrandName {
		errs["name"] = fmt.Sprintf("must be at most %d characters", MaxBrandName)
	}
	in.Accent = strings.ToLower(strings.TrimSpace(in.Accent))
	if in.Accent != "" {
		if _, err := CheckAccent(in.Accent); err != nil {
			errs["accent"] = err.Error()
		}
	}
	for field, text := range map[string]string{"welcome_en": in.WelcomeEN, "welcome_nl": in.WelcomeNL} {
		if utf8.RuneCountInString(text) > MaxWelcome {
			errs[field] = fmt.Sprintf("must be at most %d characters", MaxWelcome)
		}
	}
	for field, link := range map[string]*string{"privacy_url": &in.PrivacyURL, "terms_url": &in.TermsURL, "site_url": &in.SiteURL} {
		*link = strings.TrimSpace(*link)
		if msg := checkFooterURL(*link); msg != "" {
			errs[field] = msg
		}
	}
	if err := CheckCSS(in.CustomCSS); err != nil {
		errs["custom_css"] = err.Error()
	}
	row := map[string]any{
		"name": in.Name, "accent": in.Accent,
		"welcome_en": in.WelcomeEN, "welcome_en_html": string(s.md.render(in.WelcomeEN)),
		"welcome_nl": in.WelcomeNL, "welcome_nl_html": string(s.md.render(in.WelcomeNL)),
		"privacy_url": in.PrivacyURL, "terms_url": in.TermsURL, "site_url": in.SiteURL,
		"custom_css": in.CustomCSS, "updated_at": s.Now(),
		"version": gorm.Expr("version + 1"),
	}
	if strings.TrimSpace(in.WelcomeEN) == "" {
		row["welcome_en_html"] = ""
	}
	if strings.TrimSpace(in.WelcomeNL) == "" {
		row["welcome_nl_html"] = ""
	}
	if actor != nil {
		row["updated_by"] = actor.ID
	}
	switch {
	case in.Logo != nil:
		logo, err := BrandImage(in.Logo, maxLogoWidth, maxLogoHeight, false)
		if err != nil {
			errs["logo"] = err.Error()
		}
		row["logo"] = logo
	case in.RemoveLogo:
		row["logo"] = nil
	}
	switch {
	case in.Favicon != nil:
		small, err := BrandImage(in.Favicon, 32, 32, true)
		if err != nil {
			errs["favicon"] = err.Error()
			break
		}
		large, err := BrandImage(in.Favicon, 180, 180, true)
		if err != nil {
			errs["favicon"] = err.Error()
		}
		row["favicon"], row["favicon_180"] = small, large
	case in.RemoveFavicon:
		row["favicon"], row["favicon_180"] = nil, nil
	}
	if err := errs.orNil(); err != nil {
		return Branding{}, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Table("branding").Where("id = 1").Updates(row).Error; err != nil {
			return err
		}
		return record(tx, s.Now(), Audit{Actor: actor, Action: AuditBranding, TargetType: TargetBranding, Reason: brandingChanges(in)})
	})
	if err != nil {
		return Branding{}, fmt.Errorf("save branding: %w", err)
	}
	return s.Branding(ctx)
}

// brandingChanges says in the audit log which images an admin replaced or removed.
func brandingChanges(in BrandingInput) string {
	var parts []string
	switch {
	case in.Logo != nil:
		parts = append(parts, "new logo")
	case in.RemoveLogo:
		parts = append(parts, "logo removed")
	}
	switch {
	case in.Favicon != nil:
		parts = append(parts, "new favicon")
	case in.RemoveFavicon:
		parts = append(parts, "favicon removed")
	}
	return strings.Join(parts, ", ")
}

// checkFooterURL returns what is wrong with a footer link, or "".
func checkFooterURL(link string) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	switch {
	case len(link) > MaxFooterURL:
		return fmt.Sprintf("must be at most %d characters", MaxFooterURL)
	case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(link, " \t\r\n\"'<>\\"):
		return "must be an https:// address"
	}
	return ""
}

// cssRefusals are what custom CSS may not hold (compared lower case with
// comments removed; "<" and backslashes anywhere): anything that could
// leave the stylesheet, load from elsewhere or run code. Escapes are
// refused so that none of these can be spelt another way.
var cssRefusals = []struct {
	text, why string
	raw       bool // checked in comments too
}{
	{"<", "may not contain \"<\" (no HTML, no </style>), not even in a comment", true},
	{"\\", "may not contain backslash escapes", true},
	{"@import", "may not use @import", false},
	{"@charset", "may not use @charset", false},
	{"@namespace", "may not use @namespace", false},
	{"expression(", "may not use expression()", false},
	{"javascript:", "may not contain javascript: addresses", false},
	{"vbscript:", "may not contain vbscript: addresses", false},
	{"-moz-binding", "may not use -moz-binding", false},
	{"image-set(", "may not use image-set(): use url() with a path on this site", false},
	{"src(", "may not use src(): use url() with a path on this site", false},
}

// CheckCSS refuses custom CSS that could break out of its stylesheet or
// fetch from another origin: see cssRefusals; url() only with a path on
// this site ("/…", not "//…"), and nothing past MaxCustomCSS bytes.
func CheckCSS(css string) error {
	if len(css) > MaxCustomCSS {
		return fmt.Errorf("must be at most %d KiB", MaxCustomCSS>>10)
	}
	if !utf8.ValidString(css) || strings.ContainsRune(css, 0) {
		return fmt.Errorf("must be UTF-8 text")
	}
	text := strings.ToLower(stripCSSComments(css))
	for _, r := range cssRefusals {
		if r.raw && strings.Contains(css, r.text) {
			return fmt.Errorf("%s", r.why)
		}
		if strings.Contains(text, r.text) {
			return fmt.Errorf("%s", r.why)
		}
	}
	for rest := text; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			break
		}
		rest = rest[i+len("url("):]
		arg := strings.Trim(strings.TrimSpace(rest), "\"'")
		if !strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "//") {
			return fmt.Errorf("may use url() only with a path on this site, such as url(/branding/logo.png)")
		}
	}
	return nil
}

// stripCSSComments removes /* … */ comments (an unclosed one to the end),
// leaving nothing in their place: "url/**/(" is checked as "url(", and
// "@im/**/port" as "@import", which errs on the side of refusing.
func stripCSSComments(css string) string {
	var b strings.Builder
	for {
		i := strings.Index(css, "/*")
		if i < 0 {
			b.WriteString(css)
			return b.String()
		}
		b.WriteString(css[:i])
		j := strings.Index(css[i+2:], "*/")
		if j < 0 {
			return b.String()
		}
		css = css[i+2+j+2:]
	}
}
