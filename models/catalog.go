package models

import (
	"context"
	"fmt"
	"time"
)

// Status kinds, in the order an idea usually travels through them.
const (
	KindOpen    = "open"
	KindPlanned = "planned"
	KindActive  = "active"
	KindDone    = "done"
	KindClosed  = "closed"
)

// Status is where an idea stands. Admins define them; six exist from the start.
type Status struct {
	ID        int64
	Slug      string
	Name      string
	Colour    string
	Kind      string
	Position  int
	OnRoadmap bool
	CreatedAt time.Time
}

// TakesVotes reports whether ideas in this status accept new votes: shipped
// and declined ideas keep the votes they have and take no more.
func (s *Status) TakesVotes() bool { return s.Kind != KindDone && s.Kind != KindClosed }

// NeedsAnswer reports whether moving an idea here needs a public answer
// saying why (declining does).
func (s *Status) NeedsAnswer() bool { return s.Kind == KindClosed }

// Category groups ideas by the part of the product they are about.
type Category struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	Position    int
	CreatedAt   time.Time
}

// Tag labels ideas across categories; the team sets them.
type Tag struct {
	ID        int64
	Slug      string
	Name      string
	CreatedAt time.Time
}

// Statuses lists every status in order.
func (s *Store) Statuses(ctx context.Context) ([]Status, error) {
	var list []Status
	if err := s.db.WithContext(ctx).Order("position, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("list statuses: %w", err)
	}
	return list, nil
}

// Categories lists every category in order.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	var list []Category
	if err := s.db.WithContext(ctx).Order("position, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	return list, nil
}

// StatusBySlug finds a status; an unknown slug is ErrNotFound.
func (s *Store) StatusBySlug(ctx context.Context, slug string) (*Status, error) {
	var st Status
	if err := first(s.db.WithContext(ctx).Where("slug = ?", slug), &st); err != nil {
		return nil, fmt.Errorf("load status %q: %w", slug, err)
	}
	return &st, nil
}

// CategoryBySlug finds a category; an unknown slug is ErrNotFound.
func (s *Store) CategoryBySlug(ctx context.Context, slug string) (*Category, error) {
	var c Category
	if err := first(s.db.WithContext(ctx).Where("slug = ?", slug), &c); err != nil {
		return nil, fmt.Errorf("load category %q: %w", slug, err)
	}
	return &c, nil
}

// defaultStatus is where new ideas start: the first status of kind open.
func (s *Store) defaultStatus(ctx context.Context) (*Status, error) {
	var st Status
	if err := first(s.db.WithContext(ctx).Where("kind = ?", KindOpen).Order("position, id"), &st); err != nil {
		return nil, fmt.Errorf("load the default status: %w", err)
	}
	return &st, nil
}
