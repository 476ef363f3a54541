package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// TestTeamExportsIdeasAsCSV downloads the CSV export as the team: the
// header of the contract, one row per idea the team may see (hidden ones
// too, deleted ones never), formula cells neutralised, the score where
// impact and effort are set, and a file that encoding/csv parses.
func TestTeamExportsIdeasAsCSV(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		teamUser := srv.User("Tess", "tess@example.com", models.RoleTeam)
		anna := srv.User("@Anna", "anna@example.com", models.RoleMember)
		bob := srv.User("Bob, \"the builder\"", "bob@example.com", models.RoleMember)

		formula := mustIdea(t, srv, anna, `=HYPERLINK("http://evil.example","click")`)
		minus := mustIdea(t, srv, bob, "-1+1 makes a cell a sum")
		quoted := mustIdea(t, srv, bob, "Commas, \"quotes\"\nand a new line")
		hidden := mustIdea(t, srv, bob, "An idea a moderator hid")
		deleted := mustIdea(t, srv, bob, "An idea its author deleted")
		if _, err := srv.Store.ModerateIdea(ctx, hidden.ID, admin, models.IdeaModeration{Hidden: ptrTo(true), Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		if err := srv.Store.DeleteIdea(ctx, deleted.ID, bob); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.UpdateIdea(ctx, minus.ID, teamUser, models.IdeaUpdate{Tags: &[]string{"Lights", "+plus"}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := srv.Store.Vote(ctx, minus.ID, anna.ID); err != nil {
			t.Fatal(err)
		}
		// Impact 3 and effort 2 on 2 votes: score 3. Assigned to Tess.
		execSQL(t, srv, "UPDATE ideas SET impact = 3, effort = 2, assignee_id = ? WHERE id = ?", teamUser.ID, minus.ID)
		execSQL(t, srv, "UPDATE ideas SET impact = 2, effort = 3 WHERE id = ?", quoted.ID)

		r := srv.SignedIn(teamUser).Get("/admin/export/ideas.csv")
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Fatalf("Content-Type %q", ct)
		}
		if r.ContentLength != -1 || !slices.Contains(r.TransferEncoding, "chunked") {
			t.Fatalf("the export is not streamed: length %d, transfer encoding %v", r.ContentLength, r.TransferEncoding)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		records, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatalf("the export is no CSV: %v\n%s", err, r.Body)
		}
		header := "id,title,url,status,category,tags,votes,comments,author,assignee,impact,effort,score,source,created_at"
		if got := strings.Join(records[0], ","); got != header {
			t.Fatalf("header %q, want %q", got, header)
		}
		rows := map[string][]string{}
		var ids []string
		for _, rec := range records[1:] {
			if len(rec) != 15 {
				t.Fatalf("row of %d cells: %q", len(rec), rec)
			}
			rows[rec[0]] = rec
			ids = append(ids, rec[0])
		}
		want := []string{fmt.Sprint(formula.ID), fmt.Sprint(minus.ID), fmt.Sprint(quoted.ID), fmt.Sprint(hidden.ID)}
		if !slices.Equal(ids, want) {
			t.Fatalf("exported ideas %v, want %v (the deleted %d never)", ids, want, deleted.ID)
		}
		f := rows[fmt.Sprint(formula.ID)]
		if f[1] != `'=HYPERLINK("http://evil.example","click")` || f[8] != "'@Anna" {
			t.Fatalf("formula cells are not neutralised: title %q, author %q", f[1], f[8])
		}
		if f[2] != srv.URL+"/ideas/"+fmt.Sprint(formula.ID)+"/"+formula.Slug || f[3] != "open" || f[13] != "web" {
			t.Fatalf("url, status, source: %q", f)
		}
		if f[12] != "" || f[10] != "" || f[11] != "" || f[9] != "" {
			t.Fatalf("an untriaged idea has impact, effort, score or assignee: %q", f)
		}
		if created := f[14]; created != formula.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00") {
			t.Fatalf("created_at %q", created)
		}
		m := rows[fmt.Sprint(minus.ID)]
		if m[1] != "'-1+1 makes a cell a sum" || m[5] != "lights, plus" || m[6] != "2" || m[9] != "Tess" ||
			m[10] != "3" || m[11] != "2" || m[12] != "3" || m[8] != `Bob, "the builder"` {
			t.Fatalf("a triaged idea's row: %q", m)
		}
		q := rows[fmt.Sprint(quoted.ID)]
		if q[1] != "Commas, \"quotes\" and a new line" || q[12] != "0.7" {
			t.Fatalf("quoted title or score 1x2/3: %q", q)
		}

		// Members may not; visitors are sent to sign in.
		wantStatus(t, srv.SignedIn(anna).Get("/admin/export/ideas.csv"), http.StatusForbidden)
		wantStatus(t, srv.Client().Get("/admin/export/ideas.csv"), http.StatusSeeOther)
	})
}
