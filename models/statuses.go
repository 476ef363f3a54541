package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Kinds lists the kinds of status, in the order an idea usually travels.
var Kinds = []string{KindOpen, KindPlanned, KindActive, KindDone, KindClosed}

// StatusInput is what an admin sets on a status; nil fields stay as they
// are (on a new status: the defaults).
type StatusInput struct {
	Name     *string
	NameNL   *string
	Slug     *string // a new status only; empty or nil: made from the name
	Colour   *string
	Kind     *string
	Position *int
	Roadmap  *bool
}

// Reasons a status change conflicts with the ideas in it.
const (
	// ReasonStatusInUse: ideas are in the status; deleting it needs a status to move them to.
	ReasonStatusInUse = "status-in-use"
	// ReasonLastOpen: new ideas start in the first status of kind open, so one must stay.
	ReasonLastOpen = "last-open-status"
)

var colourPattern = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// apply sets the input on st and says what is wrong with the result.
func (in StatusInput) apply(st *Status) ValidationErrors {
	errs := ValidationErrors{}
	if in.Name != nil {
		st.Name = strings.Join(strings.Fields(*in.Name), " ")
	}
	if st.Name == "" || !validText(st.Name) || utf8.RuneCountInString(st.Name) > 40 {
		errs["name"] = "must be 1 to 40 characters"
	}
	if in.NameNL != nil {
		st.NameNL = strings.Join(strings.Fields(*in.NameNL), " ")
	}
	if !validText(st.NameNL) || utf8.RuneCountInString(st.NameNL) > 40 {
		errs["name_nl"] = "must be at most 40 characters"
	}
	if in.Colour != nil {
		st.Colour = strings.ToLower(strings.TrimSpace(*in.Colour))
	}
	if !colourPattern.MatchString(st.Colour) {
		errs["colour"] = "must be a colour as #rrggbb"
	}
	if in.Kind != nil {
		st.Kind = *in.Kind
	}
	if !slices.Contains(Kinds, st.Kind) {
		errs["kind"] = "must be open, planned, active, done or closed"
	}
	if in.Position != nil {
		st.Position = *in.Position
	}
	if st.Position < 0 || st.Position > 10000 {
		errs["position"] = "must be between 0 and 10000"
	}
	if in.Roadmap != nil {
		st.OnRoadmap = *in.Roadmap
	}
	return errs
}

// CreateStatus adds a status, last in the order unless the input places it.
func (s *Store) CreateStatus(ctx context.Context, actor *User, in StatusInput) (*Status, error) {
	if !s.Can(actor, ActManageStatuses) {
		return nil, ErrForbidden
	}
	all, err := s.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	st := &Status{Colour: "#5f6b73", Kind: KindOpen, CreatedAt: s.Now()}
	for _, other := range all {
		st.Position = max(st.Position, other.Position+1)
	}
	errs := in.apply(st)
	if in.Slug != nil {
		st.Slug = strings.TrimSpace(*in.Slug)
	}
	if st.Slug == "" {
		st.Slug = Slugify(st.Name)
	}
	if _, bad := errs["name"]; !bad && (st.Slug == "" || st.Slug != Slugify(st.Slug) || len(st.Slug) > 40) {
		errs["slug"] = "may hold only lower-case letters, digits and dashes, at most 40"
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	defer s.forgetCatalog()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(st).Error; err != nil {
			return err
		}
		return record(tx, s.Now(), Audit{Actor: actor, Action: AuditStatusSave, TargetType: TargetStatus, TargetID: st.ID, Reason: st.Slug})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, ValidationErrors{"slug": "is already used by another status"}
	}
	if err != nil {
		return nil, fmt.Errorf("create status %q: %w", st.Slug, err)
	}
	return st, nil
}

// UpdateStatus changes a status's names, colour, kind, position or place on
// the roadmap. Its slug stays: links and API clients use it. One status of
// kind open must stay, for new ideas to start in.
func (s *Store) UpdateStatus(ctx context.Context, actor *User, slug string, in StatusInput) (*Status, error) {
	if !s.Can(actor, ActManageStatuses) {
		return nil, ErrForbidden
	}
	all, err := s.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(all, func(st Status) bool { return st.Slug == slug })
	if i < 0 {
		return nil, fmt.Errorf("load status %q: %w", slug, ErrNotFound)
	}
	st := all[i]
	errs := in.apply(&st)
	all[i] = st
	if _, bad := errs["kind"]; !bad && !slices.ContainsFunc(all, func(o Status) bool { return o.Kind == KindOpen }) {
		errs["kind"] = "must stay open: new ideas start in a status of kind open, and this is the last one"
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	defer s.forgetCatalog()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&Status{}).Where("id = ?", st.ID).Updates(map[string]any{
			"name": st.Name, "name_nl": st.NameNL, "colour": st.Colour, "kind": st.Kind,
			"position": st.Position, "on_roadmap": st.OnRoadmap,
		}).Error
		if err != nil {
			return err
		}
		return record(tx, s.Now(), Audit{Actor: actor, Action: AuditStatusSave, TargetType: TargetStatus, TargetID: st.ID, Reason: st.Slug})
	})
	if err != nil {
		return nil, fmt.Errorf("update status %q: %w", slug, err)
	}
	return &st, nil
}

// StatusUse counts the ideas in each status, by status id, whatever their
// state: a status is deleted only once every idea has left it.
func (s *Store) StatusUse(ctx context.Context) (map[int64]int64, error) {
	var rows []struct {
		StatusID int64
		N        int64
	}
	err := s.db.WithContext(ctx).Model(&Idea{}).Select("status_id, COUNT(*) AS n").Group("status_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count ideas per status: %w", err)
	}
	use := make(map[int64]int64, len(rows))
	for _, r := range rows {
		use[r.StatusID] = r.N
	}
	return use, nil
}

// DeleteStatus deletes a status, first moving its ideas to the status
// moveTo, each move in the idea's status history (without a note: it is no
// answer). Without moveTo, a status that ideas are in is a conflict. The
// status's row stays, marked deleted, so the answers given in it keep
// their name; its slug is freed. It reports how many ideas moved.
func (s *Store) DeleteStatus(ctx context.Context, actor *User, slug, moveTo string) (int64, error) {
	if !s.Can(actor, ActManageStatuses) {
		return 0, ErrForbidden
	}
	all, err := s.Statuses(ctx)
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(all, func(st Status) bool { return st.Slug == slug })
	if i < 0 {
		return 0, fmt.Errorf("load status %q: %w", slug, ErrNotFound)
	}
	st := all[i]
	var to *Status
	if moveTo != "" {
		j := slices.IndexFunc(all, func(o Status) bool { return o.Slug == moveTo })
		if j < 0 || j == i {
			return 0, ValidationErrors{"move_to": "must be another status"}
		}
		to = &all[j]
	}
	rest := slices.Delete(slices.Clone(all), i, i+1)
	if !slices.ContainsFunc(rest, func(o Status) bool { return o.Kind == KindOpen }) {
		return 0, &ConflictError{ReasonLastOpen}
	}
	var moved int64
	defer s.forgetCatalog()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if to != nil {
			// Each idea's history records the move, so its public record
			// keeps up with where it stands; in one statement, however many.
			err := tx.Exec(`INSERT INTO status_changes (idea_id, from_status_id, to_status_id, note, note_html, reconsider, actor_id, created_at)
				SELECT id, status_id, ?, '', '', '', ?, ? FROM ideas WHERE status_id = ?`, to.ID, actor.ID, s.Now(), st.ID).Error
			if err != nil {
				return err
			}
			res := tx.Model(&Idea{}).Where("status_id = ?", st.ID).Update("status_id", to.ID)
			if res.Error != nil {
				return res.Error
			}
			moved = res.RowsAffected
			if moved > 0 {
				reason := fmt.Sprintf("%s -> %s: %d ideas", st.Slug, to.Slug, moved)
				if err := record(tx, s.Now(), Audit{Actor: actor, Action: AuditStatusMove, TargetType: TargetStatus, TargetID: st.ID, Reason: reason}); err != nil {
					return err
				}
			}
		}
		var left int64
		if err := tx.Model(&Idea{}).Where("status_id = ?", st.ID).Limit(1).Count(&left).Error; err != nil {
			return err
		}
		if left > 0 {
			return &ConflictError{ReasonStatusInUse}
		}
		err := tx.Model(&Status{}).Where("id = ?", st.ID).
			Updates(map[string]any{"deleted_at": s.Now(), "slug": st.Slug + "~" + strconv.FormatInt(st.ID, 10)}).Error
		if err != nil {
			return err
		}
		return record(tx, s.Now(), Audit{Actor: actor, Action: AuditStatusDelete, TargetType: TargetStatus, TargetID: st.ID, Reason: st.Slug})
	})
	if errors.Is(err, ErrConflict) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("delete status %q: %w", slug, err)
	}
	if moved > 0 {
		s.totals.forget()
	}
	return moved, nil
}

// MoveStatus moves a status one place up (by -1) or down (by 1) in the
// order, and numbers the order anew from 1.
func (s *Store) MoveStatus(ctx context.Context, actor *User, slug string, by int) error {
	if !s.Can(actor, ActManageStatuses) {
		return ErrForbidden
	}
	all, err := s.Statuses(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(all, func(st Status) bool { return st.Slug == slug })
	if i < 0 {
		return fmt.Errorf("load status %q: %w", slug, ErrNotFound)
	}
	if by != -1 && by != 1 {
		return ValidationErrors{"direction": "must be up or down"}
	}
	moved := all[i].ID
	if j := i + by; j >= 0 && j < len(all) {
		all[i], all[j] = all[j], all[i]
	}
	defer s.forgetCatalog()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for n, st := range all {
			if st.Position == n+1 {
				continue
			}
			if err := tx.Model(&Status{}).Where("id = ?", st.ID).Update("position", n+1).Error; err != nil {
				return err
			}
		}
		return record(tx, s.Now(), Audit{Actor: actor, Action: AuditStatusSave, TargetType: TargetStatus, TargetID: moved, Reason: slug})
	})
	if err != nil {
		return fmt.Errorf("move status %q: %w", slug, err)
	}
	return nil
}
