// Package handlers turns HTTP requests into calls on models and renders the
// answer as HTML or JSON. Each handler reads parse -> authorize -> model ->
// render and returns its errors; app's error handler turns them into pages.
package handlers

import (
	"html/template"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// Deps are what handlers share.
type Deps struct {
	Store  *models.Store
	Bundle *i18n.Bundle
	// Translations has a localizer per language, made once (the compiled
	// pages need it).
	Translations *views.Translations
	// Asset is a static file's fingerprinted URL (the compiled pages need it).
	Asset func(string) string
	Log   *slog.Logger
	// Brand is the community's name in the header and titles.
	Brand string
	// BaseURL is where Samen is served, for links in emails.
	BaseURL string
	// Secure marks cookies Secure: the site is served over https.
	Secure bool
	// DefaultLanguage is the community's language, when neither the member
	// nor the browser names one Samen speaks ("" is English).
	DefaultLanguage string
	// Live turns live pages on: pages name their stream (see live.go).
	Live bool
}

// Viewer is who is asking, as the middleware found out.
type Viewer struct {
	User    *models.User    // nil for visitors
	Session *models.Session // set when signed in through the session cookie
	Bearer  bool            // authenticated by an API token
	IP      string          // the client's address, proxies taken into account
	CSRF    string          // masked CSRF token for this response's forms
	Lang    string          // "en" or "nl"
	L       *i18n.Localizer
	// Shared is set while a page is rendered to be shared by members: the
	// render's nonce, which marks where each member's own parts go (see
	// views/shared.go and SharedPage).
	Shared string
}

type viewerKey struct{}

// SetViewer records who is asking, for the handlers after it.
func SetViewer(c *fiber.Ctx, v *Viewer) { c.Locals(viewerKey{}, v) }

// ViewerOf returns who is asking. Before the middleware ran (an error early
// in the request), it is a visitor speaking the language the browser asks for.
func (d *Deps) ViewerOf(c *fiber.Ctx) *Viewer {
	if v, ok := c.Locals(viewerKey{}).(*Viewer); ok {
		return v
	}
	v := &Viewer{}
	v.Lang, v.L = d.Localizer(c.Get(fiber.HeaderAcceptLanguage))
	SetViewer(c, v)
	return v
}

// Localizer picks the first supported language of the preferences given
// (a chosen locale, then Accept-Language); the community's default
// language when none fits, else English.
func (d *Deps) Localizer(prefs ...string) (string, *i18n.Localizer) {
	lang := "en"
	if l := matchLanguage(d.DefaultLanguage); l != "" {
		lang = l
	}
	for _, p := range prefs {
		if p == "" {
			continue
		}
		if l := matchLanguage(p); l != "" {
			lang = l
			break
		}
	}
	if d.Translations != nil {
		if l := d.Translations.Localizer(lang); l != nil {
			return lang, l
		}
	}
	return lang, i18n.NewLocalizer(d.Bundle, lang)
}

// matchLanguage reads an Accept-Language value (or a bare tag) and returns
// the first language Samen speaks, or "".
func matchLanguage(header string) string {
	for _, part := range strings.Split(header, ",") {
		tag := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		base := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		if _, ok := views.LanguageNames[base]; ok {
			return base
		}
	}
	return ""
}

// Layout is what every page's layout needs; each page's data embeds it.
type Layout struct {
	*Viewer
	Brand     string
	Title     string
	Path      string // this page's path and query, where the language switch returns to
	Nav       string // the navigation item to mark current
	Flash     string
	Languages []string
	// Standing is where the viewer stands, for what the navigation offers.
	Standing models.Standing
	// DisabledWebhooks counts the webhooks that failed until they were
	// disabled: admins see a notice on every page while any are.
	DisabledWebhooks int64
	// Share is the page's Open Graph and Twitter card tags, on pages worth
	// sharing (see share.go); the same for every viewer.
	Share *ShareMeta
	// unread counts the viewer's unread notifications when the header asks.
	unread func() int64
	// LiveIdea is the idea whose votes and comments the page shows live;
	// live says whether live pages are on.
	LiveIdea int64
	live     bool

	// Branding is the community's brand for the header, head and footer;
	// Theme is "light" or "dark" as the viewer chose, "" to follow the system.
	Branding models.Branding
	Theme    string
}

// LiveURL is the page's stream of live updates (see Live), "" for none: an
// idea's page follows its idea, and a member's every page the unread badge.
func (l Layout) LiveURL() string {
	switch {
	case !l.live:
		return ""
	case l.LiveIdea != 0:
		return "/live?idea=" + strconv.FormatInt(l.LiveIdea, 10)
	case l.Viewer != nil && l.User != nil:
		return "/live"
	}
	return ""
}

// Themes are the choices of the theme switch.
func (Layout) Themes() []string { return []string{"system", "light", "dark"} }

// ThemeChoice is the theme switch's pressed button.
func (l Layout) ThemeChoice() string {
	if l.Theme == "" {
		return "system"
	}
	return l.Theme
}

// Welcome is the brand's welcome text in the viewer's language.
func (l Layout) Welcome() template.HTML { return l.Branding.Welcome(l.Lang) }

// Unread is the count of the viewer's unread notifications for the header's
// badge: counted once, when a page shows it, and only for members (pages
// cached for visitors never hold one).
func (l Layout) Unread() int64 {
	if l.unread == nil {
		return 0
	}
	return l.unread()
}

// layout builds the layout data for a page titled by a message id.
func (d *Deps) layout(c *fiber.Ctx, titleID, nav string) Layout {
	v := d.ViewerOf(c)
	l := Layout{
		Viewer:    v,
		Brand:     d.BrandName(c),
		Branding:  d.BrandingOf(c),
		Theme:     ThemeOf(c),
		Path:      c.OriginalURL(),
		Nav:       nav,
		Languages: []string{"en", "nl"},
		Standing:  models.StandingOf(v.User, d.Store.Now()),
		live:      d.Live,
	}
	if v.User != nil {
		var (
			once  sync.Once
			count int64
		)
		l.unread = func() int64 {
			once.Do(func() { count = d.unreadCount(c, v) })
			return count
		}
	}
	if titleID != "" {
		l.Title = views.T(v.L, titleID)
	}
	if l.Standing.Allows(models.ActManageWebhooks) {
		n, err := d.Store.DisabledWebhooks(c.UserContext())
		if err != nil {
			d.Log.Warn("count disabled webhooks", "error", err) // the page serves without the notice
		}
		l.DisabledWebhooks = n
	}
	if id := c.Cookies(flashCookie); id != "" {
		if msg := views.T(v.L, "flash."+id); msg != "flash."+id {
			l.Flash = msg
		}
		// Cleared where it was set: without the path, the browser would
		// keep it for the pages below and show the message again.
		c.Cookie(&fiber.Cookie{
			Name: flashCookie, Path: "/", Expires: time.Unix(1, 0),
			HTTPOnly: true, Secure: d.Secure, SameSite: fiber.CookieSameSiteLaxMode,
		})
	}
	return l
}

const flashCookie = "samen_flash"

type brandingKey struct{}

// BrandingOf returns the community's branding, read once per request (see
// models.Store.Branding). When it cannot be read, the page is served with
// Samen's own brand and the failure is logged.
func (d *Deps) BrandingOf(c *fiber.Ctx) models.Branding {
	if b, ok := c.Locals(brandingKey{}).(*models.Branding); ok {
		return *b
	}
	b, err := d.Store.Branding(c.UserContext())
	if err != nil {
		d.Log.Warn("read branding", "error", err)
		return models.Branding{}
	}
	c.Locals(brandingKey{}, &b)
	return b
}

// BrandName is the community's name: the branding's, else SAMEN_BRAND_NAME.
func (d *Deps) BrandName(c *fiber.Ctx) string {
	if name := d.BrandingOf(c).Name; name != "" {
		return name
	}
	return d.Brand
}

// HasFlash reports whether the request carries a one-time message to show.
func HasFlash(c *fiber.Ctx) bool { return c.Cookies(flashCookie) != "" }

// redirectWithFlash answers a form with 303 to path, showing the message
// flash.<id> on the next page.
func (d *Deps) redirectWithFlash(c *fiber.Ctx, path, id string) error {
	c.Cookie(&fiber.Cookie{
		Name: flashCookie, Value: id, Path: "/", MaxAge: 60,
		HTTPOnly: true, Secure: d.Secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
	return c.Redirect(path, fiber.StatusSeeOther)
}

// confirmed reports whether a destructive form came with its confirmation
// box ticked (the "confirm" partial in views/partials/forms.html). Browsers
// refuse to send the form without it; a form that arrives without it all the
// same changes nothing (see unconfirmed).
func confirmed(c *fiber.Ctx) bool { return c.FormValue("confirm") != "" }

// unconfirmed answers a destructive form that came without its confirmation:
// back to path, nothing changed, and a message saying so.
func (d *Deps) unconfirmed(c *fiber.Ctx, path string) error {
	return d.redirectWithFlash(c, path, "confirm_needed")
}

// pathID reads a positive id from the path parameter name; anything else
// names nothing (404).
func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id < 1 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// SafeNext returns next when it is a path on this site, else "/". It keeps
// redirects after a form from leading anywhere else.
func SafeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// WantsJSON reports whether the caller expects JSON rather than a page.
func WantsJSON(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Path(), "/api/")
}
