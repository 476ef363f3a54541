package models

import "time"

// systemClock is the default Store.Now: UTC, to the microsecond that both
// databases keep.
func systemClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
