package app

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"samen/handlers"
	"samen/models"
)

// oauthCallback matches the provider callbacks, which the single-use OAuth
// state protects instead of a CSRF token (Apple posts them from its own site).
var oauthCallback = regexp.MustCompile(`^/auth/[a-z]+/callback$`)

// unsubscribe matches the one-click unsubscribe links of emails (RFC 8058):
// mail clients POST there without cookies, and the signed token in the path
// is the proof, so CSRF protects nothing and the check is skipped.
var unsubscribe = regexp.MustCompile(`^/unsubscribe/[^/]+$`)

// visitorCSRFCookie keeps the CSRF secret of a browser that is not signed in.
const visitorCSRFCookie = "samen_csrf"

type csrfSecretKey struct{}

// sessionEndedKey marks a request whose session cookie named a session that
// has ended (expired, signed out elsewhere, or its member banned).
type sessionEndedKey struct{}

// viewer finds out who is asking (session cookie or API token), their
// language and the CSRF secret of this browser.
func (s *server) viewer(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := &handlers.Viewer{IP: clientIP(c, s.cfg)}
	var secretSource string

	if auth := c.Get(fiber.HeaderAuthorization); auth != "" && handlers.WantsJSON(c) {
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			return fiber.ErrUnauthorized
		}
		t, err := s.store.AuthenticateAPIToken(ctx, strings.TrimSpace(token))
		if errors.Is(err, models.ErrNotFound) {
			return fiber.ErrUnauthorized
		}
		if err != nil {
			return err
		}
		if t.ReadOnly && !safeMethod(c.Method()) {
			return fiber.ErrForbidden
		}
		v.User, v.Bearer = &t.User, true
	} else if token := c.Cookies(handlers.SessionCookie); token != "" {
		sess, err := s.store.SessionByToken(ctx, token)
		switch {
		case errors.Is(err, models.ErrNotFound):
			s.deps.ClearSessionCookie(c)
			c.Locals(sessionEndedKey{}, true)
		case err != nil:
			return err
		default:
			v.User, v.Session = &sess.User, sess
			secretSource = "session:" + token
		}
	}

	if !v.Bearer {
		if secretSource == "" {
			secretSource = "visitor:" + s.visitorCSRF(c)
		}
		secret := sha256.Sum256([]byte(secretSource))
		c.Locals(csrfSecretKey{}, secret[:])
		v.CSRF = maskCSRF(secret[:])
	}

	var chosen string
	if v.User != nil {
		chosen = v.User.Locale
		s.readOwnWrites(c, v.User.ID)
	}
	if chosen == "" {
		chosen = c.Cookies(handlers.LangCookie)
	}
	v.Lang, v.L = s.deps.Localizer(chosen, c.Get(fiber.HeaderAcceptLanguage))
	handlers.SetViewer(c, v)
	return c.Next()
}

// visitorCSRF returns this browser's visitor CSRF secret, making one when it has none.
func (s *server) visitorCSRF(c *fiber.Ctx) string {
	if value := c.Cookies(visitorCSRFCookie); len(value) == 43 {
		if _, err := base64.RawURLEncoding.DecodeString(value); err == nil {
			return value
		}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	value := base64.RawURLEncoding.EncodeToString(b)
	c.Cookie(&fiber.Cookie{
		Name: visitorCSRFCookie, Value: value, Path: "/",
		HTTPOnly: true, Secure: s.cfg.Secure(), SameSite: fiber.CookieSameSiteLaxMode,
	})
	return value
}

// checkCSRF refuses a state-changing request whose CSRF token does not match
// this browser's secret. API calls with a bearer token carry no ambient
// credentials and need none; neither do API calls with no credentials at all,
// which their route refuses with 401.
func (s *server) checkCSRF(c *fiber.Ctx) error {
	if safeMethod(c.Method()) {
		return c.Next()
	}
	v := s.deps.ViewerOf(c)
	if v.Bearer || (handlers.WantsJSON(c) && v.User == nil) || oauthCallback.MatchString(c.Path()) || unsubscribe.MatchString(c.Path()) {
		return c.Next()
	}
	secret, _ := c.Locals(csrfSecretKey{}).([]byte)
	token := c.Get("X-CSRF-Token")
	if token == "" {
		token = c.FormValue("_csrf")
	}
	if secret == nil || !validCSRF(token, secret) {
		if ended, _ := c.Locals(sessionEndedKey{}).(bool); ended && !handlers.WantsJSON(c) {
			// A form from a page shown before the session ended: sign in again,
			// rather than a bare refusal.
			return c.Redirect("/login", fiber.StatusSeeOther)
		}
		return fiber.ErrForbidden
	}
	return c.Next()
}

// safeMethod reports whether a request method only reads.
func safeMethod(method string) bool {
	switch method {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return true
	}
	return false
}

// maskCSRF returns the secret XORed with a fresh random pad, pad first, so the
// token differs on every response and compression cannot leak it (BREACH).
func maskCSRF(secret []byte) string {
	out := make([]byte, 2*len(secret))
	_, _ = rand.Read(out[:len(secret)])
	for i := range secret {
		out[len(secret)+i] = out[i] ^ secret[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

func validCSRF(token string, secret []byte) bool {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 2*len(secret) {
		return false
	}
	n := len(secret)
	plain := make([]byte, n)
	for i := range n {
		plain[i] = raw[i] ^ raw[n+i]
	}
	return subtle.ConstantTimeCompare(plain, secret) == 1
}

// require lets a request through when the viewer may take the action.
// Visitors are sent to sign in (401 in the API); others get 403.
func (s *server) require(action models.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v := s.deps.ViewerOf(c)
		if action == models.ActRead {
			return c.Next()
		}
		if v.User == nil {
			if handlers.WantsJSON(c) {
				return fiber.ErrUnauthorized
			}
			return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
		}
		if !s.store.Can(v.User, action) {
			return fiber.ErrForbidden
		}
		return c.Next()
	}
}

// clientIP is the address of the person asking. Behind trusted proxies it is
// the right-most address in the proxy header that is not itself a trusted
// proxy: entries further left were written by the client and may be forged.
func clientIP(c *fiber.Ctx, cfg Config) string {
	remote := c.Context().RemoteIP().String()
	if len(cfg.TrustedProxies) == 0 || !c.IsProxyTrusted() {
		return remote
	}
	hops := strings.Split(c.Get(cfg.ProxyHeader), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		addr, err := parseHop(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !trusted(addr, cfg.TrustedProxies) {
			return addr.String()
		}
	}
	return remote
}

// parseHop reads one proxy header entry: an address, with or without a port.
func parseHop(hop string) (netip.Addr, error) {
	if ap, err := netip.ParseAddrPort(hop); err == nil {
		return ap.Addr(), nil
	}
	return netip.ParseAddr(strings.Trim(hop, "[]"))
}

func trusted(addr netip.Addr, proxies []string) bool {
	for _, p := range proxies {
		if prefix, err := netip.ParsePrefix(p); err == nil && prefix.Contains(addr) {
			return true
		}
		if a, err := netip.ParseAddr(p); err == nil && a == addr {
			return true
		}
	}
	return false
}

// newRequestID makes the id that ties a request's log lines together.
func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
