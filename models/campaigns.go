package models

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Phase is where a campaign stands. A campaign moves through the phases in
// order, one at a time: the team drafts it, members submit ideas, members
// vote, the team reviews, and the results are published.
type Phase string

// The phases, in order.
const (
	PhaseDraft      Phase = "draft"
	PhaseSubmission Phase = "submission"
	PhaseVoting     Phase = "voting"
	PhaseReview     Phase = "review"
	PhaseResults    Phase = "results"
)

// Phases lists the phases in the order a campaign goes through them.
var Phases = []Phase{PhaseDraft, PhaseSubmission, PhaseVoting, PhaseReview, PhaseResults}

// next is the phase after p, or "" after the last.
func (p Phase) next() Phase {
	i := slices.Index(Phases, p)
	if i < 0 || i == len(Phases)-1 {
		return ""
	}
	return Phases[i+1]
}

// Next is the phase a campaign in p moves to, or "" when it has none.
func (p Phase) Next() Phase { return p.next() }

// Campaign is a co-creation round: the brand's question in a brief, the
// dates it takes ideas and votes, the categories it covers and the
// questions every submission answers. With a budget, each member spends
// points instead of casting votes (at most MaxPerIdea on one idea when that
// is set); a sealed campaign shows no count and no order by votes until its
// voting closes.
type Campaign struct {
	ID        int64
	Slug      string
	Title     string
	Brief     string
	BriefHTML template.HTML `gorm:"column:brief_html"`
	// ImageID is the brief's picture, an upload of the team (see UploadImage).
	ImageID *int64
	Phase   Phase

	SubmissionOpensAt  *time.Time
	SubmissionClosesAt *time.Time
	VotingOpensAt      *time.Time
	VotingClosesAt     *time.Time

	Budget     int
	MaxPerIdea int
	Sealed     bool
	// RevealedAt is when a sealed campaign's counts came out: when its
	// voting closed.
	RevealedAt *time.Time
	CreatedBy  *int64
	CreatedAt  time.Time
	UpdatedAt  time.Time

	Categories []Category         `gorm:"-"`
	Questions  []CampaignQuestion `gorm:"-"`
	// SubmissionOver says the submission's closing date has passed, as
	// the campaign was loaded: it takes no more ideas, though the phase
	// moves on only when voting opens.
	SubmissionOver bool `gorm:"-"`
	// History is every phase the campaign entered, oldest first.
	History []CampaignPhase `gorm:"-"`
	Image   *Image          `gorm:"-"`
}

// Hidden reports whether the campaign's counts are sealed now: a sealed
// campaign before its reveal.
func (c *Campaign) Hidden() bool { return c.Sealed && c.RevealedAt == nil }

// Budgeted reports whether members spend points rather than vote.
func (c *Campaign) Budgeted() bool { return c.Budget > 0 }

// TakesVotes reports whether the campaign's ideas take plain votes now.
func (c *Campaign) TakesVotes() bool { return campaignGate(c) == "" }

// Open reports whether the campaign takes new ideas: in its submission
// phase, until the submission's closing date.
func (c *Campaign) Open() bool { return c.Phase == PhaseSubmission && !c.SubmissionOver }

// Voting reports whether the campaign takes votes or points.
func (c *Campaign) Voting() bool { return c.Phase == PhaseVoting }

// CampaignQuestion is a question every idea submitted to a campaign answers.
type CampaignQuestion struct {
	ID         int64
	CampaignID int64
	Position   int
	Kind       string // text, choice or number
	Prompt     string
	// Choices are the answers a choice question takes, one per line.
	Choices  string
	Required bool
}

// ChoiceList is a choice question's answers.
func (q *CampaignQuestion) ChoiceList() []string {
	var list []string
	for c := range strings.SplitSeq(q.Choices, "\n") {
		if c = strings.TrimSpace(c); c != "" {
			list = append(list, c)
		}
	}
	return list
}

// CampaignPhase records a campaign entering a phase.
type CampaignPhase struct {
	ID         int64
	CampaignID int64
	Phase      Phase
	ActorID    *int64
	CreatedAt  time.Time
}

// IdeaAnswer is an idea's answer to one of its campaign's questions.
type IdeaAnswer struct {
	IdeaID     int64
	QuestionID int64
	Answer     string
	// Position is the question's, when read with it.
	Position int `gorm:"->"`
}

type campaignCategory struct {
	CampaignID int64
	CategoryID int64
}

func (campaignCategory) TableName() string { return "campaign_categories" }

// Question kinds.
const (
	QuestionText   = "text"
	QuestionChoice = "choice"
	QuestionNumber = "number"
)

// Limits on a campaign.
const (
	MaxCampaignTitleLength = 120
	MaxCampaignQuestions   = 5
	MaxQuestionLength      = 300
	MaxAnswerLength        = 2000
	MaxChoices             = 20
	MaxCampaignBudget      = 1000
)

// CampaignInput is what the team writes. On an update, nil fields stay as
// they are. Questions, budget and sealing are fixed once the campaign takes
// ideas or votes: what was asked and spent must keep its meaning.
type CampaignInput struct {
	Title              *string
	Slug               *string
	Brief              *string
	ImageID            **int64
	SubmissionOpensAt  **time.Time
	SubmissionClosesAt **time.Time
	VotingOpensAt      **time.Time
	VotingClosesAt     **time.Time
	Budget             *int
	MaxPerIdea         *int
	Sealed             *bool
	// Categories are category slugs; none means every category.
	Categories *[]string
	Questions  *[]QuestionInput
}

// QuestionInput is one question as the team writes it.
type QuestionInput struct {
	Kind     string
	Prompt   string
	Choices  []string
	Required bool
}

// CreateCampaign drafts a new campaign.
func (s *Store) CreateCampaign(ctx context.Context, actor *User, in CampaignInput) (*Campaign, error) {
	if !s.Can(actor, ActManageCampaigns) {
		return nil, ErrForbidden
	}
	c := &Campaign{Phase: PhaseDraft, CreatedBy: &actor.ID}
	if in.Title == nil {
		in.Title = new(string)
	}
	if err := s.saveCampaign(ctx, c, actor, in); err != nil {
		return nil, err
	}
	return s.Campaign(ctx, c.Slug, actor)
}

// UpdateCampaign changes a campaign.
func (s *Store) UpdateCampaign(ctx context.Context, id int64, actor *User, in CampaignInput) (*Campaign, error) {
	if !s.Can(actor, ActManageCampaigns) {
		return nil, ErrForbidden
	}
	var c Campaign
	if err := first(s.db.WithContext(ctx).Where("id = ?", id), &c); err != nil {
		return nil, err
	}
	if err := s.saveCampaign(ctx, &c, actor, in); err != nil {
		return nil, err
	}
	return s.Campaign(ctx, c.Slug, actor)
}

// saveCampaign checks in against c, then stores c, its categories and its
// questions in one transaction.
func (s *Store) saveCampaign(ctx context.Context, c *Campaign, actor *User, in CampaignInput) error {
	errs := ValidationErrors{}
	if in.Title != nil {
		c.Title = checkTitle(*in.Title, MaxCampaignTitleLength, "title", errs)
		if c.ID == 0 && in.Slug == nil {
			c.Slug = Slugify(c.Title)
		}
	}
	if in.Slug != nil {
		c.Slug = *in.Slug
	}
	if c.Slug != "" && c.Slug != Slugify(c.Slug) {
		errs["slug"] = "must be lower-case letters, digits and dashes"
	} else if c.Slug == "" && errs["title"] == "" {
		errs["slug"] = "is required"
	}
	if in.Brief != nil {
		c.Brief = checkBody(*in.Brief, "brief", errs)
		c.BriefHTML = s.md.render(c.Brief)
	}
	oldImage := c.ImageID
	if in.ImageID != nil && !sameID(*in.ImageID, c.ImageID) {
		if id := *in.ImageID; id != nil {
			// An upload of the actor's waiting to be posted (see UploadImage).
			if waiting, err := s.WaitingImages(ctx, actor.ID, []int64{*id}); err != nil {
				return err
			} else if len(waiting) == 0 {
				errs["image"] = "must be an image you uploaded and did not post yet"
			}
		}
		c.ImageID = *in.ImageID
	}
	for _, d := range []struct {
		field string
		in    **time.Time
		to    **time.Time
	}{
		{"submission_opens_at", in.SubmissionOpensAt, &c.SubmissionOpensAt},
		{"submission_closes_at", in.SubmissionClosesAt, &c.SubmissionClosesAt},
		{"voting_opens_at", in.VotingOpensAt, &c.VotingOpensAt},
		{"voting_closes_at", in.VotingClosesAt, &c.VotingClosesAt},
	} {
		if d.in != nil {
			*d.to = *d.in
		}
	}
	dates := []*time.Time{c.SubmissionOpensAt, c.SubmissionClosesAt, c.VotingOpensAt, c.VotingClosesAt}
	for i := 1; i < len(dates); i++ {
		for j := range i {
			if dates[i] != nil && dates[j] != nil && dates[i].Before(*dates[j]) {
				errs["dates"] = "must follow each other: submission opens, closes, voting opens, closes"
			}
		}
	}

	started := c.Phase != PhaseDraft && c.Phase != ""
	fixed := func(field string) {
		errs[field] = "cannot change once the campaign has left its draft"
	}
	if in.Budget != nil && *in.Budget != c.Budget {
		switch {
		case c.Phase != PhaseDraft && c.Phase != PhaseSubmission:
			errs["budget"] = "cannot change once voting has opened"
		case *in.Budget < 0 || *in.Budget > MaxCampaignBudget:
			errs["budget"] = fmt.Sprintf("must be between 0 (plain votes) and %d points", MaxCampaignBudget)
		}
		c.Budget = *in.Budget
	}
	if in.MaxPerIdea != nil && *in.MaxPerIdea != c.MaxPerIdea {
		switch {
		case c.Phase != PhaseDraft && c.Phase != PhaseSubmission:
			errs["max_per_idea"] = "cannot change once voting has opened"
		case *in.MaxPerIdea < 0:
			errs["max_per_idea"] = "must be 0 (no limit) or more"
		}
		c.MaxPerIdea = *in.MaxPerIdea
	}
	if c.Budget > 0 && c.MaxPerIdea > c.Budget {
		errs["max_per_idea"] = "must not be more than the budget"
	}
	if in.Sealed != nil && *in.Sealed != c.Sealed {
		if c.Phase != PhaseDraft && c.Phase != PhaseSubmission {
			errs["sealed"] = "cannot change once voting has opened"
		}
		c.Sealed = *in.Sealed
	}

	var categories []int64
	if in.Categories != nil {
		for _, slug := range *in.Categories {
			cat, err := s.CategoryBySlug(ctx, slug)
			switch {
			case errors.Is(err, ErrNotFound):
				errs["categories"] = fmt.Sprintf("names no category: %s", slug)
			case err != nil:
				return err
			case !slices.Contains(categories, cat.ID):
				categories = append(categories, cat.ID)
			}
		}
	}
	var questions []CampaignQuestion
	if in.Questions != nil {
		if started {
			fixed("questions")
		}
		if len(*in.Questions) > MaxCampaignQuestions {
			errs["questions"] = fmt.Sprintf("must be at most %d", MaxCampaignQuestions)
		}
		for i, q := range *in.Questions {
			field := fmt.Sprintf("questions.%d", i+1)
			prompt := strings.Join(strings.Fields(q.Prompt), " ")
			var choices []string
			for _, ch := range q.Choices {
				if ch = strings.Join(strings.Fields(ch), " "); ch != "" && !slices.Contains(choices, ch) {
					choices = append(choices, ch)
				}
			}
			switch n := utf8.RuneCountInString(prompt); {
			case !validText(prompt) || !validText(strings.Join(choices, "")):
				errs[field] = "is not valid text"
			case n == 0:
				errs[field] = "needs its question"
			case n > MaxQuestionLength:
				errs[field] = fmt.Sprintf("must be at most %d characters", MaxQuestionLength)
			case q.Kind != QuestionText && q.Kind != QuestionChoice && q.Kind != QuestionNumber:
				errs[field] = "must be a text, choice or number question"
			case q.Kind == QuestionChoice && (len(choices) < 2 || len(choices) > MaxChoices):
				errs[field] = fmt.Sprintf("needs 2 to %d choices", MaxChoices)
			}
			if q.Kind != QuestionChoice {
				choices = nil
			}
			questions = append(questions, CampaignQuestion{Position: i + 1, Kind: q.Kind, Prompt: prompt,
				Choices: strings.Join(choices, "\n"), Required: q.Required})
		}
	}
	if err := errs.orNil(); err != nil {
		return err
	}

	now := s.Now()
	c.UpdatedAt = now
	creating := c.ID == 0
	if creating {
		c.CreatedAt = now
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var taken int64
		if err := tx.Model(&Campaign{}).Where("slug = ? AND id <> ?", c.Slug, c.ID).Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return ValidationErrors{"slug": "is taken by another campaign"}
		}
		if err := tx.Save(c).Error; err != nil {
			return err
		}
		if creating {
			if err := tx.Create(&CampaignPhase{CampaignID: c.ID, Phase: PhaseDraft, ActorID: &actor.ID, CreatedAt: now}).Error; err != nil {
				return err
			}
		}
		if in.Categories != nil {
			if err := tx.Where("campaign_id = ?", c.ID).Delete(&campaignCategory{}).Error; err != nil {
				return err
			}
			for _, id := range categories {
				if err := tx.Create(&campaignCategory{CampaignID: c.ID, CategoryID: id}).Error; err != nil {
					return err
				}
			}
		}
		if oldImage != nil && !sameID(oldImage, c.ImageID) {
			if err := s.dropImages(ctx, tx, "id = ?", *oldImage); err != nil {
				return err
			}
		}
		if in.Questions != nil {
			if err := tx.Where("campaign_id = ?", c.ID).Delete(&CampaignQuestion{}).Error; err != nil {
				return err
			}
			for _, q := range questions {
				q.CampaignID = c.ID
				if err := tx.Create(&q).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	var v ValidationErrors
	switch {
	case errors.As(err, &v):
		return v
	case errors.Is(err, gorm.ErrDuplicatedKey): // another campaign took the slug meanwhile
		return ValidationErrors{"slug": "is taken by another campaign"}
	case err != nil:
		return fmt.Errorf("save campaign: %w", err)
	}
	return nil
}

// MoveCampaign moves a campaign to its next phase (to must be that phase:
// two people pressing the same button move it once). Leaving the voting
// phase reveals a sealed campaign's counts; the campaign's followers hear
// of every move.
func (s *Store) MoveCampaign(ctx context.Context, id int64, actor *User, to Phase) (*Campaign, error) {
	if !s.Can(actor, ActManageCampaigns) {
		return nil, ErrForbidden
	}
	var c Campaign
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := first(tx.Where("id = ?", id), &c); err != nil {
			return err
		}
		if !slices.Contains(Phases, to) {
			return ValidationErrors{"phase": "must be one of draft, submission, voting, review, results"}
		}
		return s.moveCampaign(tx, &c, &actor.ID, to)
	})
	if err != nil {
		return nil, err
	}
	return s.Campaign(ctx, c.Slug, actor)
}

// moveCampaign moves c to its next phase, to, in tx: conditionally, so
// that of two moves at once one fails with a conflict; actor is nil for a
// move on the campaign's dates.
func (s *Store) moveCampaign(tx *gorm.DB, c *Campaign, actor *int64, to Phase) error {
	if c.Phase.next() != to {
		return conflict(fmt.Sprintf("the campaign is in its %s phase: it moves to %s next", c.Phase, orNone(c.Phase.next())))
	}
	now := s.Now()
	set := map[string]any{"phase": to, "updated_at": now}
	if c.Phase == PhaseVoting && c.Sealed {
		set["revealed_at"] = now
	}
	res := tx.Model(&Campaign{}).Where("id = ? AND phase = ?", c.ID, c.Phase).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return conflict("the campaign moved meanwhile")
	}
	if _, revealed := set["revealed_at"]; revealed {
		if err := revealVotes(tx, c.ID); err != nil {
			return err
		}
	}
	if err := tx.Create(&CampaignPhase{CampaignID: c.ID, Phase: to, ActorID: actor, CreatedAt: now}).Error; err != nil {
		return err
	}
	c.Phase = to
	return s.emit(tx, Event{Kind: NotifyCampaignPhase, CampaignID: &c.ID, ActorID: actor, Detail: string(to)})
}

// orNone names a phase, or says there is none.
func orNone(p Phase) string {
	if p == "" {
		return "no other phase"
	}
	return string(p)
}

// revealVotes gives the ideas of a sealed campaign, at its reveal, the
// counts and the trending order their votes earned: while it was sealed,
// votes were recorded but counted nowhere.
func revealVotes(tx *gorm.DB, campaignID int64) error {
	err := tx.Exec("UPDATE ideas SET votes = (SELECT count(*) FROM votes WHERE votes.idea_id = ideas.id) WHERE campaign_id = ?", campaignID).Error
	if err != nil {
		return fmt.Errorf("count the votes of campaign %d: %w", campaignID, err)
	}
	return recomputeTrend(tx, "campaign_id = ?", campaignID)
}

// campaignGate says why an idea of campaign c takes no plain vote now, as
// the reason of a ConflictError, or "" when it takes one. The vote's
// statement on PostgreSQL says the same in SQL.
func campaignGate(c *Campaign) string {
	switch {
	case c.Budgeted():
		return ReasonCampaignPoints
	case !c.Voting():
		return ReasonCampaignClosed
	}
	return ""
}

// gateCampaignVotes marks the ideas whose campaign takes no plain vote now:
// one statement when any idea of the list is in a campaign, none otherwise.
func (s *Store) gateCampaignVotes(ctx context.Context, ideas []*Idea) error {
	var ids []int64
	for _, idea := range ideas {
		if idea.CampaignID != nil && !slices.Contains(ids, *idea.CampaignID) {
			ids = append(ids, *idea.CampaignID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var campaigns []Campaign
	if err := s.db.WithContext(ctx).Select("id", "slug", "phase", "budget", "sealed", "revealed_at").Where("id IN ?", ids).Find(&campaigns).Error; err != nil {
		return fmt.Errorf("campaigns of ideas: %w", err)
	}
	for _, idea := range ideas {
		for _, c := range campaigns {
			if idea.CampaignID != nil && *idea.CampaignID == c.ID {
				idea.CampaignClosed, idea.Sealed = !c.TakesVotes(), c.Hidden()
				if c.Budgeted() {
					idea.PointsIn = c.Slug
				}
			}
		}
	}
	return nil
}

// Campaign loads a campaign by its slug with its categories, questions and
// history. A draft is for those who manage campaigns alone.
func (s *Store) Campaign(ctx context.Context, slug string, viewer *User) (*Campaign, error) {
	return s.loadCampaign(ctx, s.db.WithContext(ctx).Where("slug = ?", slug), viewer)
}

// IdeaCampaign loads the campaign an idea was submitted to, as Campaign
// does, with the idea's answers to its questions.
func (s *Store) IdeaCampaign(ctx context.Context, idea *Idea, viewer *User) (*Campaign, []IdeaAnswer, error) {
	if idea.CampaignID == nil {
		return nil, nil, ErrNotFound
	}
	c, err := s.loadCampaign(ctx, s.db.WithContext(ctx).Where("id = ?", *idea.CampaignID), viewer)
	if err != nil {
		return nil, nil, err
	}
	answers, err := s.IdeaAnswers(ctx, idea.ID)
	if err != nil {
		return nil, nil, err
	}
	return c, answers, nil
}

// loadCampaign loads the campaign q finds, with its parts.
func (s *Store) loadCampaign(ctx context.Context, q *gorm.DB, viewer *User) (*Campaign, error) {
	var c Campaign
	if err := first(q, &c); err != nil {
		return nil, err
	}
	if c.Phase == PhaseDraft && !s.Can(viewer, ActManageCampaigns) {
		return nil, ErrNotFound
	}
	c.SubmissionOver = c.SubmissionClosesAt != nil && !s.Now().Before(*c.SubmissionClosesAt)
	db := s.db.WithContext(ctx)
	if c.ImageID != nil {
		var img Image
		if err := first(db.Where("id = ?", *c.ImageID), &img); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("campaign image: %w", err)
		} else if err == nil {
			c.Image = &img
		}
	}
	if err := db.Joins("JOIN campaign_categories cc ON cc.category_id = categories.id AND cc.campaign_id = ?", c.ID).
		Order("categories.position, categories.id").Find(&c.Categories).Error; err != nil {
		return nil, fmt.Errorf("campaign categories: %w", err)
	}
	if err := db.Where("campaign_id = ?", c.ID).Order("position").Find(&c.Questions).Error; err != nil {
		return nil, fmt.Errorf("campaign questions: %w", err)
	}
	if err := db.Where("campaign_id = ?", c.ID).Order("id").Find(&c.History).Error; err != nil {
		return nil, fmt.Errorf("campaign history: %w", err)
	}
	return &c, nil
}

// Campaigns lists the campaigns the viewer may see, the newest first.
func (s *Store) Campaigns(ctx context.Context, viewer *User) ([]*Campaign, error) {
	q := s.db.WithContext(ctx).Order("id DESC")
	if !s.Can(viewer, ActManageCampaigns) {
		q = q.Where("phase <> ?", PhaseDraft)
	}
	var list []*Campaign
	if err := q.Find(&list).Error; err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return list, nil
}

// checkSubmission checks an idea submitted to a campaign: the campaign takes
// ideas, the category is one it covers, and the answers answer its
// questions. It returns the campaign and the answers to store.
func (s *Store) checkSubmission(ctx context.Context, n NewIdea, category *int64, errs ValidationErrors) (*Campaign, []IdeaAnswer, error) {
	if n.Campaign == "" {
		if len(n.Answers) > 0 {
			errs["answers"] = "need a campaign"
		}
		return nil, nil, nil
	}
	c, err := s.Campaign(ctx, n.Campaign, nil)
	switch {
	case errors.Is(err, ErrNotFound):
		errs["campaign"] = "is not a campaign that takes ideas"
		return nil, nil, nil
	case err != nil:
		return nil, nil, err
	case !c.Open():
		errs["campaign"] = "takes no new ideas: its submission phase is over or not yet open"
		return nil, nil, nil
	}
	if len(c.Categories) > 0 && (category == nil || !slices.ContainsFunc(c.Categories, func(cat Category) bool { return cat.ID == *category })) {
		names := make([]string, len(c.Categories))
		for i, cat := range c.Categories {
			names[i] = cat.Slug
		}
		errs["category"] = "must be one the campaign covers: " + strings.Join(names, ", ")
	}
	var answers []IdeaAnswer
	for _, q := range c.Questions {
		field := fmt.Sprintf("answers.%d", q.Position)
		a := strings.TrimSpace(n.Answers[q.Position])
		switch {
		case a == "":
			if q.Required {
				errs[field] = "is required"
			}
			continue
		case !validText(a):
			errs[field] = "is not valid text"
		case utf8.RuneCountInString(a) > MaxAnswerLength:
			errs[field] = fmt.Sprintf("must be at most %d characters", MaxAnswerLength)
		case q.Kind == QuestionChoice && !slices.Contains(q.ChoiceList(), a):
			errs[field] = "must be one of the choices: " + strings.Join(q.ChoiceList(), ", ")
		case q.Kind == QuestionNumber:
			if _, err := strconv.ParseFloat(a, 64); err != nil {
				errs[field] = "must be a number"
			}
		}
		answers = append(answers, IdeaAnswer{QuestionID: q.ID, Answer: a})
	}
	for pos := range n.Answers {
		if !slices.ContainsFunc(c.Questions, func(q CampaignQuestion) bool { return q.Position == pos }) {
			errs[fmt.Sprintf("answers.%d", pos)] = "answers no question of the campaign"
		}
	}
	return c, answers, nil
}

// idOrNil is the campaign's id, nil for no campaign.
func (c *Campaign) idOrNil() *int64 {
	if c == nil {
		return nil
	}
	return &c.ID
}

// saveAnswers stores a new idea's answers to its campaign's questions.
func saveAnswers(tx *gorm.DB, ideaID int64, answers []IdeaAnswer) error {
	for _, a := range answers {
		a.IdeaID = ideaID
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
	}
	return nil
}

// ErrOverBudget: the points asked for pass the member's budget in the
// campaign, or the most one idea may take. It is an ErrConflict.
var ErrOverBudget = fmt.Errorf("%w: over budget", ErrConflict)

// Points is a member's spending in a campaign: what they gave each idea,
// and what is left of their budget.
type Points struct {
	Budget  int
	Spent   int
	PerIdea map[int64]int
}

// Left is what the member may still spend.
func (p *Points) Left() int { return p.Budget - p.Spent }

// SpendPoints sets the points member gives an idea of a budgeted campaign
// in its voting phase: 0 takes them all back. The member's budget row is
// locked first (an upsert that writes it), so two requests of one member,
// from two tabs, spend one after the other and never pass the budget.
func (s *Store) SpendPoints(ctx context.Context, member *User, ideaID int64, points int) (*Points, error) {
	if !s.Can(member, ActVote) {
		return nil, ErrForbidden
	}
	var c Campaign
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var idea Idea
		if err := first(tx.Select("id", "campaign_id", "state", "merged_into").Where("id = ?", ideaID), &idea); err != nil {
			return err
		}
		if idea.CampaignID == nil || idea.State != StatePublished || idea.MergedInto != nil {
			return ErrNotFound
		}
		if err := first(tx.Where("id = ?", *idea.CampaignID), &c); err != nil {
			return err
		}
		switch {
		case !c.Budgeted():
			return ValidationErrors{"points": "the campaign takes votes, not points"}
		case !c.Voting():
			return conflict("the campaign's voting is not open")
		case points < 0:
			return ValidationErrors{"points": "must be 0 or more"}
		case c.MaxPerIdea > 0 && points > c.MaxPerIdea:
			return fmt.Errorf("%w: at most %d points on one idea", ErrOverBudget, c.MaxPerIdea)
		}
		var spent int
		if err := tx.Raw(`INSERT INTO campaign_budgets (campaign_id, user_id, spent) VALUES (?, ?, 0)
			ON CONFLICT (campaign_id, user_id) DO UPDATE SET spent = campaign_budgets.spent RETURNING spent`,
			c.ID, member.ID).Scan(&spent).Error; err != nil {
			return err
		}
		var had int
		if err := tx.Raw(`SELECT points FROM campaign_points WHERE idea_id = ? AND user_id = ?`, ideaID, member.ID).
			Scan(&had).Error; err != nil {
			return err
		}
		if spent-had+points > c.Budget {
			return fmt.Errorf("%w: %d of %d points left", ErrOverBudget, c.Budget-spent, c.Budget)
		}
		if err := tx.Exec(`UPDATE campaign_budgets SET spent = ? WHERE campaign_id = ? AND user_id = ?`,
			spent-had+points, c.ID, member.ID).Error; err != nil {
			return err
		}
		if err := s.followCampaign(tx, c.ID, member.ID); err != nil {
			return err
		}
		if points == 0 {
			return tx.Exec(`DELETE FROM campaign_points WHERE idea_id = ? AND user_id = ?`, ideaID, member.ID).Error
		}
		return tx.Exec(`INSERT INTO campaign_points (campaign_id, idea_id, user_id, points, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (idea_id, user_id) DO UPDATE SET points = excluded.points, updated_at = excluded.updated_at`,
			c.ID, ideaID, member.ID, points, s.Now()).Error
	})
	if err != nil {
		return nil, err
	}
	return s.PointsOf(ctx, &c, member)
}

// PointsOf reads a member's spending in a campaign.
func (s *Store) PointsOf(ctx context.Context, c *Campaign, member *User) (*Points, error) {
	p := &Points{Budget: c.Budget, PerIdea: map[int64]int{}}
	if member == nil {
		return p, nil
	}
	var rows []struct {
		IdeaID int64
		Points int
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT idea_id, points FROM campaign_points WHERE campaign_id = ? AND user_id = ?`,
		c.ID, member.ID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read points: %w", err)
	}
	for _, r := range rows {
		p.PerIdea[r.IdeaID] = r.Points
		p.Spent += r.Points
	}
	return p, nil
}

// IdeaAnswers reads an idea's answers to its campaign's questions, in the
// order of the questions.
func (s *Store) IdeaAnswers(ctx context.Context, ideaID int64) ([]IdeaAnswer, error) {
	var answers []IdeaAnswer
	err := s.db.WithContext(ctx).Select("idea_answers.*, q.position").Joins("JOIN campaign_questions q ON q.id = idea_answers.question_id").
		Where("idea_answers.idea_id = ?", ideaID).Order("q.position").Find(&answers).Error
	if err != nil {
		return nil, fmt.Errorf("read answers: %w", err)
	}
	return answers, nil
}

// CampaignAnswers reads the answers of every idea of a campaign, by idea,
// in the order of the questions: one statement for the whole campaign.
func (s *Store) CampaignAnswers(ctx context.Context, c *Campaign) (map[int64][]IdeaAnswer, error) {
	var answers []IdeaAnswer
	err := s.db.WithContext(ctx).Select("idea_answers.*, q.position").Joins("JOIN campaign_questions q ON q.id = idea_answers.question_id").
		Where("q.campaign_id = ?", c.ID).Order("idea_answers.idea_id, q.position").Find(&answers).Error
	if err != nil {
		return nil, fmt.Errorf("read the campaign's answers: %w", err)
	}
	byIdea := map[int64][]IdeaAnswer{}
	for _, a := range answers {
		byIdea[a.IdeaID] = append(byIdea[a.IdeaID], a)
	}
	return byIdea, nil
}

// CampaignEntry is an idea of a campaign as its page lists it: with its
// tally (votes, or the points spent on it) unless the campaign is sealed,
// and the points the viewer gave it.
type CampaignEntry struct {
	Idea *Idea
	// Tally is the idea's votes or points; 0 while the campaign is sealed.
	Tally int
	// Mine is the points the viewer gave the idea.
	Mine int
}

// MaxCampaignIdeas bounds the ideas a campaign's page lists.
const MaxCampaignIdeas = 500

// CampaignIdeas lists a campaign's published ideas. With open tallies they
// come most votes (or points) first; while the campaign is sealed, with no
// tally, in an order of their own for each viewer: random, fair to every
// idea, and the same on every visit, so that the first ideas listed are not
// always the same ones and the order tells nothing of the votes.
func (s *Store) CampaignIdeas(ctx context.Context, c *Campaign, viewer *User) ([]CampaignEntry, error) {
	tally := "ideas.votes"
	from := "ideas"
	if c.Budgeted() {
		tally = "COALESCE(SUM(campaign_points.points), 0)"
		from = "ideas LEFT JOIN campaign_points ON campaign_points.idea_id = ideas.id"
	}
	var rows []struct {
		ID    int64
		Tally int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT ideas.id, `+tally+` AS tally FROM `+from+`
		WHERE ideas.campaign_id = ? AND ideas.state = ? AND ideas.merged_into IS NULL GROUP BY ideas.id, ideas.votes`,
		c.ID, StatePublished).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaign ideas: %w", err)
	}
	if c.Hidden() {
		seed := uint64(c.ID)<<32 ^ uint64(viewerID(viewer))
		slices.SortFunc(rows, func(a, b struct {
			ID    int64
			Tally int
		}) int {
			return cmp.Compare(shuffleKey(seed, a.ID), shuffleKey(seed, b.ID))
		})
	} else {
		slices.SortStableFunc(rows, func(a, b struct {
			ID    int64
			Tally int
		}) int {
			return cmp.Or(cmp.Compare(b.Tally, a.Tally), cmp.Compare(b.ID, a.ID))
		})
	}
	rows = rows[:min(len(rows), MaxCampaignIdeas)]
	ids := make([]int64, len(rows))
	tallies := make(map[int64]int, len(rows))
	for i, r := range rows {
		ids[i], tallies[r.ID] = r.ID, r.Tally
	}
	ideas, err := s.ideasFor(ctx, ids, viewer)
	if err != nil {
		return nil, err
	}
	if err := s.fillIdeas(ctx, ideas, viewer); err != nil {
		return nil, err
	}
	mine, err := s.PointsOf(ctx, c, viewer)
	if err != nil {
		return nil, err
	}
	entries := make([]CampaignEntry, len(ideas))
	for i, idea := range ideas {
		entries[i] = CampaignEntry{Idea: idea, Mine: mine.PerIdea[idea.ID]}
		if !c.Hidden() {
			entries[i].Tally = tallies[idea.ID]
		}
	}
	return entries, nil
}

// shuffleKey places an idea in a viewer's order of a sealed campaign: a
// mix of the seed and the id (SplitMix64), so that every viewer gets their
// own order and keeps it.
func shuffleKey(seed uint64, id int64) uint64 {
	z := seed + uint64(id)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// The team's decisions on a campaign's shortlisted ideas.
const (
	DecisionChosen     = "chosen"
	DecisionConsidered = "considered"
	DecisionDeclined   = "declined"
)

// Decisions lists the decisions, in the order results show them.
var Decisions = []string{DecisionChosen, DecisionConsidered, DecisionDeclined}

// CampaignResult is the team's decision on one idea of a campaign, with its
// answer in Markdown: drafted in the review phase, public in the results.
type CampaignResult struct {
	CampaignID int64
	IdeaID     int64
	Decision   string
	Answer     string
	AnswerHTML template.HTML `gorm:"column:answer_html"`
	UpdatedAt  time.Time

	Idea *Idea `gorm:"-"`
}

// ResultsPublic reports whether a campaign's results are for everyone: in its
// results phase. Before, in review, the team drafts them.
func (c *Campaign) ResultsPublic() bool { return c.Phase == PhaseResults }

// SetCampaignResult records the team's decision on an idea of a campaign in
// its review or results phase; an empty decision takes the idea off the
// shortlist.
func (s *Store) SetCampaignResult(ctx context.Context, actor *User, c *Campaign, ideaID int64, decision, answer string) error {
	if !s.Can(actor, ActManageCampaigns) {
		return ErrForbidden
	}
	if c.Phase != PhaseReview && c.Phase != PhaseResults {
		return conflict("results are written once voting has closed, in the review and results phases")
	}
	var idea Idea
	if err := first(s.db.WithContext(ctx).Select("id", "campaign_id", "state", "merged_into").Where("id = ?", ideaID), &idea); err != nil {
		return err
	}
	if idea.CampaignID == nil || *idea.CampaignID != c.ID || idea.State != StatePublished {
		return ValidationErrors{"idea": "is not a published idea of this campaign"}
	}
	if decision == "" {
		err := s.db.WithContext(ctx).Where("campaign_id = ? AND idea_id = ?", c.ID, ideaID).Delete(&CampaignResult{}).Error
		if err != nil {
			return fmt.Errorf("take an idea off the shortlist: %w", err)
		}
		return nil
	}
	errs := ValidationErrors{}
	if !slices.Contains(Decisions, decision) {
		errs["decision"] = "must be chosen, considered or declined"
	}
	answer = checkBody(answer, "answer", errs)
	if answer == "" && errs["answer"] == "" {
		errs["answer"] = "is required: tell the community why"
	}
	if err := errs.orNil(); err != nil {
		return err
	}
	r := CampaignResult{CampaignID: c.ID, IdeaID: ideaID, Decision: decision, Answer: answer,
		AnswerHTML: s.md.render(answer), UpdatedAt: s.Now()}
	err := s.db.WithContext(ctx).Exec(`INSERT INTO campaign_results (campaign_id, idea_id, decision, answer, answer_html, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, idea_id) DO UPDATE SET decision = excluded.decision,
		answer = excluded.answer, answer_html = excluded.answer_html, updated_at = excluded.updated_at`,
		r.CampaignID, r.IdeaID, r.Decision, r.Answer, string(r.AnswerHTML), r.UpdatedAt).Error
	if err != nil {
		return fmt.Errorf("record a campaign result: %w", err)
	}
	return nil
}

// CampaignResults reads a campaign's results, chosen ideas first, then
// those considered, then those declined: for everyone in the results phase,
// and for the team while it drafts them in review. Others get none.
func (s *Store) CampaignResults(ctx context.Context, c *Campaign, viewer *User) ([]CampaignResult, error) {
	if !c.ResultsPublic() && !s.Can(viewer, ActManageCampaigns) {
		return nil, nil
	}
	var results []CampaignResult
	if err := s.db.WithContext(ctx).Where("campaign_id = ?", c.ID).Order("idea_id").Find(&results).Error; err != nil {
		return nil, fmt.Errorf("read campaign results: %w", err)
	}
	ids := make([]int64, len(results))
	for i, r := range results {
		ids[i] = r.IdeaID
	}
	ideas, err := s.ideasFor(ctx, ids, viewer)
	if err != nil {
		return nil, err
	}
	shown := results[:0]
	for _, r := range results {
		if i := slices.IndexFunc(ideas, func(idea *Idea) bool { return idea.ID == r.IdeaID }); i >= 0 {
			r.Idea = ideas[i]
			shown = append(shown, r)
		}
	}
	slices.SortStableFunc(shown, func(a, b CampaignResult) int {
		return cmp.Compare(slices.Index(Decisions, a.Decision), slices.Index(Decisions, b.Decision))
	})
	return shown, nil
}
