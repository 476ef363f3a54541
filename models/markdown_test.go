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
