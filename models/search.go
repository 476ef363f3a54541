package models

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/plugin/dbresolver"
)

// DefaultSearchTimeout is how long the database may work on one search
// before it is stopped (Options.SearchTimeout).
const DefaultSearchTimeout = 2 * time.Second

// ErrSearchTimeout: the database took longer than the search timeout and
// was stopped; fewer or longer words make a search cheaper.
var ErrSearchTimeout = errors.New("the search took too long")

// searching runs the statements of one search (fn, on the store it is
// given) within the store's search timeout, so that no query a visitor can
// type holds the database for longer. The whole search has a deadline on its
// context: the driver stops the statement running when it passes (pgx asks
// PostgreSQL to cancel it; SQLite, where searches run on the pool of readers,
// is interrupted). On PostgreSQL the statements also run in a read-only
// transaction with a local statement_timeout, which the server enforces on
// its own, even if the cancel request is lost, and which ends with the
// transaction; a request that may read a replica searches there. Either way a search cut short answers ErrSearchTimeout.
func (s *Store) searching(ctx context.Context, fn func(ctx context.Context, s *Store) error) error {
	if s.inSearch {
		return fn(ctx, s)
	}
	limited, cancel := context.WithTimeout(ctx, s.searchTimeout)
	defer cancel()
	var err error
	if s.dialect == Postgres {
		db := s.db.WithContext(onPrimary(limited)) // the settings are no write of the request's
		if onReplica(ctx) {
			db = db.Clauses(dbresolver.Read) // the transaction begins on a replica
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			// The planner takes a test of the search index (@@) for almost
			// free, so for a common word it reads every idea rather than the
			// index's matches, which costs many times more: without
			// sequential scans a search starts from an index. And a search
			// is one request among many: it takes one core, not three
			// (parallel workers), from the others.
			settings := fmt.Sprintf("SELECT set_config('statement_timeout', '%d', true), "+
				"set_config('enable_seqscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)",
				max(1, s.searchTimeout.Milliseconds()))
			if err := tx.Exec(settings).Error; err != nil {
				return err
			}
			return fn(limited, s.searchOn(tx))
		}, &sql.TxOptions{ReadOnly: true})
	} else {
		err = fn(limited, s.searchOn(s.db))
	}
	if err == nil || ctx.Err() != nil { // done, or the caller gave up
		return err
	}
	var pgErr *pgconn.PgError
	if errors.Is(limited.Err(), context.DeadlineExceeded) || (errors.As(err, &pgErr) && pgErr.Code == "57014") { // query_canceled
		return fmt.Errorf("%w: %w", ErrSearchTimeout, err)
	}
	return err
}

// searchOn is the store with its statements going to db, inside a search.
func (s *Store) searchOn(db *gorm.DB) *Store {
	c := *s
	c.db, c.inSearch = db, true
	return &c
}

// SearchResult is an idea found by a search, with its title and a snippet of
// its text where the matching words are marked.
type SearchResult struct {
	*Idea
	TitleHTML   template.HTML
	SnippetHTML template.HTML
}

// SearchPage is one page of search results.
type SearchPage struct {
	*IdeaPage
	Results []SearchResult
}

// Search finds published ideas matching every word of query, best first,
// with the matches marked.
func (s *Store) Search(ctx context.Context, query string, page int, viewer *User) (out *SearchPage, err error) {
	err = s.searching(ctx, func(ctx context.Context, s *Store) error {
		out, err = s.searchPage(ctx, query, page, viewer)
		return err
	})
	return out, err
}

func (s *Store) searchPage(ctx context.Context, query string, page int, viewer *User) (*SearchPage, error) {
	list, err := s.ListIdeas(ctx, ListOptions{Query: query, Page: page}, viewer)
	if err != nil {
		return nil, err
	}
	out := &SearchPage{IdeaPage: list}
	if len(list.Ideas) == 0 {
		return out, nil
	}
	ids := make([]int64, len(list.Ideas))
	for i, idea := range list.Ideas {
		ids[i] = idea.ID
	}
	var marks []struct {
		ID      int64
		Title   string
		Snippet string
	}
	words := s.searchTerms(query)
	switch {
	case len(words) == 0:
		// Nothing to mark (a query of blanks lists every idea): FTS5 would
		// refuse an empty MATCH.
	case s.dialect == Postgres:
		err = s.db.WithContext(ctx).Raw(`SELECT ideas.id AS id,
			ts_headline('simple', ideas.title, q, 'HighlightAll=true, StartSel=' || chr(1) || ', StopSel=' || chr(2)) AS title,
			ts_headline('simple', ideas.body_text, q, 'MaxWords=30, MinWords=12, StartSel=' || chr(1) || ', StopSel=' || chr(2)) AS snippet
			FROM ideas, to_tsquery('simple', ?) AS q WHERE ideas.id IN ?`, strings.Join(words, " & "), ids).Scan(&marks).Error
	default:
		err = s.db.WithContext(ctx).Raw(`SELECT rowid AS id,
			highlight(ideas_fts, 0, char(1), char(2)) AS title,
			snippet(ideas_fts, 1, char(1), char(2), '…', 24) AS snippet
			FROM ideas_fts WHERE ideas_fts MATCH ? AND rowid IN ?`, strings.Join(words, " "), ids).Scan(&marks).Error
	}
	if err != nil {
		return nil, fmt.Errorf("mark search results: %w", err)
	}
	byID := make(map[int64]int, len(marks))
	for i, m := range marks {
		byID[m.ID] = i
	}
	for _, idea := range list.Ideas {
		r := SearchResult{Idea: idea, TitleHTML: template.HTML(template.HTMLEscapeString(idea.Title))}
		if i, ok := byID[idea.ID]; ok {
			r.TitleHTML, r.SnippetHTML = markMatches(marks[i].Title), markMatches(marks[i].Snippet)
		}
		out.Results = append(out.Results, r)
	}
	return out, nil
}

// markMatches escapes text and turns the \x01...\x02 the database put around
// matches into <mark> elements: nothing else of the text becomes markup.
func markMatches(text string) template.HTML {
	escaped := template.HTMLEscapeString(text)
	escaped = strings.NewReplacer("\x01", "<mark>", "\x02", "</mark>").Replace(escaped)
	return template.HTML(escaped)
}

// FewMatches: when the words of a search match fewer ideas than this, the
// ideas whose titles hold words like them follow the matches, for a word
// mistyped ("baterry" finds "battery"; see typoMatches).
const FewMatches = 5

// ranked narrows q to the ideas matching every word of query and returns
// the ORDER BY term that ranks all of them, best first, in tiers:
//
//  1. the title is the query (but for case and a closing full stop);
//  2. the title holds the words as a phrase, in the order typed;
//  3. the title holds every word;
//  4. title and text hold the words as a phrase;
//  5. title and text hold every word, scattered.
//
// (A query of one word has tiers 1, 3 and 5.) Within a tier the more active
// idea (hot) comes first. Each tier is a test the search index answers for
// the matches already found: on PostgreSQL the same tsvector with the title's
// weight (A) or a phrase (<->); on SQLite the ideas of an FTS5 query with a
// column filter ({title}) or a phrase (+). Every match is ranked, so an idea
// whose title is the query is first however old and quiet it is; a common
// word costs a read of all its matches, which the search timeout bounds.
func (s *Store) ranked(q *gorm.DB, query string) (*gorm.DB, clause.Expr) {
	terms := s.searchTerms(query)
	if len(terms) == 0 {
		return q.Where("1 = 0"), clause.Expr{SQL: "ideas.id"}
	}
	title := make([]string, len(terms))
	for i, t := range terms {
		title[i] = s.titleTerm(t)
	}
	tiers := []string{"rtrim(lower(ideas.title), ?) = lower(?)"}
	vars := []any{titleEnd, titleKey(query)}
	var match string
	if s.dialect == Postgres {
		match = strings.Join(terms, " & ")
		q = q.Where("ideas.search @@ to_tsquery('simple', ?)", match)
		test := "ideas.search @@ to_tsquery('simple', ?)"
		if len(terms) > 1 {
			tiers, vars = append(tiers, test), append(vars, strings.Join(title, " <-> "))
		}
		tiers, vars = append(tiers, test), append(vars, strings.Join(title, " & "))
		if len(terms) > 1 {
			tiers, vars = append(tiers, test), append(vars, strings.Join(terms, " <-> "))
		}
	} else {
		match = strings.Join(terms, " ")
		q = q.Joins("JOIN (SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH ?) AS matches ON matches.rowid = ideas.id", match)
		test := "ideas.id IN (SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH ?)"
		if len(terms) > 1 {
			tiers, vars = append(tiers, test), append(vars, "{title} : "+strings.Join(terms, " + "))
		}
		tiers, vars = append(tiers, test), append(vars, "{title} : ("+match+")")
		if len(terms) > 1 {
			tiers, vars = append(tiers, test), append(vars, strings.Join(terms, " + "))
		}
	}
	var rank strings.Builder
	rank.WriteString("CASE")
	for i, tier := range tiers {
		fmt.Fprintf(&rank, " WHEN %s THEN %d", tier, len(tiers)-i)
	}
	rank.WriteString(" ELSE 0 END DESC, ideas.hot DESC")
	return q, clause.Expr{SQL: rank.String(), Vars: vars}
}

// titleTerm is a term of searchTerms that matches in titles only, on
// PostgreSQL (the title's lexemes weigh A); SQLite filters by column instead.
func (s *Store) titleTerm(term string) string {
	if s.dialect != Postgres {
		return term
	}
	if strings.HasSuffix(term, ":*") {
		return term + "A"
	}
	return term + ":A"
}

// titleEnd are the characters a title may end in and still be exactly the
// query (titleKey).
const titleEnd = ".!? "

// titleKey is the query as a title that is exactly the query reads, in the
// case the database lowers: spaces single, no closing full stop.
func titleKey(query string) string {
	return strings.TrimRight(strings.Join(strings.Fields(query), " "), titleEnd)
}

// Typo tolerance: how alike a title's word must be to a searched one, and
// how many titles the index offers to compare (see typoMatches).
const (
	typoSimilarity = 0.4
	typoCandidates = 100
)

// typoMatches finds, for a search whose words matched few ideas (found),
// published ideas that the list's filters keep and whose titles hold words
// like the searched ones: a title's score is, of the searched words of
// MinPrefix letters or more, the least trigram similarity of the title's
// word most like each (the share of three-letter pieces they have in
// common, as pg_trgm counts them). The index offers candidates (pg_trgm's
// word similarity on PostgreSQL, FTS5's trigram index on SQLite); the scores
// are the same on both. The best come first, up to the page's free places.
func (s *Store) typoMatches(ctx context.Context, o ListOptions, found []*Idea) ([]*Idea, error) {
	var words []string
	for _, w := range searchWords(o.Query) {
		if utf8.RuneCountInString(w) >= MinPrefix {
			words = append(words, w)
		}
	}
	free := o.PerPage - len(found)
	if len(words) == 0 || free <= 0 {
		return nil, nil
	}
	exclude := make([]int64, 0, len(found)+1)
	exclude = append(exclude, 0)
	for _, idea := range found {
		exclude = append(exclude, idea.ID)
	}
	q, err := s.filtered(ctx, &o)
	if err != nil {
		return nil, err
	}
	q = q.Select("ideas.id", "ideas.title", "ideas.hot").Where("ideas.id NOT IN ?", exclude)
	if s.dialect == Postgres {
		// The operator <% (word similarity) uses the index, at this threshold.
		threshold := fmt.Sprintf("SET LOCAL pg_trgm.word_similarity_threshold = %.2f", typoSimilarity-0.1)
		if err := s.db.WithContext(ctx).Exec(threshold).Error; err != nil {
			return nil, fmt.Errorf("search for typos: %w", err)
		}
		near, similarity := make([]string, len(words)), make([]string, len(words))
		vars := make([]any, len(words))
		for i, w := range words {
			near[i], similarity[i], vars[i] = "? <% lower(ideas.title)", "word_similarity(?, lower(ideas.title))", w
		}
		q = q.Where(strings.Join(near, " OR "), vars...).
			Order(clause.Expr{SQL: "greatest(" + strings.Join(similarity, ", ") + ") DESC", Vars: vars})
	} else {
		var pieces []string
		for _, w := range words {
			for t := range trigrams(w) {
				if !strings.Contains(t, " ") && !slices.Contains(pieces, `"`+t+`"`) {
					pieces = append(pieces, `"`+t+`"`)
				}
			}
		}
		if len(pieces) == 0 {
			return nil, nil
		}
		slices.Sort(pieces)
		similar := s.db.Raw("SELECT rowid, rank FROM ideas_fts_trigram WHERE ideas_fts_trigram MATCH ? ORDER BY rank LIMIT ?",
			strings.Join(pieces, " OR "), typoCandidates)
		q = q.Joins("JOIN (?) AS similar ON similar.rowid = ideas.id", similar).Order("similar.rank")
	}
	var candidates []struct {
		ID    int64
		Title string
		Hot   float64
	}
	if err := q.Limit(typoCandidates).Scan(&candidates).Error; err != nil {
		return nil, fmt.Errorf("search for typos: %w", err)
	}
	type scored struct {
		id         int64
		score, hot float64
	}
	var best []scored
	for _, c := range candidates {
		if score := typoScore(words, c.Title); score >= typoSimilarity {
			best = append(best, scored{c.ID, score, c.Hot})
		}
	}
	if len(best) == 0 {
		return nil, nil
	}
	slices.SortFunc(best, func(a, b scored) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		if a.hot != b.hot {
			return cmp.Compare(b.hot, a.hot)
		}
		return cmp.Compare(b.id, a.id)
	})
	best = best[:min(len(best), free)]
	ids := make([]int64, len(best))
	for i, b := range best {
		ids[i] = b.id
	}
	if q, err = s.filtered(ctx, &o); err != nil {
		return nil, err
	}
	load := ListOptions{Page: 1, PerPage: len(ids), Bodies: o.Bodies, Triage: o.Triage}
	ideas, err := loadPage(q.Where("ideas.id IN ?", ids), load, clause.Expr{SQL: orders[SortHot]})
	if err != nil {
		return nil, fmt.Errorf("search for typos: %w", err)
	}
	slices.SortFunc(ideas, func(a, b *Idea) int { return cmp.Compare(slices.Index(ids, a.ID), slices.Index(ids, b.ID)) })
	return ideas, nil
}

// typoScore is how alike a title is to the searched words: for each word,
// the similarity of the title's word most like it; the least of those, so
// that every word must have its like in the title.
func typoScore(words []string, title string) float64 {
	titleWords := strings.FieldsFunc(strings.ToLower(title), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	score := 1.0
	for _, w := range words {
		tw := trigrams(w)
		var best float64
		for _, t := range titleWords {
			best = max(best, similarity(tw, trigrams(t)))
		}
		score = min(score, best)
	}
	return score
}

// trigrams are the three-letter pieces of a lower-case word padded as
// pg_trgm pads it (two spaces before, one after), so that its first letters
// count more than its middle ones.
func trigrams(word string) map[string]bool {
	r := []rune("  " + word + " ")
	out := make(map[string]bool, len(r))
	for i := 0; i+3 <= len(r); i++ {
		out[string(r[i:i+3])] = true
	}
	return out
}

// similarity is the share of the pieces of two words they have in common.
func similarity(a, b map[string]bool) float64 {
	common := 0
	for t := range a {
		if b[t] {
			common++
		}
	}
	if union := len(a) + len(b) - common; union > 0 {
		return float64(common) / float64(union)
	}
	return 0
}
