package models

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ExportColumns is the header of the ideas' CSV export, one column per field.
var ExportColumns = []string{"id", "title", "url", "status", "category", "tags", "votes", "comments",
	"author", "assignee", "impact", "effort", "score", "source", "created_at"}

// exportBatch is how many ideas the export reads at a time.
var exportBatch = 1000

// exportRow is one idea as the export reads it.
type exportRow struct {
	ID        int64
	Title     string
	Slug      string
	Status    string
	Category  *string
	Votes     int
	Sealed    bool // its campaign hides the count: the cell stays empty
	Comments  int
	Author    *string
	Assignee  *string
	Impact    *int
	Effort    *int
	Source    string
	CreatedAt time.Time
}

// flusher is a writer that holds bytes until flushed, as the HTTP
// response's stream does.
type flusher interface{ Flush() error }

// ExportIdeas writes every idea the viewer may see to w as CSV (RFC 4180),
// oldest first, under the header ExportColumns. It reads the ideas in
// batches by id and writes (and flushes) each batch as it comes, so memory
// stays flat however many ideas there are. Cells that a spreadsheet would
// take for a formula are neutralised (see csvCell). baseURL starts each
// idea's url.
func (s *Store) ExportIdeas(ctx context.Context, viewer *User, baseURL string, w io.Writer) error {
	if !s.Can(viewer, ActExportIdeas) {
		return ErrForbidden
	}
	out := csv.NewWriter(w)
	if err := out.Write(ExportColumns); err != nil {
		return fmt.Errorf("export ideas: %w", err)
	}
	readHidden := s.Can(viewer, ActReadHidden)
	var after int64
	for {
		q := s.db.WithContext(ctx).Table("ideas").
			Select(`ideas.id, ideas.title, ideas.slug, statuses.slug AS status, categories.slug AS category,
				ideas.votes, ideas.comments, authors.name AS author, assignees.name AS assignee,
				ideas.impact, ideas.effort, ideas.source, ideas.created_at,
				COALESCE(campaigns.sealed AND campaigns.revealed_at IS NULL, FALSE) AS sealed`).
			Joins("JOIN statuses ON statuses.id = ideas.status_id").
			Joins("LEFT JOIN campaigns ON campaigns.id = ideas.campaign_id").
			Joins("LEFT JOIN categories ON categories.id = ideas.category_id").
			Joins("LEFT JOIN users AS authors ON authors.id = ideas.author_id").
			Joins("LEFT JOIN users AS assignees ON assignees.id = ideas.assignee_id").
			Where("ideas.id > ?", after)
		// Who reads what: the one rule of mayRead, in SQL.
		if readHidden {
			q = q.Where("ideas.state IN ?", []string{StatePublished, StatePending, StateHidden})
		} else {
			q = q.Where("ideas.state = ? OR (ideas.state = ? AND ideas.author_id = ?)", StatePublished, StatePending, viewerID(viewer))
		}
		var rows []exportRow
		if err := q.Order("ideas.id").Limit(exportBatch).Scan(&rows).Error; err != nil {
			return fmt.Errorf("export ideas after %d: %w", after, err)
		}
		if len(rows) == 0 {
			break
		}
		tags, err := s.exportTags(ctx, rows)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := out.Write(r.cells(baseURL, tags[r.ID])); err != nil {
				return fmt.Errorf("export ideas: %w", err)
			}
		}
		out.Flush()
		if err := out.Error(); err != nil {
			return fmt.Errorf("export ideas: %w", err)
		}
		if f, ok := w.(flusher); ok {
			if err := f.Flush(); err != nil {
				return fmt.Errorf("export ideas: %w", err)
			}
		}
		if len(rows) < exportBatch {
			break
		}
		after = rows[len(rows)-1].ID
	}
	return nil
}

// exportTags reads the tags of a batch of ideas in one statement.
func (s *Store) exportTags(ctx context.Context, rows []exportRow) (map[int64][]string, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var links []struct {
		IdeaID int64
		Slug   string
	}
	err := s.db.WithContext(ctx).Table("idea_tags").Select("idea_tags.idea_id, tags.slug").
		Joins("JOIN tags ON tags.id = idea_tags.tag_id").Where("idea_tags.idea_id IN ?", ids).
		Order("tags.slug").Scan(&links).Error
	if err != nil {
		return nil, fmt.Errorf("export tags: %w", err)
	}
	tags := make(map[int64][]string, len(rows))
	for _, l := range links {
		tags[l.IdeaID] = append(tags[l.IdeaID], l.Slug)
	}
	return tags, nil
}

// cells is the row's line of the export.
func (r exportRow) cells(baseURL string, tags []string) []string {
	score, votes := "", ""
	if v := (&Idea{Votes: r.Votes, Impact: r.Impact, Effort: r.Effort}).Score(); v != nil && !r.Sealed {
		score = strconv.FormatFloat(*v, 'f', -1, 64)
	}
	if !r.Sealed {
		votes = strconv.Itoa(r.Votes)
	}
	return []string{
		strconv.FormatInt(r.ID, 10), csvCell(r.Title), fmt.Sprintf("%s/ideas/%d/%s", baseURL, r.ID, r.Slug),
		csvCell(r.Status), csvCell(deref(r.Category)), csvCell(strings.Join(tags, ", ")),
		votes, strconv.Itoa(r.Comments), csvCell(deref(r.Author)), csvCell(deref(r.Assignee)),
		optionalNumber(r.Impact), optionalNumber(r.Effort), score, csvCell(r.Source),
		r.CreatedAt.UTC().Format(time.RFC3339),
	}
}

// csvCell neutralises text that a spreadsheet would run as a formula (CSV
// injection): a cell starting with =, +, -, @, a tab or a carriage return
// gets a leading '.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func optionalNumber(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
