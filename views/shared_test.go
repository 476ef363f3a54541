package views_test

import (
	"errors"
	"fmt"
	"testing"

	"samen/views"
)

// TestCutParts: a shared render is cut at its own marks, in order, parts
// with two forms whole; a mark of another render is text; marks that do not
// nest as they should refuse the page.
func TestCutParts(t *testing.T) {
	mark := func(kind string, id int64) string { return string(views.Mark("N0NCE", kind, id)) }
	body := "<header>" + mark(views.PartAccount, 0) + "</header><ol>" +
		mark(views.PartVote, 12) + "voted" + mark(views.PartOr, 0) + "vote" + mark(views.PartEnd, 0) +
		"<p>" + string(views.Mark("OTHER", views.PartAccount, 0)) + "</p>" +
		mark(views.PartFollow, 12) + "following" + mark(views.PartOr, 0) + mark(views.PartEnd, 0) + "</ol>"
	got, err := views.CutParts([]byte(body), "N0NCE")
	if err != nil {
		t.Fatal(err)
	}
	want := []views.Piece{
		{Text: []byte("<header>")},
		{Kind: views.PartAccount},
		{Text: []byte("</header><ol>")},
		{Kind: views.PartVote, ID: 12, Yes: []byte("voted"), No: []byte("vote")},
		{Text: []byte("<p>" + string(views.Mark("OTHER", views.PartAccount, 0)) + "</p>")},
		{Kind: views.PartFollow, ID: 12, Yes: []byte("following")},
		{Text: []byte("</ol>")},
	}
	show := func(pieces []views.Piece) string {
		return fmt.Sprintf("%q", func() (out []string) {
			for _, p := range pieces {
				out = append(out, fmt.Sprintf("%s|%s|%d|%s|%s", p.Text, p.Kind, p.ID, p.Yes, p.No))
			}
			return out
		}())
	}
	if show(got) != show(want) {
		t.Fatalf("cut into\n%s\nwant\n%s", show(got), show(want))
	}

	for name, bad := range map[string]string{
		"a vote without its other form": mark(views.PartVote, 1) + "voted" + mark(views.PartEnd, 0),
		"a vote without its end":        mark(views.PartVote, 1) + "voted" + mark(views.PartOr, 0) + "vote",
		"an end alone":                  "x" + mark(views.PartEnd, 0),
		"a kind nobody knows":           mark("name", 0),
		"an id that is no number":       "samenPartN0NCE_vote_x_",
		"a mark cut short":              "samenPartN0NCE_vote",
	} {
		if _, err := views.CutParts([]byte(bad), "N0NCE"); !errors.Is(err, views.ErrBadParts) {
			t.Errorf("%s: %v, want ErrBadParts", name, err)
		}
	}
}
