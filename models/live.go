package models

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"
)

// LiveChannel is the PostgreSQL channel on which every instance hears what
// live pages show: an idea's votes changed, a comment was published, a
// member's unread notifications changed. The same listening connection as
// InvalidateChannel's carries it, one per instance, never one per page.
const LiveChannel = "samen_live"

// Kinds of LiveUpdate.
const (
	LiveVotes   = "votes"   // an idea's vote count; Votes holds it
	LiveComment = "comment" // a comment was published on an idea
	LiveUnread  = "unread"  // a member's unread count; Unread holds it
	// LiveResync tells a feed that updates may have been missed (the
	// instance's listening connection came back): read the state anew.
	LiveResync = "resync"
)

// LiveUpdate is one change a live page shows. Payloads between instances
// carry only ids: counts are read once per instance, after the commit, so
// the last update of a burst always carries the latest count.
type LiveUpdate struct {
	Kind      string
	IdeaID    int64
	CommentID int64
	// Internal marks a comment that only the team may read.
	Internal bool
	Votes    int
	UserID   int64
	Unread   int64
}

// LiveFeed is one page's subscription: the updates on an idea (IdeaID, 0
// for none) and on a member's unread count (UserID, 0 for visitors).
type LiveFeed struct {
	// C gives the updates; it is closed when the feed fell too far behind
	// (its page reconnects and starts afresh) or the store closed.
	C      <-chan LiveUpdate
	c      chan LiveUpdate
	IdeaID int64
	UserID int64
	hub    *liveHub
	closed bool // under hub.mu
}

// liveFeedBuffer is how many updates a feed may fall behind before it is dropped.
const liveFeedBuffer = 32

// liveQueue bounds the updates waiting for the hub: beyond it they are
// dropped, with a warning, rather than slowing down the writes that send them.
const liveQueue = 4096

// liveHub hands updates to the feeds of this instance. Its goroutine runs
// from the first feed until the store closes.
type liveHub struct {
	s       *Store
	in      chan string
	start   sync.Once
	closing sync.Once
	stop    chan struct{}
	done    chan struct{}

	mu    sync.Mutex
	ideas map[int64]map[*LiveFeed]struct{}
	users map[int64]map[*LiveFeed]struct{}
	feeds map[*LiveFeed]struct{}
}

func newLiveHub(s *Store) *liveHub {
	return &liveHub{s: s, in: make(chan string, liveQueue), stop: make(chan struct{}), done: make(chan struct{}),
		ideas: map[int64]map[*LiveFeed]struct{}{}, users: map[int64]map[*LiveFeed]struct{}{}, feeds: map[*LiveFeed]struct{}{}}
}

// FollowLive subscribes a live page to the updates on an idea (0 for none) and
// on a member's unread count (0 for a visitor). Close the feed when the page
// goes. Whether the viewer may read the idea is the caller's check; which
// comments reach whom is the caller's too (see LiveUpdate.Internal).
func (s *Store) FollowLive(ideaID, userID int64) *LiveFeed {
	h := s.live
	h.start.Do(func() { go h.run() })
	f := &LiveFeed{c: make(chan LiveUpdate, liveFeedBuffer), IdeaID: ideaID, UserID: userID, hub: h}
	f.C = f.c
	h.mu.Lock()
	defer h.mu.Unlock()
	h.feeds[f] = struct{}{}
	if ideaID != 0 {
		add(h.ideas, ideaID, f)
	}
	if userID != 0 {
		add(h.users, userID, f)
	}
	return f
}

func add(m map[int64]map[*LiveFeed]struct{}, id int64, f *LiveFeed) {
	if m[id] == nil {
		m[id] = map[*LiveFeed]struct{}{}
	}
	m[id][f] = struct{}{}
}

// Close ends the subscription. It may be called more than once.
func (f *LiveFeed) Close() {
	f.hub.mu.Lock()
	defer f.hub.mu.Unlock()
	f.hub.drop(f)
}

// drop removes a feed and closes its channel; the caller holds mu.
func (h *liveHub) drop(f *LiveFeed) {
	if f.closed {
		return
	}
	f.closed = true
	close(f.c)
	delete(h.feeds, f)
	for _, m := range []map[int64]map[*LiveFeed]struct{}{h.ideas, h.users} {
		for id, set := range m {
			delete(set, f)
			if len(set) == 0 {
				delete(m, id)
			}
		}
	}
}

// LiveFeeds counts this instance's open feeds.
func (s *Store) LiveFeeds() int {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	return len(s.live.feeds)
}

// close ends the hub and every feed: the store is closing.
func (h *liveHub) close() {
	h.closing.Do(func() {
		h.mu.Lock()
		for f := range h.feeds {
			h.drop(f)
		}
		h.mu.Unlock()
		started := true
		h.start.Do(func() { started = false }) // and no goroutine starts after this
		if started {
			close(h.stop)
			<-h.done
		}
	})
}

// Payloads on LiveChannel: "v:IDEA,IDEA,...", "c:IDEA:COMMENT", "n:IDEA:COMMENT" (an
// internal note), "u:USER,USER,...", and "*" (resync, sent by an instance to
// itself after its listening connection came back).
const (
	livePayloadVotes    = "v:"
	livePayloadComment  = "c:"
	livePayloadNote     = "n:"
	livePayloadUnread   = "u:"
	livePayloadMaxBytes = 7000 // PostgreSQL refuses payloads of 8000 bytes and more
)

// announceVotes tells live pages, on every instance, that these ideas' vote
// counts changed; every instance takes the notice as a write (see listen).
func (s *Store) announceVotes(ctx context.Context, ideaIDs ...int64) {
	s.announceIDs(ctx, livePayloadVotes, ideaIDs)
}

// voteNotices gather the ideas whose votes changed through this instance,
// for tellVotes: while one notice is on its way, the votes after it wait
// and go together in the next. A quiet site tells each vote at once; a busy
// one sends one notice per round trip, not one per vote.
type voteNotices struct {
	mu      sync.Mutex
	pending map[int64]bool
	sending bool
	sent    sync.WaitGroup
}

// tellVotes tells every instance, once the vote committed, that an idea's
// count changed: their live pages show it and their caches forget what
// they kept (this instance's forgot at the vote already).
func (s *Store) tellVotes(ctx context.Context, ideaID int64) {
	if s.listener == nil {
		s.announceVotes(ctx, ideaID) // SQLite: straight to this instance's live pages
		return
	}
	n := s.voteNotices
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pending[ideaID] = true
	if n.sending {
		return
	}
	n.sending = true
	n.sent.Add(1)
	go func() {
		defer n.sent.Done()
		for {
			n.mu.Lock()
			ids := slices.Collect(maps.Keys(n.pending))
			clear(n.pending)
			n.sending = len(ids) > 0
			n.mu.Unlock()
			if len(ids) == 0 {
				return
			}
			s.announceVotes(context.WithoutCancel(ctx), ids...)
		}
	}()
}

// announceComment tells live pages that a comment was published on an idea.
func (s *Store) announceComment(ctx context.Context, ideaID, commentID int64, internal bool) {
	prefix := livePayloadComment
	if internal {
		prefix = livePayloadNote
	}
	s.announce(ctx, prefix+strconv.FormatInt(ideaID, 10)+":"+strconv.FormatInt(commentID, 10))
}

// announceUnread tells live pages that these members' unread counts changed.
func (s *Store) announceUnread(ctx context.Context, userIDs ...int64) {
	s.announceIDs(ctx, livePayloadUnread, userIDs)
}

// announceIDs announces ids after prefix, comma-separated, in as few
// notices as the payload limit allows.
func (s *Store) announceIDs(ctx context.Context, prefix string, ids []int64) {
	var b strings.Builder
	for _, id := range ids {
		if b.Len() > livePayloadMaxBytes {
			s.announce(ctx, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(prefix)
		} else {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	if b.Len() > 0 {
		s.announce(ctx, b.String())
	}
}

// announce sends a payload to every instance's live pages, after the write
// it speaks of committed: through PostgreSQL, which hands it to each
// instance's listener, this one's included; on SQLite, which serves one
// instance, straight to the hub. A notice that fails is logged: the pages
// miss one update, and the next one carries the latest counts.
func (s *Store) announce(ctx context.Context, payload string) {
	if s.listener == nil {
		s.live.hear(payload)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := s.sqlDB.ExecContext(ctx, "SELECT pg_notify($1, $2)", LiveChannel, payload); err != nil {
		s.log.Warn("notify live pages", slog.String("payload", payload), slog.Any("error", err))
	}
}

// hear queues a payload for the hub, never blocking the caller. With no
// feed open here there is nobody to tell.
func (h *liveHub) hear(payload string) {
	h.mu.Lock()
	idle := len(h.feeds) == 0
	h.mu.Unlock()
	if idle {
		return
	}
	select {
	case h.in <- payload:
	default:
		h.s.log.Warn("live pages fell behind: an update was dropped", slog.String("payload", payload))
	}
}

// run hands each payload to the feeds it concerns. What a burst of notices
// has queued is read at once, and each idea's or member's count is read
// once for all of it.
func (h *liveHub) run() {
	defer close(h.done)
	for {
		var first string
		select {
		case <-h.stop:
			return
		case first = <-h.in:
		}
		batch := []string{first}
	more:
		for len(batch) < liveQueue {
			select {
			case p := <-h.in:
				batch = append(batch, p)
			default:
				break more
			}
		}
		h.dispatch(batch)
	}
}

// dispatch reads what the payloads name, for the ideas and members with a
// feed here, and hands it on.
func (h *liveHub) dispatch(batch []string) {
	votes := map[int64]bool{}
	unread := map[int64]bool{}
	var comments []LiveUpdate
	resync := false
	for _, p := range batch {
		kind, rest, _ := strings.Cut(p, ":")
		switch kind + ":" {
		case livePayloadVotes:
			for _, s := range strings.Split(rest, ",") {
				if id, err := strconv.ParseInt(s, 10, 64); err == nil {
					votes[id] = true
				}
			}
		case livePayloadComment, livePayloadNote:
			idea, comment, _ := strings.Cut(rest, ":")
			ideaID, err1 := strconv.ParseInt(idea, 10, 64)
			commentID, err2 := strconv.ParseInt(comment, 10, 64)
			if err1 == nil && err2 == nil {
				comments = append(comments, LiveUpdate{Kind: LiveComment, IdeaID: ideaID, CommentID: commentID, Internal: kind == "n"})
			}
		case livePayloadUnread:
			for _, s := range strings.Split(rest, ",") {
				if id, err := strconv.ParseInt(s, 10, 64); err == nil {
					unread[id] = true
				}
			}
		default:
			resync = resync || p == everything
		}
	}
	// Only what someone here follows is read.
	h.mu.Lock()
	for id := range votes {
		if len(h.ideas[id]) == 0 {
			delete(votes, id)
		}
	}
	for id := range unread {
		if len(h.users[id]) == 0 {
			delete(unread, id)
		}
	}
	h.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var updates []LiveUpdate
	for id := range votes {
		n, err := h.s.VoteCount(ctx, id)
		if err != nil {
			h.s.log.Warn("live pages: read votes", slog.Int64("idea", id), slog.Any("error", err))
			continue
		}
		updates = append(updates, LiveUpdate{Kind: LiveVotes, IdeaID: id, Votes: n})
	}
	for id := range unread {
		var n int64
		if err := h.s.primary(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", id).Count(&n).Error; err != nil {
			h.s.log.Warn("live pages: read unread count", slog.Int64("user", id), slog.Any("error", err))
			continue
		}
		updates = append(updates, LiveUpdate{Kind: LiveUnread, UserID: id, Unread: n})
	}
	updates = append(updates, comments...)

	h.mu.Lock()
	defer h.mu.Unlock()
	if resync {
		for f := range h.feeds {
			h.send(f, LiveUpdate{Kind: LiveResync})
		}
	}
	for _, u := range updates {
		set := h.ideas[u.IdeaID]
		if u.Kind == LiveUnread {
			set = h.users[u.UserID]
		}
		for f := range set {
			h.send(f, u)
		}
	}
}

// send hands an update to a feed, or drops the feed when it is full: its
// page reconnects and reads the state afresh. The caller holds mu.
func (h *liveHub) send(f *LiveFeed, u LiveUpdate) {
	select {
	case f.c <- u:
	default:
		h.drop(f)
	}
}

// VoteCount reads an idea's vote count as last committed.
func (s *Store) VoteCount(ctx context.Context, ideaID int64) (int, error) {
	var n int
	if err := s.primary(ctx).Raw("SELECT votes FROM ideas WHERE id = ?", ideaID).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count votes of idea %d: %w", ideaID, err)
	}
	return n, nil
}

// primary reads from the database that was written, never from a replica
// that may lag behind; on SQLite, from its readers, which see every commit.
func (s *Store) primary(ctx context.Context) *gorm.DB {
	db := s.db.WithContext(ctx)
	if s.dialect == Postgres {
		db = db.Clauses(dbresolver.Write)
	}
	return db
}
