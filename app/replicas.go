package app

import (
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// primaryCookie marks a browser that wrote a moment ago: until the time in it
// (Unix milliseconds), its reads go to the primary, whichever instance
// serves it.
const primaryCookie = "samen_primary"

// writers remembers, per member, until when their reads go to the primary
// after a write: for API clients with a token, which carry no cookie.
type writers struct {
	mu    sync.Mutex
	until map[int64]time.Time
}

func newWriters() *writers { return &writers{until: map[int64]time.Time{}} }

// wrote notes that a member wrote: their reads go to the primary until then.
func (w *writers) wrote(userID int64, until, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.until) >= 4096 {
		for id, t := range w.until {
			if !t.After(now) {
				delete(w.until, id)
			}
		}
	}
	w.until[userID] = until
}

// recent reports whether the member wrote within the window.
func (w *writers) recent(userID int64, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.until[userID].After(now)
}

// replicaReads lets the request's reads go to a read replica, when Samen
// has any: a visitor's or member's page or API GET reads a replica, unless
// the browser or member wrote within DATABASE_REPLICA_LAG; a request that
// writes (any method but GET, HEAD, OPTIONS, or a GET that wrote, such as a
// sign-in link) reads the primary from its first write on, and makes the
// writer's requests read the primary for DATABASE_REPLICA_LAG after it
// (see docs/scaling.md).
func (s *server) replicaReads(c *fiber.Ctx) error {
	if s.store.Replicas() == 0 {
		return c.Next()
	}
	now := s.store.Now()
	primary := !safeMethod(c.Method()) || s.wroteRecently(c, now)
	ctx, reads := models.ReadReplicas(c.UserContext(), primary)
	c.SetUserContext(ctx)
	c.Locals(readsKey{}, reads)
	err := c.Next()
	if reads.Wrote() {
		now = s.store.Now()
		until := now.Add(s.store.ReplicaLag())
		c.Cookie(&fiber.Cookie{
			Name: primaryCookie, Value: strconv.FormatInt(until.UnixMilli(), 10), Path: "/",
			Expires:  until.Add(time.Second), // the server checks the time in the value; this only tidies
			HTTPOnly: true, Secure: s.cfg.Secure(), SameSite: fiber.CookieSameSiteLaxMode,
		})
		if v := s.deps.ViewerOf(c); v != nil && v.User != nil {
			s.writers.wrote(v.User.ID, until, now)
		}
	}
	return err
}

type readsKey struct{}

// readOwnWrites sends the rest of the request's reads to the primary when
// the member wrote within DATABASE_REPLICA_LAG (through this instance).
func (s *server) readOwnWrites(c *fiber.Ctx, userID int64) {
	if reads, ok := c.Locals(readsKey{}).(*models.Reads); ok && s.writers.recent(userID, s.store.Now()) {
		reads.Primary()
	}
}

// wroteRecently reports whether the request carries a primaryCookie still
// in force. A value further ahead than the lag is not one Samen set.
func (s *server) wroteRecently(c *fiber.Ctx, now time.Time) bool {
	ms, err := strconv.ParseInt(c.Cookies(primaryCookie), 10, 64)
	if err != nil {
		return false
	}
	until := time.UnixMilli(ms)
	return until.After(now) && !until.After(now.Add(s.store.ReplicaLag()))
}
