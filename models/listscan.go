package models

import (
	"database/sql"
	"fmt"

	"gorm.io/gorm"
)

// A list's rows are read by column name into ideas, without GORM's Find:
// Find reflects on every field of every row, and of the joined author,
// category and status, which took a third of an uncached list page's time.
// The query stays GORM's (pageOf); only the reading of its rows is ours.

// listJoined holds a row's columns of the tables a list joins that may be
// absent (LEFT JOIN): the category and the assignee.
type listJoined struct {
	categoryID                             sql.NullInt64
	categorySlug, categoryName, categoryNL sql.NullString
	assigneeID                             sql.NullInt64
	assigneeName                           sql.NullString
}

// listColumns are where each column a list selects goes, by the name GORM
// gives it (a joined table's as Table__column).
var listColumns = map[string]func(i *Idea, j *listJoined) any{
	"id":               func(i *Idea, _ *listJoined) any { return &i.ID },
	"title":            func(i *Idea, _ *listJoined) any { return &i.Title },
	"slug":             func(i *Idea, _ *listJoined) any { return &i.Slug },
	"body":             func(i *Idea, _ *listJoined) any { return &i.Body },
	"body_html":        func(i *Idea, _ *listJoined) any { return &i.BodyHTML },
	"body_text":        func(i *Idea, _ *listJoined) any { return &i.BodyText },
	"author_id":        func(i *Idea, _ *listJoined) any { return &i.AuthorID },
	"category_id":      func(i *Idea, _ *listJoined) any { return &i.CategoryID },
	"status_id":        func(i *Idea, _ *listJoined) any { return &i.StatusID },
	"votes":            func(i *Idea, _ *listJoined) any { return &i.Votes },
	"comments":         func(i *Idea, _ *listJoined) any { return &i.Comments },
	"hot":              func(i *Idea, _ *listJoined) any { return &i.Hot },
	"state":            func(i *Idea, _ *listJoined) any { return &i.State },
	"locked":           func(i *Idea, _ *listJoined) any { return &i.Locked },
	"pinned":           func(i *Idea, _ *listJoined) any { return &i.Pinned },
	"merged_into":      func(i *Idea, _ *listJoined) any { return &i.MergedInto },
	"assignee_id":      func(i *Idea, _ *listJoined) any { return &i.AssigneeID },
	"impact":           func(i *Idea, _ *listJoined) any { return &i.Impact },
	"effort":           func(i *Idea, _ *listJoined) any { return &i.Effort },
	"triaged_at":       func(i *Idea, _ *listJoined) any { return &i.TriagedAt },
	"answered_at":      func(i *Idea, _ *listJoined) any { return &i.AnsweredAt },
	"created_at":       func(i *Idea, _ *listJoined) any { return &i.CreatedAt },
	"updated_at":       func(i *Idea, _ *listJoined) any { return &i.UpdatedAt },
	"last_activity_at": func(i *Idea, _ *listJoined) any { return &i.LastActivityAt },
	"edited_at":        func(i *Idea, _ *listJoined) any { return &i.EditedAt },
	"moderation_note":  func(i *Idea, _ *listJoined) any { return &i.ModerationNote },
	"source":           func(i *Idea, _ *listJoined) any { return &i.Source },
	"source_url":       func(i *Idea, _ *listJoined) any { return &i.SourceURL },

	"Author__id":         func(i *Idea, _ *listJoined) any { return &i.Author.ID },
	"Author__name":       func(i *Idea, _ *listJoined) any { return &i.Author.Name },
	"Author__avatar_url": func(i *Idea, _ *listJoined) any { return &i.Author.AvatarURL },
	"Author__role":       func(i *Idea, _ *listJoined) any { return &i.Author.Role },

	"Status__id":      func(i *Idea, _ *listJoined) any { return &i.Status.ID },
	"Status__slug":    func(i *Idea, _ *listJoined) any { return &i.Status.Slug },
	"Status__name":    func(i *Idea, _ *listJoined) any { return &i.Status.Name },
	"Status__name_nl": func(i *Idea, _ *listJoined) any { return &i.Status.NameNL },
	"Status__kind":    func(i *Idea, _ *listJoined) any { return &i.Status.Kind },

	"Category__id":      func(_ *Idea, j *listJoined) any { return &j.categoryID },
	"Category__slug":    func(_ *Idea, j *listJoined) any { return &j.categorySlug },
	"Category__name":    func(_ *Idea, j *listJoined) any { return &j.categoryName },
	"Category__name_nl": func(_ *Idea, j *listJoined) any { return &j.categoryNL },

	"Assignee__id":   func(_ *Idea, j *listJoined) any { return &j.assigneeID },
	"Assignee__name": func(_ *Idea, j *listJoined) any { return &j.assigneeName },
}

// scanIdeas runs a list's query and reads its rows.
func scanIdeas(q *gorm.DB) ([]*Idea, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	places := make([]func(*Idea, *listJoined) any, len(columns))
	for k, c := range columns {
		if places[k] = listColumns[c]; places[k] == nil {
			return nil, fmt.Errorf("a list selects column %q, which scanIdeas does not read", c)
		}
	}
	var ideas []*Idea
	dest := make([]any, len(columns))
	for rows.Next() {
		var (
			i Idea
			j listJoined
		)
		for k, place := range places {
			dest[k] = place(&i, &j)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if j.categoryID.Valid {
			i.Category = &Category{ID: j.categoryID.Int64, Slug: j.categorySlug.String, Name: j.categoryName.String, NameNL: j.categoryNL.String}
		}
		if j.assigneeID.Valid {
			i.Assignee = &User{ID: j.assigneeID.Int64, Name: j.assigneeName.String}
		}
		ideas = append(ideas, &i)
	}
	return ideas, rows.Err()
}
