package models_test

import (
	"context"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"samen/models"
	"samen/models/modelstest"
)

func mention(id, text string) string {
	return `<a href="/members/` + id + `" class="mention">` + text + `</a>`
}

func TestLinkMentions(t *testing.T) {
	people := []models.User{
		{ID: 1, Name: "Anna de Vries"}, {ID: 2, Name: "Anna Bakker"}, {ID: 3, Name: "Bram"},
		{ID: 4, Name: "Jean-Luc  Picard"}, {ID: 5, Name: "Eve<script>"}, {ID: 6, Name: "Zoë"},
		{ID: 3, Name: "Bram"}, // the idea's author who also comments counts once
		{ID: 7, Name: "(Mallory)"}, {ID: 8, Name: "   "},
	}
	for _, c := range []struct{ name, in, want string }{
		{"full name", `<p>Thanks @AnnaDeVries!</p>`, `<p>Thanks ` + mention("1", "@AnnaDeVries") + `!</p>`},
		{"any letter case", `<p>@annadevries</p>`, `<p>` + mention("1", "@annadevries") + `</p>`},
		{"shared first name", `<p>@Anna, @anna</p>`, `<p>@Anna, @anna</p>`},
		{"first name alone", `<p>@Jean-Luc and @JEAN-LUCPICARD</p>`, `<p>` + mention("4", "@Jean-Luc") + ` and ` + mention("4", "@JEAN-LUCPICARD") + `</p>`},
		{"unknown", `<p>@Carla @Bramble</p>`, `<p>@Carla @Bramble</p>`},
		{"punctuation around", `<p>(@Bram) @Bram's idea, @Bram.</p>`,
			`<p>(` + mention("3", "@Bram") + `) ` + mention("3", "@Bram") + `&#39;s idea, ` + mention("3", "@Bram") + `.</p>`},
		{"addresses", `<p>write to bram@example.com, @bram.nl or x/@Bram</p>`, `<p>write to bram@example.com, @bram.nl or x/@Bram</p>`},
		{"in code, pre and links", `<p><code>@Bram</code> <a href="https://example.com" rel="nofollow">@Bram</a> <em>@Bram</em></p><pre><code>@Bram
</code></pre>`, `<p><code>@Bram</code> <a href="https://example.com" rel="nofollow">@Bram</a> <em>` + mention("3", "@Bram") + `</em></p><pre><code>@Bram
</code></pre>`},
		{"escaped text stays escaped", `<p>&lt;b&gt; &amp; @Bram &#34;x&#34;</p>`, `<p>&lt;b&gt; &amp; ` + mention("3", "@Bram") + ` &#34;x&#34;</p>`},
		{"markup in a name", `<p>@Eve&lt;script&gt; hi</p>`, `<p>` + mention("5", "@Eve&lt;script&gt;") + ` hi</p>`},
		{"letters beyond ASCII", `<p>@ZOË</p>`, `<p>` + mention("6", "@ZOË") + `</p>`},
		{"names must start with a letter or digit", `<p>@(Mallory) @</p>`, `<p>@(Mallory) @</p>`},
		{"attributes untouched", `<p><img src="https://example.com/a.png" alt="@Bram"></p>`, `<p><img src="https://example.com/a.png" alt="@Bram"></p>`},
		{"no mention at all", `<p>Nothing &amp; nobody</p>`, `<p>Nothing &amp; nobody</p>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := string(models.LinkMentions(template.HTML(c.in), people))
			if got != c.want {
				t.Fatalf("LinkMentions(%s)\n got %s\nwant %s", c.in, got, c.want)
			}
			wantOnlyMentionsAdded(t, c.in, got)
		})
	}

	// The longest name wins; a full name wins over someone else's first name.
	stoker := []models.User{{ID: 3, Name: "Bram"}, {ID: 9, Name: "Bram Stoker"}}
	got := string(models.LinkMentions(`<p>@BramStoker @Bram</p>`, stoker))
	if want := `<p>` + mention("9", "@BramStoker") + ` ` + mention("3", "@Bram") + `</p>`; got != want {
		t.Fatalf("longest match: %s", got)
	}
	// Two people of the same name: nobody is meant for sure.
	twins := []models.User{{ID: 1, Name: "Anna de Vries"}, {ID: 2, Name: "Anna de Vries"}}
	if got := string(models.LinkMentions(`<p>@AnnaDeVries</p>`, twins)); got != `<p>@AnnaDeVries</p>` {
		t.Fatalf("ambiguous full name: %s", got)
	}
	if got := string(models.LinkMentions(`<p>@Bram</p>`, nil)); got != `<p>@Bram</p>` {
		t.Fatalf("nobody in the discussion: %s", got)
	}
}

var mentionTag = regexp.MustCompile(`^<a href="/members/\d+" class="mention">$`)

// wantOnlyMentionsAdded checks that out holds the elements and attributes of
// in and nothing else but mention links: what the sanitiser let through
// stays all there is.
func wantOnlyMentionsAdded(t *testing.T, in, out string) {
	t.Helper()
	tags := func(s string) []string {
		var list []string
		z := html.NewTokenizer(strings.NewReader(s))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
				list = append(list, string(z.Raw()))
			}
		}
		return list
	}
	left := map[string]int{}
	for _, tag := range tags(in) {
		left[tag]++
	}
	for _, tag := range tags(out) {
		if left[tag] > 0 {
			left[tag]--
			continue
		}
		if !mentionTag.MatchString(tag) {
			t.Errorf("LinkMentions added %s", tag)
		}
	}
}

func TestMentionsInComments(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna, err := s.CreateUser(ctx, models.NewUser{Name: "Anna de Vries", Email: "anna@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		bram := member(t, s, "Bram", models.RoleMember)
		carla := member(t, s, "Carla", models.RoleMember)
		i := idea(t, s, anna, "Mudguards that do not rattle", "")
		link := func(u *models.User, text string) string {
			return mention(strconv.FormatInt(u.ID, 10), text)
		}

		// Only people in the discussion can be mentioned: Carla is not, yet.
		c, err := s.CreateComment(ctx, i.ID, bram, models.NewComment{Body: "Agreed @AnnaDeVries, and @Carla too. `@Bram`"})
		if err != nil {
			t.Fatal(err)
		}
		want := "<p>Agreed " + link(anna, "@AnnaDeVries") + ", and @Carla too. <code>@Bram</code></p>\n"
		if string(c.BodyHTML) != want {
			t.Fatalf("body_html %s, want %s", c.BodyHTML, want)
		}

		// Once Carla takes part, an edit links her, and the first name Anna
		// is Anna's alone.
		if _, err := s.CreateComment(ctx, i.ID, carla, models.NewComment{Body: "Mine rattle too, @bram"}); err != nil {
			t.Fatal(err)
		}
		edited := "@Carla and @Anna: see this"
		if _, err := s.EditComment(ctx, c.ID, bram, models.CommentUpdate{Body: &edited}); err != nil {
			t.Fatal(err)
		}
		list, err := s.Comments(ctx, i.ID, nil)
		if err != nil || len(list) != 2 {
			t.Fatalf("%d comments, %v", len(list), err)
		}
		want = "<p>" + link(carla, "@Carla") + " and " + link(anna, "@Anna") + ": see this</p>\n"
		if string(list[0].BodyHTML) != want {
			t.Fatalf("stored body_html %s, want %s", list[0].BodyHTML, want)
		}
		if want := "<p>Mine rattle too, " + link(bram, "@bram") + "</p>\n"; string(list[1].BodyHTML) != want {
			t.Fatalf("body_html %s, want %s", list[1].BodyHTML, want)
		}
	})
}
