package handlers

import (
	"strconv"

	"github.com/a-h/templ"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// kit is what the compiled views call: translations and the static files'
// fingerprinted URLs, as the template functions t, num and asset.
type kit struct {
	translations *views.Translations
	assetURL     func(string) string
}

func (d *Deps) kit() kit { return kit{translations: d.Translations, assetURL: d.Asset} }

func (k kit) t(l *i18n.Localizer, id string, pairs ...any) string {
	return k.translations.T(l, id, pairs...)
}

func (k kit) num(l *i18n.Localizer, n int) string { return k.translations.Number(l, n) }

func (k kit) asset(name string) string { return k.assetURL(name) }

// mark is where a member's own part of a page shared by members goes (see
// views.Mark).
func mark(nonce, kind string, id int64) templ.Component {
	return templ.Raw(string(views.Mark(nonce, kind, id)))
}

// current marks the navigation item of the page shown.
func current(on bool) templ.Attributes {
	if !on {
		return nil
	}
	return templ.Attributes{"aria-current": "page"}
}

// optional is an attribute written only when it has a value.
func optional(name, value string) templ.Attributes {
	if value == "" {
		return nil
	}
	return templ.Attributes{name: value}
}

// navLink is an item of the header's navigation: where it goes, the page
// it is current on (Layout.Nav) and its label's message id.
type navLink struct{ href, nav, label string }

// mainMenu is the header's navigation for everyone.
var mainMenu = []navLink{
	{"/", "home", "nav.home"},
	{"/roadmap", "roadmap", "nav.roadmap"},
	{"/campaigns", "campaigns", "nav.campaigns"},
	{"/search", "search", "nav.search"},
	{"/changelog", "changelog", "nav.changelog"},
}

// staffItem is a page of the team's menu, shown to those it allows.
type staffItem struct {
	action models.Action
	navLink
}

var staffItems = []staffItem{
	{models.ActTriage, navLink{"/admin/triage", "triage", "nav.triage"}},
	{models.ActManageCampaigns, navLink{"/admin/campaigns", "campaigns-admin", "nav.campaigns_admin"}},
	{models.ActModerate, navLink{"/mod", "mod", "nav.mod"}},
	{models.ActReadAnalytics, navLink{"/admin/analytics", "analytics", "nav.analytics"}},
	{models.ActManageSettings, navLink{"/admin/categories", "categories", "nav.admin"}},
	{models.ActManageSettings, navLink{"/admin/settings", "settings", "nav.settings"}},
	{models.ActManageStatuses, navLink{"/admin/statuses", "statuses", "nav.statuses"}},
	{models.ActManageBranding, navLink{"/admin/branding", "branding", "nav.branding"}},
	{models.ActManageWebhooks, navLink{"/admin/webhooks", "webhooks", "nav.webhooks"}},
}

// staffMenu is the team's menu for a standing: the pages it allows, in
// order; none for members and visitors.
func staffMenu(st models.Standing) []staffItem {
	var items []staffItem
	for _, item := range staffItems {
		if st.Allows(item.action) {
			items = append(items, item)
		}
	}
	return items
}

// queryEscape is a value put into a query string, as for ?next=, escaped
// as html/template escapes one: all but letters, digits and -._~ as %xx.
func queryEscape(s string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b = append(b, c)
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

// voteLabel is the vote button's word: vote, or voted.
func voteLabel(i *models.Idea) string {
	if i.Voted {
		return "ideas.voted"
	}
	return "ideas.vote"
}

// voteAction is where an idea's vote button posts: vote, or unvote when
// the viewer voted.
func voteAction(i *models.Idea) string {
	if i.Voted {
		return "/ideas/" + strconv.FormatInt(i.ID, 10) + "/unvote"
	}
	return "/ideas/" + strconv.FormatInt(i.ID, 10) + "/vote"
}

// followAction is where a follow button posts: follow, or unfollow when
// following.
func followAction(base string, following bool) string {
	if following {
		return base + "/unfollow"
	}
	return base + "/follow"
}
