package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
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
	Name      string // in English
	NameNL    string `gorm:"column:name_nl"` // in Dutch; empty: the English name
	Colour    string // #rrggbb
	Kind      string
	Position  int
	OnRoadmap bool
	CreatedAt time.Time
	// DeletedAt marks a status an admin deleted: its row stays for the
	// answers given in it, but no idea is in it and none can move to it.
	DeletedAt *time.Time
}

// PublicSlug is the slug the status was known by: a deleted status's
// stored slug carries a mark that frees it for a new status.
func (s Status) PublicSlug() string {
	slug, _, _ := strings.Cut(s.Slug, "~")
	return slug
}

// NameIn is the status's name in a language ("en", "nl").
func (s Status) NameIn(lang string) string {
	if lang == "nl" && s.NameNL != "" {
		return s.NameNL
	}
	return s.Name
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
	Name        string // in English
	NameNL      string `gorm:"column:name_nl"` // in Dutch; empty: the English name
	Description string
	Position    int
	CreatedAt   time.Time
}

// NameIn is the category's name in a language ("en", "nl").
func (c Category) NameIn(lang string) string {
	if lang == "nl" && c.NameNL != "" {
		return c.NameNL
	}
	return c.Name
}

// Tag labels ideas across categories; the team sets them.
type Tag struct {
	ID        int64
	Slug      string
	Name      string
	CreatedAt time.Time
}

// catalogTTL bounds how long this instance keeps statuses and categories
// that another instance changed; changes made here are seen at once.
const catalogTTL = 10 * time.Second

// catalog is what the store keeps of the statuses and categories: every list
// page shows them, and they change rarely.
type catalog struct {
	statuses   []Status
	categories []Category
}

// catalog returns the statuses and categories, read at most every catalogTTL.
func (s *Store) catalog(ctx context.Context) (catalog, error) {
	return s.catalogs.get(s.Now(), catalogTTL, func() (catalog, error) {
		ctx := onPrimary(ctx) // kept for every request: never a replica's older copy
		var c catalog
		if err := s.db.WithContext(ctx).Where("deleted_at IS NULL").Order("position, id").Find(&c.statuses).Error; err != nil {
			return c, fmt.Errorf("list statuses: %w", err)
		}
		if err := s.db.WithContext(ctx).Order("position, id").Find(&c.categories).Error; err != nil {
			return c, fmt.Errorf("list categories: %w", err)
		}
		return c, nil
	})
}

// forgetCatalog drops the copy after a change to statuses or categories.
func (s *Store) forgetCatalog() { s.catalogs.forget() }

// Statuses lists every status in order, deleted ones left out.
func (s *Store) Statuses(ctx context.Context) ([]Status, error) {
	c, err := s.catalog(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.statuses), nil
}

// Categories lists every category in order.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	c, err := s.catalog(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.categories), nil
}

// StatusBySlug finds a status; an unknown slug is ErrNotFound.
func (s *Store) StatusBySlug(ctx context.Context, slug string) (*Status, error) {
	c, err := s.catalog(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range c.statuses {
		if st.Slug == slug {
			return &st, nil
		}
	}
	return nil, fmt.Errorf("load status %q: %w", slug, ErrNotFound)
}

// CategoryBySlug finds a category; an unknown slug is ErrNotFound.
func (s *Store) CategoryBySlug(ctx context.Context, slug string) (*Category, error) {
	c, err := s.catalog(ctx)
	if err != nil {
		return nil, err
	}
	for _, cat := range c.categories {
		if cat.Slug == slug {
			return &cat, nil
		}
	}
	return nil, fmt.Errorf("load category %q: %w", slug, ErrNotFound)
}

// defaultStatus is where new ideas start: the first status of kind open.
func (s *Store) defaultStatus(ctx context.Context) (*Status, error) {
	c, err := s.catalog(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range c.statuses {
		if st.Kind == KindOpen {
			return &st, nil
		}
	}
	return nil, fmt.Errorf("load the default status: %w", ErrNotFound)
}

// CategoryInput is what an admin sets on a category.
type CategoryInput struct {
	Name        string
	NameNL      string // empty: the English name
	Slug        string // empty: made from the name
	Description string
	Position    int
}

func (in *CategoryInput) validate() error {
	errs := ValidationErrors{}
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	if in.Name == "" || !validText(in.Name) || utf8.RuneCountInString(in.Name) > 60 {
		errs["name"] = "must be 1 to 60 characters"
	}
	in.NameNL = strings.Join(strings.Fields(in.NameNL), " ")
	if !validText(in.NameNL) || utf8.RuneCountInString(in.NameNL) > 60 {
		errs["name_nl"] = "must be at most 60 characters"
	}
	in.Slug = strings.TrimSpace(in.Slug)
	if in.Slug == "" {
		in.Slug = Slugify(in.Name)
	}
	if in.Slug != Slugify(in.Slug) || len(in.Slug) > 60 {
		errs["slug"] = "may hold only lower-case letters, digits and dashes"
	}
	in.Description = strings.TrimSpace(in.Description)
	if !validText(in.Description) || utf8.RuneCountInString(in.Description) > 300 {
		errs["description"] = "must be at most 300 characters"
	}
	if in.Position < 0 || in.Position > 10000 {
		errs["position"] = "must be between 0 and 10000"
	}
	return errs.orNil()
}

// SaveCategory creates a category (id 0) or changes one. A slug in use by
// another category is a validation error.
func (s *Store) SaveCategory(ctx context.Context, id int64, in CategoryInput) (*Category, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	c := Category{ID: id, Slug: in.Slug, Name: in.Name, NameNL: in.NameNL, Description: in.Description, Position: in.Position}
	var err error
	defer s.forgetCatalog()
	if id == 0 {
		c.CreatedAt = s.Now()
		err = s.db.WithContext(ctx).Create(&c).Error
	} else {
		res := s.db.WithContext(ctx).Model(&Category{}).Where("id = ?", id).
			Updates(map[string]any{"slug": c.Slug, "name": c.Name, "name_nl": c.NameNL, "description": c.Description, "position": c.Position})
		err = res.Error
		if err == nil && res.RowsAffected == 0 {
			err = ErrNotFound
		}
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, ValidationErrors{"slug": "is already used by another category"}
	}
	if err != nil {
		return nil, fmt.Errorf("save category %q: %w", in.Slug, err)
	}
	return &c, nil
}

// DeleteCategory removes a category; its ideas keep existing without one.
func (s *Store) DeleteCategory(ctx context.Context, id int64) error {
	defer s.forgetCatalog()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Idea{}).Where("category_id = ?", id).Update("category_id", nil).Error; err != nil {
			return fmt.Errorf("delete category %d: %w", id, err)
		}
		res := tx.Where("id = ?", id).Delete(&Category{})
		if res.Error != nil {
			return fmt.Errorf("delete category %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("delete category %d: %w", id, ErrNotFound)
		}
		return nil
	})
}
