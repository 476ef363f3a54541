package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// roundFixture is a planned idea with voters, and the team member who asks them.
type roundFixture struct {
	s      *models.Store
	team   *models.User
	author *models.User
	voters []*models.User
	idea   *models.Idea
}

func newRoundFixture(t *testing.T, s *models.Store, voters int) *roundFixture {
	t.Helper()
	ctx := context.Background()
	f := &roundFixture{s: s}
	f.team = mailMember(t, s, "Tess", "tess@example.com", models.RoleTeam)
	f.author = mailMember(t, s, "Anna", "anna@example.com", models.RoleMember)
	idea, err := s.CreateIdea(ctx, f.author, models.NewIdea{Title: "A lock that opens by phone", Body: "Please."})
	if err != nil {
		t.Fatal(err)
	}
	for i := range voters {
		v := mailMember(t, s, fmt.Sprintf("Voter %d", i+1), fmt.Sprintf("voter%d@example.com", i+1), models.RoleMember)
		if _, _, err := s.Vote(ctx, idea.ID, v.ID); err != nil {
			t.Fatal(err)
		}
		f.voters = append(f.voters, v)
	}
	if f.idea, err = s.SetStatus(ctx, idea.ID, f.team, "planned", "On the list."); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *roundFixture) input(sample *int) models.RoundInput {
	closes := f.s.Now().Add(72 * time.Hour)
	return models.RoundInput{Title: "Try the prototype", Intro: "Tell us *how* it went.", ClosesAt: &closes, SampleSize: sample,
		Questions: []models.AskInput{
			{Kind: models.AskRating, Prompt: "How easy was it to open?", Required: true},
			{Kind: models.AskYesNo, Prompt: "Would you use it daily?"},
			{Kind: models.AskText, Prompt: "Anything else?"},
		}}
}

func (f *roundFixture) open(t *testing.T, sample *int) *models.Round {
	t.Helper()
	r, err := f.s.OpenRound(context.Background(), f.team, f.idea.ID, f.input(sample))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func participants(t *testing.T, s *models.Store, roundID int64) []int64 {
	t.Helper()
	rows, err := s.DB().Query("SELECT user_id FROM round_participants WHERE round_id = $1 ORDER BY user_id", roundID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestOpenRoundRules(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		f := newRoundFixture(t, s, 3)
		in := f.input(nil)

		// Only the team opens rounds.
		if _, err := s.OpenRound(ctx, f.voters[0], f.idea.ID, in); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member opens a round: %v", err)
		}
		// Only on a planned or active idea.
		open := mustIdeaOf(t, s, f.author, "Still open")
		if _, err := s.OpenRound(ctx, f.team, open.ID, in); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a round on an open idea: %v, want a conflict", err)
		}
		past := s.Now().Add(-time.Minute)
		var eleven []models.AskInput
		for range 11 {
			eleven = append(eleven, models.AskInput{Kind: models.AskText, Prompt: "Why?"})
		}
		zero := 0
		for name, c := range map[string]struct {
			change func(in *models.RoundInput)
			field  string
		}{
			"no title":        {func(in *models.RoundInput) { in.Title = " " }, "title"},
			"past close":      {func(in *models.RoundInput) { in.ClosesAt = &past }, "closes_at"},
			"no close":        {func(in *models.RoundInput) { in.ClosesAt = nil }, "closes_at"},
			"zero sample":     {func(in *models.RoundInput) { in.SampleSize = &zero }, "sample_size"},
			"no questions":    {func(in *models.RoundInput) { in.Questions = nil }, "questions"},
			"11 questions":    {func(in *models.RoundInput) { in.Questions = eleven }, "questions"},
			"unknown kind":    {func(in *models.RoundInput) { in.Questions[1].Kind = "choice" }, "questions.2"},
			"an empty prompt": {func(in *models.RoundInput) { in.Questions[0].Prompt = "" }, "questions.1"},
		} {
			in := f.input(nil)
			in.Questions = slices.Clone(in.Questions)
			c.change(&in)
			var v models.ValidationErrors
			if _, err := s.OpenRound(ctx, f.team, f.idea.ID, in); !errors.As(err, &v) || v[c.field] == "" {
				t.Errorf("%s: %v, want an error on %s", name, err, c.field)
			}
		}

		// All voters: the author and the three, the opener left out.
		r := f.open(t, nil)
		if r.Participants != 4 || !r.Open() || len(r.Questions) != 3 || r.Questions[0].Kind != models.AskRating {
			t.Fatalf("round %+v", r)
		}
		want := []int64{f.author.ID, f.voters[0].ID, f.voters[1].ID, f.voters[2].ID}
		slices.Sort(want)
		if got := participants(t, s, r.ID); !slices.Equal(got, want) {
			t.Fatalf("participants %v, want %v", got, want)
		}
		if r.IntroHTML != "<p>Tell us <em>how</em> it went.</p>\n" {
			t.Errorf("intro rendered as %q", r.IntroHTML)
		}
	})
}

func mustIdeaOf(t *testing.T, s *models.Store, author *models.User, title string) *models.Idea {
	t.Helper()
	i, err := s.CreateIdea(context.Background(), author, models.NewIdea{Title: title, Body: "Body of " + title})
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestRoundSampleDrawsExactlyN(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		f := newRoundFixture(t, s, 11) // 12 voters with the author
		voters := []int64{f.author.ID}
		for _, v := range f.voters {
			voters = append(voters, v.ID)
		}
		seen := map[int64]bool{}
		for range 4 {
			five := 5
			r := f.open(t, &five)
			got := participants(t, s, r.ID)
			if len(got) != 5 || r.Participants != 5 || *r.SampleSize != 5 {
				t.Fatalf("sample of 5 drew %v (%d)", got, r.Participants)
			}
			for _, id := range got {
				if !slices.Contains(voters, id) {
					t.Fatalf("participant %d is no voter", id)
				}
				seen[id] = true
			}
		}
		// Four draws of 5 from 12 that always drew the same 5 would not be random.
		if len(seen) <= 5 {
			t.Errorf("four samples drew only %d different voters", len(seen))
		}
		// A sample larger than the voters asks them all.
		many := 50
		if r := f.open(t, &many); r.Participants != 12 {
			t.Errorf("a sample of 50 from 12 asked %d", r.Participants)
		}
	})
}

func TestRespondToRound(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		f := newRoundFixture(t, s, 3)
		two := 2
		r := f.open(t, &two)
		ids := participants(t, s, r.ID)
		var in, out *models.User
		for _, v := range append([]*models.User{f.author}, f.voters...) {
			if slices.Contains(ids, v.ID) {
				in = v
			} else {
				out = v
			}
		}

		// Not drawn: an open round does not exist for them.
		if _, err := s.Respond(ctx, out, r.ID, map[int]string{1: "4"}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a voter not drawn responds: %v", err)
		}
		if _, err := s.Round(ctx, r.ID, out); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a voter not drawn reads the open round: %v", err)
		}
		if _, err := s.Round(ctx, r.ID, nil); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a visitor reads the open round: %v", err)
		}
		// The team reads it, and is not invited.
		if _, err := s.Respond(ctx, f.team, r.ID, map[int]string{1: "4"}); !errors.Is(err, models.ErrNotInvited) {
			t.Fatalf("the team responds: %v", err)
		}

		for name, c := range map[string]struct {
			answers map[int]string
			field   string
		}{
			"required":      {map[int]string{2: "yes"}, "answers.1"},
			"rating 6":      {map[int]string{1: "6"}, "answers.1"},
			"rating 0":      {map[int]string{1: "0"}, "answers.1"},
			"rating word":   {map[int]string{1: "five"}, "answers.1"},
			"yes/no maybe":  {map[int]string{1: "3", 2: "maybe"}, "answers.2"},
			"no question 9": {map[int]string{1: "3", 9: "x"}, "answers"},
		} {
			var v models.ValidationErrors
			if _, err := s.Respond(ctx, in, r.ID, c.answers); !errors.As(err, &v) || v[c.field] == "" {
				t.Errorf("%s: %v, want an error on %s", name, err, c.field)
			}
		}
		resp, err := s.Respond(ctx, in, r.ID, map[int]string{1: "4", 2: "no", 3: " Too heavy "})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Answers[1] != "4" || resp.Answers[2] != "no" || resp.Answers[3] != "Too heavy" {
			t.Fatalf("answers %v", resp.Answers)
		}
		// A change replaces the answers; one response per participant.
		if resp, err = s.Respond(ctx, in, r.ID, map[int]string{1: "5", 2: "yes"}); err != nil {
			t.Fatal(err)
		}
		if len(resp.Answers) != 2 || resp.Answers[1] != "5" {
			t.Fatalf("changed answers %v", resp.Answers)
		}
		mine, err := s.Round(ctx, r.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if mine.Responses != 1 || mine.Mine == nil || mine.Mine.Answers[2] != "yes" || mine.SummaryVisible() {
			t.Fatalf("the participant's round %+v", mine)
		}
		// The member's export holds their answers.
		export, err := s.ExportOf(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := export.RoundAnswers; len(got) != 2 || got[0].Answer != "5" || got[1].Prompt != "Would you use it daily?" || got[1].RoundTitle != "Try the prototype" {
			t.Fatalf("exported answers %+v", got)
		}
		if _, err := s.RoundSummary(ctx, mine); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a participant reads the summary of an open round: %v", err)
		}
		if _, err := s.RoundResponses(ctx, mine, in); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a participant reads the responses: %v", err)
		}

		// Closing: the team, once; then nothing changes.
		if _, err := s.CloseRound(ctx, in, r.ID); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member closes the round: %v", err)
		}
		closed, err := s.CloseRound(ctx, f.team, r.ID)
		if err != nil || closed.Open() || closed.ClosedAt == nil {
			t.Fatalf("close: %+v %v", closed, err)
		}
		if _, err := s.CloseRound(ctx, f.team, r.ID); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("closed twice: %v", err)
		}
		if got := notified(t, s, models.NotifyRoundClosed); len(got) != 2 {
			t.Fatalf("told of the closing: %v, want the two participants", got)
		}
		if _, err := s.Respond(ctx, in, r.ID, map[int]string{1: "1"}); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a response to a closed round: %v", err)
		}
		// Closed: the participant reads the summary; others see the round without its questions.
		if mine, err = s.Round(ctx, r.ID, in); err != nil || !mine.SummaryVisible() {
			t.Fatalf("the participant after closing: %+v %v", mine, err)
		}
		other, err := s.Round(ctx, r.ID, out)
		if err != nil || other.Questions != nil || other.SummaryVisible() || other.Responses != 1 {
			t.Fatalf("a voter not drawn after closing: %+v %v", other, err)
		}
		list, err := s.IdeaRounds(ctx, f.idea, nil)
		if err != nil || len(list) != 1 {
			t.Fatalf("a visitor's rounds: %v %v", list, err)
		}
	})
}

func TestRoundSummary(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		f := newRoundFixture(t, s, 3)
		r := f.open(t, nil)
		for i, answers := range []map[int]string{
			{1: "5", 2: "yes", 3: "Great"},
			{1: "4", 2: "yes"},
			{1: "4", 2: "no", 3: "Too slow"},
		} {
			if _, err := s.Respond(ctx, f.voters[i], r.ID, answers); err != nil {
				t.Fatal(err)
			}
		}
		team, err := s.Round(ctx, r.ID, f.team)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := s.RoundSummary(ctx, team)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum) != 3 {
			t.Fatalf("%d questions summed up", len(sum))
		}
		if q := sum[0]; q.Count != 3 || q.Average != 4.33 || q.Ratings != [5]int{0, 0, 0, 2, 1} {
			t.Errorf("rating summary %+v", q)
		}
		if q := sum[1]; q.Count != 3 || q.Yes != 2 || q.No != 1 {
			t.Errorf("yes/no summary %+v", q)
		}
		if q := sum[2]; q.Count != 2 || !slices.Equal(q.Texts, []string{"Great", "Too slow"}) {
			t.Errorf("text summary %+v", q)
		}
		responses, err := s.RoundResponses(ctx, team, f.team)
		if err != nil || len(responses) != 3 || responses[0].UserName != "Voter 1" || responses[2].Answers[3] != "Too slow" {
			t.Fatalf("responses %+v %v", responses, err)
		}
	})
}

// notified lists the members who hold a notification of kind, by name, with
// whether it still waits for its email ("+") or none will go ("-").
func notified(t *testing.T, s *models.Store, kind string) []string {
	t.Helper()
	if err := s.FanOutPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := s.DB().Query(`SELECT u.name, n.emailed_at IS NULL FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.kind = $1 ORDER BY u.name`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		var waits bool
		if err := rows.Scan(&name, &waits); err != nil {
			t.Fatal(err)
		}
		mark := "-"
		if waits {
			mark = "+"
		}
		out = append(out, name+mark)
	}
	return out
}

func TestRoundInvitationsAndReminders(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		f := newRoundFixture(t, s, 3)
		// Voter 3 wants no email of rounds: the inbox only.
		off := map[string]string{models.NotifyRoundInvite: models.MailOff, models.NotifyRoundReminder: models.MailOff}
		if _, err := s.UpdatePreferences(ctx, f.voters[2].ID, models.PreferencesChange{Email: off}); err != nil {
			t.Fatal(err)
		}
		start := s.Now()
		r := f.open(t, nil) // closes in 72 hours
		if got, want := notified(t, s, models.NotifyRoundInvite), []string{"Anna+", "Voter 1+", "Voter 2+", "Voter 3-"}; !slices.Equal(got, want) {
			t.Fatalf("invited %v, want %v", got, want)
		}
		if _, err := s.Respond(ctx, f.voters[0], r.ID, map[int]string{1: "3"}); err != nil {
			t.Fatal(err)
		}
		at := func(d time.Duration) {
			s.SetClock(func() time.Time { return start.Add(d) })
			if err := s.CheckRounds(ctx); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { s.SetClock(nil) })
		// Two days before closing: no reminder yet.
		at(24 * time.Hour)
		if got := notified(t, s, models.NotifyRoundReminder); len(got) != 0 {
			t.Fatalf("reminded two days ahead: %v", got)
		}
		// A day before: those who have not answered, once, by their preference.
		at(49 * time.Hour)
		at(50 * time.Hour)
		if got, want := notified(t, s, models.NotifyRoundReminder), []string{"Anna+", "Voter 2+", "Voter 3-"}; !slices.Equal(got, want) {
			t.Fatalf("reminded %v, want %v", got, want)
		}
		// Past its date the check closes it, at its closing time.
		at(73 * time.Hour)
		s.SetClock(nil)
		closed, err := s.Round(ctx, r.ID, f.team)
		if err != nil || closed.Open() || closed.ClosedAt == nil || !closed.ClosedAt.Equal(r.ClosesAt) {
			t.Fatalf("after its date: %+v %v", closed, err)
		}
		if got := notified(t, s, models.NotifyRoundReminder); len(got) != 3 {
			t.Fatalf("reminders after closing: %v", got)
		}
		// Closing tells every participant, the summary being there; once.
		at(74 * time.Hour)
		s.SetClock(nil)
		if got, want := notified(t, s, models.NotifyRoundClosed), []string{"Anna+", "Voter 1+", "Voter 2+", "Voter 3+"}; !slices.Equal(got, want) {
			t.Fatalf("told of the closing %v, want %v", got, want)
		}
	})
}
