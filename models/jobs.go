package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// DefaultJobTimeout bounds one run of a background job. A job that is still
// marked running after twice as long belongs to an instance that died (a
// kill, a crash, a lost machine) and is run again; River's own default
// would leave it for an hour.
const DefaultJobTimeout = time.Minute

// CleanupArgs is the periodic job that deletes expired sessions and sign-in
// links, and on SQLite brings the planner's statistics up to date
// (PostgreSQL's autovacuum does that on its own).
type CleanupArgs struct{}

// Kind names the job in River's tables.
func (CleanupArgs) Kind() string { return "cleanup_expired" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	store *Store
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	if _, err := w.store.DeleteExpired(ctx); err != nil {
		return err
	}
	if w.store.dialect == SQLite {
		return w.store.analyze(ctx)
	}
	return nil
}

// QueueEmail is the queue of notification email: a fan-out to thousands of
// followers fills it without holding up the other jobs (sign-in links among
// them), and its workers spend most of their time waiting on the database
// and the SMTP server, so it has many.
const QueueEmail = "email"

// emailWorkers is how many notification emails go at once. River fetches at
// most this many jobs per fetch, and fetches at most every 100 ms: with the
// default queue's 4 workers, a fan-out's email crawled at 40 a second.
const emailWorkers = 16

func newJobs(s *Store) (*river.Client[*sql.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &cleanupWorker{store: s})
	river.AddWorker(workers, &emailWorker{mailer: s.mailer})
	river.AddWorker(workers, &loginLinkWorker{store: s})
	river.AddWorker(workers, &fanoutWorker{store: s})
	river.AddWorker(workers, &webhookEventWorker{store: s})
	river.AddWorker(workers, &webhookDeliveryWorker{store: s})
	river.AddWorker(workers, &pruneNotificationsWorker{store: s})
	river.AddWorker(workers, &deleteBlobsWorker{store: s})
	river.AddWorker(workers, &orphanImagesWorker{store: s})
	river.AddWorker(workers, &forgetStatisticsWorker{store: s})
	river.AddWorker(workers, &advanceCampaignsWorker{store: s})
	addMailWorkers(workers, s)
	river.AddWorker(workers, &roundCheckWorker{store: s})

	var driver riverdriver.Driver[*sql.Tx]
	if s.dialect == Postgres {
		driver = riverdatabasesql.New(s.sqlDB)
	} else {
		driver = riversqlite.New(s.sqlDB)
	}
	client, err := river.NewClient(driver, &river.Config{
		Logger: slog.New(quieter{s.log.Handler()}), // River's routine notices are noise in a CLI
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 4},
			QueueEmail:         {MaxWorkers: emailWorkers},
		},
		// Job arguments hold email addresses and messages (never a sign-in
		// token): keep finished jobs briefly.
		CompletedJobRetentionPeriod: LoginTokenTTL,
		FetchPollInterval:           s.pollInterval,
		JobTimeout:                  s.jobTimeout,
		RescueStuckJobsAfter:        2 * s.jobTimeout,
		FetchCooldown:               min(s.pollInterval, river.FetchCooldownDefault),
		Workers:                     workers,
		PeriodicJobs: append([]*river.PeriodicJob{
			river.NewPeriodicJob(
				river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "cleanup_expired"},
			),
			river.NewPeriodicJob(
				river.PeriodicInterval(6*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return PruneNotificationsArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "prune_notifications"},
			),
			river.NewPeriodicJob(
				river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return OrphanImagesArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "delete_orphan_images"},
			),
			// A campaign's dates move it within a minute of their time.
			river.NewPeriodicJob(
				river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return AdvanceCampaignsArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true, ID: "advance_campaigns"},
			),
		}, append(mailPeriodicJobs(), roundPeriodicJobs()...)...),
	})
	if err != nil {
		return nil, fmt.Errorf("set up jobs: %w", err)
	}
	return client, nil
}

// StartJobs starts the background work: working jobs, periodic ones
// included, and on PostgreSQL listening for the other instances' writes.
func (s *Store) StartJobs(ctx context.Context) error {
	if err := s.jobs.Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	s.startListening()
	return nil
}

// StopJobs lets running jobs finish, waiting until ctx ends, and stops listening.
func (s *Store) StopJobs(ctx context.Context) error {
	s.stopListening()
	err := s.jobs.Stop(ctx)
	s.mailer.close()
	if err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

// DeleteExpired deletes sessions and sign-in links past their expiry and
// reports how many rows went.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	now := s.Now()
	var total int64
	for _, model := range []any{&Session{}, &LoginToken{}, &AuthState{}} {
		res := s.db.WithContext(ctx).Where("expires_at < ?", now).Delete(model)
		if res.Error != nil {
			return total, fmt.Errorf("delete expired: %w", res.Error)
		}
		total += res.RowsAffected
	}
	return total, nil
}

// quieter passes on warnings and errors only.
type quieter struct{ slog.Handler }

func (q quieter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && q.Handler.Enabled(ctx, l)
}

func (q quieter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quieter{q.Handler.WithAttrs(attrs)}
}

func (q quieter) WithGroup(name string) slog.Handler { return quieter{q.Handler.WithGroup(name)} }
