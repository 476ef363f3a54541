// Package analytics counts what the community did in a range of days and
// how quickly the team answered it. It only reads: every figure equals a
// count of the rows, read from daily rollups that database triggers keep in
// the same transaction as each change (migration 00017) and from indexes on
// ideas; a Memory keeps what it read while the rollups say it holds.
//
// What counts: published ideas that are not merged into another, created in
// the range; votes and public comments (not internal notes, not hidden)
// made in the range on those kinds of ideas. The team's answer to an idea
// is the first public status note or public comment on it by a moderator,
// team member or admin other than its author: ideas.answered_at.
package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"samen/models"
)

// Day is how dates are written: YYYY-MM-DD, in UTC.
const Day = "2006-01-02"

// DefaultDays is the length of the range when none is asked for.
const DefaultDays = 30

// MaxDays bounds a range, so a week-by-week answer stays small.
const MaxDays = 3 * 366

// Answer windows.
const (
	AnswerWithin  = 7 * 24 * time.Hour
	UnansweredAge = 30 * 24 * time.Hour
)

// MaxUnansweredListed bounds the list of unanswered ideas to work from.
const MaxUnansweredListed = 100

// Range is a span of whole days in UTC, both ends included.
type Range struct {
	From, To time.Time
}

// end is the first moment after the range.
func (r Range) end() time.Time { return r.To.AddDate(0, 0, 1) }

// ParseRange reads from and to (YYYY-MM-DD, either may be empty). Without
// to the range ends today; without from it starts DefaultDays-1 days before
// its end. A bad date, from after to, or a range longer than MaxDays is
// a models.ValidationErrors naming the field.
func ParseRange(from, to string, now time.Time) (Range, error) {
	errs := models.ValidationErrors{}
	today := now.UTC().Truncate(24 * time.Hour)
	r := Range{To: today}
	if to != "" {
		d, err := time.Parse(Day, to)
		if err != nil {
			errs["to"] = "must be a date written YYYY-MM-DD"
		}
		r.To = d
	}
	r.From = r.To.AddDate(0, 0, -(DefaultDays - 1))
	if from != "" {
		d, err := time.Parse(Day, from)
		if err != nil {
			errs["from"] = "must be a date written YYYY-MM-DD"
		}
		r.From = d
	}
	if len(errs) == 0 {
		switch days := int(r.To.Sub(r.From).Hours()/24) + 1; {
		case r.From.After(r.To):
			errs["from"] = "must not be after to"
		case days > MaxDays:
			errs["from"] = fmt.Sprintf("must be at most %d days before to", MaxDays-1)
		}
	}
	if len(errs) > 0 {
		return Range{}, errs
	}
	return r, nil
}

// Report holds the figures of a range.
type Report struct {
	Range
	Ideas, Votes, Comments int
	ActiveMembers          int
	Webcare
	ByWeek     []Week
	ByCategory []Category
	BySource   []Source
	ByStatus   []Status
	// Unanswered lists the ideas behind UnansweredOver30Days, oldest first,
	// at most MaxUnansweredListed.
	Unanswered []Idea
}

// Webcare is how quickly and how often the team answered the range's ideas.
type Webcare struct {
	// FirstAnswerHoursMedian is the median time from an idea to the team's
	// first answer, of the answered ideas, in hours to one decimal (nil:
	// none answered).
	FirstAnswerHoursMedian *float64
	// AnsweredWithin7DaysPct is the share of the ideas answered within 7
	// days of being proposed, in percent to one decimal (nil: no ideas).
	AnsweredWithin7DaysPct *float64
	// UnansweredOver30Days counts the ideas older than 30 days with no answer.
	UnansweredOver30Days int
}

// Week is one week (Monday to Sunday) of activity; Start is its Monday.
type Week struct {
	Start                  time.Time
	Ideas, Votes, Comments int
}

// Category is one category's figures; a nil Slug stands for ideas without one.
type Category struct {
	Slug         *string
	Name, NameNL string
	Ideas        int
	Votes        int
	Webcare
}

// NameIn is the category's name in lang, as models.Category.NameIn.
func (c Category) NameIn(lang string) string {
	return models.Category{Name: c.Name, NameNL: c.NameNL}.NameIn(lang)
}

// Source is where ideas and votes came from (models.Sources).
type Source struct {
	Source       string
	Ideas, Votes int
}

// Status counts the range's ideas by the status they have now.
type Status struct {
	Slug, Name, NameNL, Kind string
	Ideas                    int
}

// NameIn is the status's name in lang, as models.Status.NameIn.
func (s Status) NameIn(lang string) string {
	return models.Status{Name: s.Name, NameNL: s.NameNL}.NameIn(lang)
}

// Idea is an idea waiting for the team's answer.
type Idea struct {
	ID        int64
	Title     string
	Slug      string
	Votes     int
	CreatedAt time.Time
}

// answer is the team's first answer to one of the range's ideas.
type answer struct {
	category        *int64
	created, answer time.Time
}

// Compute counts the range's figures for viewer, who must be allowed to
// read analytics (models.ErrForbidden otherwise). The counts come from the
// daily rollups (migration 00017), which triggers keep equal to the rows;
// the answer times and the unanswered ideas from indexes on ideas. It keeps
// nothing for the next call; Memory.Compute does.
func Compute(ctx context.Context, s *models.Store, viewer *models.User, r Range) (*Report, error) {
	return compute(ctx, s, viewer, r, nil, true)
}

// compute counts the range's figures, keeping what it read in m (when not
// nil), and lists the unanswered ideas when list is true.
func compute(ctx context.Context, s *models.Store, viewer *models.User, r Range, m *Memory, list bool) (*Report, error) {
	if !s.Can(viewer, models.ActReadAnalytics) {
		return nil, models.ErrForbidden
	}
	q := querier{db: s.DB(), postgres: s.Dialect() == models.Postgres}
	rep := &Report{Range: r}
	now := s.Now().UTC()
	old := now.Add(-UnansweredAge)
	statuses, err := s.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	categories, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	cat := catalog{statuses: statuses, categories: categories} // the store gives copies
	writes := s.Writes()                                       // before anything is read, so a write meanwhile counts as after
	if m != nil {
		kept, ok := m.report(r, nil, cat, writes, now)
		if !ok {
			f, err := q.fingerprint(ctx, r)
			if err != nil {
				return nil, err
			}
			kept, ok = m.report(r, &f, cat, writes, now)
		}
		if ok {
			kept.Unanswered = nil
			if list {
				if kept.Unanswered, err = q.unansweredList(ctx, r, old); err != nil {
					return nil, err
				}
			}
			return kept, nil
		}
	}

	weeks := map[string]*Week{}
	for w := monday(r.From); !w.After(r.To); w = w.AddDate(0, 0, 7) {
		rep.ByWeek = append(rep.ByWeek, Week{Start: w})
	}
	for i := range rep.ByWeek {
		weeks[rep.ByWeek[i].Start.Format(Day)] = &rep.ByWeek[i]
	}
	weekOf := func(day time.Time) *Week {
		if w, ok := weeks[monday(day).Format(Day)]; ok {
			return w
		}
		return &Week{} // never: every row of the range falls in one of its weeks
	}

	byStatus := map[int64]*Status{}
	for _, st := range statuses {
		rep.ByStatus = append(rep.ByStatus, Status{Slug: st.Slug, Name: st.Name, NameNL: st.NameNL, Kind: st.Kind})
	}
	for i, st := range statuses {
		byStatus[st.ID] = &rep.ByStatus[i]
	}
	cats := map[int64]int{} // category id -> index in ByCategory; 0 -> none
	for _, c := range categories {
		cats[c.ID] = len(rep.ByCategory)
		rep.ByCategory = append(rep.ByCategory, Category{Slug: &c.Slug, Name: c.Name, NameNL: c.NameNL})
	}
	rep.ByCategory = append(rep.ByCategory, Category{}) // ideas without a category
	none := len(rep.ByCategory) - 1
	catOf := func(id *int64) int {
		if id == nil {
			return none
		}
		if n, ok := cats[*id]; ok {
			return n
		}
		return none
	}
	sources := map[string]*Source{}
	for _, src := range models.Sources {
		rep.BySource = append(rep.BySource, Source{Source: src})
	}
	for i := range rep.BySource {
		sources[rep.BySource[i].Source] = &rep.BySource[i]
	}
	source := func(name string) *Source {
		if src, ok := sources[name]; ok {
			return src
		}
		return sources["other"]
	}

	// An idea is unanswered for long once it is older than UnansweredAge:
	// every idea of a day before the one that holds that moment, and the
	// earlier part of that day, counted live.
	oldDay := old.Truncate(24 * time.Hour)
	tally := make([]tallies, len(rep.ByCategory))
	days, err := q.days(ctx, r)
	if err != nil {
		return nil, err
	}
	fingerprints := map[string]int64{}
	var whole fingerprint
	for _, d := range days {
		fingerprints[d.dayText] += d.changed
		whole.rows++
		whole.sum += d.changed
		c := catOf(d.category)
		w := weekOf(d.day)
		rep.Ideas += d.ideas
		rep.Votes += d.votes
		rep.Comments += d.comments
		w.Ideas += d.ideas
		w.Votes += d.votes
		w.Comments += d.comments
		rep.ByCategory[c].Ideas += d.ideas
		rep.ByCategory[c].Votes += d.votes
		if d.source != "" { // comments are kept without a source
			src := source(d.source)
			src.Ideas += d.ideas
			src.Votes += d.votes
		}
		tally[c].answered += d.answered
		tally[c].within += d.answeredWeek
		if d.day.Before(oldDay) {
			tally[c].unanswered += d.ideas - d.answered
		}
	}
	if lo, hi := later(r.From, oldDay), earlier(r.end(), old); lo.Before(hi) {
		counts, err := q.unansweredBetween(ctx, lo, hi)
		if err != nil {
			return nil, err
		}
		for _, g := range counts {
			tally[catOf(g.category)].unanswered += g.n
		}
	}
	answers, err := q.answers(ctx, r)
	if err != nil {
		return nil, err
	}
	hours := make([][]float64, len(rep.ByCategory))
	for _, a := range answers {
		c := catOf(a.category)
		hours[c] = append(hours[c], a.answer.Sub(a.created).Hours())
	}
	var all tallies
	var allHours []float64
	for c := range rep.ByCategory {
		rep.ByCategory[c].Webcare = tally[c].webcare(rep.ByCategory[c].Ideas, hours[c])
		all.within += tally[c].within
		all.unanswered += tally[c].unanswered
		allHours = append(allHours, hours[c]...)
	}
	rep.Webcare = all.webcare(rep.Ideas, allHours)

	perStatus, err := q.statuses(ctx, r)
	if err != nil {
		return nil, err
	}
	for _, g := range perStatus {
		if st, ok := byStatus[*g.category]; ok {
			st.Ideas += g.n
		}
	}
	if list {
		if rep.Unanswered, err = q.unansweredList(ctx, r, old); err != nil {
			return nil, err
		}
	}
	if rep.ActiveMembers, err = q.activeMembers(ctx, m, fingerprints); err != nil {
		return nil, err
	}
	// Ideas without a category are listed only when there are some.
	if last := rep.ByCategory[none]; last.Ideas == 0 && last.Votes == 0 {
		rep.ByCategory = rep.ByCategory[:none]
	}
	if m != nil {
		until := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		if r.end().After(old) {
			next, err := q.nextOld(ctx, later(r.From, old), r.end())
			if err != nil {
				return nil, err
			}
			if !next.IsZero() {
				until = next
			}
		}
		m.keep(r, keptReport{fingerprint: whole, catalog: cat, until: until, report: rep, writes: writes, checked: time.Now()})
	}
	return rep, nil
}

// unansweredList lists the range's ideas without an answer that are older
// than UnansweredAge at now (old is now - UnansweredAge).
func (q querier) unansweredList(ctx context.Context, r Range, old time.Time) ([]Idea, error) {
	if hi := earlier(r.end(), old); r.From.Before(hi) {
		return q.unanswered(ctx, r.From, hi)
	}
	return nil, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// tallies are the answer counts of some ideas.
type tallies struct{ answered, within, unanswered int }

// webcare computes the answer figures of ideas ideas, with the hours each
// answered one waited.
func (t tallies) webcare(ideas int, hours []float64) Webcare {
	w := Webcare{UnansweredOver30Days: t.unanswered}
	if len(hours) > 0 {
		slices.Sort(hours)
		m := hours[len(hours)/2]
		if len(hours)%2 == 0 {
			m = (hours[len(hours)/2-1] + m) / 2
		}
		median := round1(m)
		w.FirstAnswerHoursMedian = &median
	}
	if ideas > 0 {
		pct := round1(float64(t.within) * 100 / float64(ideas))
		w.AnsweredWithin7DaysPct = &pct
	}
	return w
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// monday is the Monday (UTC) of t's week.
func monday(t time.Time) time.Time {
	d := t.UTC().Truncate(24 * time.Hour)
	back := (int(d.Weekday()) + 6) % 7 // Monday 0 ... Sunday 6
	return d.AddDate(0, 0, -back)
}

// querier runs the statements on either database.
type querier struct {
	db       *sql.DB
	postgres bool
}

// rebind turns ? placeholders into PostgreSQL's $n.
func (q querier) rebind(query string) string {
	if !q.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dayText is the SQL that reads a rollup's day as YYYY-MM-DD.
func (q querier) dayText() string {
	if q.postgres {
		return "to_char(day, 'YYYY-MM-DD')"
	}
	return "day"
}

// counted is the condition on the ideas that count (no alias).
const counted = "state = 'published' AND merged_into IS NULL"

// dayRow is one row of analytics_days.
type dayRow struct {
	day                                            time.Time
	dayText                                        string
	changed                                        int64
	category                                       *int64
	source                                         string
	ideas, answered, answeredWeek, votes, comments int
}

// days reads the range's rollups: a row per day, category and source.
func (q querier) days(ctx context.Context, r Range) ([]dayRow, error) {
	query := `SELECT ` + q.dayText() + `, category_id, source, ideas, answered, answered_week, votes, comments, changed
		FROM analytics_days WHERE day >= ? AND day <= ?`
	rows, err := q.db.QueryContext(ctx, q.rebind(query), r.From.Format(Day), r.To.Format(Day))
	if err != nil {
		return nil, fmt.Errorf("analytics: read the days: %w", err)
	}
	defer rows.Close()
	var list []dayRow
	for rows.Next() {
		var (
			d        dayRow
			category int64
		)
		if err := rows.Scan(&d.dayText, &category, &d.source, &d.ideas, &d.answered, &d.answeredWeek, &d.votes, &d.comments, &d.changed); err != nil {
			return nil, fmt.Errorf("analytics: read the days: %w", err)
		}
		if d.day, err = time.Parse(Day, d.dayText); err != nil {
			return nil, fmt.Errorf("analytics: read the days: %w", err)
		}
		if category != 0 {
			d.category = &category
		}
		list = append(list, d)
	}
	return list, rows.Err()
}

// group is a count of rows by category (or status).
type group struct {
	category *int64
	n        int
}

func (q querier) groups(ctx context.Context, what, query string, args ...any) ([]group, error) {
	rows, err := q.db.QueryContext(ctx, q.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: count %s: %w", what, err)
	}
	defer rows.Close()
	var list []group
	for rows.Next() {
		var (
			g  group
			id sql.NullInt64
		)
		if err := rows.Scan(&id, &g.n); err != nil {
			return nil, fmt.Errorf("analytics: count %s: %w", what, err)
		}
		if id.Valid && id.Int64 != 0 {
			g.category = &id.Int64
		}
		list = append(list, g)
	}
	return list, rows.Err()
}

// statuses counts the range's ideas by status (in group.category).
func (q querier) statuses(ctx context.Context, r Range) ([]group, error) {
	return q.groups(ctx, "ideas by status", `SELECT status_id, SUM(ideas) FROM analytics_statuses
		WHERE day >= ? AND day <= ? GROUP BY status_id`, r.From.Format(Day), r.To.Format(Day))
}

// unansweredBetween counts the ideas proposed in [from, to) without an
// answer, by category, from the index ideas_unanswered_created.
func (q querier) unansweredBetween(ctx context.Context, from, to time.Time) ([]group, error) {
	return q.groups(ctx, "unanswered ideas", `SELECT category_id, COUNT(*) FROM ideas
		WHERE created_at >= ? AND created_at < ? AND answered_at IS NULL AND `+counted+`
		GROUP BY category_id`, from, to)
}

// answers reads when each answered idea of the range was proposed and
// answered, from the index ideas_answered_created.
func (q querier) answers(ctx context.Context, r Range) ([]answer, error) {
	rows, err := q.db.QueryContext(ctx, q.rebind(`SELECT category_id, created_at, answered_at FROM ideas
		WHERE created_at >= ? AND created_at < ? AND answered_at IS NOT NULL AND `+counted), r.From, r.end())
	if err != nil {
		return nil, fmt.Errorf("analytics: read the answers: %w", err)
	}
	defer rows.Close()
	var list []answer
	for rows.Next() {
		var (
			a        answer
			category sql.NullInt64
		)
		if err := rows.Scan(&category, &a.created, &a.answer); err != nil {
			return nil, fmt.Errorf("analytics: read the answers: %w", err)
		}
		if category.Valid {
			a.category = &category.Int64
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

// unanswered lists the ideas proposed in [from, to) without an answer,
// oldest first, at most MaxUnansweredListed.
func (q querier) unanswered(ctx context.Context, from, to time.Time) ([]Idea, error) {
	rows, err := q.db.QueryContext(ctx, q.rebind(`SELECT id, title, slug, votes, created_at FROM ideas
		WHERE created_at >= ? AND created_at < ? AND answered_at IS NULL AND `+counted+`
		ORDER BY created_at, id LIMIT `+strconv.Itoa(MaxUnansweredListed)), from, to)
	if err != nil {
		return nil, fmt.Errorf("analytics: list unanswered ideas: %w", err)
	}
	defer rows.Close()
	var list []Idea
	for rows.Next() {
		var i Idea
		if err := rows.Scan(&i.ID, &i.Title, &i.Slug, &i.Votes, &i.CreatedAt); err != nil {
			return nil, fmt.Errorf("analytics: list unanswered ideas: %w", err)
		}
		i.CreatedAt = i.CreatedAt.UTC()
		list = append(list, i)
	}
	return list, rows.Err()
}
