package models

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// renderer turns members' markdown into safe HTML, once, on write: goldmark
// without raw HTML, then bluemonday's policy for user content, with links
// marked nofollow, ugc and noopener. Pages print the stored result.
type renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	strip  *bluemonday.Policy
}

func newRenderer(baseURL string) *renderer {
	policy := bluemonday.UGCPolicy()
	policy.RequireNoFollowOnLinks(true)
	policy.AllowURLSchemes("http", "https", "mailto")
	policy.RequireParseableURLs(true)
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(ownImages{origin: origin(baseURL)}, 100))),
	)
	strip := bluemonday.StrictPolicy()
	strip.AddSpaceWhenStrippingTag(true)
	return &renderer{md: md, policy: policy, strip: strip}
}

// plainText is the text a reader sees of rendered HTML, without its markup:
// what search indexes and quotes in its snippets. Tags become spaces, so
// that words of two paragraphs or list items stay apart; runs of white space
// become one.
func (r *renderer) plainText(rendered template.HTML) string {
	text := html.UnescapeString(r.strip.Sanitize(string(rendered)))
	return strings.Join(strings.Fields(text), " ")
}

// PlainText is the text a reader sees of HTML the store rendered, without
// its markup (see plainText): for excerpts such as a shared page's description.
func (s *Store) PlainText(rendered template.HTML) string { return s.md.plainText(rendered) }

// render returns the safe HTML of a markdown text.
func (r *renderer) render(source string) template.HTML {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(source), &buf); err != nil {
		// goldmark fails only on a failing writer, which bytes.Buffer is not.
		return template.HTML(template.HTMLEscapeString(source))
	}
	safe := r.policy.SanitizeBytes(buf.Bytes())
	safe = bytes.ReplaceAll(safe, []byte(`rel="nofollow"`), []byte(`rel="nofollow ugc noopener"`))
	return template.HTML(safe)
}

// origin returns the scheme and host of a URL, in lower case, or "" when it
// has none.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// ownImages keeps the images that load from Samen itself: a relative path, or
// origin. Any other image becomes a link to it with its alt text (or, with
// none, its address), so that reading a page tells no third party who read
// it. Inside a link, such an image leaves only its alt text.
type ownImages struct{ origin string }

func (o ownImages) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	var foreign []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering && !o.own(string(img.Destination)) {
			foreign = append(foreign, img)
		}
		return ast.WalkContinue, nil
	})
	for _, img := range foreign {
		parent := img.Parent()
		var inLink bool
		for p := parent; p != nil; p = p.Parent() {
			if _, ok := p.(*ast.Link); ok {
				inLink = true
				break
			}
		}
		if inLink {
			for c := img.FirstChild(); c != nil; {
				next := c.NextSibling()
				parent.InsertBefore(parent, img, c)
				c = next
			}
			parent.RemoveChild(parent, img)
			continue
		}
		link := ast.NewLink()
		link.Destination, link.Title = img.Destination, img.Title
		for c := img.FirstChild(); c != nil; {
			next := c.NextSibling()
			link.AppendChild(link, c)
			c = next
		}
		if !link.HasChildren() {
			link.AppendChild(link, ast.NewString(img.Destination))
		}
		parent.ReplaceChild(parent, img, link)
	}
}

// own reports whether an image address loads from Samen itself. Browsers
// read a backslash as a slash and drop tabs and line breaks, so those count
// as what they become.
func (o ownImages) own(dest string) bool {
	dest = strings.NewReplacer("\\", "/", "\t", "", "\n", "", "\r", "").Replace(strings.TrimSpace(dest))
	if strings.HasPrefix(dest, "//") {
		return false
	}
	u, err := url.Parse(dest)
	if err != nil {
		return false
	}
	if u.Scheme == "" && u.Host == "" && u.User == nil {
		return true
	}
	return o.origin != "" && u.User == nil && strings.ToLower(u.Scheme+"://"+u.Host) == o.origin
}

// ownImagesKey marks, in the settings table, that the text stored before
// images were limited to Samen's own has been rendered anew.
const ownImagesKey = "markdown.own_images"

// renderImagesAnew renders once more, once per database, the stored text
// that holds an image, so that text written before the rule keeps no image
// from elsewhere either. Mentions in comments resolve among the discussion's
// people as they are now.
func (s *Store) renderImagesAnew(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	var done int64
	if err := db.Table("settings").Where("key = ?", ownImagesKey).Count(&done).Error; err != nil {
		return fmt.Errorf("render images anew: %w", err)
	}
	if done > 0 {
		return nil
	}
	type row struct {
		ID, IdeaID, UserID int64
		Source             string
		Internal           bool
	}
	texts := []struct{ table, source, html string }{
		{"ideas", "body", "body_html"},
		{"comments", "body", "body_html"},
		{"status_changes", "note", "note_html"},
	}
	for _, t := range texts {
		var rows []row
		q := db.Table(t.table).Where(t.html+" LIKE ?", "%<img%")
		if t.table == "comments" {
			q = q.Select("id, idea_id, user_id, internal, body AS source")
		} else {
			q = q.Select("id, " + t.source + " AS source")
		}
		if err := q.Find(&rows).Error; err != nil {
			return fmt.Errorf("render images anew: %s: %w", t.table, err)
		}
		for _, r := range rows {
			html := s.md.render(r.Source)
			if t.table == "comments" {
				author, err := s.UserByID(ctx, r.UserID)
				if err != nil {
					return fmt.Errorf("render images anew: comment %d: %w", r.ID, err)
				}
				if html, err = s.renderComment(ctx, r.IdeaID, author, r.Source, r.Internal); err != nil {
					return fmt.Errorf("render images anew: comment %d: %w", r.ID, err)
				}
			}
			update := map[string]any{t.html: string(html)}
			if t.table == "ideas" {
				update["body_text"] = s.md.plainText(html)
			}
			if err := db.Table(t.table).Where("id = ?", r.ID).Updates(update).Error; err != nil {
				return fmt.Errorf("render images anew: %s %d: %w", t.table, r.ID, err)
			}
		}
	}
	err := db.Table("settings").Create(map[string]any{"key": ownImagesKey, "value": "done", "updated_at": s.Now()}).Error
	if err != nil {
		return fmt.Errorf("render images anew: %w", err)
	}
	return nil
}
