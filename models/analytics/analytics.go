// Package analytics counts what the community did in a range of days and
// how quickly the team answered it. It only reads: every figure is a count
// of rows, made again on each request from indexed queries.
//
// What counts: published ideas that are not merged into another, created in
// the range; votes and public comments (not internal notes, not hidden)
// made in the range on those kinds of ideas. The team's answer to an idea
// is the first public status note or public comment on it by a moderator,
// team member or admin other than its author.
package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
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
	Slug  *string
	Name  string
	Ideas int
	Votes int
	Webcare
}

// Source is where ideas and votes came from (models.Sources).
type Source struct {
	Source       string
	Ideas, Votes int
}

// Status counts the range's ideas by the status they have now.
type Status struct {
	Slug, Name, Kind string
	Ideas            int
}

// Idea is an idea waiting for the team's answer.
type Idea struct {
	ID        int64
	Title     string
	Slug      string
	Votes     int
	CreatedAt time.Time
}

// staffRoles answer for the team.
var staffRoles = []string{string(models.RoleModerator), string(models.RoleTeam), string(models.RoleAdmin)}

// idea is one of the range's ideas with the time of the team's first answer.
type idea struct {
	Idea
	category *int64
	status   int64
	source   string
	answered *time.Time
}

// Compute counts the range's figures for viewer, who must be allowed to
// read analytics (models.ErrForbidden otherwise).
func Compute(ctx context.Context, s *models.Store, viewer *models.User, r Range) (*Report, error) {
	if !s.Can(viewer, models.ActReadAnalytics) {
		return nil, models.ErrForbidden
	}
	q := querier{db: s.DB(), postgres: s.Dialect() == models.Postgres}
	rep := &Report{Range: r}
	now := s.Now()

	ideas, err := q.ideas(ctx, r)
	if err != nil {
		return nil, err
	}
	weeks := map[string]*Week{}
	for w := monday(r.From); !w.After(r.To); w = w.AddDate(0, 0, 7) {
		rep.ByWeek = append(rep.ByWeek, Week{Start: w})
	}
	for i := range rep.ByWeek {
		weeks[rep.ByWeek[i].Start.Format(Day)] = &rep.ByWeek[i]
	}
	week := func(monday string) *Week {
		if w, ok := weeks[monday]; ok {
			return w
		}
		return &Week{} // never: every row of the range falls in one of its weeks
	}
	weekOf := func(day string) *Week {
		d, err := time.Parse(Day, day)
		if err != nil {
			return &Week{}
		}
		return week(monday(d).Format(Day))
	}

	statuses, err := s.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	categories, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	byStatus := map[int64]*Status{}
	for _, st := range statuses {
		rep.ByStatus = append(rep.ByStatus, Status{Slug: st.Slug, Name: st.Name, Kind: st.Kind})
	}
	for i, st := range statuses {
		byStatus[st.ID] = &rep.ByStatus[i]
	}
	cats := map[int64]int{} // category id -> index in ByCategory; 0 -> none
	for _, c := range categories {
		cats[c.ID] = len(rep.ByCategory)
		rep.ByCategory = append(rep.ByCategory, Category{Slug: &c.Slug, Name: c.Name})
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

	perCategory := make([][]idea, len(rep.ByCategory))
	for _, i := range ideas {
		rep.Ideas++
		week(monday(i.CreatedAt).Format(Day)).Ideas++
		if st, ok := byStatus[i.status]; ok {
			st.Ideas++
		}
		c := catOf(i.category)
		rep.ByCategory[c].Ideas++
		perCategory[c] = append(perCategory[c], i)
		source(i.source).Ideas++
	}
	rep.Webcare = webcare(ideas, now)
	for c := range rep.ByCategory {
		rep.ByCategory[c].Webcare = webcare(perCategory[c], now)
	}
	for _, i := range ideas {
		if i.answered == nil && now.Sub(i.CreatedAt) > UnansweredAge && len(rep.Unanswered) < MaxUnansweredListed {
			rep.Unanswered = append(rep.Unanswered, i.Idea)
		}
	}

	votes, err := q.votes(ctx, r)
	if err != nil {
		return nil, err
	}
	for _, v := range votes {
		rep.Votes += v.n
		weekOf(v.day).Votes += v.n
		rep.ByCategory[catOf(v.category)].Votes += v.n
		source(v.source).Votes += v.n
	}
	comments, err := q.comments(ctx, r)
	if err != nil {
		return nil, err
	}
	for _, c := range comments {
		rep.Comments += c.n
		weekOf(c.day).Comments += c.n
	}
	if rep.ActiveMembers, err = q.activeMembers(ctx, r); err != nil {
		return nil, err
	}
	// Ideas without a category are listed only when there are some.
	if last := rep.ByCategory[none]; last.Ideas == 0 && last.Votes == 0 {
		rep.ByCategory = rep.ByCategory[:none]
	}
	return rep, nil
}

// webcare computes the answer figures of some ideas at now.
func webcare(ideas []idea, now time.Time) Webcare {
	var w Webcare
	var hours []float64
	within := 0
	for _, i := range ideas {
		if i.answered == nil {
			if now.Sub(i.CreatedAt) > UnansweredAge {
				w.UnansweredOver30Days++
			}
			continue
		}
		took := i.answered.Sub(i.CreatedAt)
		hours = append(hours, took.Hours())
		if took <= AnswerWithin {
			within++
		}
	}
	if len(hours) > 0 {
		slices.Sort(hours)
		m := hours[len(hours)/2]
		if len(hours)%2 == 0 {
			m = (hours[len(hours)/2-1] + m) / 2
		}
		median := round1(m)
		w.FirstAnswerHoursMedian = &median
	}
	if len(ideas) > 0 {
		pct := round1(float64(within) * 100 / float64(len(ideas)))
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

// day is the SQL for the day (YYYY-MM-DD, UTC) of a timestamp column;
// rows are counted by day and the days folded into weeks here. SQLite
// stores timestamps as UTC text that starts with the day, so its first ten
// characters are the day, without a date computation per row.
func (q querier) day(column string) string {
	if q.postgres {
		return fmt.Sprintf("to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD')", column)
	}
	return fmt.Sprintf("substr(%s, 1, 10)", column)
}

// counted is the condition on the ideas that count (alias i).
const counted = "i.state = 'published' AND i.merged_into IS NULL"

func (q querier) ideas(ctx context.Context, r Range) ([]idea, error) {
	roles := "'" + strings.Join(staffRoles, "','") + "'"
	query := `SELECT i.id, i.title, i.slug, i.votes, i.created_at, i.category_id, i.status_id, i.source,
		(SELECT MIN(sc.created_at) FROM status_changes sc JOIN users u ON u.id = sc.actor_id
			WHERE sc.idea_id = i.id AND sc.note <> '' AND sc.actor_id <> i.author_id AND u.role IN (` + roles + `)),
		(SELECT MIN(c.created_at) FROM comments c JOIN users u ON u.id = c.user_id
			WHERE c.idea_id = i.id AND c.state = 'published' AND c.internal = ? AND c.user_id <> i.author_id AND u.role IN (` + roles + `))
		FROM ideas i WHERE i.created_at >= ? AND i.created_at < ? AND ` + counted + `
		ORDER BY i.created_at, i.id`
	rows, err := q.db.QueryContext(ctx, q.rebind(query), false, r.From, r.end())
	if err != nil {
		return nil, fmt.Errorf("analytics: read ideas: %w", err)
	}
	defer rows.Close()
	var list []idea
	for rows.Next() {
		var (
			i                   idea
			byStatus, byComment any
			category            sql.NullInt64
		)
		if err := rows.Scan(&i.ID, &i.Title, &i.Slug, &i.Votes, &i.CreatedAt, &category, &i.status, &i.source, &byStatus, &byComment); err != nil {
			return nil, fmt.Errorf("analytics: read ideas: %w", err)
		}
		i.CreatedAt = i.CreatedAt.UTC()
		if category.Valid {
			i.category = &category.Int64
		}
		for _, raw := range []any{byStatus, byComment} {
			t, err := timeOf(raw)
			if err != nil {
				return nil, fmt.Errorf("analytics: read the answer to idea %d: %w", i.ID, err)
			}
			if t != nil && (i.answered == nil || t.Before(*i.answered)) {
				i.answered = t
			}
		}
		list = append(list, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("analytics: read ideas: %w", err)
	}
	return list, nil
}

// sqliteTime is how SQLite hands back a timestamp that an aggregate computed.
const sqliteTime = "2006-01-02 15:04:05.999999999-07:00"

// timeOf reads a timestamp an aggregate returned: a time, text (SQLite) or NULL.
func timeOf(raw any) (*time.Time, error) {
	switch v := raw.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t := v.UTC()
		return &t, nil
	case string:
		t, err := time.Parse(sqliteTime, v)
		if err != nil {
			return nil, err
		}
		t = t.UTC()
		return &t, nil
	case []byte:
		return timeOf(string(v))
	}
	return nil, fmt.Errorf("a timestamp of type %T", raw)
}

// group is a count of rows by day and, for votes, category and source.
type group struct {
	day      string
	category *int64
	source   string
	n        int
}

func (q querier) votes(ctx context.Context, r Range) ([]group, error) {
	query := `SELECT ` + q.day("v.created_at") + `, i.category_id, v.source, COUNT(*)
		FROM votes v JOIN ideas i ON i.id = v.idea_id
		WHERE v.created_at >= ? AND v.created_at < ? AND ` + counted + `
		GROUP BY 1, 2, 3`
	rows, err := q.db.QueryContext(ctx, q.rebind(query), r.From, r.end())
	if err != nil {
		return nil, fmt.Errorf("analytics: count votes: %w", err)
	}
	defer rows.Close()
	var list []group
	for rows.Next() {
		var (
			g        group
			category sql.NullInt64
		)
		if err := rows.Scan(&g.day, &category, &g.source, &g.n); err != nil {
			return nil, fmt.Errorf("analytics: count votes: %w", err)
		}
		if category.Valid {
			g.category = &category.Int64
		}
		list = append(list, g)
	}
	return list, rows.Err()
}

// publicComment is the condition on comments that count (alias c).
const publicComment = "c.state = 'published' AND c.internal = ?"

func (q querier) comments(ctx context.Context, r Range) ([]group, error) {
	query := `SELECT ` + q.day("c.created_at") + `, COUNT(*)
		FROM comments c JOIN ideas i ON i.id = c.idea_id
		WHERE c.created_at >= ? AND c.created_at < ? AND ` + publicComment + ` AND ` + counted + `
		GROUP BY 1`
	rows, err := q.db.QueryContext(ctx, q.rebind(query), r.From, r.end(), false)
	if err != nil {
		return nil, fmt.Errorf("analytics: count comments: %w", err)
	}
	defer rows.Close()
	var list []group
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.day, &g.n); err != nil {
			return nil, fmt.Errorf("analytics: count comments: %w", err)
		}
		list = append(list, g)
	}
	return list, rows.Err()
}

// activeMembers counts the members who proposed, voted or commented in the
// range: for each member, a probe of the indexes ideas_author, votes_user
// and comments_user, so the cost grows with the members, not the votes.
func (q querier) activeMembers(ctx context.Context, r Range) (int, error) {
	query := `SELECT COUNT(*) FROM users u WHERE
		EXISTS (SELECT 1 FROM ideas i WHERE i.author_id = u.id AND i.created_at >= ? AND i.created_at < ? AND ` + counted + `)
		OR EXISTS (SELECT 1 FROM votes v JOIN ideas i ON i.id = v.idea_id
			WHERE v.user_id = u.id AND v.created_at >= ? AND v.created_at < ? AND ` + counted + `)
		OR EXISTS (SELECT 1 FROM comments c JOIN ideas i ON i.id = c.idea_id
			WHERE c.user_id = u.id AND c.created_at >= ? AND c.created_at < ? AND ` + publicComment + ` AND ` + counted + `)`
	end := r.end()
	var n int
	err := q.db.QueryRowContext(ctx, q.rebind(query), r.From, end, r.From, end, r.From, end, false).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("analytics: count active members: %w", err)
	}
	return n, nil
}
