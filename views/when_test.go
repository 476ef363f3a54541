package views_test

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/views"
)

func localizers(t *testing.T) (*views.Translations, map[string]*i18n.Localizer) {
	t.Helper()
	bundle, err := views.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	tr := views.NewTranslations(bundle)
	return tr, map[string]*i18n.Localizer{"en": tr.Localizer("en"), "nl": tr.Localizer("nl")}
}

func TestRelativeDatesReadInTheReadersLanguage(t *testing.T) {
	_, l := localizers(t)
	now := time.Date(2026, 12, 5, 14, 3, 0, 0, time.UTC)
	for _, tc := range []struct {
		ago    time.Duration
		en, nl string
	}{
		{0, "just now", "zojuist"},
		{59 * time.Second, "just now", "zojuist"},
		{time.Minute, "1 minute ago", "1 minuut geleden"},
		{5*time.Minute + 30*time.Second, "5 minutes ago", "5 minuten geleden"},
		{time.Hour, "1 hour ago", "1 uur geleden"},
		{23 * time.Hour, "23 hours ago", "23 uur geleden"},
		{24 * time.Hour, "1 day ago", "1 dag geleden"},
		{3 * 24 * time.Hour, "3 days ago", "3 dagen geleden"},
		{29 * 24 * time.Hour, "29 days ago", "29 dagen geleden"},
		{30 * 24 * time.Hour, "November 5, 2026", "5 november 2026"},
		{400 * 24 * time.Hour, "October 31, 2025", "31 oktober 2025"},
		{-30 * time.Second, "in a moment", "zo meteen"},
		{-2 * time.Hour, "in 2 hours", "over 2 uur"},
		{-3 * 24 * time.Hour, "in 3 days", "over 3 dagen"},
		{-60 * 24 * time.Hour, "February 3, 2027", "3 februari 2027"},
	} {
		m := now.Add(-tc.ago)
		if got := views.Relative(l["en"], m, now); got != tc.en {
			t.Errorf("en %v ago: %q, want %q", tc.ago, got, tc.en)
		}
		if got := views.Relative(l["nl"], m, now); got != tc.nl {
			t.Errorf("nl %v ago: %q, want %q", tc.ago, got, tc.nl)
		}
	}
}

// TestWhenIsATimeElement: the text is relative, the title the exact date
// and time, the datetime attribute RFC 3339 in UTC; a moment in another
// zone reads in UTC.
func TestWhenIsATimeElement(t *testing.T) {
	tr, l := localizers(t)
	now := time.Date(2026, 5, 8, 10, 0, 0, 0, time.UTC)
	amsterdam := time.FixedZone("CEST", 2*3600)
	m := time.Date(2026, 5, 5, 11, 7, 0, 0, amsterdam)
	for lang, want := range map[string][2]string{
		"en": {"3 days ago", "May 5, 2026, 09:07 UTC"},
		"nl": {"3 dagen geleden", "5 mei 2026, 09:07 UTC"},
	} {
		for _, moment := range []any{m, &m} {
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(tr.When(l[lang], moment, now))))
			if err != nil {
				t.Fatal(err)
			}
			el := doc.Find("time")
			if el.Length() != 1 || el.Text() != want[0] || el.AttrOr("title", "") != want[1] || el.AttrOr("datetime", "") != "2026-05-05T09:07:00Z" {
				h, _ := doc.Find("body").Html()
				t.Errorf("%s: %s", lang, h)
			}
		}
	}
	var none *time.Time
	if got := tr.When(l["en"], none, now); got != "" {
		t.Errorf("a nil time: %q", got)
	}
	if got := tr.When(l["en"], time.Time{}, now); got != "" {
		t.Errorf("a zero time: %q", got)
	}
	if got := string(tr.Day(l["nl"], time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC))); got != `<time datetime="2026-03-30">30 maart 2026</time>` {
		t.Errorf("a day in Dutch: %s", got)
	}
	if got := views.DateTime(l["en"], m); got != "May 5, 2026, 09:07 UTC" {
		t.Errorf("an email's date: %s", got)
	}
}

func TestNumbersGroupDigitsInTheReadersLanguage(t *testing.T) {
	tr, l := localizers(t)
	for _, tc := range []struct {
		n      any
		en, nl string
	}{
		{0, "0", "0"},
		{999, "999", "999"},
		{int64(1000), "1,000", "1.000"},
		{1234, "1,234", "1.234"},
		{int64(-1234567), "-1,234,567", "-1.234.567"},
		{int64(123456789012), "123,456,789,012", "123.456.789.012"},
	} {
		if got := tr.Number(l["en"], tc.n); got != tc.en {
			t.Errorf("en %v: %q", tc.n, got)
		}
		if got := tr.Number(l["nl"], tc.n); got != tc.nl {
			t.Errorf("nl %v: %q", tc.n, got)
		}
	}
	if got := views.T(l["nl"], "ideas.votes", "Count", 1234); got != "1.234 stemmen" {
		t.Errorf("a counted message in Dutch: %q", got)
	}
	if got := views.T(l["en"], "ideas.votes", "Count", int64(1)); got != "1 vote" {
		t.Errorf("one vote: %q", got)
	}
}
