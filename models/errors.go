package models

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
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

// Unavailable reports whether err says the database cannot be reached for
// the moment (restarting, shutting down, starting up, refusing or dropping
// connections, out of connection slots) rather than that the request went
// wrong: asking again shortly will work, so a caller answers 503 with
// Retry-After, not 500.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 is a connection exception; 57P01-57P03 are an
		// administrator's or a crash's shutdown and a server starting up;
		// 53300 is too many connections.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" ||
			pgErr.Code == "57P03" || pgErr.Code == "53300"
	}
	var connectErr *pgconn.ConnectError
	var netErr *net.OpError
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
