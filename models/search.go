package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
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
// transaction with SET LOCAL statement_timeout, which the server enforces on
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
		db := s.db.WithContext(onPrimary(limited)) // SET LOCAL is no write of the request's
		if onReplica(ctx) {
			db = db.Clauses(dbresolver.Read) // the transaction begins on a replica
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			timeout := fmt.Sprintf("SET LOCAL statement_timeout = %d", max(1, s.searchTimeout.Milliseconds()))
			if err := tx.Exec(timeout).Error; err != nil {
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
	if s.dialect == Postgres {
		err = s.db.WithContext(ctx).Raw(`SELECT ideas.id AS id,
			ts_headline('simple', ideas.title, q, 'HighlightAll=true, StartSel=' || chr(1) || ', StopSel=' || chr(2)) AS title,
			ts_headline('simple', ideas.body_text, q, 'MaxWords=30, MinWords=12, StartSel=' || chr(1) || ', StopSel=' || chr(2)) AS snippet
			FROM ideas, to_tsquery('simple', ?) AS q WHERE ideas.id IN ?`, strings.Join(words, " & "), ids).Scan(&marks).Error
	} else {
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
