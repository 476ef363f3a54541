package views

import (
	"html"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Recent is how far back (or ahead) a moment reads relative to now ("3 days
// ago"); older moments read as their date.
const Recent = 30 * 24 * time.Hour

// translate is T or Translations.T.
type translate func(l *i18n.Localizer, id string, pairs ...any) string

// When is a moment as a <time> element: its datetime attribute in RFC 3339,
// its title the exact date and time in the reader's language, its text
// relative to now while recent ("3 days ago", "3 dagen geleden") and the
// date after that. A nil or zero time gives nothing.
//
// Under a minute reads "just now", never a count of seconds: a page cached
// for visitors (see app/pagecache.go) is served for a few seconds after it
// was rendered, and coarse text stays true meanwhile.
func (t *Translations) When(l *i18n.Localizer, moment any, now time.Time) template.HTML {
	m, ok := timeOf(moment)
	if !ok {
		return ""
	}
	return timeElement(m, fullDateTime(t.T, l, m), relative(t.T, l, m, now))
}

// Day is a date as a <time> element, in the reader's language, without the
// time of day (a week in a chart, a day in a range).
func (t *Translations) Day(l *i18n.Localizer, moment any) template.HTML {
	m, ok := timeOf(moment)
	if !ok {
		return ""
	}
	return template.HTML(`<time datetime="` + m.UTC().Format(time.DateOnly) + `">` +
		html.EscapeString(fullDate(t.T, l, m)) + `</time>`)
}

// DateText is a moment's date in the reader's language, as text: "December
// 5, 2026", "5 december 2026" (nothing for a nil or zero time).
func (t *Translations) DateText(l *i18n.Localizer, moment any) string {
	m, ok := timeOf(moment)
	if !ok {
		return ""
	}
	return fullDate(t.T, l, m)
}

// DateTimeText is a moment's date and time in the reader's language, as text.
func (t *Translations) DateTimeText(l *i18n.Localizer, moment any) string {
	m, ok := timeOf(moment)
	if !ok {
		return ""
	}
	return fullDateTime(t.T, l, m)
}

// Number is a count in the reader's language: 1,234 in English, 1.234 in Dutch.
func (t *Translations) Number(l *i18n.Localizer, n any) string {
	return number(t.T, l, n)
}

// DateTime is a moment's exact date and time in the reader's language, for
// emails: "December 5, 2026, 14:03 UTC", "5 december 2026, 14:03 UTC".
func DateTime(l *i18n.Localizer, m time.Time) string { return fullDateTime(T, l, m) }

// Relative is a moment relative to now in the reader's language: "just
// now", "5 minutes ago", "in 3 days"; past Recent, its date.
func Relative(l *i18n.Localizer, m, now time.Time) string { return relative(T, l, m, now) }

func timeOf(moment any) (time.Time, bool) {
	switch m := moment.(type) {
	case time.Time:
		return m, !m.IsZero()
	case *time.Time:
		if m != nil && !m.IsZero() {
			return *m, true
		}
	}
	return time.Time{}, false
}

func timeElement(m time.Time, title, text string) template.HTML {
	return template.HTML(`<time datetime="` + m.UTC().Format(time.RFC3339) + `" title="` +
		html.EscapeString(title) + `">` + html.EscapeString(text) + `</time>`)
}

func relative(tr translate, l *i18n.Localizer, m, now time.Time) string {
	d := now.Sub(m)
	ago := d >= 0
	if !ago {
		d = -d
	}
	if d >= Recent {
		return fullDate(tr, l, m)
	}
	var unit string
	var n int64
	switch {
	case d < time.Minute:
		if ago {
			return tr(l, "time.just_now")
		}
		return tr(l, "time.soon")
	case d < time.Hour:
		unit, n = "minutes", int64(d/time.Minute)
	case d < 24*time.Hour:
		unit, n = "hours", int64(d/time.Hour)
	default:
		unit, n = "days", int64(d/(24*time.Hour))
	}
	if ago {
		return tr(l, "time."+unit+"_ago", "Count", n)
	}
	return tr(l, "time.in_"+unit, "Count", n)
}

// fullDate and fullDateTime format with a Go layout from the catalogue,
// then put the month's name in the reader's language in place of the
// English one the layout gives.
func fullDate(tr translate, l *i18n.Localizer, m time.Time) string {
	return localMonth(tr, l, m.UTC(), tr(l, "time.layout.date"))
}

func fullDateTime(tr translate, l *i18n.Localizer, m time.Time) string {
	return localMonth(tr, l, m.UTC(), tr(l, "time.layout.datetime"))
}

func localMonth(tr translate, l *i18n.Localizer, m time.Time, layout string) string {
	s := m.Format(layout)
	month := m.Month()
	return strings.Replace(s, month.String(), tr(l, "time.month."+strconv.Itoa(int(month))), 1)
}

func number(tr translate, l *i18n.Localizer, n any) string {
	var v int64
	switch n := n.(type) {
	case int:
		v = int64(n)
	case int32:
		v = int64(n)
	case int64:
		v = n
	case uint64:
		v = int64(n)
	case *int64:
		if n == nil {
			return ""
		}
		v = *n
	default:
		return ""
	}
	return groupDigits(v, tr(l, "number.group"))
}

// groupDigits writes n with sep between each group of three digits.
func groupDigits(n int64, sep string) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	if len(s) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if b.Len() > len(sign) {
			b.WriteString(sep)
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
