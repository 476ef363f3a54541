package handlers

import (
	"bufio"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// Live serves live pages their updates as Server-Sent Events (docs/live.md):
// an idea's vote count and new comments, and the member's unread count. The
// page works the same without it; static/js/live.js opens the stream.
type Live struct {
	*Deps
	// MaxConnections bounds the streams open on this instance (503 beyond);
	// PerMember bounds a member's (429 beyond), PerAddress a visitor's
	// client address's.
	MaxConnections, PerMember, PerAddress int
	// Idle is how long a stream stays open without an update (heartbeats
	// aside) before it says "idle" and closes; Heartbeat is how often a
	// quiet stream sends a comment, so proxies and clients keep it.
	Idle, Heartbeat time.Duration
	// WriteTimeout bounds each write to a client that stopped reading.
	WriteTimeout time.Duration

	mu   sync.Mutex
	open int
	by   map[string]int
}

// liveRefusals are the answers to a stream beyond a bound.
var liveRefusals = map[int]APIErrorBody{
	fiber.StatusTooManyRequests:    {Code: "too_many_requests", Message: "Too many live pages open; retry later."},
	fiber.StatusServiceUnavailable: {Code: "unavailable", Message: "This server follows as many live pages as it can; retry later."},
}

// liveRetryAfter is the Retry-After, in seconds, of a stream refused for its bounds.
const liveRetryAfter = "30"

// Stream opens a page's stream: GET /live, with ?idea=ID on an idea's page.
// A visitor with nothing to follow gets 204, which tells EventSource to stop.
func (h *Live) Stream(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	ctx := c.UserContext()
	var idea *models.Idea
	if raw := c.Query("idea"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return models.ValidationErrors{"idea": "must be an idea's id"}
		}
		if idea, err = h.Store.Idea(ctx, id, v.User); err != nil {
			return err
		}
	}
	var userID int64
	key, limit := "address:"+v.IP, h.PerAddress
	if v.User != nil {
		userID, key, limit = v.User.ID, "member:"+strconv.FormatInt(v.User.ID, 10), h.PerMember
	}
	if idea == nil && userID == 0 {
		return c.SendStatus(fiber.StatusNoContent)
	}
	release, status := h.admit(key, limit)
	if status != 0 {
		// Expected under load, not a failure: answered here, not logged as one.
		c.Set(fiber.HeaderRetryAfter, liveRetryAfter)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Status(status).JSON(APIError{Error: liveRefusals[status]})
	}
	s := &liveStream{h: h, l: v.L, conn: c.Context().Conn(), userID: userID,
		notes: v.User != nil && models.StandingOf(v.User, h.Store.Now()).Allows(models.ActReadInternal)}
	if idea != nil {
		s.ideaID = idea.ID
	}
	// Follow first, then read the state: an update in between is sent twice, never missed.
	s.feed = h.Store.FollowLive(s.ideaID, userID)
	first, err := s.state(ctx)
	if err != nil {
		s.feed.Close()
		release()
		return err
	}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no") // nginx passes each event on at once
	// The connection ends with the stream: nothing reads it after, so the
	// stream may watch it for the client hanging up (see hungUp).
	c.Context().SetConnectionClose()
	done := c.Context().Done() // closed when the server stops
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer release()
		defer s.feed.Close()
		s.w = w
		s.run(first, done, s.hungUp())
	})
	return nil
}

// admit counts a new stream under its key, or says which bound refuses it.
func (h *Live) admit(key string, limit int) (release func(), status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.by == nil {
		h.by = map[string]int{}
	}
	switch {
	case h.open >= h.MaxConnections:
		return nil, fiber.StatusServiceUnavailable
	case h.by[key] >= limit:
		return nil, fiber.StatusTooManyRequests
	}
	h.open++
	h.by[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.open--
			if h.by[key]--; h.by[key] == 0 {
				delete(h.by, key)
			}
		})
	}, 0
}

// Open counts the streams open on this instance.
func (h *Live) Open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open
}

// liveStream is one open stream.
type liveStream struct {
	h              *Live
	l              *i18n.Localizer
	conn           net.Conn
	w              *bufio.Writer
	feed           *models.LiveFeed
	ideaID, userID int64
	notes          bool // the viewer reads internal notes
}

// event is one Server-Sent Event.
type event struct {
	name string
	data any
}

// votesData, commentData and unreadData are the events' data, as JSON.
type votesData struct {
	Idea  int64  `json:"idea"`
	Votes int    `json:"votes"`
	Label string `json:"label"`
}

type commentData struct {
	Idea    int64 `json:"idea"`
	Comment int64 `json:"comment"`
}

type unreadData struct {
	Count int64  `json:"count"`
	Label string `json:"label"`
}

func (s *liveStream) votes(ideaID int64, n int) event {
	return event{"votes", votesData{Idea: ideaID, Votes: n, Label: views.T(s.l, "ideas.votes", "Count", n)}}
}

func (s *liveStream) unread(n int64) event {
	return event{"unread", unreadData{Count: n, Label: views.T(s.l, "nav.unread", "Count", n)}}
}

// state reads what the page shows now, as events: its idea's votes and the
// member's unread count.
func (s *liveStream) state(ctx context.Context) ([]event, error) {
	var out []event
	if s.ideaID != 0 {
		n, err := s.h.Store.VoteCount(ctx, s.ideaID)
		if err != nil {
			return nil, err
		}
		out = append(out, s.votes(s.ideaID, n))
	}
	if s.userID != 0 {
		n, err := s.h.Store.UnreadCount(ctx, s.userID)
		if err != nil {
			return nil, err
		}
		out = append(out, s.unread(n))
	}
	return out, nil
}

// hungUp is closed when the client closes the connection (a page left, a
// tab closed), so its place is free at once rather than at the next
// heartbeat. A client sends nothing while it reads a stream: whatever the
// connection reads, an end or a byte, ends the stream.
func (s *liveStream) hungUp() <-chan struct{} {
	gone := make(chan struct{})
	if s.conn == nil || s.conn.SetReadDeadline(time.Time{}) != nil {
		return gone
	}
	go func() {
		defer close(gone)
		var b [1]byte
		_, _ = s.conn.Read(b[:])
	}()
	return gone
}

// run writes the stream until the client goes, the feed ends, the stream
// idles or the server stops.
func (s *liveStream) run(first []event, stop, gone <-chan struct{}) {
	// Clients reconnect after a stop within a few seconds, spread out so
	// that a restarted instance is not met by all of them at once.
	retry := 2000 + rand.IntN(3000)
	if !s.write("retry: "+strconv.Itoa(retry)+"\n\n") || !s.send(first...) {
		return
	}
	idle := time.NewTimer(s.h.Idle)
	defer idle.Stop()
	beat := time.NewTicker(s.h.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-stop:
			return
		case <-gone:
			return
		case <-idle.C:
			s.send(event{"idle", struct{}{}})
			return
		case <-beat.C:
			if !s.write(": heartbeat\n\n") {
				return
			}
		case u, ok := <-s.feed.C:
			if !ok {
				return
			}
			events, err := s.events(u)
			if err != nil {
				return // the client reconnects and reads the state afresh
			}
			if len(events) == 0 {
				continue
			}
			if !s.send(events...) {
				return
			}
			idle.Reset(s.h.Idle)
		}
	}
}

// events turns an update into what this viewer may read.
func (s *liveStream) events(u models.LiveUpdate) ([]event, error) {
	switch u.Kind {
	case models.LiveVotes:
		return []event{s.votes(u.IdeaID, u.Votes)}, nil
	case models.LiveUnread:
		return []event{s.unread(u.Unread)}, nil
	case models.LiveComment:
		if u.Internal && !s.notes {
			return nil, nil
		}
		return []event{{"comment", commentData{Idea: u.IdeaID, Comment: u.CommentID}}}, nil
	case models.LiveResync:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return s.state(ctx)
	}
	return nil, nil
}

// send writes events, and reports whether the client took them.
func (s *liveStream) send(events ...event) bool {
	for _, e := range events {
		data, err := json.Marshal(e.data)
		if err != nil {
			return false
		}
		if !s.write("event: " + e.name + "\ndata: " + string(data) + "\n\n") {
			return false
		}
	}
	return true
}

// write sends text at once, within the write timeout.
func (s *liveStream) write(text string) bool {
	if s.conn != nil {
		_ = s.conn.SetWriteDeadline(time.Now().Add(s.h.WriteTimeout))
	}
	if _, err := s.w.WriteString(text); err != nil {
		return false
	}
	return s.w.Flush() == nil
}
