package models

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// Prototype feedback rounds (docs/rounds.md). For an idea that is planned
// or in progress, the team asks the idea's voters, all of them or a random
// sample, a short questionnaire until a closing date. The participants are
// drawn when the round opens and hear of it by notification and email, as
// their preferences say; those who have not answered are reminded once,
// about a day before it closes. The team reads the responses and their
// summary at any time; a participant reads their own answers, and the
// summary once the round is closed; anyone else who may read the idea sees
// only that a closed round took place, with its counts.

// Round states.
const (
	RoundOpen   = "open"
	RoundClosed = "closed"
)

// Round question kinds.
const (
	AskRating = "rating" // a rating from 1 to 5
	AskYesNo  = "yesno"  // yes or no
	AskText   = "text"   // free text
)

// AskKinds lists the kinds of question a round asks, in the order forms offer them.
var AskKinds = []string{AskRating, AskYesNo, AskText}

// Limits on a round.
const (
	MaxRoundTitleLength = 120
	MaxRoundQuestions   = 10
	// MaxRoundLength is how far ahead a round may close.
	MaxRoundLength = 90 * 24 * time.Hour
	// RoundReminderBefore is how long before closing the reminder goes.
	RoundReminderBefore = 24 * time.Hour
	// roundReminderAfter is how long a round is open at least before its
	// reminder goes: a round opened for a day does not remind at once.
	roundReminderAfter = 12 * time.Hour
	// roundCheckInterval is how often rounds are closed and reminders sent.
	roundCheckInterval = 15 * time.Minute
)

// Round is a feedback round on an idea.
type Round struct {
	ID         int64
	IdeaID     int64
	Title      string
	Intro      string
	IntroHTML  template.HTML `gorm:"column:intro_html"`
	ClosesAt   time.Time
	SampleSize *int
	Status     string
	CreatedBy  *int64
	CreatedAt  time.Time
	ClosedAt   *time.Time
	RemindedAt *time.Time

	// Questions are nil for a viewer who may not read them.
	Questions []RoundQuestion `gorm:"-"`
	// Participants and Responses are counts.
	Participants int64 `gorm:"-"`
	Responses    int64 `gorm:"-"`
	// Manage: the viewer is of the team. Invited: the viewer is a
	// participant. Mine is the viewer's response, if any.
	Manage  bool           `gorm:"-"`
	Invited bool           `gorm:"-"`
	Mine    *RoundResponse `gorm:"-"`
}

// Open reports whether the round takes responses.
func (r *Round) Open() bool { return r.Status == RoundOpen }

// SummaryVisible reports whether the viewer the round was loaded for reads
// its summary: the team always, a participant once it is closed.
func (r *Round) SummaryVisible() bool { return r.Manage || (r.Invited && !r.Open()) }

// RoundQuestion is one question of a round.
type RoundQuestion struct {
	ID       int64
	RoundID  int64
	Position int
	Kind     string
	Prompt   string
	Required bool
}

// RoundResponse is a participant's answers to a round, by question position.
type RoundResponse struct {
	ID        int64
	RoundID   int64
	UserID    int64
	CreatedAt time.Time
	UpdatedAt time.Time
	Answers   map[int]string `gorm:"-"`
	// UserName is the participant's name, for the team.
	UserName string `gorm:"-"`
}

type roundParticipant struct {
	RoundID   int64
	UserID    int64
	InvitedAt time.Time
}

type roundAnswer struct {
	ResponseID int64
	QuestionID int64
	Answer     string
}

// RoundInput is what the team writes to open a round. SampleSize nil asks
// every voter.
type RoundInput struct {
	Title      string
	Intro      string
	ClosesAt   *time.Time
	SampleSize *int
	Questions  []AskInput
}

// AskInput is one question as the team writes it.
type AskInput struct {
	Kind     string
	Prompt   string
	Required bool
}

// Reasons a round refuses a change (ConflictError).
const (
	// ReasonRoundNotPlanned: rounds open on ideas planned or in progress.
	ReasonRoundNotPlanned = "round-not-planned"
	// ReasonRoundNoVoters: the idea has nobody to ask.
	ReasonRoundNoVoters = "round-no-voters"
	// ReasonRoundClosed: the round takes no answers, and closes once.
	ReasonRoundClosed = "round-closed"
	// ReasonNotInvited: the member was not drawn for the round.
	ReasonNotInvited = "round-not-invited"
)

// ErrNotInvited: the member was not drawn for the round. It is an ErrConflict.
var ErrNotInvited error = &ConflictError{Reason: ReasonNotInvited}

// OpenRound opens a feedback round on an idea that is planned or in
// progress, draws its participants among the idea's voters (all, or a
// uniformly random sample of SampleSize) and invites them, in one
// transaction.
func (s *Store) OpenRound(ctx context.Context, actor *User, ideaID int64, in RoundInput) (*Round, error) {
	if !s.Can(actor, ActManageRounds) {
		return nil, ErrForbidden
	}
	idea, err := s.Idea(ctx, ideaID, actor)
	if err != nil {
		return nil, err
	}
	if idea.Status.Kind != KindPlanned && idea.Status.Kind != KindActive {
		return nil, &ConflictError{Reason: ReasonRoundNotPlanned}
	}
	now := s.Now()
	errs := ValidationErrors{}
	r := &Round{IdeaID: idea.ID, Status: RoundOpen, CreatedBy: &actor.ID, CreatedAt: now, SampleSize: in.SampleSize}
	r.Title = checkTitle(in.Title, MaxRoundTitleLength, "title", errs)
	r.Intro = checkBody(in.Intro, "intro", errs)
	r.IntroHTML = s.md.render(r.Intro)
	switch {
	case in.ClosesAt == nil:
		errs["closes_at"] = "is required"
	case !in.ClosesAt.After(now):
		errs["closes_at"] = "must be in the future"
	case in.ClosesAt.After(now.Add(MaxRoundLength)):
		errs["closes_at"] = fmt.Sprintf("must be within %d days", int(MaxRoundLength.Hours()/24))
	default:
		r.ClosesAt = in.ClosesAt.UTC().Truncate(time.Second)
	}
	if in.SampleSize != nil && *in.SampleSize < 1 {
		errs["sample_size"] = "must be 1 or more, or empty for every voter"
	}
	questions := checkAsks(in.Questions, errs)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		for i := range questions {
			questions[i].RoundID = r.ID
		}
		if err := tx.Create(&questions).Error; err != nil {
			return err
		}
		// The voters who may still hear of it (with those who gave it
		// points in a campaign), the opener left out; a sample is drawn in
		// the database, uniformly.
		draw := `INSERT INTO round_participants (round_id, user_id, invited_at)
			SELECT ?, u.id, ? FROM users u
			WHERE u.id IN (SELECT user_id FROM votes WHERE idea_id = ? UNION SELECT user_id FROM campaign_points WHERE idea_id = ?)
				AND u.id <> ? AND u.banned_at IS NULL AND u.deleted_at IS NULL`
		args := []any{r.ID, now, idea.ID, idea.ID, actor.ID}
		if r.SampleSize != nil {
			draw += " ORDER BY random() LIMIT ?"
			args = append(args, *r.SampleSize)
		}
		res := tx.Exec(draw, args...)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return &ConflictError{Reason: ReasonRoundNoVoters}
		}
		return s.emit(tx, Event{Kind: NotifyRoundInvite, IdeaID: &idea.ID, ActorID: &actor.ID, Detail: strconv.FormatInt(r.ID, 10)})
	})
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, err
		}
		return nil, fmt.Errorf("open round on idea %d: %w", idea.ID, err)
	}
	return s.Round(ctx, r.ID, actor)
}

// checkAsks checks a round's questions and returns them numbered.
func checkAsks(in []AskInput, errs ValidationErrors) []RoundQuestion {
	if len(in) == 0 || len(in) > MaxRoundQuestions {
		errs["questions"] = fmt.Sprintf("must be 1 to %d", MaxRoundQuestions)
	}
	out := make([]RoundQuestion, 0, len(in))
	for i, q := range in {
		field := fmt.Sprintf("questions.%d", i+1)
		prompt := strings.Join(strings.Fields(q.Prompt), " ")
		switch n := utf8.RuneCountInString(prompt); {
		case !validText(prompt):
			errs[field] = "is not valid text"
		case n == 0:
			errs[field] = "needs its question"
		case n > MaxQuestionLength:
			errs[field] = fmt.Sprintf("must be at most %d characters", MaxQuestionLength)
		case !slices.Contains(AskKinds, q.Kind):
			errs[field] = "must be a rating, yesno or text question"
		}
		out = append(out, RoundQuestion{Position: i + 1, Kind: q.Kind, Prompt: prompt, Required: q.Required})
	}
	return out
}

// closedBy marks a round past its closing date as closed in memory, as the
// periodic check will store it.
func (r *Round) closedBy(now time.Time) {
	if r.Status == RoundOpen && !now.Before(r.ClosesAt) {
		r.Status = RoundClosed
		at := r.ClosesAt
		r.ClosedAt = &at
	}
}

// Round loads a round as viewer may see it: the team always, a participant
// always, anyone else who may read its idea once it is closed (without its
// questions); otherwise ErrNotFound.
func (s *Store) Round(ctx context.Context, id int64, viewer *User) (*Round, error) {
	var r Round
	if err := first(s.db.WithContext(ctx).Where("id = ?", id), &r); err != nil {
		return nil, fmt.Errorf("load round %d: %w", id, err)
	}
	if _, err := s.Idea(ctx, r.IdeaID, viewer); err != nil {
		return nil, err
	}
	rounds := []*Round{&r}
	if err := s.fillRounds(ctx, rounds, viewer); err != nil {
		return nil, err
	}
	if !r.Manage && !r.Invited && r.Open() {
		return nil, fmt.Errorf("load round %d: %w", id, ErrNotFound)
	}
	return &r, nil
}

// IdeaRounds lists the rounds on an idea that viewer may see, the newest
// first; the idea is one loaded for viewer (see Idea).
func (s *Store) IdeaRounds(ctx context.Context, idea *Idea, viewer *User) ([]*Round, error) {
	var all []*Round
	if err := s.db.WithContext(ctx).Where("idea_id = ?", idea.ID).Order("id DESC").Find(&all).Error; err != nil {
		return nil, fmt.Errorf("rounds of idea %d: %w", idea.ID, err)
	}
	if err := s.fillRounds(ctx, all, viewer); err != nil {
		return nil, err
	}
	out := make([]*Round, 0, len(all))
	for _, r := range all {
		if r.Manage || r.Invited || !r.Open() {
			out = append(out, r)
		}
	}
	return out, nil
}

// HasOpenRound reports whether an idea has a round open now, whoever asks.
func (s *Store) HasOpenRound(ctx context.Context, ideaID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Round{}).Where("idea_id = ? AND status = ? AND closes_at > ?", ideaID, RoundOpen, s.Now()).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("open rounds of idea %d: %w", ideaID, err)
	}
	return n > 0, nil
}

// fillRounds closes what is past its date, counts, and fills in what the
// viewer may read: questions, and their own response.
func (s *Store) fillRounds(ctx context.Context, rounds []*Round, viewer *User) error {
	if len(rounds) == 0 {
		return nil
	}
	db := s.db.WithContext(ctx)
	now := s.Now()
	manage := s.Can(viewer, ActManageRounds)
	for _, r := range rounds {
		r.closedBy(now)
		r.Manage = manage
		if err := db.Model(&roundParticipant{}).Where("round_id = ?", r.ID).Count(&r.Participants).Error; err != nil {
			return fmt.Errorf("count participants of round %d: %w", r.ID, err)
		}
		if err := db.Model(&RoundResponse{}).Where("round_id = ?", r.ID).Count(&r.Responses).Error; err != nil {
			return fmt.Errorf("count responses of round %d: %w", r.ID, err)
		}
		if viewer != nil {
			var n int64
			if err := db.Model(&roundParticipant{}).Where("round_id = ? AND user_id = ?", r.ID, viewer.ID).Count(&n).Error; err != nil {
				return fmt.Errorf("participant of round %d: %w", r.ID, err)
			}
			r.Invited = n > 0
		}
		if !r.Manage && !r.Invited {
			continue
		}
		if err := db.Where("round_id = ?", r.ID).Order("position").Find(&r.Questions).Error; err != nil {
			return fmt.Errorf("questions of round %d: %w", r.ID, err)
		}
		if r.Invited {
			mine, err := s.roundResponses(ctx, r, viewer.ID)
			if err != nil {
				return err
			}
			if len(mine) > 0 {
				r.Mine = &mine[0]
			}
		}
	}
	return nil
}

// roundResponses loads a round's responses with their answers, one
// member's when userID is not 0, in the order they first came.
func (s *Store) roundResponses(ctx context.Context, r *Round, userID int64) ([]RoundResponse, error) {
	db := s.db.WithContext(ctx)
	q := db.Where("round_id = ?", r.ID)
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	var out []RoundResponse
	if err := q.Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("responses of round %d: %w", r.ID, err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].ID
		out[i].Answers = map[int]string{}
	}
	var rows []struct {
		ResponseID int64
		Position   int
		Answer     string
	}
	err := db.Table("round_answers a").Select("a.response_id, q.position, a.answer").
		Joins("JOIN round_questions q ON q.id = a.question_id").Where("a.response_id IN ?", ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("answers of round %d: %w", r.ID, err)
	}
	at := map[int64]int{}
	for i := range out {
		at[out[i].ID] = i
	}
	for _, a := range rows {
		out[at[a.ResponseID]].Answers[a.Position] = a.Answer
	}
	return out, nil
}

// RoundResponses lists every response of a round with the participant's
// name: for the team alone.
func (s *Store) RoundResponses(ctx context.Context, r *Round, actor *User) ([]RoundResponse, error) {
	if !s.Can(actor, ActManageRounds) {
		return nil, ErrForbidden
	}
	out, err := s.roundResponses(ctx, r, 0)
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].UserID
	}
	var users []User
	if err := s.db.WithContext(ctx).Select("id", "name").Where("id IN ?", uniq(ids)).Find(&users).Error; err != nil {
		return nil, fmt.Errorf("participants of round %d: %w", r.ID, err)
	}
	for i := range out {
		for _, u := range users {
			if u.ID == out[i].UserID {
				out[i].UserName = u.Name
			}
		}
	}
	return out, nil
}

// Respond stores a participant's answers (by question position), replacing
// those they gave before. Only a participant, only while the round is open
// (ErrConflict otherwise); a rating is 1 to 5, a yes/no question yes or no,
// and a required question needs its answer (ValidationErrors, fields
// "answers.N").
func (s *Store) Respond(ctx context.Context, user *User, roundID int64, answers map[int]string) (*RoundResponse, error) {
	if !s.Can(user, ActVote) {
		return nil, ErrForbidden
	}
	r, err := s.Round(ctx, roundID, user)
	if err != nil {
		return nil, err
	}
	switch {
	case !r.Open():
		return nil, &ConflictError{Reason: ReasonRoundClosed}
	case !r.Invited:
		return nil, ErrNotInvited
	}
	errs := ValidationErrors{}
	clean := map[int64]string{}
	for pos := range answers {
		if !slices.ContainsFunc(r.Questions, func(q RoundQuestion) bool { return q.Position == pos }) {
			errs["answers"] = fmt.Sprintf("names no question: %d", pos)
		}
	}
	for _, q := range r.Questions {
		field := fmt.Sprintf("answers.%d", q.Position)
		a := strings.TrimSpace(answers[q.Position])
		switch {
		case a == "" && q.Required:
			errs[field] = "is required"
		case a == "":
		case !validText(a):
			errs[field] = "is not valid text"
		case q.Kind == AskRating && !slices.Contains([]string{"1", "2", "3", "4", "5"}, a):
			errs[field] = "must be a rating from 1 to 5"
		case q.Kind == AskYesNo && a != "yes" && a != "no":
			errs[field] = "must be yes or no"
		case utf8.RuneCountInString(a) > MaxAnswerLength:
			errs[field] = fmt.Sprintf("must be at most %d characters", MaxAnswerLength)
		default:
			clean[q.ID] = a
		}
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Closed meanwhile, by the team or the clock: nothing changes.
		var open int64
		if err := tx.Model(&Round{}).Where("id = ? AND status = ? AND closes_at > ?", r.ID, RoundOpen, now).Count(&open).Error; err != nil {
			return err
		}
		if open == 0 {
			return &ConflictError{Reason: ReasonRoundClosed}
		}
		var id int64
		err := tx.Raw(`INSERT INTO round_responses (round_id, user_id, created_at, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (round_id, user_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id`,
			r.ID, user.ID, now, now).Scan(&id).Error
		if err != nil {
			return err
		}
		if err := tx.Where("response_id = ?", id).Delete(&roundAnswer{}).Error; err != nil {
			return err
		}
		for qid, a := range clean {
			if err := tx.Create(&roundAnswer{ResponseID: id, QuestionID: qid, Answer: a}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, err
		}
		return nil, fmt.Errorf("respond to round %d: %w", r.ID, err)
	}
	mine, err := s.roundResponses(ctx, r, user.ID)
	if err != nil {
		return nil, err
	}
	return &mine[0], nil
}

// CloseRound closes a round before its date: the team's. A closed round
// answers ErrConflict.
func (s *Store) CloseRound(ctx context.Context, actor *User, roundID int64) (*Round, error) {
	if !s.Can(actor, ActManageRounds) {
		return nil, ErrForbidden
	}
	r, err := s.Round(ctx, roundID, actor)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	closed, err := s.closeRound(ctx, r, now, &actor.ID)
	if err != nil {
		return nil, err
	}
	if !closed {
		return nil, &ConflictError{Reason: ReasonRoundClosed}
	}
	return s.Round(ctx, r.ID, actor)
}

// closeRound stores an open round as closed at at (now for the team, its
// closing date for the clock), and tells its participants that the summary
// is there, in one transaction. It reports false when the round was closed
// already: by the team, by another instance, or by the clock (a round past
// its date closes at its date, not when the team presses the button).
func (s *Store) closeRound(ctx context.Context, r *Round, at time.Time, actorID *int64) (bool, error) {
	closed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Round{}).Where("id = ? AND status = ? AND closes_at >= ?", r.ID, RoundOpen, at).
			Updates(map[string]any{"status": RoundClosed, "closed_at": at})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		closed = true
		return s.emit(tx, Event{Kind: NotifyRoundClosed, IdeaID: &r.IdeaID, ActorID: actorID, Detail: strconv.FormatInt(r.ID, 10)})
	})
	if err != nil {
		return false, fmt.Errorf("close round %d: %w", r.ID, err)
	}
	return closed, nil
}

// QuestionSummary sums up the answers to one question.
type QuestionSummary struct {
	Question RoundQuestion
	// Count is how many answered it.
	Count int
	// Average (rounded to two decimals) and Ratings (how many gave 1 to
	// 5, at index 0 to 4) for a rating question.
	Average float64
	Ratings [5]int
	// Yes and No for a yes/no question.
	Yes, No int
	// Texts are the answers to a text question, in the order they came.
	Texts []string
}

// RoundSummary sums up a round's answers question by question: for the
// team at any time, for a participant once it is closed (ErrNotFound for
// anyone else).
func (s *Store) RoundSummary(ctx context.Context, r *Round) ([]QuestionSummary, error) {
	if !r.SummaryVisible() {
		return nil, ErrNotFound
	}
	responses, err := s.roundResponses(ctx, r, 0)
	if err != nil {
		return nil, err
	}
	out := make([]QuestionSummary, len(r.Questions))
	for i, q := range r.Questions {
		sum := QuestionSummary{Question: q, Texts: []string{}}
		total := 0
		for _, resp := range responses {
			a, ok := resp.Answers[q.Position]
			if !ok {
				continue
			}
			sum.Count++
			switch q.Kind {
			case AskRating:
				if n, err := strconv.Atoi(a); err == nil && n >= 1 && n <= 5 {
					sum.Ratings[n-1]++
					total += n
				}
			case AskYesNo:
				if a == "yes" {
					sum.Yes++
				} else {
					sum.No++
				}
			default:
				sum.Texts = append(sum.Texts, a)
			}
		}
		if q.Kind == AskRating && sum.Count > 0 {
			sum.Average = math.Round(float64(total)/float64(sum.Count)*100) / 100
		}
		out[i] = sum
	}
	return out, nil
}

// RoundCheckArgs is the periodic job that closes rounds past their date and
// reminds the participants who have not answered.
type RoundCheckArgs struct{}

// Kind names the job in River's tables.
func (RoundCheckArgs) Kind() string { return "rounds_check" }

type roundCheckWorker struct {
	river.WorkerDefaults[RoundCheckArgs]
	store *Store
}

func (w *roundCheckWorker) Work(ctx context.Context, _ *river.Job[RoundCheckArgs]) error {
	return w.store.CheckRounds(ctx)
}

func roundPeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(roundCheckInterval),
		func() (river.JobArgs, *river.InsertOpts) { return RoundCheckArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "rounds_check"},
	)}
}

// CheckRounds closes the open rounds past their closing date, and reminds
// the participants who have not answered of each round that closes within
// RoundReminderBefore and has been open for half a day: once per round,
// however many instances check at once. The rounds_check job calls it
// every quarter of an hour, by the store's clock.
func (s *Store) CheckRounds(ctx context.Context) error {
	now := s.Now()
	db := s.db.WithContext(ctx)
	var overdue []Round
	if err := db.Select("id", "idea_id", "closes_at").Where("status = ? AND closes_at <= ?", RoundOpen, now).Find(&overdue).Error; err != nil {
		return fmt.Errorf("rounds to close: %w", err)
	}
	for i := range overdue {
		if _, err := s.closeRound(ctx, &overdue[i], overdue[i].ClosesAt, nil); err != nil {
			return err
		}
	}
	var due []Round
	err := db.Select("id", "idea_id").Where("status = ? AND reminded_at IS NULL AND closes_at <= ? AND created_at <= ?",
		RoundOpen, now.Add(RoundReminderBefore), now.Add(-roundReminderAfter)).Find(&due).Error
	if err != nil {
		return fmt.Errorf("rounds to remind of: %w", err)
	}
	for _, r := range due {
		err := db.Transaction(func(tx *gorm.DB) error {
			res := tx.Model(&Round{}).Where("id = ? AND reminded_at IS NULL", r.ID).Update("reminded_at", now)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			return s.emit(tx, Event{Kind: NotifyRoundReminder, IdeaID: &r.IdeaID, Detail: strconv.FormatInt(r.ID, 10)})
		})
		if err != nil {
			return fmt.Errorf("remind of round %d: %w", r.ID, err)
		}
	}
	return nil
}

// roundAudience narrows the audience of a round's event to its
// participants: an invitation or a reminder (to those who have not
// answered) while the round is open, its closing once it is closed.
func (s *Store) roundAudience(ctx context.Context, q *gorm.DB, e *Event) (*gorm.DB, error) {
	id, err := strconv.ParseInt(e.Detail, 10, 64)
	if err != nil {
		return nil, nil
	}
	var r Round
	if err := first(s.db.WithContext(ctx).Where("id = ?", id), &r); err != nil {
		return nil, ignoreNotFound(err)
	}
	// An invitation or reminder of a round closed since tells nobody.
	if r.closedBy(s.Now()); !r.Open() && e.Kind != NotifyRoundClosed {
		return nil, nil
	}
	q = q.Where("users.id IN (SELECT user_id FROM round_participants WHERE round_id = ?)", r.ID)
	if e.Kind == NotifyRoundReminder {
		q = q.Where("users.id NOT IN (SELECT user_id FROM round_responses WHERE round_id = ?)", r.ID)
	}
	return q, nil
}
