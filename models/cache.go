package models

import (
	"sync"
	"time"
)

// cache keeps a value read from the database for a while, so that what every
// request needs and rarely changes is not read by every request. forget drops
// it after a change made here, and a load that raced a change is not kept, so
// this instance sees its own changes at once; another's show within the ttl.
type cache[T any] struct {
	mu     sync.Mutex
	gen    uint64
	value  *T
	loaded time.Time
}

// get returns the kept value, or loads it when there is none or it is older than ttl.
func (c *cache[T]) get(now time.Time, ttl time.Duration, load func() (T, error)) (T, error) {
	c.mu.Lock()
	value, loaded, gen := c.value, c.loaded, c.gen
	c.mu.Unlock()
	if value != nil && now.Sub(loaded) < ttl {
		return *value, nil
	}
	fresh, err := load()
	if err != nil {
		return fresh, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.value, c.loaded = &fresh, now
	}
	c.mu.Unlock()
	return fresh, nil
}

// forget drops the kept value after a change.
func (c *cache[T]) forget() {
	c.mu.Lock()
	c.gen++
	c.value = nil
	c.mu.Unlock()
}
