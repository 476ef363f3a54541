package models

import (
	"context"
	"fmt"
	"html/template"
	"strings"
)

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
func (s *Store) Search(ctx context.Context, query string, page int, viewer *User) (*SearchPage, error) {
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
	words := searchWords(query)
	if s.dialect == Postgres {
		for i, w := range words {
			words[i] = w + ":*"
		}
		err = s.db.WithContext(ctx).Raw(`SELECT ideas.id AS id,
			ts_headline('simple', ideas.title, q, 'HighlightAll=true, StartSel=' || chr(1) || ', StopSel=' || chr(2)) AS title,
			ts_headline('simple', ideas.body, q, 'MaxWords=30, MinWords=12, StartSel=' || chr(1) || ', StopSel=' || chr(2)) AS snippet
			FROM ideas, to_tsquery('simple', ?) AS q WHERE ideas.id IN ?`, strings.Join(words, " & "), ids).Scan(&marks).Error
	} else {
		for i, w := range words {
			words[i] = `"` + w + `"*`
		}
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
