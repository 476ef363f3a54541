package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"
)

// DefaultReplicaLag is how far behind the primary a read replica is taken to
// be, unless Options.ReplicaLag says otherwise.
const DefaultReplicaLag = 5 * time.Second

// Reads follows where one request's reads go. A read goes to a read replica
// only in a context made by ReadReplicas, and only until the request writes:
// from then on it reads the primary, so it sees its own write. Every other
// read (background jobs, commands, the listener, transactions, cache fills)
// goes to the primary.
type Reads struct {
	primary atomic.Bool
	wrote   atomic.Bool
}

type readsKey struct{}

// ReadReplicas returns ctx in which reads may go to a read replica, and the
// Reads that follows them. primary sends them to the primary from the start
// (a request that writes, or from someone who wrote a moment ago).
func ReadReplicas(ctx context.Context, primary bool) (context.Context, *Reads) {
	r := &Reads{}
	r.primary.Store(primary)
	return context.WithValue(ctx, readsKey{}, r), r
}

// Primary sends the rest of the request's reads to the primary.
func (r *Reads) Primary() { r.primary.Store(true) }

// Wrote reports whether the request wrote anything.
func (r *Reads) Wrote() bool { return r.wrote.Load() }

// onReplica reports whether a read in ctx goes to a read replica.
func onReplica(ctx context.Context) bool {
	r, _ := ctx.Value(readsKey{}).(*Reads)
	return r != nil && !r.primary.Load()
}

// onPrimary returns ctx in which every read goes to the primary and no write
// counts as the request's own: for what this instance keeps beyond the
// request (caches), and for bookkeeping writes (a session's last use) that
// should not send the member's next reads to the primary.
func onPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, readsKey{}, (*Reads)(nil))
}

// readSince marks a write in db's context as the request's own: its later
// reads, and for a while its writer's next requests, go to the primary.
func readSince(db *gorm.DB) {
	if r, _ := db.Statement.Context.Value(readsKey{}).(*Reads); r != nil && db.Error == nil {
		r.primary.Store(true)
		r.wrote.Store(true)
	}
}

// openReplicas sends reads to the read replicas at urls, in turn, where the
// context allows it (see Reads); everything else stays on the primary:
// writes, transactions (River's and the listener's connections too, which
// never pass through GORM's resolver), and reads outside a request.
func (s *Store) openReplicas(urls []string, lag time.Duration, conns int) error {
	if len(urls) == 0 {
		return nil
	}
	if s.dialect != Postgres {
		return errors.New("read replicas need PostgreSQL")
	}
	replicas := make([]gorm.Dialector, len(urls))
	for i, u := range urls {
		if dialect, _, err := ParseDatabaseURL(u); err != nil || dialect != Postgres {
			return fmt.Errorf("read replica %d: must be a postgres:// URL", i+1)
		}
		replicas[i] = postgres.Open(u)
	}
	s.replicas, s.replicaLag = len(urls), lag
	if s.replicaLag <= 0 {
		s.replicaLag = DefaultReplicaLag
	}
	resolver := dbresolver.Register(dbresolver.Config{Replicas: replicas, Policy: dbresolver.StrictRoundRobinPolicy()}).
		SetMaxOpenConns(conns).SetMaxIdleConns(conns).SetConnMaxIdleTime(5 * time.Minute)
	if err := s.db.Use(resolver); err != nil {
		return err
	}
	_ = resolver.Call(func(pool gorm.ConnPool) error {
		if db, ok := pool.(*sql.DB); ok && db != s.sqlDB {
			s.replicaDBs = append(s.replicaDBs, db)
		}
		return nil
	})
	// The resolver reads from a replica unless told to write; reads outside
	// a replica's context are told so right after it chose, which makes it
	// choose again.
	toPrimary := func(db *gorm.DB) {
		if !onReplica(db.Statement.Context) {
			dbresolver.Write.ModifyStatement(db.Statement)
		}
	}
	cb := s.db.Callback()
	return errors.Join(
		cb.Query().After("gorm:db_resolver").Before("gorm:query").Register("samen:read_primary", toPrimary),
		cb.Row().After("gorm:db_resolver").Before("gorm:row").Register("samen:read_primary", toPrimary),
		cb.Raw().After("gorm:db_resolver").Before("gorm:raw").Register("samen:read_primary", toPrimary),
	)
}

// Replicas is how many read replicas the store reads from (0: none).
func (s *Store) Replicas() int { return s.replicas }

// ReplicaLag is how long after a write its writer, and what this instance
// keeps, read the primary rather than a replica that may not have it yet.
func (s *Store) ReplicaLag() time.Duration { return s.replicaLag }

// ForCache returns ctx for a read whose result this instance keeps for other
// requests (a visitor page): shortly after a write that this instance made or
// heard of, it reads the primary, since a replica that has not replayed the
// write yet would put the old data back in the cache the write has just
// emptied.
func (s *Store) ForCache(ctx context.Context) context.Context {
	if s.replicas > 0 && time.Now().UnixNano()-s.invalidated.Load() < int64(s.replicaLag) {
		return onPrimary(ctx)
	}
	return ctx
}
