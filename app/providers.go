package app

import (
	"net/http"
	"strings"
	"time"

	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/apple"
	"github.com/markbates/goth/providers/discord"
	"github.com/markbates/goth/providers/facebook"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/microsoftonline"
	"github.com/markbates/goth/providers/openidConnect"

	"samen/handlers"
)

// Discovery documents of the providers reached through OpenID Connect, so
// that PKCE and the nonce work with them.
const (
	googleDiscovery   = "https://accounts.google.com/.well-known/openid-configuration"
	linkedinDiscovery = "https://www.linkedin.com/oauth/.well-known/openid-configuration"
)

// providerOrder is the order of the buttons on the sign-in page.
var providerOrder = []string{"google", "apple", "microsoft", "facebook", "github", "discord", "linkedin", "pinterest", "twitter"}

var providerLabels = map[string]string{
	"google": "Google", "apple": "Apple", "microsoft": "Microsoft", "facebook": "Facebook",
	"github": "GitHub", "discord": "Discord", "linkedin": "LinkedIn", "pinterest": "Pinterest", "twitter": "X",
}

// newProviders returns the sign-in providers the configuration turns on.
// None of them touches the network until first used.
func newProviders(cfg Config) []*handlers.Provider {
	callback := func(name string) string { return cfg.BaseURL + "/auth/" + name + "/callback" }
	var list []*handlers.Provider
	for _, name := range providerOrder {
		keys, ok := cfg.Providers[name]
		if !ok {
			continue
		}
		p := &handlers.Provider{Name: name, Label: providerLabels[name]}
		key, secret, cb := keys.Key, keys.Secret, callback(name)
		switch name {
		case "google", "linkedin":
			discovery := googleDiscovery
			if name == "linkedin" {
				discovery = linkedinDiscovery
			}
			p.PKCE, p.OIDC, p.EmailVerified = true, true, claimVerified
			p.Build = oidcBuilder(name, key, secret, cb, discovery)
		case "apple":
			p.EmailVerified = hasEmail // Apple verifies every address it hands out
			p.Build = func() (goth.Provider, error) {
				return apple.New(key, secret, cb, &http.Client{Timeout: 15 * time.Second}, apple.ScopeName, apple.ScopeEmail), nil
			}
		case "microsoft":
			// Microsoft accounts may carry an email nobody verified.
			p.Build = func() (goth.Provider, error) { return microsoftonline.New(key, secret, cb), nil }
		case "facebook":
			p.EmailVerified = hasEmail // Meta only shares confirmed addresses
			p.Build = func() (goth.Provider, error) { return facebook.New(key, secret, cb, "email", "public_profile"), nil }
		case "github":
			p.EmailVerified = hasEmail // goth takes only a verified primary address
			p.Build = func() (goth.Provider, error) { return github.New(key, secret, cb, "read:user", "user:email"), nil }
		case "discord":
			p.EmailVerified = func(u goth.User) bool { v, _ := u.RawData["verified"].(bool); return v && u.Email != "" }
			p.Build = func() (goth.Provider, error) {
				return discord.New(key, secret, cb, discord.ScopeIdentify, discord.ScopeEmail), nil
			}
		case "pinterest":
			p.PKCE = true
			p.Build = func() (goth.Provider, error) { return newPinterestProvider(key, secret, cb), nil }
		case "twitter":
			p.PKCE = true
			p.Build = func() (goth.Provider, error) { return newXProvider(key, secret, cb), nil }
		}
		list = append(list, p)
	}
	if cfg.OIDC.Issuer != "" {
		discovery := strings.TrimSuffix(cfg.OIDC.Issuer, "/") + "/.well-known/openid-configuration"
		list = append(list, &handlers.Provider{
			Name: "oidc", Label: cfg.OIDC.Name, PKCE: true, OIDC: true, EmailVerified: claimVerified,
			Build: oidcBuilder("oidc", cfg.OIDC.Key, cfg.OIDC.Secret, callback("oidc"), discovery),
		})
	}
	return list
}

func oidcBuilder(name, key, secret, callback, discovery string) func() (goth.Provider, error) {
	return func() (goth.Provider, error) {
		p, err := openidConnect.NewNamed(name, key, secret, callback, discovery, "openid", "profile", "email")
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}

// claimVerified reads OpenID Connect's email_verified claim (a boolean, or
// the string "true" from some providers).
func claimVerified(u goth.User) bool {
	switch v := u.RawData["email_verified"].(type) {
	case bool:
		return v && u.Email != ""
	case string:
		return v == "true" && u.Email != ""
	}
	return false
}

func hasEmail(u goth.User) bool { return u.Email != "" }
