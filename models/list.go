package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Sorts of the idea list.
const (
	SortHot       = "hot"
	SortTop       = "top"
	SortNew       = "new"
	SortUpdated   = "updated"
	SortRelevance = "relevance" // only with a search query
)

// Paging bounds.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	MaxPage        = 500
	MaxQueryLength = 200
	// SearchWindow is how many matches of "similar ideas" (any word of a
	// title) are ranked: with more, the most active of them (hot order) are.
	// A search (every word) ranks all its matches (see Store.search).
	SearchWindow = 100
	// SearchCandidates is how many matches of similar ideas SQLite reads, the
	// newest first, to find its window in (see Store.search).
	SearchCandidates = 2000
	// MaxSearchWords is how many words of a query are searched for; the
	// rest are left out. Each word costs the database a list of ideas to
	// read and merge, so the words bound what one search costs.
	MaxSearchWords = 8
)

// ListOptions choose and order ideas. Zero values mean "all" and the defaults.
type ListOptions struct {
	Sort     string
	Status   string // status slug
	Category string // category slug
	Tag      string // tag slug
	Query    string // full-text search
	AnyWord  bool   // match ideas with any word of Query, not all: "similar ideas"
	AuthorID int64  // "my ideas"
	VotedBy  int64  // "my votes"
	// Bodies loads each idea's text (Body, BodyHTML), which the API shows;
	// the pages' lists show titles only and leave it empty. (A list never
	// loads what no list shows: see pageOf.)
	Bodies bool
	// Excerpts loads each idea's plain text (BodyText) for Excerpt, which
	// the pages' lists show under each title.
	Excerpts bool
	// Rows loads only what a row of the pages' idea list shows: not the
	// idea's state, times, trending score, merge or source, which the API
	// and the idea's page show. Every column a row reads costs each page.
	Rows bool
	// Triage loads the team's triage fields (assignee, impact, effort),
	// which only the team sees; ListIdeas sets it for them.
	Triage  bool
	Page    int
	PerPage int
}

// IdeaPage is one page of a list, with the total that matched.
type IdeaPage struct {
	Ideas   []*Idea
	Total   int64
	Page    int
	PerPage int
	// More says Total is a lower bound: more ideas match than the pages
	// reach (MaxPage of PerPage), so they were not counted.
	More bool
}

// Pages is the number of pages the total fills.
func (p *IdeaPage) Pages() int {
	if p.Total == 0 {
		return 1
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

var orders = map[string]string{
	SortHot:     "ideas.pinned DESC, ideas.hot DESC, ideas.id DESC",
	SortTop:     "ideas.pinned DESC, ideas.votes DESC, ideas.id DESC",
	SortNew:     "ideas.pinned DESC, ideas.created_at DESC, ideas.id DESC",
	SortUpdated: "ideas.pinned DESC, ideas.last_activity_at DESC, ideas.id DESC",
}

// Normalize fills in defaults and checks the options.
func (o *ListOptions) Normalize() error {
	errs := ValidationErrors{}
	// A NUL byte is no word and nothing PostgreSQL takes as text: it
	// separates words like any other sign.
	o.Query = strings.TrimSpace(strings.ReplaceAll(o.Query, "\x00", " "))
	if !utf8.ValidString(o.Query) || utf8.RuneCountInString(o.Query) > MaxQueryLength {
		errs["q"] = fmt.Sprintf("must be valid text of at most %d characters", MaxQueryLength)
	}
	if !validText(o.Tag) {
		errs["tag"] = "must be valid text"
	}
	if o.Sort == "" {
		o.Sort = SortHot
		if o.Query != "" {
			o.Sort = SortRelevance
		}
	}
	if _, ok := orders[o.Sort]; !ok && !(o.Sort == SortRelevance && o.Query != "") {
		errs["sort"] = "must be hot, top, new or updated"
	}
	normalizePaging(&o.Page, &o.PerPage, errs)
	return errs.orNil()
}

// normalizePaging makes a missing page the first and a missing page size
// the default, and names in errs what is out of range: the paging of every
// list, search and inbox.
func normalizePaging(page, perPage *int, errs ValidationErrors) {
	if *page == 0 {
		*page = 1
	}
	if *page < 1 || *page > MaxPage {
		errs["page"] = fmt.Sprintf("must be between 1 and %d", MaxPage)
	}
	if *perPage == 0 {
		*perPage = DefaultPerPage
	}
	if *perPage < 1 || *perPage > MaxPerPage {
		errs["per_page"] = fmt.Sprintf("must be between 1 and %d", MaxPerPage)
	}
}

// ListIdeas returns a page of published ideas: one query for the page and
// one for the tags and the viewer's votes on it. Every sort is served by an
// index; pinned ideas come first. The total is counted only as far as the
// pages reach, and reused for a few seconds (see totalsTTL).
func (s *Store) ListIdeas(ctx context.Context, o ListOptions, viewer *User) (page *IdeaPage, err error) {
	if o.Query != "" && !s.inSearch {
		err = s.searching(ctx, func(ctx context.Context, s *Store) error {
			page, err = s.ListIdeas(ctx, o, viewer)
			return err
		})
		return page, err
	}
	o.Triage = s.Can(viewer, ActTriage)
	q, order, err := s.listQuery(ctx, &o)
	if err != nil {
		return nil, err
	}
	page = &IdeaPage{Page: o.Page, PerPage: o.PerPage}
	if page.Total, page.More, err = s.listTotal(ctx, q, o); err != nil {
		return nil, err
	}
	ideas, err := loadPage(q, o, order)
	if err != nil {
		return nil, fmt.Errorf("list ideas: %w", err)
	}
	if o.Query != "" && !o.AnyWord && page.Total < FewMatches && o.Page == 1 {
		similar, err := s.typoMatches(ctx, o, ideas)
		if err != nil {
			return nil, err
		}
		ideas = append(ideas, similar...)
		page.Total += int64(len(similar))
	}
	if err := s.fillIdeas(ctx, ideas, viewer); err != nil {
		return nil, err
	}
	page.Ideas = ideas
	return page, nil
}

// listTotal counts the ideas of a list up to what its pages can show, and
// one more to know whether there are more. Lists that are the same for
// everyone (no member of their own) keep their totals in the store's cache,
// but for tags, which change without a write to ideas.
func (s *Store) listTotal(ctx context.Context, q *gorm.DB, o ListOptions) (int64, bool, error) {
	limit := MaxPage * o.PerPage
	if o.AnyWord {
		limit = SearchWindow
	}
	key, shared := totalKey{limit: limit}, o.Tag == "" && o.AuthorID == 0 && o.VotedBy == 0
	key.status, key.category, key.query, key.anyWord = o.Status, o.Category, o.Query, o.AnyWord
	n, err := s.total(ctx, q, key, shared)
	if err != nil {
		return 0, false, fmt.Errorf("count ideas: %w", err)
	}
	return min(n, int64(key.limit)), n > int64(key.limit), nil
}

// total counts the ideas of a query up to key.limit and one more; shared
// totals (the same for everyone) are kept in the store's cache.
func (s *Store) total(ctx context.Context, q *gorm.DB, key totalKey, shared bool) (int64, error) {
	if shared {
		if n, ok := s.totals.get(key, s.Now()); ok {
			return n, nil
		}
	}
	gen := s.totals.generation()
	if shared {
		ctx = onPrimary(ctx) // kept for every request: never a replica's older count
	}
	var n int64
	if err := s.countQuery(ctx, q, key.limit).Count(&n).Error; err != nil {
		return 0, err
	}
	if shared {
		s.totals.put(key, n, gen, s.Now())
	}
	return n, nil
}

// countQuery counts the ideas of a list's query, up to limit and one more.
func (s *Store) countQuery(ctx context.Context, q *gorm.DB, limit int) *gorm.DB {
	matched := q.Session(&gorm.Session{}).Select("1").Limit(limit + 1)
	return s.db.WithContext(ctx).Table("(?) AS matched", matched)
}

// totalsTTL is how long a list's total is reused. Writes to ideas through this
// store forget the totals at once; another instance's writes show within it.
const totalsTTL = 5 * time.Second

// maxTotals bounds the cache: one entry per filter, search and page size.
const maxTotals = 512

type totalKey struct {
	status, category, query string
	anyWord                 bool
	limit                   int
	// triage holds the inbox's own filters (TriageOptions.totalKey); empty
	// for the idea list.
	triage string
}

type cachedTotal struct {
	n  int64
	at time.Time
}

// totalsCache keeps list totals for totalsTTL. gen counts the writes seen,
// so that a count which raced a write is not kept.
type totalsCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[totalKey]cachedTotal
}

func newTotalsCache() *totalsCache { return &totalsCache{m: map[totalKey]cachedTotal{}} }

// totalEntryBytes is about what a cached total takes besides its keys'
// texts: the key's other fields, the count, its time and the map's share.
const totalEntryBytes = 128

// CachedTotals is how many list totals the store keeps for reuse, and
// about how many bytes they take.
func (s *Store) CachedTotals() (entries, bytes int) {
	s.totals.mu.Lock()
	defer s.totals.mu.Unlock()
	for k := range s.totals.m {
		bytes += len(k.status) + len(k.category) + len(k.query) + len(k.triage) + totalEntryBytes
	}
	return len(s.totals.m), bytes
}

// get returns a cached total. Past the TTL, the first caller gets a miss and
// counts again while the others keep the old total meanwhile, so a busy list
// is counted once per TTL, not by every request at once.
func (t *totalsCache) get(k totalKey, now time.Time) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.m[k]
	if !ok {
		return 0, false
	}
	if now.Sub(c.at) >= totalsTTL {
		c.at = now
		t.m[k] = c
		return 0, false
	}
	return c.n, true
}

func (t *totalsCache) generation() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.gen
}

// put keeps a total counted since generation gen, unless a write came between.
func (t *totalsCache) put(k totalKey, n int64, gen uint64, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if gen != t.gen {
		return
	}
	if _, ok := t.m[k]; !ok && len(t.m) >= maxTotals {
		clear(t.m)
	}
	t.m[k] = cachedTotal{n: n, at: now}
}

// forget drops every total after a write to ideas.
func (t *totalsCache) forget() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	clear(t.m)
}

// inlineLimits has GORM write LIMIT and OFFSET into statements as numbers
// (they always are: ints of our own code, never text), not as parameters.
// PostgreSQL plans a prepared statement whose LIMIT is a parameter anew on
// every run (its generic plan, made for an unknown LIMIT, looks worse than a
// plan for the LIMIT given), and that planning costs more than running a
// list page or a lookup by key; with a number it plans once per connection.
func inlineLimits(db *gorm.DB) {
	db.ClauseBuilders["LIMIT"] = func(c clause.Clause, b clause.Builder) {
		limit, ok := c.Expression.(clause.Limit)
		if !ok {
			c.Build(b)
			return
		}
		if limit.Limit != nil && *limit.Limit >= 0 {
			b.WriteString("LIMIT " + strconv.Itoa(*limit.Limit))
		}
		if limit.Offset > 0 {
			if limit.Limit != nil && *limit.Limit >= 0 {
				b.WriteByte(' ')
			}
			b.WriteString("OFFSET " + strconv.Itoa(limit.Offset))
		}
	}
}

// pageOf selects one page of the list, with its authors, categories and
// statuses. Similar ideas rank only their window: the first SearchWindow
// matches of any word in the list's order (hot for relevance), read from
// that order's index, so a common word costs no more than a rare one.
func pageOf(q *gorm.DB, o ListOptions, order clause.Expr) *gorm.DB {
	offset := (o.Page - 1) * o.PerPage
	if o.Query != "" && o.Sort == SortRelevance && !o.AnyWord {
		// A search ranks its matches by their ids alone, then reads the
		// page's ideas: the sort of every match carries no more than it needs.
		ranked := q.Session(&gorm.Session{}).Select("ideas.id").
			Order(clause.OrderBy{Expression: clause.Expr{SQL: order.SQL + " LIMIT ? OFFSET ?",
				Vars: append(slices.Clone(order.Vars), o.PerPage, offset)}})
		q, offset = q.Where("ideas.id IN (?)", ranked), 0
	}
	if o.AnyWord {
		by := orders[o.Sort]
		if o.Sort == SortRelevance {
			by = orders[SortHot]
		}
		// The window's LIMIT is a parameter on purpose (see inlineLimits):
		// PostgreSQL then plans each search for its own words, and a rare
		// word is read from the search index, a common one in hot order.
		window := q.Session(&gorm.Session{}).Select("ideas.id").
			Order(clause.OrderBy{Expression: clause.Expr{SQL: by + " LIMIT ?", Vars: []any{SearchWindow}}})
		q = q.Where("ideas.id IN (?)", window)
	}
	// A list loads what lists show: not the team's triage fields (assignee,
	// impact, effort) nor a moderator's note; of the author, category and
	// status, their names and what links and marks them.
	omit := []string{"moderation_note"}
	if !o.Excerpts {
		omit = append(omit, "body_text")
	}
	if !o.Triage {
		omit = append(omit, "assignee_id", "impact", "effort", "triaged_at", "answered_at")
	}
	if !o.Bodies {
		omit = append(omit, "body", "body_html")
	}
	if o.Rows {
		omit = append(omit, "state", "hot", "merged_into", "created_at", "updated_at", "last_activity_at", "edited_at", "source", "source_url")
	}
	only := func(columns ...string) *gorm.DB {
		return q.Session(&gorm.Session{NewDB: true}).Select(columns)
	}
	q = q.Omit(omit...).Joins("Author", only("id", "name", "avatar_url", "role")).
		Joins("Category", only("id", "slug", "name", "name_nl")).Joins("Status", only("id", "slug", "name", "name_nl", "kind"))
	if o.Triage {
		q = q.Joins("Assignee", only("id", "name"))
	}
	if o.Query != "" { // parameters, as for the window
		order.SQL += " LIMIT ? OFFSET ?"
		order.Vars = append(slices.Clone(order.Vars), o.PerPage, offset)
		return q.Order(clause.OrderBy{Expression: order})
	}
	return q.Order(clause.OrderBy{Expression: order}).Limit(o.PerPage).Offset(offset)
}

// listQuery builds the filtered query of a list and the order of its page.
func (s *Store) listQuery(ctx context.Context, o *ListOptions) (*gorm.DB, clause.Expr, error) {
	if err := o.Normalize(); err != nil {
		return nil, clause.Expr{}, err
	}
	q, err := s.filtered(ctx, o)
	if err != nil {
		return nil, clause.Expr{}, err
	}
	order := clause.Expr{SQL: orders[o.Sort]}
	if o.Query != "" {
		var rank clause.Expr
		q, rank = s.search(q, o.Query, o.AnyWord)
		if o.Sort == SortRelevance {
			order = clause.Expr{SQL: "ideas.pinned DESC, " + rank.SQL + ", ideas.id DESC", Vars: rank.Vars}
		}
	}
	return q, order, nil
}

// filtered is the query of the published ideas a list's filters (all but
// its words) keep.
func (s *Store) filtered(ctx context.Context, o *ListOptions) (*gorm.DB, error) {
	q := s.db.WithContext(ctx).Model(&Idea{}).Where("ideas.state = ? AND ideas.merged_into IS NULL", StatePublished)
	errs := ValidationErrors{}
	if o.Status != "" {
		st, err := s.StatusBySlug(ctx, o.Status)
		switch {
		case errors.Is(err, ErrNotFound):
			errs["status"] = "is not a known status"
		case err != nil:
			return nil, err
		default:
			q = q.Where("ideas.status_id = ?", st.ID)
		}
	}
	if o.Category != "" {
		c, err := s.CategoryBySlug(ctx, o.Category)
		switch {
		case errors.Is(err, ErrNotFound):
			errs["category"] = "is not a known category"
		case err != nil:
			return nil, err
		default:
			q = q.Where("ideas.category_id = ?", c.ID)
		}
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	if o.Tag != "" {
		q = q.Where("ideas.id IN (SELECT idea_tags.idea_id FROM idea_tags JOIN tags ON tags.id = idea_tags.tag_id WHERE tags.slug = ?)", o.Tag)
	}
	if o.AuthorID != 0 {
		q = q.Where("ideas.author_id = ?", o.AuthorID)
	}
	if o.VotedBy != 0 {
		q = q.Where("ideas.id IN (SELECT idea_id FROM votes WHERE user_id = ?)", o.VotedBy)
	}
	return q, nil
}

// search narrows q to ideas matching the words of query (from MinPrefix
// letters on as a prefix, so results come while a member is still typing)
// and returns the ORDER BY term that ranks them, best first: every word
// (a search, ranked by Store.ranked) or any word (similar ideas, ranked
// within their window by the database's own text rank; titles weigh more).
func (s *Store) search(q *gorm.DB, query string, anyWord bool) (*gorm.DB, clause.Expr) {
	if !anyWord {
		return s.ranked(q, query)
	}
	words := s.searchTerms(query)
	if s.dialect == Postgres {
		tsquery := strings.Join(words, " | ")
		if tsquery == "" {
			return q.Where("FALSE"), clause.Expr{SQL: "ideas.id"}
		}
		q = q.Where("ideas.search @@ to_tsquery('simple', ?)", tsquery)
		return q, clause.Expr{SQL: "ts_rank(ideas.search, to_tsquery('simple', ?)) DESC", Vars: []any{tsquery}}
	}
	match := strings.Join(words, " OR ")
	if match == "" {
		match = `""`
	}
	// SQLite always starts a search from the FTS5 index (it cannot walk the
	// hot index and stop after SearchWindow matches, as PostgreSQL's planner
	// does for a common word), and reading every match of any of several
	// common words costs it tens of milliseconds at 100,000 ideas. So it
	// reads the newest SearchCandidates matches, which FTS5 finds in its own
	// order and stops at, with their rank; the window is the most active of
	// those.
	matches := s.db.Raw("SELECT rowid, bm25(ideas_fts, 10.0, 1.0) AS rank FROM ideas_fts WHERE ideas_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
		match, SearchCandidates)
	q = q.Joins("JOIN (?) AS matches ON matches.rowid = ideas.id", matches)
	return q, clause.Expr{SQL: "matches.rank"}
}

// MinPrefix is the shortest word searched as a prefix ("bat" finds
// "battery"); a shorter one must match a whole word. The number of words a
// prefix of two letters begins is what made such searches cost the most.
const MinPrefix = 3

// searchTerms are the words of a query in the database's query language:
// quoted for FTS5 on SQLite, lexemes of a tsquery on PostgreSQL; a prefix
// from MinPrefix letters on, a whole word below.
func (s *Store) searchTerms(query string) []string {
	words := searchWords(query)
	for i, w := range words {
		prefix := utf8.RuneCountInString(w) >= MinPrefix
		switch {
		case s.dialect == Postgres && prefix:
			words[i] = w + ":*"
		case s.dialect == Postgres:
			words[i] = w
		case prefix:
			words[i] = `"` + w + `"*`
		default:
			words[i] = `"` + w + `"`
		}
	}
	return words
}

// searchWords splits what a member typed into lower-case words of letters
// and digits: no query syntax of the member's own reaches the database.
// What would cost the database most and find least stays out: words of one
// letter or digit (as prefixes, they match nearly every idea), repeated
// words, and the words past the first MaxSearchWords.
func searchWords(query string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(query), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		if utf8.RuneCountInString(w) < 2 || slices.Contains(words, w) {
			continue
		}
		words = append(words, w)
		if len(words) == MaxSearchWords {
			break
		}
	}
	return words
}
