package models

import (
	"bytes"
	"encoding/csv"
	"html/template"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

// Fuzz targets for text that members and visitors write. Their seed corpora
// live in testdata/fuzz/<target>/; docs/fuzzing.md says how long each ran.

const fuzzBase = "https://samen.example"

// FuzzMarkdown renders any text as a member's markdown and checks that the
// HTML runs nothing and loads nothing from elsewhere: no script, style or
// frame element, no on* attribute, no javascript: (or other foreign scheme)
// address, and every image from Samen itself.
func FuzzMarkdown(f *testing.F) {
	for _, seed := range []string{
		"plain *text* and **bold**",
		"<script>alert(1)</script>",
		"[x](javascript:alert(1))",
		"[x](JaVaScRiPt&#58;alert(1))",
		"![cat](https://evil.example/cat.png)",
		"![](//evil.example/p.gif)",
		"![a](/uploads/a.png) ![b](" + fuzzBase + "/b.png)",
		"[![in a link](https://evil.example/i.png)](https://ok.example)",
		"<img src=x onerror=alert(1)>",
		"![x](\\\\evil.example/p.png)",
		"| a | b |\n|---|---|\n| <b onclick=x> | `code` |",
		"- [ ] task\n- [x] done",
		"<a href=\"data:text/html,x\">d</a> https://auto.link/x?y=<z>",
		"```\n<script>\n```",
		"[ref]\n\n[ref]: javascript:alert(1) \"t\"",
		"<svg onload=alert(1)>",
		"![x](\t//evil.example/x)",
	} {
		f.Add(seed)
	}
	r := newRenderer(fuzzBase)
	f.Fuzz(func(t *testing.T, source string) {
		out := string(r.render(source))
		checkSafeHTML(t, source, out)
		_ = r.plainText(template.HTML(out))
	})
}

// checkSafeHTML fails t when html holds markup that runs or loads anything.
func checkSafeHTML(t *testing.T, source, html string) {
	t.Helper()
	z := xhtml.NewTokenizer(strings.NewReader(html))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			if z.Err() != io.EOF {
				t.Fatalf("output does not tokenize: %v\nsource %q\nhtml %q", z.Err(), source, html)
			}
			return
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "style", "iframe", "frame", "object", "embed", "svg", "math", "form", "input", "button", "link", "meta", "base":
			t.Fatalf("element <%s> in output\nsource %q\nhtml %q", tok.Data, source, html)
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "style" || a.Key == "srcset" || a.Key == "formaction" {
				t.Fatalf("attribute %s on <%s>\nsource %q\nhtml %q", a.Key, tok.Data, source, html)
			}
			if a.Key != "href" && a.Key != "src" {
				continue
			}
			dest := browserURL(a.Val)
			u, err := url.Parse(dest)
			if err != nil {
				t.Fatalf("%s %q does not parse\nsource %q\nhtml %q", a.Key, a.Val, source, html)
			}
			switch strings.ToLower(u.Scheme) {
			case "", "http", "https", "mailto":
			default:
				t.Fatalf("%s with scheme %q\nsource %q\nhtml %q", a.Key, u.Scheme, source, html)
			}
			if a.Key == "src" {
				if tok.Data != "img" {
					t.Fatalf("src on <%s>\nsource %q\nhtml %q", tok.Data, source, html)
				}
				foreign := strings.HasPrefix(dest, "//") || u.User != nil ||
					(u.Host != "" && strings.ToLower(u.Scheme+"://"+u.Host) != fuzzBase) || (u.Scheme != "" && u.Host == "")
				if foreign {
					t.Fatalf("image from elsewhere %q\nsource %q\nhtml %q", a.Val, source, html)
				}
			}
		}
	}
}

// browserURL is an address as a browser reads it: without the white space
// and control characters it drops, with backslashes as slashes.
func browserURL(s string) string {
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		if r == '\\' {
			return '/'
		}
		return r
	}, s)
	return s
}

// FuzzSlugify checks that a slug of any title is short, plain ASCII letters,
// digits and single dashes, never empty and never a route of its own.
func FuzzSlugify(f *testing.F) {
	for _, seed := range []string{"Dark mode", "Café crème", "", "---", "edit", "Vote!", "日本語のタイトル", strings.Repeat("ab ", 40), "a\u0301\u0301b", "ﬁ ligature", "x\x00y"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, title string) {
		slug := Slugify(title)
		if slug == "" || len(slug) > 70 {
			t.Fatalf("Slugify(%q) = %q: empty or too long", title, slug)
		}
		if strings.HasPrefix(slug, "-") || strings.HasSuffix(slug, "-") || strings.Contains(slug, "--") {
			t.Fatalf("Slugify(%q) = %q: stray dash", title, slug)
		}
		for _, r := range slug {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("Slugify(%q) = %q: rune %q", title, slug, r)
			}
		}
		switch slug {
		case "edit", "delete", "vote", "unvote", "comments", "status":
			t.Fatalf("Slugify(%q) = %q: a route", title, slug)
		}
		if again := Slugify(slug); again != slug {
			t.Fatalf("Slugify(%q) = %q, but Slugify(%q) = %q", title, slug, slug, again)
		}
	})
}

// FuzzLinkMentions links mentions in the rendered HTML of any comment among
// people with any names, and checks that the result is as safe as its input,
// that mention links are well formed, and that its text is the input's text.
func FuzzLinkMentions(f *testing.F) {
	f.Add("hello @Anna and @AnnaDeVries", "Anna de Vries", "Anna Bakker")
	f.Add("`@Anna` [@Anna](https://x.example) a@anna.nl", "Anna", "Bob")
	f.Add("@<b>x</b> @\"><script>", "\"><script>alert(1)</script>", "<img src=x onerror=y>")
	f.Add("@Zoë, @zoë! (@ZOË)", "Zoë", "zoë")
	f.Add("@José\u0301 @@@Anna", "José", "")
	r := newRenderer(fuzzBase)
	f.Fuzz(func(t *testing.T, body, name1, name2 string) {
		if !utf8.ValidString(name1) || !utf8.ValidString(name2) {
			return // names are validated text
		}
		safe := r.render(body)
		out := string(LinkMentions(safe, []User{{ID: 7, Name: name1}, {ID: 8, Name: name2}}))
		checkSafeHTML(t, body, out)
		if got, want := textOf(t, out), textOf(t, string(safe)); got != want {
			t.Fatalf("text changed\nbody %q\nbefore %q\nafter  %q", body, want, got)
		}
		z := xhtml.NewTokenizer(strings.NewReader(out))
		for tt := z.Next(); tt != xhtml.ErrorToken; tt = z.Next() {
			if tt != xhtml.StartTagToken {
				continue
			}
			tok := z.Token()
			for _, a := range tok.Attr {
				if a.Key == "class" && a.Val == "mention" {
					if href := attr(tok, "href"); href != "/members/7" && href != "/members/8" {
						t.Fatalf("mention links to %q\nbody %q\nhtml %q", href, body, out)
					}
				}
			}
		}
	})
}

func attr(tok xhtml.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is the text of HTML, unescaped, as a reader sees it.
func textOf(t *testing.T, html string) string {
	t.Helper()
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(html))
	for tt := z.Next(); tt != xhtml.ErrorToken; tt = z.Next() {
		if tt == xhtml.TextToken {
			b.Write(z.Text())
		}
	}
	return b.String()
}

// FuzzExportCSV writes a row of the ideas export with any text in its cells
// and checks that encoding/csv reads back the same cells, and that no cell a
// member wrote starts with a character a spreadsheet reads as a formula.
func FuzzExportCSV(f *testing.F) {
	f.Add("=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "ok")
	f.Add("\tTab", "\rCR", "a,b", "quote \" here", "line\nbreak")
	f.Add("", "'=already", " =space", "\u00a0=nbsp", "﹦wide")
	f.Fuzz(func(t *testing.T, title, status, category, author, source string) {
		name := author
		row := exportRow{ID: 1, Title: title, Slug: Slugify(title), Status: status, Category: &category,
			Author: &name, Source: source, Votes: 3, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		want := row.cells(fuzzBase, []string{category, author})
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write(ExportColumns); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(want); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if err := w.Error(); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
		if err != nil {
			t.Fatalf("read back: %v\ncsv %q", err, buf.String())
		}
		if len(records) != 2 || len(records[1]) != len(want) {
			t.Fatalf("read back %d records: %q", len(records), records)
		}
		for i, cell := range records[1] {
			// encoding/csv reads \r\n inside a quoted cell as \n.
			if cell != strings.ReplaceAll(want[i], "\r\n", "\n") {
				t.Fatalf("cell %d: wrote %q, read %q", i, want[i], cell)
			}
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Fatalf("cell %d (%s) starts with %q: %q", i, ExportColumns[i], cell[0], cell)
			}
		}
	})
}
