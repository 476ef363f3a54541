package models

import (
	"context"
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// An idea's public history: one timeline of what became of it, from its
// proposal on. Every entry is something its readers may know: the text as it
// was edited (with what changed), the team's answers with each status, the
// ideas merged into it and where it was merged, its campaign's decision once
// published, and the feedback rounds the reader may see. Moderators' private
// reasons and names stay in the audit log.

// Kinds of history entries.
const (
	HistoryProposed   = "proposed"    // the idea was proposed
	HistoryEdited     = "edited"      // its title or text changed: Title and Body say how
	HistoryStatus     = "status"      // the team moved it, with its answer
	HistoryMergedInto = "merged_into" // it was merged into Other
	HistoryMergedFrom = "merged_from" // Other was merged into it
	HistoryUnmerged   = "unmerged"    // it stands on its own again, out of Other
	HistoryCampaign   = "campaign"    // it was submitted to Campaign
	HistoryDecision   = "decision"    // its campaign's published decision
	HistoryRound      = "round"       // a feedback round opened on it
	HistoryRoundEnded = "round_closed"
)

// HistoryEntry is one moment of an idea's history.
type HistoryEntry struct {
	Kind string
	At   time.Time
	// Actor is who did it, when that is public: the author, an editor, the
	// team member who answered; nil for moderators' acts and the clock's.
	Actor *User
	// Title and Body are an edit's changes, word by word; Title is nil
	// when the title stayed.
	Title, Body []DiffPart
	// Status and Note are a status change's new status and answer.
	Status     *Status
	NoteHTML   template.HTML
	Reconsider string
	// Other is the idea merged into or from, when the reader may see it.
	Other *Idea
	// Campaign, Decision and Answer are a campaign's entry and decision.
	Campaign   *Campaign
	Decision   string
	AnswerHTML template.HTML
	// Round is a feedback round opened or closed.
	Round *Round
}

// IdeaHistory is the idea's timeline as viewer may read it, oldest first.
func (s *Store) IdeaHistory(ctx context.Context, idea *Idea, viewer *User) ([]HistoryEntry, error) {
	out := []HistoryEntry{{Kind: HistoryProposed, At: idea.CreatedAt, Actor: &idea.Author}}
	edits, err := s.editHistory(ctx, idea)
	if err != nil {
		return nil, err
	}
	out = append(out, edits...)

	changes, err := s.StatusHistory(ctx, idea.ID)
	if err != nil {
		return nil, err
	}
	for _, sc := range changes {
		to := sc.To
		out = append(out, HistoryEntry{Kind: HistoryStatus, At: sc.CreatedAt, Actor: sc.Actor, Status: &to,
			NoteHTML: sc.NoteHTML, Reconsider: sc.Reconsider})
	}

	merges, err := s.mergeHistory(ctx, idea, viewer)
	if err != nil {
		return nil, err
	}
	out = append(out, merges...)

	if idea.CampaignID != nil {
		campaign, err := s.campaignHistory(ctx, idea, viewer)
		if err != nil {
			return nil, err
		}
		out = append(out, campaign...)
	}

	rounds, err := s.IdeaRounds(ctx, idea, viewer)
	if err != nil {
		return nil, err
	}
	for _, r := range rounds {
		out = append(out, HistoryEntry{Kind: HistoryRound, At: r.CreatedAt, Round: r})
		if r.ClosedAt != nil {
			out = append(out, HistoryEntry{Kind: HistoryRoundEnded, At: *r.ClosedAt, Round: r})
		}
	}
	slices.SortStableFunc(out, func(a, b HistoryEntry) int { return a.At.Compare(b.At) })
	return out, nil
}

// editHistory turns the idea's revisions into edits: each revision is the
// text before an edit, so an edit goes from one revision to the next (the
// last, to the text as it is now).
func (s *Store) editHistory(ctx context.Context, idea *Idea) ([]HistoryEntry, error) {
	var revs []struct {
		Title, Body string
		EditorID    *int64
		CreatedAt   time.Time
	}
	err := s.db.WithContext(ctx).Table("idea_revisions").Select("title, body, editor_id, created_at").
		Where("idea_id = ?", idea.ID).Order("id").Scan(&revs).Error
	if err != nil {
		return nil, fmt.Errorf("load revisions of idea %d: %w", idea.ID, err)
	}
	editors, err := s.usersByID(ctx, func(yield func(int64) bool) {
		for _, r := range revs {
			if r.EditorID != nil && !yield(*r.EditorID) {
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	var out []HistoryEntry
	for i, r := range revs {
		title, body := idea.Title, idea.Body
		if i+1 < len(revs) {
			title, body = revs[i+1].Title, revs[i+1].Body
		}
		e := HistoryEntry{Kind: HistoryEdited, At: r.CreatedAt, Body: Diff(r.Body, body)}
		if r.EditorID != nil {
			e.Actor = editors[*r.EditorID]
		}
		if title != r.Title {
			e.Title = Diff(r.Title, title)
		}
		out = append(out, e)
	}
	return out, nil
}

// usersByID loads the members of ids, by id, names only.
func (s *Store) usersByID(ctx context.Context, ids func(yield func(int64) bool)) (map[int64]*User, error) {
	var list []int64
	for id := range ids {
		if !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	out := map[int64]*User{}
	if len(list) == 0 {
		return out, nil
	}
	var users []*User
	if err := s.db.WithContext(ctx).Unscoped().Select("id", "name", "deleted_at").Where("id IN ?", list).Find(&users).Error; err != nil {
		return nil, fmt.Errorf("load members: %w", err)
	}
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// mergeNote reads the other idea of a merge or unmerge from the audit log's
// note, as Merge ("into #ID. reason") and Unmerge ("from #ID") write it.
var mergeNote = regexp.MustCompile(`^(?:into|from) #(\d+)`)

// mergeHistory finds the idea's merges and unmerges in the audit log: where
// it was merged, and what was merged into it. The moderator and their
// reason stay private; the other idea shows when the reader may see it.
func (s *Store) mergeHistory(ctx context.Context, idea *Idea, viewer *User) ([]HistoryEntry, error) {
	var rows []struct {
		Action    string
		TargetID  int64
		Reason    string
		CreatedAt time.Time
	}
	into := "into #" + strconv.FormatInt(idea.ID, 10)
	err := s.db.WithContext(ctx).Model(&AuditEntry{}).Select("action, target_id, reason, created_at").
		Where("target_type = ? AND action IN ? AND (target_id = ? OR reason = ? OR reason LIKE ?)",
			TargetIdea, []string{AuditIdeaMerge, AuditIdeaUnmerge}, idea.ID, into, into+".%").
		Order("id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load merges of idea %d: %w", idea.ID, err)
	}
	var out []HistoryEntry
	var others []int64 // of each entry of out
	for _, r := range rows {
		m := mergeNote.FindStringSubmatch(r.Reason)
		if m == nil {
			continue
		}
		other, _ := strconv.ParseInt(m[1], 10, 64)
		e := HistoryEntry{At: r.CreatedAt}
		switch {
		case r.TargetID == idea.ID && r.Action == AuditIdeaMerge:
			e.Kind = HistoryMergedInto
		case r.TargetID == idea.ID:
			e.Kind = HistoryUnmerged
		case r.Action == AuditIdeaMerge && other == idea.ID:
			e.Kind, other = HistoryMergedFrom, r.TargetID
		default:
			continue // an unmerge out of this idea is the other idea's
		}
		out, others = append(out, e), append(others, other)
	}
	visible, err := s.ideasVisible(ctx, others, viewer)
	if err != nil {
		return nil, err
	}
	for i, id := range others {
		out[i].Other = visible[id]
	}
	return out, nil
}

// ideasVisible loads, in one query, the ideas of ids that viewer may see
// (see Idea), by id: enough to name and link them, without votes, tags or
// images.
func (s *Store) ideasVisible(ctx context.Context, ids []int64, viewer *User) (map[int64]*Idea, error) {
	out := map[int64]*Idea{}
	if len(ids) == 0 {
		return out, nil
	}
	var ideas []*Idea
	if err := s.ideaQuery(ctx).Where("ideas.id IN ?", ids).Find(&ideas).Error; err != nil {
		return nil, fmt.Errorf("load ideas: %w", err)
	}
	now := s.Now()
	for _, idea := range ideas {
		if idea.VisibleTo(viewer, now) {
			out[idea.ID] = idea
		}
	}
	return out, nil
}

// campaignHistory is the idea's entry into its campaign and, once
// published, the campaign's decision on it.
func (s *Store) campaignHistory(ctx context.Context, idea *Idea, viewer *User) ([]HistoryEntry, error) {
	c, _, err := s.IdeaCampaign(ctx, idea, viewer)
	if err != nil {
		return nil, ignoreNotFound(err)
	}
	out := []HistoryEntry{{Kind: HistoryCampaign, At: idea.CreatedAt, Campaign: c}}
	results, err := s.CampaignResults(ctx, c, viewer)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.IdeaID != idea.ID {
			continue
		}
		at := r.UpdatedAt
		for _, h := range c.History { // public from the results phase on
			if h.Phase == PhaseResults && h.CreatedAt.After(at) {
				at = h.CreatedAt
			}
		}
		out = append(out, HistoryEntry{Kind: HistoryDecision, At: at, Campaign: c, Decision: r.Decision, AnswerHTML: r.AnswerHTML})
	}
	return out, nil
}

// DiffPart is a run of words an edit kept, inserted or deleted.
type DiffPart struct {
	Op   string // "same", "ins" or "del"
	Text string
}

// Diff compares two texts word by word (see words):
// what both share is "same", what only before holds "del", what only after
// holds "ins". Beyond a few hundred words changed in the middle, that middle
// is one deletion and one insertion rather than a word-by-word search.
func Diff(before, after string) []DiffPart {
	a, b := words(before), words(after)
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var parts []DiffPart
	add := func(op string, ws []string) {
		if len(ws) == 0 {
			return
		}
		text := strings.Join(ws, "")
		if n := len(parts); n > 0 && parts[n-1].Op == op {
			parts[n-1].Text += text
			return
		}
		parts = append(parts, DiffPart{op, text})
	}
	add("same", a[:head])
	midA, midB := a[head:len(a)-tail], b[head:len(b)-tail]
	if len(midA)*len(midB) > maxDiffCells {
		add("del", midA)
		add("ins", midB)
	} else {
		for _, p := range lcsDiff(midA, midB) {
			add(p.Op, []string{p.Text})
		}
	}
	add("same", a[len(a)-tail:])
	return parts
}

// maxDiffCells bounds the table of a word-by-word comparison (4 bytes a cell).
const maxDiffCells = 250_000

// words splits a text into its words, its runs of spaces, and its other
// signs one by one, so that "itself." and "itself at dusk." share "itself".
func words(s string) []string {
	class := func(r rune) int {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '\'', r == '’':
			return 1
		case unicode.IsSpace(r):
			return 2
		}
		return 0 // a sign: a token of its own
	}
	var out []string
	start, last := 0, -1
	for i, r := range s {
		c := class(r)
		if i > start && (c != last || c == 0) {
			out = append(out, s[start:i])
			start = i
		}
		last = c
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// lcsDiff is the word-by-word comparison: a longest common subsequence,
// then a walk that deletes before it inserts.
func lcsDiff(a, b []string) []DiffPart {
	n, m := len(a), len(b)
	table := make([]int32, (n+1)*(m+1))
	at := func(i, j int) *int32 { return &table[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				*at(i, j) = *at(i+1, j+1) + 1
			} else {
				*at(i, j) = max(*at(i+1, j), *at(i, j+1))
			}
		}
	}
	var out []DiffPart
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, DiffPart{"same", a[i]})
			i, j = i+1, j+1
		case i < n && (j == m || *at(i+1, j) >= *at(i, j+1)):
			out = append(out, DiffPart{"del", a[i]})
			i++
		default:
			out = append(out, DiffPart{"ins", b[j]})
			j++
		}
	}
	return out
}
