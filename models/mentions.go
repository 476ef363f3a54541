package models

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

// Mentions. Members have display names, which need not be unique, and no
// usernames. A mention is "@" and a member's name without its spaces
// (@AnnaDeVries for "Anna de Vries"), in any letter case, or the first name
// alone (@Anna) when nobody else in the discussion has it. It resolves only
// among the people taking part in an idea's discussion: the idea's author and
// those who comment on it. The longest name that fits wins; a mention that
// fits no one, or more than one person, stays plain text. Mentions resolve
// when a comment is written or edited and are stored in its HTML.

// renderComment renders a comment's markdown and links the mentions of the
// people in the idea's discussion, the comment's author among them; in an
// internal note, the team's too (those whose role lets them read it).
func (s *Store) renderComment(ctx context.Context, ideaID int64, author *User, body string, internal bool) (template.HTML, error) {
	safe := s.md.render(body)
	if !strings.Contains(body, "@") {
		return safe, nil
	}
	var people []User
	q := s.db.WithContext(ctx).Select("users.id, users.name").
		Where("users.id IN (SELECT author_id FROM ideas WHERE id = ?)", ideaID).
		Or("users.id IN (SELECT user_id FROM comments WHERE idea_id = ? AND state = ? AND internal = ?)", ideaID, StatePublished, false)
	if internal {
		q = q.Or("users.role IN ? AND users.banned_at IS NULL", []Role{RoleTeam, RoleAdmin})
	}
	err := q.Find(&people).Error
	if err != nil {
		return "", fmt.Errorf("load the discussion of idea %d: %w", ideaID, err)
	}
	return LinkMentions(safe, append(people, *author)), nil
}

// LinkMentions links each @mention of one of people in the text of sanitised
// HTML to their profile: <a href="/members/ID" class="mention">@Name</a>.
// Text inside links, code and pre stays as it is, and so does an address such
// as a@b.com. Only text changes, escaped anew, so the result is as safe as
// the HTML given.
func LinkMentions(safe template.HTML, people []User) template.HTML {
	handles := newHandles(people)
	if len(handles.order) == 0 || !strings.Contains(string(safe), "@") {
		return safe
	}
	var out strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(string(safe)))
	inside := 0 // open a, code and pre elements
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			if z.Err() != io.EOF {
				return safe
			}
			return template.HTML(out.String())
		}
		raw := string(z.Raw()) // before Text or TagName change the buffer
		switch tt {
		case xhtml.StartTagToken, xhtml.EndTagToken:
			name, _ := z.TagName()
			if n := string(name); n == "a" || n == "code" || n == "pre" {
				if tt == xhtml.StartTagToken {
					inside++
				} else if inside > 0 {
					inside--
				}
			}
		case xhtml.TextToken:
			if inside == 0 && strings.Contains(raw, "@") {
				if linked, ok := handles.link(string(z.Text())); ok {
					raw = linked
				}
			}
		}
		out.WriteString(raw)
	}
}

// handles are the names people may be mentioned by, lower case, each with
// the people it names: full names and first names apart, since a full name
// wins over someone else's first name.
type handles struct {
	full, first map[string][]int64
	order       []string // every handle, longest first
}

func newHandles(people []User) *handles {
	h := &handles{full: map[string][]int64{}, first: map[string][]int64{}}
	add := func(m map[string][]int64, handle string, id int64) {
		r, _ := utf8.DecodeRuneInString(handle)
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return
		}
		if !slices.Contains(m[handle], id) {
			m[handle] = append(m[handle], id)
		}
	}
	for _, p := range people {
		words := strings.Fields(strings.ToLower(p.Name))
		if len(words) == 0 {
			continue
		}
		add(h.full, strings.Join(words, ""), p.ID)
		add(h.first, words[0], p.ID)
	}
	for _, m := range []map[string][]int64{h.full, h.first} {
		for handle := range m {
			if !slices.Contains(h.order, handle) {
				h.order = append(h.order, handle)
			}
		}
	}
	slices.SortFunc(h.order, func(a, b string) int {
		if d := utf8.RuneCountInString(b) - utf8.RuneCountInString(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return h
}

// resolve returns the one person a handle names.
func (h *handles) resolve(handle string) (int64, bool) {
	ids := h.full[handle]
	if len(ids) == 0 {
		ids = h.first[handle]
	}
	if len(ids) != 1 {
		return 0, false
	}
	return ids[0], true
}

// link returns a text, unescaped, as escaped HTML with its mentions linked,
// and whether it had any.
func (h *handles) link(text string) (string, bool) {
	var out strings.Builder
	done, found := 0, false // text[:done] is written
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || !mentionStart(text[:i]) {
			continue
		}
		written, handle := h.match(text[i+1:])
		if handle == "" {
			continue
		}
		end := i + 1 + len(written)
		id, ok := h.resolve(handle)
		if !ok {
			i = end - 1
			continue
		}
		out.WriteString(html.EscapeString(text[done:i]))
		fmt.Fprintf(&out, `<a href="/members/%d" class="mention">%s</a>`, id, html.EscapeString(text[i:end]))
		done, found = end, true
		i = end - 1
	}
	out.WriteString(html.EscapeString(text[done:]))
	return out.String(), found
}

// match finds the longest handle that starts text and ends where a word
// ends. It returns that start of text as written, and the handle; "" for none.
func (h *handles) match(text string) (written, handle string) {
	for _, handle := range h.order {
		n, i := utf8.RuneCountInString(handle), 0
		for n > 0 && i < len(text) {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
			n--
		}
		if n == 0 && strings.EqualFold(text[:i], handle) && mentionEnd(text[i:]) {
			return text[:i], handle
		}
	}
	return "", ""
}

// mentionStart reports whether an @ after before starts a mention: not in
// the middle of a word or an address (a@b.com, x/@y).
func mentionStart(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	return before == "" || !(wordRune(r) || strings.ContainsRune("._%+-/@&=#", r))
}

// mentionEnd reports whether a mention may end before after: not in the
// middle of a word, a domain or a hyphenated name (@anna.com, @anna-maria),
// but before a full stop or an apostrophe (@Anna's).
func mentionEnd(after string) bool {
	if after == "" {
		return true
	}
	r, size := utf8.DecodeRuneInString(after)
	if wordRune(r) {
		return false
	}
	if strings.ContainsRune(".-@", r) {
		next, _ := utf8.DecodeRuneInString(after[size:])
		return !wordRune(next)
	}
	return true
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}
