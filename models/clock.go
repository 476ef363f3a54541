package models

import (
	"sync/atomic"
	"time"
)

// systemClock is the default clock: UTC, to the microsecond that both
// databases keep.
func systemClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// clock is what Store.Now reads. Tests turn it while the store's jobs and
// listener read it, so it is swapped atomically.
type clock = atomic.Pointer[func() time.Time]

func newClock(now func() time.Time) *clock {
	c := &clock{}
	c.Store(&now)
	return c
}

// Now is the store's time: the system's, or what SetClock gave.
func (s *Store) Now() time.Time { return (*s.clock.Load())() }

// SetClock makes now the store's clock (nil: the system's again), for tests
// that move time forward.
func (s *Store) SetClock(now func() time.Time) {
	if now == nil {
		now = systemClock
	}
	s.clock.Store(&now)
}
