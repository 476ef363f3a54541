package models

import (
	"database/sql"
	"fmt"
	"html/template"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// loadPage reads one page of a list (see pageOf). Its rows are scanned
// straight into ideas through pointers chosen once per statement: GORM's
// Find chooses them by reflection for every value of every row, which was a
// sixth of an uncached list page's CPU.
func loadPage(q *gorm.DB, o ListOptions, order clause.Expr) ([]*Idea, error) {
	rows, err := pageOf(q, o, order).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var r listRow
	dest := make([]any, len(columns))
	for i, c := range columns {
		if dest[i] = r.column(c); dest[i] == nil {
			return nil, fmt.Errorf("a list's column %q has no place in an idea", c)
		}
	}
	var ideas []*Idea
	for rows.Next() {
		r = listRow{} // dest points into r: every row starts from nothing
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		ideas = append(ideas, r.toIdea())
	}
	return ideas, rows.Err()
}

// listRow holds a row of a list's statement as it is scanned: the idea's
// own columns, and those GORM's joins name Author__id, Category__slug and so
// on. What may be NULL is scanned into sql.Null and set on the idea after.
type listRow struct {
	idea     Idea
	bodyHTML string

	categoryID, mergedInto, assigneeID, impact, effort, campaignID sql.Null[int64]
	triagedAt, answeredAt, editedAt                                sql.Null[time.Time]

	category                     sql.Null[int64]
	categorySlug, categoryName   sql.NullString
	categoryNameNL, assigneeName sql.NullString
	assignee                     sql.Null[int64]
	authorName, authorAvatar     sql.NullString
	statusSlug, statusName       sql.NullString
	statusNameNL, statusKind     sql.NullString
	authorRole                   sql.NullString
	authorID, statusID           sql.Null[int64]
}

// column returns where a column's value goes, or nil for a column a list
// does not read.
func (r *listRow) column(name string) any {
	i := &r.idea
	switch name {
	case "id":
		return &i.ID
	case "title":
		return &i.Title
	case "slug":
		return &i.Slug
	case "body":
		return &i.Body
	case "body_html":
		return &r.bodyHTML
	case "body_text":
		return &i.BodyText
	case "author_id":
		return &i.AuthorID
	case "category_id":
		return &r.categoryID
	case "status_id":
		return &i.StatusID
	case "votes":
		return &i.Votes
	case "comments":
		return &i.Comments
	case "hot":
		return &i.Hot
	case "state":
		return &i.State
	case "locked":
		return &i.Locked
	case "pinned":
		return &i.Pinned
	case "merged_into":
		return &r.mergedInto
	case "assignee_id":
		return &r.assigneeID
	case "impact":
		return &r.impact
	case "effort":
		return &r.effort
	case "triaged_at":
		return &r.triagedAt
	case "answered_at":
		return &r.answeredAt
	case "created_at":
		return &i.CreatedAt
	case "updated_at":
		return &i.UpdatedAt
	case "last_activity_at":
		return &i.LastActivityAt
	case "edited_at":
		return &r.editedAt
	case "moderation_note":
		return &i.ModerationNote
	case "source":
		return &i.Source
	case "source_url":
		return &i.SourceURL
	case "campaign_id":
		return &r.campaignID
	case "Author__id":
		return &r.authorID
	case "Author__name":
		return &r.authorName
	case "Author__avatar_url":
		return &r.authorAvatar
	case "Author__role":
		return &r.authorRole
	case "Category__id":
		return &r.category
	case "Category__slug":
		return &r.categorySlug
	case "Category__name":
		return &r.categoryName
	case "Category__name_nl":
		return &r.categoryNameNL
	case "Status__id":
		return &r.statusID
	case "Status__slug":
		return &r.statusSlug
	case "Status__name":
		return &r.statusName
	case "Status__name_nl":
		return &r.statusNameNL
	case "Status__kind":
		return &r.statusKind
	case "Assignee__id":
		return &r.assignee
	case "Assignee__name":
		return &r.assigneeName
	}
	return nil
}

// toIdea makes the scanned row an idea, as GORM's Find would: a joined row
// that is missing (no category, nobody assigned) leaves its pointer nil.
func (r *listRow) toIdea() *Idea {
	idea := r.idea
	idea.BodyHTML = template.HTML(r.bodyHTML)
	idea.CategoryID, idea.MergedInto, idea.AssigneeID = orNil(r.categoryID), orNil(r.mergedInto), orNil(r.assigneeID)
	idea.TriagedAt, idea.AnsweredAt, idea.EditedAt = orNil(r.triagedAt), orNil(r.answeredAt), orNil(r.editedAt)
	idea.CampaignID = orNil(r.campaignID)
	if r.impact.Valid {
		n := int(r.impact.V)
		idea.Impact = &n
	}
	if r.effort.Valid {
		n := int(r.effort.V)
		idea.Effort = &n
	}
	idea.Author = User{ID: r.authorID.V, Name: r.authorName.String, AvatarURL: r.authorAvatar.String, Role: Role(r.authorRole.String)}
	idea.Status = Status{ID: r.statusID.V, Slug: r.statusSlug.String, Name: r.statusName.String, NameNL: r.statusNameNL.String, Kind: r.statusKind.String}
	if r.category.Valid {
		idea.Category = &Category{ID: r.category.V, Slug: r.categorySlug.String, Name: r.categoryName.String, NameNL: r.categoryNameNL.String}
	}
	if r.assignee.Valid {
		idea.Assignee = &User{ID: r.assignee.V, Name: r.assigneeName.String}
	}
	return &idea
}

// orNil is a pointer to a scanned value, nil for NULL.
func orNil[T any](n sql.Null[T]) *T {
	if !n.Valid {
		return nil
	}
	return &n.V
}
