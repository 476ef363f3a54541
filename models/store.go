// Package models holds Samen's data, its queries and its domain rules.
// It knows nothing of HTTP.
package models

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/riverqueue/river"
	"gocloud.dev/blob"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/plugin/dbresolver"
)

// Dialects Samen stores its data in.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is Samen's data: every query goes through it.
type Store struct {
	db       *gorm.DB
	sqlDB    *sql.DB
	readDB   *sql.DB // SQLite's pool of readers; nil on PostgreSQL
	dialect  string
	log      *slog.Logger
	jobs     *river.Client[*sql.Tx]
	mailer   *mailer
	mail     *mailState
	md       *renderer
	settings *cache[Settings]
	// voteHooks says whether any enabled webhook hears votes (see changeVoteAtOnce).
	voteHooks *cache[bool]
	catalogs  *cache[catalog]
	totals    *totalsCache
	tags      *tagsCache
	// credentials keep the sessions and API tokens in use (see credentials.go).
	credentials *credentials
	// voteNotices tell the instances of votes (see tellVotes).
	voteNotices *voteNotices
	writes      *atomic.Uint64
	// listener hears the other instances' writes (PostgreSQL only).
	listener *listener
	// live hands what live pages show to this instance's feeds (see live.go).
	live *liveHub
	// brand keeps the branding row of the version last read (see Branding).
	brand *brandCache
	// hooks configure webhook deliveries; hookCounts count them.
	hooks      WebhookOptions
	hookCounts *WebhookCounts
	hookHTTP   *http.Client
	// blobs holds the images members attach (see images.go); decoding
	// bounds how many uploads are decoded at once.
	blobs    *blob.Bucket
	decoding chan struct{}

	// replicas counts the read replicas (see replicas.go); invalidated is
	// when this instance last made or heard of a write (UnixNano of Now).
	replicas    int
	replicaDBs  []*sql.DB
	replicaLag  time.Duration
	invalidated *atomic.Int64

	pollInterval  time.Duration
	jobTimeout    time.Duration
	searchTimeout time.Duration
	inSearch      bool // the statements go to a search's transaction or deadline (see searching)

	// clock is the store's time (see Now and SetClock).
	clock *clock
}

// Options tune Open.
type Options struct {
	Logger *slog.Logger
	// MaxOpenConns sizes the PostgreSQL pool, and SQLite's pool of readers
	// (SQLite always writes through one connection).
	MaxOpenConns int
	// SearchTimeout bounds the database time of one search (default
	// DefaultSearchTimeout); a search that takes longer answers
	// ErrSearchTimeout.
	SearchTimeout time.Duration
	// SMTPURL and MailFrom configure email; without SMTPURL emails go to the log.
	SMTPURL  string
	MailFrom string
	// JobPollInterval is how often idle job workers look for work (default 1s).
	JobPollInterval time.Duration
	// JobTimeout bounds one run of a background job (default
	// DefaultJobTimeout). A job still marked running after twice as long
	// was on an instance that died: it is run again.
	JobTimeout time.Duration
	// BaseURL is Samen's public URL: markdown images load only from its
	// origin or from a relative path.
	BaseURL string
	// MailDelay is how long an instant notification email waits to gather
	// further updates on the same idea (0: it goes at once).
	MailDelay time.Duration
	// Brand names the community in emails (default "Samen").
	Brand string
	// Replicas are PostgreSQL read replicas of the database (URLs): a
	// request's reads go there where Reads allows it.
	Replicas []string
	// ReplicaLag is how far behind the replicas may be (default
	// DefaultReplicaLag): for this long after a write its writer and the
	// caches it emptied read the primary.
	ReplicaLag time.Duration
}

// ParseDatabaseURL splits a DATABASE_URL into its dialect and the driver's
// data source name. It accepts "sqlite:PATH" and "postgres://..." (or
// "postgresql://...").
func ParseDatabaseURL(raw string) (dialect, dsn string, err error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return Postgres, raw, nil
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(raw, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return "", "", errors.New("sqlite: needs a file path, as in sqlite:./data/samen.db")
		}
		return SQLite, path, nil
	default:
		return "", "", errors.New("must start with sqlite: or postgres://")
	}
}

// Open connects to the database named by databaseURL. It does not migrate:
// call Migrate for that.
func Open(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	dialect, dsn, err := ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{dialect: dialect, log: log, clock: newClock(systemClock), pollInterval: time.Second, searchTimeout: DefaultSearchTimeout}
	s.jobTimeout = cmp.Or(opts.JobTimeout, DefaultJobTimeout)
	if opts.JobPollInterval > 0 {
		s.pollInterval = opts.JobPollInterval
	}
	if opts.SearchTimeout > 0 {
		s.searchTimeout = opts.SearchTimeout
	}
	s.mailer = newMailer(opts.SMTPURL, opts.MailFrom, log)
	if s.mail, err = newMailState(opts); err != nil {
		return nil, err
	}
	s.md = newRenderer(opts.BaseURL)
	s.settings = &cache[Settings]{}
	s.voteHooks = &cache[bool]{}
	s.catalogs = &cache[catalog]{}
	s.totals = newTotalsCache()
	s.tags = newTagsCache()
	s.credentials = newCredentials()
	s.voteNotices = &voteNotices{pending: map[int64]bool{}}
	s.writes = &atomic.Uint64{}
	s.invalidated = &atomic.Int64{}
	s.brand = &brandCache{}
	s.live = newLiveHub(s)
	s.hooks = WebhookOptions{RetryBase: DefaultWebhookRetryBase}
	s.hookCounts = &WebhookCounts{}
	s.hookHTTP = webhookClient(false)
	s.decoding = make(chan struct{}, 2)
	cfg := &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return s.Now() },
	}

	var dialector gorm.Dialector
	switch dialect {
	case SQLite:
		if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
		dialector = sqlite.Open("file:" + dsn + "?" + sqlitePragmas + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	case Postgres:
		dialector = postgres.Open(dsn)
		s.listener = &listener{url: dsn}
	}
	s.db, err = gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	inlineLimits(s.db)
	if err := s.watchWrites(); err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	s.sqlDB, err = s.db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 20
	}
	if dialect == SQLite {
		// One writer: SQLite writes one at a time anyway, and a single
		// connection keeps River and the app from ever meeting SQLITE_BUSY.
		s.sqlDB.SetMaxOpenConns(1)
		if err := s.openReaders(dsn, n); err != nil {
			_ = s.sqlDB.Close()
			return nil, fmt.Errorf("open %s database: %w", dialect, err)
		}
	} else {
		s.sqlDB.SetMaxOpenConns(n)
		s.sqlDB.SetMaxIdleConns(n)
		s.sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := s.openReplicas(opts.Replicas, opts.ReplicaLag, n); err != nil {
		_ = s.sqlDB.Close()
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if s.jobs, err = newJobs(s); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// sqlitePragmas are set on every SQLite connection, the writer's and the
// readers'. secure_delete(FAST) overwrites what a deletion frees on its page
// (a deleted account's email, say) instead of leaving it readable in the
// file, at no cost in I/O.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=secure_delete(FAST)&_time_format=sqlite"

// openReaders gives SQLite a pool of read-only connections beside its one
// writer, so that readers neither queue behind each other nor behind a slow
// search: in WAL mode each reader sees the data committed when its statement
// began, while the writer goes on. gorm.io/plugin/dbresolver sends GORM's
// reads there (queries, and raw statements that start with SELECT) and
// keeps everything else on the writer: creates, updates, deletes, other raw
// statements, SELECT … FOR UPDATE, and every statement inside a transaction,
// whatever it is. River works on the writer's *sql.DB directly. A read that
// follows a write sees it, as the write has committed before it returns;
// only a read inside a write's transaction must stay in that transaction,
// which it does.
func (s *Store) openReaders(dsn string, n int) error {
	reader := sqlite.Open("file:" + dsn + "?" + sqlitePragmas + "&_pragma=query_only(1)&_txlock=deferred")
	readers, err := gorm.Open(reader, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return err
	}
	if s.readDB, err = readers.DB(); err != nil {
		return err
	}
	s.readDB.SetMaxOpenConns(n)
	s.readDB.SetMaxIdleConns(n)
	s.readDB.SetConnMaxIdleTime(5 * time.Minute)
	return s.db.Use(dbresolver.Register(dbresolver.Config{
		Replicas: []gorm.Dialector{&sqlite.Dialector{Conn: s.readDB}},
	}))
}

// Dialect names the database in use: SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Close releases the database.
func (s *Store) Close() error {
	s.voteNotices.sent.Wait()
	s.live.close()
	err := s.sqlDB.Close()
	if s.readDB != nil {
		err = errors.Join(err, s.readDB.Close())
	}
	for _, db := range s.replicaDBs {
		err = errors.Join(err, db.Close())
	}
	return err
}

// DB gives tests and the benchmark seeder the underlying pool.
func (s *Store) DB() *sql.DB { return s.sqlDB }

// Writes is a number that changes after every write made through this
// store, so that what was computed from the data can tell it is out of date.
func (s *Store) Writes() uint64 { return s.writes.Load() }

// watchWrites sees every statement that may change data: creates, updates,
// deletes, Exec, and raw statements that are not a SELECT (as the
// single-statement vote, a WITH … INSERT), and hands each to wrote, whichever
// method writes. A raw statement that returns rows leaves its connection busy
// until they are read: inside a transaction its notice goes out just before
// it, in the same transaction, so with its commit.
func (s *Store) watchWrites() error {
	written := func(db *gorm.DB) { s.wrote(db, true) }
	// A SELECT (a search's set_config among them) or a SET (a
	// statement_timeout) changes no data, and may run in a read-only
	// transaction on a read replica, where NOTIFY fails. Before a query
	// built by GORM (not raw SQL) reads rows its SQL is still empty: GORM
	// builds a SELECT for it.
	writes := func(db *gorm.DB) bool {
		sql := strings.TrimLeft(db.Statement.SQL.String(), " \t\r\n")
		return sql != "" && !hasPrefixFold(sql, "SELECT") && !hasPrefixFold(sql, "SET ")
	}
	rowsBefore := func(db *gorm.DB) {
		if db.Error == nil && writes(db) && inTransaction(db) && !toldBy(db) && !quiet(db) {
			s.tellInstances(db, writtenTable(db))
		}
	}
	rowsAfter := func(db *gorm.DB) {
		if writes(db) {
			s.wrote(db, !inTransaction(db) && !toldBy(db))
		}
	}
	cb := s.db.Callback()
	return errors.Join(
		cb.Create().After("gorm:create").Register("samen:watch_writes", written),
		cb.Update().After("gorm:update").Register("samen:watch_writes", written),
		cb.Delete().After("gorm:delete").Register("samen:watch_writes", written),
		cb.Raw().After("gorm:raw").Register("samen:watch_writes", func(db *gorm.DB) {
			if writes(db) {
				written(db)
			}
		}),
		cb.Row().Before("gorm:row").Register("samen:notify_rows", rowsBefore),
		cb.Row().After("gorm:row").Register("samen:watch_writes", rowsAfter),
	)
}

// hasPrefixFold is strings.HasPrefix ignoring case, without upper-casing
// the whole of s (a statement of some kilobytes, for every statement run).
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
