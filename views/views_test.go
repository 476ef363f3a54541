package views_test

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/views"
)

func TestEveryMessageExistsInEveryLanguage(t *testing.T) {
	en, err := views.Messages("en")
	if err != nil {
		t.Fatal(err)
	}
	nl, err := views.Messages("nl")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for id := range en {
		if nl[id] == "" {
			missing = append(missing, "nl lacks "+id)
		}
	}
	for id := range nl {
		if en[id] == "" {
			missing = append(missing, "en lacks "+id)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error(m)
	}
}

// TestCountedMessagesTranslateEveryCount: a message that shows a count is
// given one as Count, which picks a plural form; a message without the form
// for one shows its id, so every such message has "one" and "other".
func TestCountedMessagesTranslateEveryCount(t *testing.T) {
	bundle, err := views.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range views.Languages {
		lang := tag.String()
		messages, err := views.Messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		l := i18n.NewLocalizer(bundle, lang)
		counted := 0
		for id, text := range messages {
			if !strings.Contains(text, "{{.Count}}") {
				continue
			}
			counted++
			// 1000 reads with its digits grouped: 1,000 or 1.000.
			for n, shown := range map[int64]string{0: "0", 1: "1", 2: "2", 1000: "1" + views.T(l, "number.group") + "000"} {
				if got := views.T(l, id, "Count", n); got == id || !strings.Contains(got, shown) {
					t.Errorf("%s %s with Count %d reads %q", lang, id, n, got)
				}
			}
		}
		if counted < 10 {
			t.Fatalf("%s: found only %d messages with a count", lang, counted)
		}
	}
}

// TestTemplatesUseKnownMessages reads every {{t .L "id"}} in the templates.
func TestTemplatesUseKnownMessages(t *testing.T) {
	en, err := views.Messages("en")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`\bt \$?\.L "([^"]+)"`)
	found := 0
	err = fs.WalkDir(views.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		body, err := fs.ReadFile(views.FS, path)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllStringSubmatch(string(body), -1) {
			found++
			if en[m[1]] == "" {
				t.Errorf("%s uses unknown message %q", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Fatalf("found only %d translated strings in the templates", found)
	}
	// Ids built at run time.
	for _, id := range []string{"role.member", "role.moderator", "role.team", "role.admin",
		"error.400.title", "error.401.title", "error.403.title", "error.404.title", "error.405.title",
		"error.409.title", "error.413.title", "error.422.title", "error.429.title", "error.500.title"} {
		if en[id] == "" {
			t.Errorf("message %q is missing", id)
		}
	}
}
