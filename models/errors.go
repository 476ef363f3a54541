package models

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Errors callers tell apart with errors.Is.
var (
	// ErrNotFound: the thing asked for does not exist, or the caller may not see it.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change clashes with what is stored (a duplicate, a locked thread).
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the user may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrOutranked: the user may take the action, but not on what someone of
	// their own role or a higher one wrote, nor on that member. It is an ErrForbidden.
	ErrOutranked = fmt.Errorf("%w: the author's role is not below the actor's", ErrForbidden)
)

// conflict is an ErrConflict whose text says what clashes, in words a person
// reads as they are (the command line prints it so).
type conflict string

func (c conflict) Error() string        { return string(c) }
func (c conflict) Is(target error) bool { return target == ErrConflict }

// ValidationErrors maps a field name to what is wrong with it.
type ValidationErrors map[string]string

func (v ValidationErrors) Error() string {
	fields := make([]string, 0, len(v))
	for f := range v {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	parts := make([]string, 0, len(v))
	for _, f := range fields {
		parts = append(parts, f+": "+v[f])
	}
	return "invalid " + strings.Join(parts, "; ")
}

// orNil returns v as an error when it holds anything, else nil.
func (v ValidationErrors) orNil() error {
	if len(v) == 0 {
		return nil
	}
	return v
}
