// Package views holds Samen's templates and translations, embedded, and the
// small set of functions templates may call.
package views

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// FS holds the templates: layouts/, partials/ and one folder per resource.
//
//go:embed layouts partials errors me auth ideas members admin mod changelog roadmap triage unsubscribe campaigns rounds suggestions
var FS embed.FS

//go:embed locales
var locales embed.FS

// Languages are the locales Samen speaks, the default first.
var Languages = []language.Tag{language.English, language.Dutch}

// LanguageNames are each language's own name for itself.
var LanguageNames = map[string]string{"en": "English", "nl": "Nederlands"}

// Bundle loads every locale file.
func Bundle() (*i18n.Bundle, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	entries, err := fs.ReadDir(locales, "locales")
	if err != nil {
		return nil, fmt.Errorf("read locales: %w", err)
	}
	for _, e := range entries {
		if _, err := bundle.LoadMessageFileFS(locales, path.Join("locales", e.Name())); err != nil {
			return nil, fmt.Errorf("load locale %s: %w", e.Name(), err)
		}
	}
	return bundle, nil
}

// Messages returns the messages of one locale file ("en", "nl") by id. A
// message with plural forms ({"one": ..., "other": ...}) gives its "other" form.
func Messages(lang string) (map[string]string, error) {
	body, err := locales.ReadFile("locales/" + lang + ".json")
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("locale %s: %w", lang, err)
	}
	m := make(map[string]string, len(raw))
	for id, value := range raw {
		var text string
		if err := json.Unmarshal(value, &text); err != nil {
			var forms map[string]string
			if err := json.Unmarshal(value, &forms); err != nil || forms["other"] == "" {
				return nil, fmt.Errorf("locale %s: message %s is neither text nor plural forms", lang, id)
			}
			text = forms["other"]
		}
		m[id] = text
	}
	return m, nil
}

// T translates a message id; pairs of arguments fill its template data:
// T(l, "greeting", "Name", "Anna"). A missing id shows as itself, so a
// forgotten translation is visible rather than blank.
func T(l *i18n.Localizer, id string, pairs ...any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(pairs) > 0 {
		data := make(map[string]any, len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			key, _ := pairs[i].(string)
			data[key] = pairs[i+1]
		}
		cfg.TemplateData = data
		if n, ok := data["Count"]; ok {
			cfg.PluralCount = n
			if large(n) {
				data["Count"] = number(T, l, n) // 1,234 or 1.234
			}
		}
	}
	s, err := l.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

// large reports whether n is a count that needs its digits grouped.
func large(n any) bool {
	switch n := n.(type) {
	case int:
		return n >= 1000 || n <= -1000
	case int64:
		return n >= 1000 || n <= -1000
	}
	return false
}

// Translations hands out one localizer per language, made once, and keeps
// what templates had translated: every render asks for the same few dozen
// messages, and go-i18n works each one out again (plural form, template
// data) at a cost larger than the rest of the template's work on it.
type Translations struct {
	localizers map[string]*i18n.Localizer
	mu         sync.RWMutex
	done       map[translationKey]string
}

// translationKey is a message asked for with no data or with one value.
type translationKey struct {
	l        *i18n.Localizer
	id, name string
	value    any // a string, int or int64
}

// maxTranslations bounds the kept translations; counts make most of them.
const maxTranslations = 20000

// NewTranslations makes the localizers of Languages.
func NewTranslations(bundle *i18n.Bundle) *Translations {
	t := &Translations{localizers: map[string]*i18n.Localizer{}, done: map[translationKey]string{}}
	for _, tag := range Languages {
		t.localizers[tag.String()] = i18n.NewLocalizer(bundle, tag.String())
	}
	return t
}

// Localizer returns the localizer of lang ("en", "nl"), nil for another.
func (t *Translations) Localizer(lang string) *i18n.Localizer { return t.localizers[lang] }

// T is T for templates: a message with no data or with one value is
// translated once and then remembered.
func (t *Translations) T(l *i18n.Localizer, id string, pairs ...any) string {
	key, keep := translationKey{l: l, id: id}, len(pairs) == 0
	if len(pairs) == 2 {
		key.name, _ = pairs[0].(string)
		switch pairs[1].(type) {
		case string, int, int64:
			key.value, keep = pairs[1], true
		}
	}
	if !keep {
		return T(l, id, pairs...)
	}
	t.mu.RLock()
	s, ok := t.done[key]
	t.mu.RUnlock()
	if ok {
		return s
	}
	s = T(l, id, pairs...)
	t.mu.Lock()
	if len(t.done) >= maxTranslations {
		clear(t.done)
	}
	t.done[key] = s
	t.mu.Unlock()
	return s
}

// Funcs are the functions templates call. asset turns a static file name
// into its fingerprinted URL; t translates through translations; now is
// the clock relative dates count from.
func Funcs(asset func(string) string, translations *Translations, now func() time.Time) template.FuncMap {
	return template.FuncMap{
		"t":     translations.T,
		"asset": asset,
		"upper": strings.ToUpper,
		// when is a moment as a <time> element, relative while recent:
		// {{when .L .CreatedAt}}.
		"when": func(l *i18n.Localizer, moment any) template.HTML { return translations.When(l, moment, now()) },
		// day is a date alone as a <time> element: {{day .L .Start}}.
		"day": translations.Day,
		// dateText and dateTimeText are a date (and time) as text, for
		// messages: {{t .L "members.since" "Date" (dateText .L .CreatedAt)}}.
		"dateText":     translations.DateText,
		"dateTimeText": translations.DateTimeText,
		// num is a count in the reader's language: {{num .L .Votes}}.
		"num": translations.Number,
		// part marks where a member's own part of a shared page goes
		// (see shared.go): {{part .Shared "vote" .Idea.ID}}.
		"part": Mark,
		// device is a User-Agent in words: {{device .L .UserAgent}}.
		"device":   translations.DeviceName,
		"langName": func(tag string) string { return LanguageNames[tag] },
		"add":      func(a, b int) int { return a + b },
		"sub":      func(a, b int) int { return a - b },
		"deref":    func(p *int64) int64 { return *p },
		"derefInt": func(p *int) int { return *p },
		// oneDecimal prints a number with one decimal, nothing for nil.
		"oneDecimal": func(f *float64) string {
			if f == nil {
				return ""
			}
			return fmt.Sprintf("%.1f", *f)
		},
	}
}
