package models

import (
	"bytes"
	"html"
	"html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// renderer turns members' markdown into safe HTML, once, on write: goldmark
// without raw HTML, then bluemonday's policy for user content, with links
// marked nofollow, ugc and noopener. Pages print the stored result.
type renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	strip  *bluemonday.Policy
}

func newRenderer() *renderer {
	policy := bluemonday.UGCPolicy()
	policy.RequireNoFollowOnLinks(true)
	policy.AllowURLSchemes("http", "https", "mailto")
	policy.RequireParseableURLs(true)
	strip := bluemonday.StrictPolicy()
	strip.AddSpaceWhenStrippingTag(true)
	return &renderer{md: goldmark.New(goldmark.WithExtensions(extension.GFM)), policy: policy, strip: strip}
}

// plainText is the text a reader sees of rendered HTML, without its markup:
// what search indexes and quotes in its snippets. Tags become spaces, so
// that words of two paragraphs or list items stay apart; runs of white space
// become one.
func (r *renderer) plainText(rendered template.HTML) string {
	text := html.UnescapeString(r.strip.Sanitize(string(rendered)))
	return strings.Join(strings.Fields(text), " ")
}

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
