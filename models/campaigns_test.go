package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// campaignPeople makes the team member and members a campaign test needs.
func campaignPeople(t *testing.T, s *models.Store, members ...string) (*models.User, []*models.User) {
	t.Helper()
	ctx := context.Background()
	tess, err := s.CreateUser(ctx, models.NewUser{Name: "Tess", Email: "tess@example.com", Role: models.RoleTeam})
	if err != nil {
		t.Fatal(err)
	}
	var list []*models.User
	for _, name := range members {
		u, err := s.CreateUser(ctx, models.NewUser{Name: name, Email: name + "@example.com", Role: models.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, u)
	}
	return tess, list
}

// TestCampaignPhasesInOrder: a campaign is drafted by the team, hidden from
// members until it opens, moves one phase at a time and records each move;
// ideas enter it only in its submission phase, in its categories, with
// answers to its questions.
func TestCampaignPhasesInOrder(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, m := campaignPeople(t, s, "Anna")
		anna := m[0]
		cats, err := s.Categories(ctx)
		if err != nil || len(cats) < 2 {
			t.Fatalf("categories: %v %d", err, len(cats))
		}
		title, brief := "How should the next lock work?", "Tell us **everything**."
		in := models.CampaignInput{Title: &title, Brief: &brief, Categories: &[]string{cats[0].Slug},
			Questions: &[]models.QuestionInput{
				{Kind: models.QuestionChoice, Prompt: "Where do you park?", Choices: []string{"Street", "Shed"}, Required: true},
				{Kind: models.QuestionNumber, Prompt: "How many locks do you carry?"},
				{Kind: models.QuestionText, Prompt: "Anything else?"},
			}}
		if _, err := s.CreateCampaign(ctx, anna, in); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member drafted a campaign: %v", err)
		}
		var invalid models.ValidationErrors
		bad := models.CampaignInput{Title: &title, Questions: &[]models.QuestionInput{{Kind: models.QuestionChoice, Prompt: "One choice?", Choices: []string{"Only"}}}}
		if _, err := s.CreateCampaign(ctx, tess, bad); !errors.As(err, &invalid) || invalid["questions.1"] == "" {
			t.Fatalf("a choice question with one choice: %v", err)
		}
		six := make([]models.QuestionInput, 6)
		for i := range six {
			six[i] = models.QuestionInput{Kind: models.QuestionText, Prompt: fmt.Sprintf("Question %d?", i)}
		}
		if _, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title, Questions: &six}); !errors.As(err, &invalid) || invalid["questions"] == "" {
			t.Fatalf("six questions: %v", err)
		}

		c, err := s.CreateCampaign(ctx, tess, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.Slug != "how-should-the-next-lock-work" || c.Phase != models.PhaseDraft || len(c.Questions) != 3 || len(c.Categories) != 1 || len(c.History) != 1 {
			t.Fatalf("drafted %+v", c)
		}
		if c.BriefHTML == "" || c.Questions[0].ChoiceList()[1] != "Shed" {
			t.Fatalf("brief %q, choices %q", c.BriefHTML, c.Questions[0].Choices)
		}
		if _, err := s.CreateCampaign(ctx, tess, in); !errors.As(err, &invalid) || invalid["slug"] == "" {
			t.Fatalf("a second campaign of the same slug: %v", err)
		}
		// A draft is the team's alone.
		if _, err := s.Campaign(ctx, c.Slug, anna); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a member read a draft: %v", err)
		}
		if list, err := s.Campaigns(ctx, nil); err != nil || len(list) != 0 {
			t.Fatalf("a visitor's campaigns: %d %v", len(list), err)
		}

		submit := func(category string, answers map[int]string) error {
			_, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "A lock that knows my phone", Category: category,
				Campaign: c.Slug, Answers: answers})
			return err
		}
		good := map[int]string{1: "Shed", 2: "2"}
		if err := submit(cats[0].Slug, good); !errors.As(err, &invalid) || invalid["campaign"] == "" {
			t.Fatalf("an idea entered a draft: %v", err)
		}

		move := func(to models.Phase) *models.Campaign {
			t.Helper()
			moved, err := s.MoveCampaign(ctx, c.ID, tess, to)
			if err != nil {
				t.Fatalf("to %s: %v", to, err)
			}
			return moved
		}
		if _, err := s.MoveCampaign(ctx, c.ID, tess, models.PhaseVoting); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a draft skipped its submission phase: %v", err)
		}
		if _, err := s.MoveCampaign(ctx, c.ID, anna, models.PhaseSubmission); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member opened a campaign: %v", err)
		}
		c = move(models.PhaseSubmission)
		if list, err := s.Campaigns(ctx, nil); err != nil || len(list) != 1 {
			t.Fatalf("a visitor's campaigns once open: %d %v", len(list), err)
		}
		// Questions are fixed once ideas come in.
		if _, err := s.UpdateCampaign(ctx, c.ID, tess, models.CampaignInput{Questions: &[]models.QuestionInput{}}); !errors.As(err, &invalid) || invalid["questions"] == "" {
			t.Fatalf("questions changed after opening: %v", err)
		}

		for _, tc := range []struct {
			name     string
			category string
			answers  map[int]string
			field    string
		}{
			{"outside its categories", cats[1].Slug, good, "category"},
			{"without a required answer", cats[0].Slug, map[int]string{2: "2"}, "answers.1"},
			{"with an unknown choice", cats[0].Slug, map[int]string{1: "Garage"}, "answers.1"},
			{"with a number that is none", cats[0].Slug, map[int]string{1: "Shed", 2: "two"}, "answers.2"},
			{"answering no question", cats[0].Slug, map[int]string{1: "Shed", 9: "?"}, "answers.9"},
		} {
			if err := submit(tc.category, tc.answers); !errors.As(err, &invalid) || invalid[tc.field] == "" {
				t.Fatalf("an idea %s: %v", tc.name, err)
			}
		}
		idea, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "A lock that knows my phone", Category: cats[0].Slug,
			Campaign: c.Slug, Answers: map[int]string{1: "Shed", 2: "2", 3: "  "}})
		if err != nil {
			t.Fatal(err)
		}
		if idea.CampaignID == nil || *idea.CampaignID != c.ID {
			t.Fatalf("the idea's campaign: %v", idea.CampaignID)
		}
		answers, err := s.IdeaAnswers(ctx, idea.ID)
		if err != nil || len(answers) != 2 || answers[0].Answer != "Shed" || answers[1].Answer != "2" {
			t.Fatalf("answers %+v %v", answers, err)
		}

		c = move(models.PhaseVoting)
		if err := submit(cats[0].Slug, good); !errors.As(err, &invalid) || invalid["campaign"] == "" {
			t.Fatalf("an idea entered after the submission phase: %v", err)
		}
		c = move(models.PhaseReview)
		c = move(models.PhaseResults)
		if _, err := s.MoveCampaign(ctx, c.ID, tess, models.PhaseResults); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a campaign moved past its results: %v", err)
		}
		var phases []models.Phase
		for _, h := range c.History {
			phases = append(phases, h.Phase)
		}
		if fmt.Sprint(phases) != fmt.Sprint(models.Phases) {
			t.Fatalf("history %v", phases)
		}
	})
}

// TestSealedCampaignRevealsWhenVotingCloses: a sealed campaign's counts come
// out when its voting closes, not before; a campaign that is not sealed has
// nothing to reveal.
func TestSealedCampaignRevealsWhenVotingCloses(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, _ := campaignPeople(t, s)
		title, sealed := "Sealed round", true
		c, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title, Sealed: &sealed})
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []models.Phase{models.PhaseSubmission, models.PhaseVoting} {
			if c, err = s.MoveCampaign(ctx, c.ID, tess, to); err != nil || !c.Hidden() {
				t.Fatalf("in %s: hidden %v, %v", to, c != nil && c.Hidden(), err)
			}
		}
		unsealed := false
		var invalid models.ValidationErrors
		if _, err := s.UpdateCampaign(ctx, c.ID, tess, models.CampaignInput{Sealed: &unsealed}); !errors.As(err, &invalid) || invalid["sealed"] == "" {
			t.Fatalf("unsealed while voting: %v", err)
		}
		if c, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseReview); err != nil || c.Hidden() || c.RevealedAt == nil {
			t.Fatalf("after voting: %+v %v", c, err)
		}
	})
}

// TestSealedVotesCountedAtTheReveal: while a sealed campaign votes, its
// ideas' votes are recorded but counted nowhere (their counter, their place
// in the top and trending orders, the answer to the vote), and the reveal
// counts them all at once.
func TestSealedVotesCountedAtTheReveal(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, m := campaignPeople(t, s, "Anna", "Bram", "Cas", "Dirk")
		title, sealed := "Sealed plain votes", true
		c, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title, Sealed: &sealed})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		// The favourite is older: an order by votes that leaked would put it first.
		favourite, err := s.CreateIdea(ctx, m[0], models.NewIdea{Title: "The favourite of the round", Campaign: c.Slug})
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateIdea(ctx, m[1], models.NewIdea{Title: "The other idea of the round", Campaign: c.Slug})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseVoting); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*models.User{m[1], m[2], m[3]} {
			if voted, n, err := s.VoteAs(ctx, favourite.ID, u); err != nil || !voted || n != models.SealedVotes {
				t.Fatalf("a sealed vote: %v %d %v", voted, n, err)
			}
		}
		if _, n, err := s.VoteAs(ctx, other.ID, m[2]); err != nil || n != models.SealedVotes {
			t.Fatalf("a sealed vote: %d %v", n, err)
		}
		if withdrawn, n, err := s.Unvote(ctx, other.ID, m[2].ID); err != nil || !withdrawn || n != models.SealedVotes {
			t.Fatalf("a sealed vote withdrawn: %v %d %v", withdrawn, n, err)
		}
		got, err := s.Idea(ctx, favourite.ID, m[1])
		if err != nil || got.Votes != 1 || !got.Sealed || !got.Voted {
			t.Fatalf("the favourite while sealed: votes %d sealed %v voted %v, %v", got.Votes, got.Sealed, got.Voted, err)
		}
		order := func(sort string) []int64 {
			t.Helper()
			page, err := s.ListIdeas(ctx, models.ListOptions{Sort: sort}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, i := range page.Ideas {
				ids = append(ids, i.ID)
			}
			return ids
		}
		for _, sort := range []string{models.SortTop, models.SortHot} {
			if ids := order(sort); len(ids) != 2 || ids[0] != other.ID {
				t.Fatalf("%s order while sealed: %v, want the newer idea %d first", sort, ids, other.ID)
			}
		}

		if _, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseReview); err != nil {
			t.Fatal(err)
		}
		for _, want := range []struct {
			idea  *models.Idea
			votes int
		}{{favourite, 4}, {other, 1}} {
			if got, err := s.Idea(ctx, want.idea.ID, nil); err != nil || got.Votes != want.votes || got.Sealed {
				t.Fatalf("idea %d after the reveal: votes %d sealed %v, want %d: %v", want.idea.ID, got.Votes, got.Sealed, want.votes, err)
			}
		}
		for _, sort := range []string{models.SortTop, models.SortHot} {
			if ids := order(sort); len(ids) != 2 || ids[0] != favourite.ID {
				t.Fatalf("%s order after the reveal: %v, want the favourite %d first", sort, ids, favourite.ID)
			}
		}
	})
}

// budgetRound opens a campaign with a budget of 10 points, at most maxPer
// on one idea, with ideas in it, and moves it to voting.
func budgetRound(t *testing.T, s *models.Store, maxPer, ideas int) (*models.User, []*models.User, *models.Campaign, []*models.Idea) {
	t.Helper()
	ctx := context.Background()
	tess, members := campaignPeople(t, s, "Anna", "Bram")
	title, budget := "Spend ten points", 10
	c, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title, Budget: &budget, MaxPerIdea: &maxPer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.MoveCampaign(ctx, c.ID, tess, models.PhaseSubmission); err != nil {
		t.Fatal(err)
	}
	var list []*models.Idea
	var author *models.User
	for i := range ideas {
		if i%10 == 0 { // the spam brakes let a member post ten ideas an hour
			name := fmt.Sprintf("Author%d", i)
			if author, err = s.CreateUser(ctx, models.NewUser{Name: name, Email: name + "@example.com", Role: models.RoleMember}); err != nil {
				t.Fatal(err)
			}
		}
		idea, err := s.CreateIdea(ctx, author, models.NewIdea{Title: fmt.Sprintf("Budget idea number %d", i), Campaign: c.Slug})
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, idea)
	}
	if c, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseVoting); err != nil {
		t.Fatal(err)
	}
	return tess, members, c, list
}

// TestBudgetLimits: a member spends and takes back points within the
// budget and the most one idea takes; every refusal leaves the spending as
// it was.
func TestBudgetLimits(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, m, c, ideas := budgetRound(t, s, 3, 5)
		anna := m[0]
		spend := func(idea *models.Idea, points int) (*models.Points, error) {
			return s.SpendPoints(ctx, anna, idea.ID, points)
		}
		for i, n := range []int{3, 3, 3} {
			if _, err := spend(ideas[i], n); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := spend(ideas[3], 4); !errors.Is(err, models.ErrOverBudget) {
			t.Fatalf("4 points on one idea past the most of 3: %v", err)
		}
		if _, err := spend(ideas[3], 2); !errors.Is(err, models.ErrOverBudget) {
			t.Fatalf("2 points with 1 left: %v", err)
		}
		p, err := spend(ideas[3], 1)
		if err != nil || p.Spent != 10 || p.Left() != 0 {
			t.Fatalf("the last point: %+v %v", p, err)
		}
		// Lowering one idea frees points for another; 0 takes them all back.
		if _, err := spend(ideas[0], 1); err != nil {
			t.Fatal(err)
		}
		if p, err = spend(ideas[4], 2); err != nil || p.Spent != 10 {
			t.Fatalf("points moved: %+v %v", p, err)
		}
		if p, err = spend(ideas[1], 0); err != nil || p.Spent != 7 || p.PerIdea[ideas[1].ID] != 0 || len(p.PerIdea) != 4 {
			t.Fatalf("taken back: %+v %v", p, err)
		}
		var invalid models.ValidationErrors
		if _, err := spend(ideas[1], -1); !errors.As(err, &invalid) {
			t.Fatalf("negative points: %v", err)
		}
		if _, err := s.SpendPoints(ctx, nil, ideas[1].ID, 1); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a visitor spent: %v", err)
		}
		// Bram's budget is his own.
		if p, err := s.SpendPoints(ctx, m[1], ideas[0].ID, 3); err != nil || p.Spent != 3 {
			t.Fatalf("Bram: %+v %v", p, err)
		}
		// After voting, spending is over.
		if _, err := s.MoveCampaign(ctx, c.ID, tess, models.PhaseReview); err != nil {
			t.Fatal(err)
		}
		if _, err := spend(ideas[1], 1); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("spent after voting closed: %v", err)
		}
		if p, err := s.PointsOf(ctx, c, anna); err != nil || p.Spent != 7 {
			t.Fatalf("Anna's points after: %+v %v", p, err)
		}
	})
}

// TestBudgetHoldsUnderConcurrency: twenty requests of one member at once,
// each spending a point on another idea from a budget of 10, end with
// exactly 10 spent: ten pass, ten are refused, and the budget's row agrees
// with the points.
func TestBudgetHoldsUnderConcurrency(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		_, m, c, ideas := budgetRound(t, s, 0, 20)
		anna := m[0]
		var wg sync.WaitGroup
		var mu sync.Mutex
		var spent, refused int
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.SpendPoints(ctx, anna, ideas[i].ID, 1)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					spent++
				case errors.Is(err, models.ErrOverBudget):
					refused++
				default:
					t.Errorf("spend %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		p, err := s.PointsOf(ctx, c, anna)
		if err != nil {
			t.Fatal(err)
		}
		if p.Spent != 10 || len(p.PerIdea) != 10 || spent != 10 || refused != 10 {
			t.Fatalf("spent %d on %d ideas; %d requests passed, %d refused", p.Spent, len(p.PerIdea), spent, refused)
		}
		var row int
		if err := s.Gorm().Raw("SELECT spent FROM campaign_budgets WHERE campaign_id = ? AND user_id = ?", c.ID, anna.ID).Scan(&row).Error; err != nil || row != 10 {
			t.Fatalf("the budget row says %d: %v", row, err)
		}
	})
}

// TestCampaignIdeasTallyOrSeal: an open campaign lists its ideas by their
// points with the viewer's own; a sealed one shows no tally, in an order of
// each viewer's own that stays the same, until the reveal.
func TestCampaignIdeasTallyOrSeal(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, m, c, ideas := budgetRound(t, s, 0, 12)
		anna, bram := m[0], m[1]
		for i, n := range map[int]int{3: 4, 7: 6} {
			if _, err := s.SpendPoints(ctx, anna, ideas[i].ID, n); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.SpendPoints(ctx, bram, ideas[7].ID, 1); err != nil {
			t.Fatal(err)
		}
		list, err := s.CampaignIdeas(ctx, c, anna)
		if err != nil || len(list) != 12 {
			t.Fatalf("%d ideas, %v", len(list), err)
		}
		if list[0].Idea.ID != ideas[7].ID || list[0].Tally != 7 || list[0].Mine != 6 || list[1].Idea.ID != ideas[3].ID || list[1].Tally != 4 || list[2].Tally != 0 {
			t.Fatalf("open tallies: %+v %+v %+v", list[0], list[1], list[2])
		}

		// The same round, sealed: no tallies, and an order for each viewer.
		title, budget, sealed := "A sealed round", 10, true
		sc, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title, Budget: &budget, Sealed: &sealed})
		if err != nil {
			t.Fatal(err)
		}
		if sc, err = s.MoveCampaign(ctx, sc.ID, tess, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		author, err := s.CreateUser(ctx, models.NewUser{Name: "Sealed author", Email: "sealed@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 8 {
			if _, err := s.CreateIdea(ctx, author, models.NewIdea{Title: fmt.Sprintf("Sealed idea number %d", i), Campaign: sc.Slug}); err != nil {
				t.Fatal(err)
			}
		}
		if sc, err = s.MoveCampaign(ctx, sc.ID, tess, models.PhaseVoting); err != nil {
			t.Fatal(err)
		}
		order := func(viewer *models.User) string {
			t.Helper()
			list, err := s.CampaignIdeas(ctx, sc, viewer)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, e := range list {
				if e.Tally != 0 {
					t.Fatalf("a sealed tally shows: %+v", e)
				}
				ids = append(ids, e.Idea.ID)
			}
			return fmt.Sprint(ids)
		}
		first, _ := s.CampaignIdeas(ctx, sc, anna)
		if _, err := s.SpendPoints(ctx, bram, first[len(first)-1].Idea.ID, 5); err != nil {
			t.Fatal(err)
		}
		annas, brams := order(anna), order(bram)
		if annas != order(anna) || brams != order(bram) {
			t.Fatal("a viewer's sealed order changed between visits")
		}
		if annas == brams {
			t.Fatalf("two viewers got the same sealed order %s", annas)
		}
		if sc, err = s.MoveCampaign(ctx, sc.ID, tess, models.PhaseReview); err != nil {
			t.Fatal(err)
		}
		revealed, err := s.CampaignIdeas(ctx, sc, anna)
		if err != nil || revealed[0].Tally != 5 || revealed[0].Idea.ID != first[len(first)-1].Idea.ID {
			t.Fatalf("after the reveal: %+v %v", revealed[0], err)
		}
	})
}

// TestCampaignVotesOnlyWhileVoting: an idea of a campaign takes votes (and
// gives them back) in the campaign's voting phase alone, and none at all
// when the campaign gives points instead.
func TestCampaignVotesOnlyWhileVoting(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, m := campaignPeople(t, s, "Anna", "Bram")
		anna, bram := m[0], m[1]
		title := "Plain votes round"
		c, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		idea, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "A plain campaign idea", Campaign: c.Slug})
		if err != nil {
			t.Fatal(err)
		}
		refused := func(when, reason string) {
			t.Helper()
			var conflict *models.ConflictError
			if _, _, err := s.VoteAs(ctx, idea.ID, bram); !errors.As(err, &conflict) || conflict.Reason != reason {
				t.Fatalf("a vote %s: %v, want %s", when, err, reason)
			}
		}
		refused("while ideas come in", models.ReasonCampaignClosed)
		if c, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseVoting); err != nil {
			t.Fatal(err)
		}
		if voted, n, err := s.VoteAs(ctx, idea.ID, bram); err != nil || !voted || n != 2 {
			t.Fatalf("a vote while voting: %v %d %v", voted, n, err)
		}
		if _, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseReview); err != nil {
			t.Fatal(err)
		}
		var conflict *models.ConflictError
		if _, _, err := s.Unvote(ctx, idea.ID, bram.ID); !errors.As(err, &conflict) || conflict.Reason != models.ReasonCampaignClosed {
			t.Fatalf("a vote withdrawn after voting closed: %v", err)
		}
		if got, err := s.Idea(ctx, idea.ID, nil); err != nil || got.Votes != 2 {
			t.Fatalf("votes after: %+v %v", got, err)
		}

		// A campaign of points takes no votes.
		title, budget := "Points round", 10
		pc, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title, Budget: &budget})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = s.MoveCampaign(ctx, pc.ID, tess, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		if idea, err = s.CreateIdea(ctx, anna, models.NewIdea{Title: "A points campaign idea", Campaign: pc.Slug}); err != nil {
			t.Fatal(err)
		}
		if _, err = s.MoveCampaign(ctx, pc.ID, tess, models.PhaseVoting); err != nil {
			t.Fatal(err)
		}
		refused("on a campaign of points", models.ReasonCampaignPoints)
	})
}

// TestCampaignResults: the team drafts its decisions in the review phase,
// seen by the team alone; the results phase publishes them, chosen ideas
// first; a decision needs its answer, and only the campaign's ideas take one.
func TestCampaignResults(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, m, c, ideas := budgetRound(t, s, 0, 3)
		anna := m[0]
		other, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "An idea of no campaign"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetCampaignResult(ctx, tess, c, ideas[0].ID, models.DecisionChosen, "Yes."); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a result while voting: %v", err)
		}
		if c, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseReview); err != nil {
			t.Fatal(err)
		}
		var invalid models.ValidationErrors
		for _, bad := range []struct {
			idea             int64
			decision, answer string
			field            string
		}{
			{ideas[0].ID, "maybe", "Hm.", "decision"},
			{ideas[0].ID, models.DecisionChosen, "  ", "answer"},
			{other.ID, models.DecisionChosen, "Yes.", "idea"},
		} {
			if err := s.SetCampaignResult(ctx, tess, c, bad.idea, bad.decision, bad.answer); !errors.As(err, &invalid) || invalid[bad.field] == "" {
				t.Fatalf("%+v: %v", bad, err)
			}
		}
		if err := s.SetCampaignResult(ctx, anna, c, ideas[0].ID, models.DecisionChosen, "Yes."); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member decided: %v", err)
		}
		for i, d := range []string{models.DecisionDeclined, models.DecisionChosen, models.DecisionConsidered} {
			if err := s.SetCampaignResult(ctx, tess, c, ideas[i].ID, d, "Because **"+d+"**."); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetCampaignResult(ctx, tess, c, ideas[2].ID, "", ""); err != nil {
			t.Fatal(err)
		}
		if got, err := s.CampaignResults(ctx, c, anna); err != nil || len(got) != 0 {
			t.Fatalf("a member read draft results: %d %v", len(got), err)
		}
		drafted, err := s.CampaignResults(ctx, c, tess)
		if err != nil || len(drafted) != 2 {
			t.Fatalf("the team's draft: %d %v", len(drafted), err)
		}
		if c, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseResults); err != nil {
			t.Fatal(err)
		}
		public, err := s.CampaignResults(ctx, c, nil)
		if err != nil || len(public) != 2 || public[0].Decision != models.DecisionChosen || public[0].Idea.ID != ideas[1].ID ||
			public[1].Decision != models.DecisionDeclined || public[0].AnswerHTML != "<p>Because <strong>chosen</strong>.</p>\n" {
			t.Fatalf("published results %+v %v", public, err)
		}
	})
}

// TestCampaignSlugTakenAtOnce: ten campaigns of one title drafted at once
// make one campaign; the others are told the slug is taken, never an
// error of the database.
func TestCampaignSlugTakenAtOnce(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, _ := campaignPeople(t, s)
		var wg sync.WaitGroup
		var mu sync.Mutex
		made, taken := 0, 0
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				title := "One round only"
				_, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title})
				var invalid models.ValidationErrors
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					made++
				case errors.As(err, &invalid) && invalid["slug"] != "":
					taken++
				default:
					t.Errorf("a draft of the same title: %v", err)
				}
			}()
		}
		wg.Wait()
		if made != 1 || taken != 9 {
			t.Fatalf("%d made, %d told the slug is taken", made, taken)
		}
	})
}

// TestRoundAsksThoseWhoGavePoints: a round on an idea of a campaign of
// points asks the members who gave it points, with its voters.
func TestRoundAsksThoseWhoGavePoints(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, members, c, ideas := budgetRound(t, s, 3, 2)
		anna, bram := members[0], members[1]
		if _, err := s.SpendPoints(ctx, anna, ideas[0].ID, 3); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SpendPoints(ctx, bram, ideas[1].ID, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MoveCampaign(ctx, c.ID, tess, models.PhaseReview); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStatus(ctx, ideas[0].ID, tess, "planned", "We build it."); err != nil {
			t.Fatal(err)
		}
		closes := s.Now().Add(72 * time.Hour)
		r, err := s.OpenRound(ctx, tess, ideas[0].ID, models.RoundInput{Title: "Try the winner", ClosesAt: &closes,
			Questions: []models.AskInput{{Kind: models.AskYesNo, Prompt: "Does it work for you?"}}})
		if err != nil {
			t.Fatal(err)
		}
		got := participants(t, s, r.ID)
		if len(got) != 2 || !slices.Contains(got, anna.ID) || !slices.Contains(got, ideas[0].AuthorID) || slices.Contains(got, bram.ID) {
			t.Fatalf("asked %v: want Anna (%d), who gave points, and the author (%d), not Bram (%d)", got, anna.ID, ideas[0].AuthorID, bram.ID)
		}
	})
}
