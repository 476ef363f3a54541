package models_test

import (
	"context"
	"strings"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// TestMarkdownImagesLoadOnlyFromSamen: an image from anywhere but Samen itself
// (a relative path, or SAMEN_BASE_URL's origin) becomes a link with its alt
// text, so nobody's browser asks a third party for it while reading.
func TestMarkdownImagesLoadOnlyFromSamen(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			s := modelstest.OpenWith(t, dialect, models.Options{BaseURL: "https://ideas.example.com"})
			anna := member(t, s, "Anna", models.RoleMember)
			stored := idea(t, s, anna, "A picture of the rack", "![the rack](https://tracker.example/pixel.png?who=anna)")
			if got, want := string(stored.BodyHTML), `<p><a href="https://tracker.example/pixel.png?who=anna" rel="nofollow ugc noopener">the rack</a></p>`+"\n"; got != want {
				t.Fatalf("stored body_html %q, want %q", got, want)
			}

			for _, c := range []struct{ markdown, want string }{
				{"![rack](/uploads/7.png)", `<img src="/uploads/7.png" alt="rack">`},
				{"![rack](uploads/7.png)", `<img src="uploads/7.png" alt="rack">`},
				{"![rack](https://ideas.example.com/uploads/7.png)", `<img src="https://ideas.example.com/uploads/7.png" alt="rack">`},
				{"![rack](https://tracker.example/p.png)", `<a href="https://tracker.example/p.png" rel="nofollow ugc noopener">rack</a>`},
				{"![rack](http://ideas.example.com/uploads/7.png)", `<a href="http://ideas.example.com/uploads/7.png" rel="nofollow ugc noopener">rack</a>`},
				{"![rack](https://ideas.example.com.tracker.example/p.png)", `<a href="https://ideas.example.com.tracker.example/p.png" rel="nofollow ugc noopener">rack</a>`},
				{"![rack](https://ideas.example.com@tracker.example/p.png)", `>rack</a>`},
				{"![rack](//tracker.example/p.png)", `<a href="//tracker.example/p.png" rel="nofollow ugc noopener">rack</a>`},
				{`![rack](/\tracker.example/p.png)`, `>rack</a>`},
				{"![](https://tracker.example/p.png)", `<a href="https://tracker.example/p.png" rel="nofollow ugc noopener">https://tracker.example/p.png</a>`},
				{"![rack][r]\n\n[r]: https://tracker.example/r.png", `<a href="https://tracker.example/r.png" rel="nofollow ugc noopener">rack</a>`},
				{"[![rack](https://tracker.example/p.png)](https://example.com)", `<a href="https://example.com" rel="nofollow ugc noopener">rack</a>`},
				{"![<script>alert(1)</script>](javascript:alert(1))", `alert(1)`},
				{`![x" onerror="alert(1)](https://tracker.example/p.png)`, `rel="nofollow ugc noopener">x&#34; onerror=&#34;alert(1)</a>`},
			} {
				p, err := s.PreviewIdea(context.Background(), models.NewIdea{Title: "A picture of the rack", Body: c.markdown, Category: "features"}, anna)
				if err != nil {
					t.Fatal(err)
				}
				html := string(p.BodyHTML)
				if !strings.Contains(html, c.want) {
					t.Errorf("%q renders %q, want it to hold %q", c.markdown, html, c.want)
				}
				own := strings.HasPrefix(c.want, "<img")
				for _, bad := range []string{"tracker.example/p.png\" alt", "<script", "javascript:", "onerror=\""} {
					if strings.Contains(html, bad) {
						t.Errorf("%q renders %q, which holds %q", c.markdown, html, bad)
					}
				}
				if !own && strings.Contains(html, "<img") {
					t.Errorf("%q renders %q: an image from elsewhere", c.markdown, html)
				}
				if strings.Count(html, "<a ") > 1 {
					t.Errorf("%q renders %q: a link inside a link", c.markdown, html)
				}
			}
		})
	}
}

// TestStoredTextLosesForeignImagesOnce: text stored while images from
// anywhere were kept is rendered anew by the first migration after, once.
func TestStoredTextLosesForeignImagesOnce(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s := modelstest.OpenWith(t, dialect, models.Options{BaseURL: "https://ideas.example.com"})
			anna := member(t, s, "Anna", models.RoleMember)
			team := member(t, s, "Tess", models.RoleTeam)
			const md = "![rack](https://tracker.example/p.png) ![ours](/uploads/1.png)"
			i := idea(t, s, anna, "A picture of the rack", md)
			if _, err := s.CreateComment(ctx, i.ID, anna, models.NewComment{Body: md + " @Anna"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetStatus(ctx, i.ID, team, "planned", md); err != nil {
				t.Fatal(err)
			}
			const old = `<p><img src="https://tracker.example/p.png" alt="rack"></p>`
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := s.DB().Exec(q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			stored := func() []string {
				t.Helper()
				var out []string
				for _, q := range []string{"SELECT body_html FROM ideas", "SELECT body_html FROM comments", "SELECT note_html FROM status_changes WHERE note <> ''"} {
					var h string
					if err := s.DB().QueryRow(q).Scan(&h); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					out = append(out, h)
				}
				return out
			}
			setOld := func() {
				exec("UPDATE ideas SET body_html = '" + old + "'")
				exec("UPDATE comments SET body_html = '" + old + "'")
				exec("UPDATE status_changes SET note_html = '" + old + "' WHERE note <> ''")
			}
			setOld()
			exec("DELETE FROM settings WHERE key = 'markdown.own_images'")
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, h := range stored() {
				if !strings.Contains(h, `<a href="https://tracker.example/p.png" rel="nofollow ugc noopener">rack</a>`) ||
					!strings.Contains(h, `<img src="/uploads/1.png" alt="ours">`) || strings.Contains(h, `<img src="https://tracker`) {
					t.Fatalf("rendered anew as %q", h)
				}
			}
			if h := stored()[1]; !strings.Contains(h, `class="mention"`) {
				t.Fatalf("the comment lost its mention: %q", h)
			}
			// Once: later starts read no stored text.
			setOld()
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if h := stored()[0]; h != old {
				t.Fatalf("a second start rendered again: %q", h)
			}
		})
	}
}
