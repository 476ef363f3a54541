package models

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"gorm.io/gorm"
)

// InvalidateChannel is the PostgreSQL channel on which every write tells every
// instance what to forget. The payload is the table written, empty when a
// raw statement's table is not known.
const InvalidateChannel = "samen_invalidate"

// ListenerName is the application_name of each instance's listening
// connection, as pg_stat_activity shows it.
const ListenerName = "samen-listener"

// everything is the payload (and the table) that makes an instance forget all
// it keeps: after its listening connection came back, as notifications may
// have been lost meanwhile.
const everything = "*"

// invalidate makes this instance forget what a write to table may have made
// out of date: every cached page (they compare Writes), the list totals
// after a write to ideas, the settings, the categories and statuses, the
// sessions and API tokens with their users. It is the
// one place both this instance's writes and the other instances' notices
// come through.
func (s *Store) invalidate(table string) {
	switch table {
	case "users", "sessions", "api_tokens", everything:
		s.credentials.forget()
	}
	if unseen[table] {
		return
	}
	s.writes.Add(1)
	s.invalidated.Store(time.Now().UnixNano())
	switch table {
	case "ideas":
		s.totals.forget()
	case "tags", "idea_tags":
		s.tags.forget()
	case "settings":
		s.settings.forget()
	case "webhooks":
		s.voteHooks.forget()
	case "categories", "statuses":
		s.catalogs.forget()
	case everything:
		s.totals.forget()
		s.tags.forget()
		s.settings.forget()
		s.voteHooks.forget()
		s.catalogs.forget()
	}
}

// Changed tells this instance, and every other, that data changed outside
// the store (an operator's SQL): each forgets all it keeps.
func (s *Store) Changed(ctx context.Context) {
	s.invalidate(everything)
	if s.listener != nil {
		if _, err := s.sqlDB.ExecContext(ctx, "SELECT pg_notify($1, $2)", InvalidateChannel, everything); err != nil {
			s.log.Warn("notify other instances", slog.String("table", everything), slog.Any("error", err))
		}
	}
}

// unseen are the tables no kept page, answer or value shows but the
// credentials: a sign-in or a revoked token forgets no page.
var unseen = map[string]bool{"sessions": true, "api_tokens": true}

// wrote is called by GORM after every statement that may have changed data
// (see watchWrites): it invalidates here and, on PostgreSQL, unless told
// the notice went out already, notifies every instance, this one included.
// In a transaction the notice goes out with the commit, and not at all on a
// rollback; outside one the write has committed already. Either way no
// instance hears of a write before it can read it.
func (s *Store) wrote(db *gorm.DB, notify bool) {
	if db.Error != nil {
		return
	}
	readSince(db)
	if quiet(db) {
		return
	}
	table := writtenTable(db)
	if table == "ideas" && db.Statement.RowsAffected == 0 {
		table = "" // nothing counted in a total changed
	}
	s.invalidate(table)
	if notify {
		s.tellInstances(db, table)
	}
}

// tellInstances tells every instance through PostgreSQL that table was written.
func (s *Store) tellInstances(db *gorm.DB, table string) {
	if s.listener == nil {
		return
	}
	_, err := db.Statement.ConnPool.ExecContext(db.Statement.Context, "SELECT pg_notify($1, $2)", InvalidateChannel, table)
	if err != nil {
		// Inside a transaction the write fails with it; outside, the other
		// instances catch up within their caches' short lifetimes.
		if inTransaction(db) {
			_ = db.AddError(err)
		}
		s.log.Warn("notify other instances", slog.String("table", table), slog.Any("error", err))
	}
}

// quietKey marks a write that changes nothing any instance keeps: a
// session's or API token's last use. It forgets nothing and tells no one,
// or every member's first request in five minutes would make every
// instance forget every credential it keeps.
const quietKey = "samen:quiet"

func quiet(db *gorm.DB) bool {
	q, _ := db.Get(quietKey)
	return q == true
}

// toldKey marks a statement that notifies the instances itself (pg_notify
// in the statement, as the vote's does): watchWrites only invalidates here.
const toldKey = "samen:told"

func toldBy(db *gorm.DB) bool {
	told, _ := db.Get(toldKey)
	return told == true
}

// inTransaction reports whether db's statement runs in a transaction.
func inTransaction(db *gorm.DB) bool {
	_, ok := db.Statement.ConnPool.(gorm.TxCommitter)
	return ok
}

// writtenTable names the table a statement writes, or "" when not known.
func writtenTable(db *gorm.DB) string {
	if db.Statement.Table != "" {
		return db.Statement.Table
	}
	return rawTable(db.Statement.SQL.String())
}

var rawTableRE = regexp.MustCompile(`(?i)^\s*(?:insert\s+into|update|delete\s+from)\s+"?([a-z_]+)`)

// rawTable names the table a raw INSERT, UPDATE or DELETE writes, or "".
func rawTable(sql string) string {
	if m := rawTableRE.FindStringSubmatch(sql); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

// listener keeps one connection LISTENing on InvalidateChannel and LiveChannel.
type listener struct {
	url string
	// up is set while the connection listens.
	up atomic.Bool

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// listenBackoff bounds the wait between attempts to reconnect.
const (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 5 * time.Second
	// listenPing is how long the connection may stay quiet before it is
	// checked, so a connection that died silently is noticed.
	listenPing = 30 * time.Second
)

// startListening follows the other instances' writes on PostgreSQL: a
// dedicated connection LISTENs, and each notice invalidates what this
// instance keeps. When the connection drops it reconnects with backoff and
// then forgets everything, since notices may have been missed meanwhile.
// SQLite serves one instance and has nothing to listen to.
func (s *Store) startListening() {
	l := s.listener
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel, l.done = cancel, make(chan struct{})
	go func() {
		defer close(l.done)
		wait := listenBackoffMin
		for first := true; ctx.Err() == nil; first = false {
			listened, err := s.listen(ctx, l, !first)
			if ctx.Err() != nil {
				return
			}
			if listened {
				wait = listenBackoffMin
			}
			s.log.Warn("listening for other instances' writes: reconnecting", slog.Any("error", err), slog.Duration("in", wait))
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(wait*2, listenBackoffMax)
		}
	}()
}

// stopListening ends the listener and waits for it.
func (s *Store) stopListening() {
	l := s.listener
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel != nil {
		l.cancel()
		<-l.done
		l.cancel = nil
	}
}

// Listening reports whether this instance hears the other instances' writes
// now: always on SQLite, which serves one instance.
func (s *Store) Listening() bool { return s.listener == nil || s.listener.up.Load() }

// listen LISTENs on one connection until it fails or ctx ends, and reports
// whether it got as far as listening. After a reconnect everything kept is
// forgotten.
func (s *Store) listen(ctx context.Context, l *listener, again bool) (bool, error) {
	cfg, err := pgx.ParseConfig(l.url)
	if err != nil {
		return false, err
	}
	cfg.RuntimeParams["application_name"] = ListenerName
	// A quiet wait ends by its deadline, not by a cancel request to the server.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(connectCtx, cfg)
	cancel()
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+InvalidateChannel+"; LISTEN "+LiveChannel); err != nil {
		return false, err
	}
	if again {
		s.invalidate(everything)
		s.live.hear(everything)
		s.log.Info("listening for other instances' writes again; forgot every cached page and total")
	}
	l.up.Store(true)
	defer l.up.Store(false)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil && n.Channel == LiveChannel:
			if strings.HasPrefix(n.Payload, livePayloadVotes) {
				// Votes are told to live pages only: the same notice
				// is the instances' (see tellVotes).
				s.invalidate("")
			}
			s.live.hear(n.Payload)
		case err == nil:
			s.invalidate(n.Payload)
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return true, err
			}
		default:
			return true, err
		}
	}
}
