package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"samen/views"
)

// Email of notifications. A notification is emailed at once, in the digest,
// or not at all, as its member's preferences say (see DefaultMailMode). An
// instant email waits the mail delay, so that what else happens to the idea
// meanwhile goes in the same message: one job per member and idea is pending
// at a time (River's unique jobs), and it gathers every notification of that
// member on that idea not emailed yet. emailed_at marks what an email
// carried, or what none will. A periodic check sends digests when they are
// due, and enqueues again what a lost race or a crash left behind: email is
// sent at least once, and twice only when the process dies between sending
// and marking.

// maxQuote bounds the characters of an answer or comment an email quotes.
const maxQuote = 1000

// mailCheckInterval is how often digests are looked for.
const mailCheckInterval = time.Hour

// mailCheckPage is how many waiting notifications the check reads at a time.
const mailCheckPage = 5000

// mailLeftBehind is how long past its delay an instant notification waits
// before the periodic check enqueues its email again.
const mailLeftBehind = 10 * time.Minute

// mailAttempts bounds the attempts of one email (River's backoff spreads
// them over about half a day).
const mailAttempts = 12

// mailState is what email keeps beside the store.
type mailState struct {
	delay      time.Duration
	baseURL    string
	brand      string
	templates  *views.MailTemplates
	localizers map[string]*i18n.Localizer
	keys       sync.Map // secret name -> key

	sent, failed, retried atomic.Uint64
}

func newMailState(opts Options) (*mailState, error) {
	templates, err := views.NewMailTemplates()
	if err != nil {
		return nil, err
	}
	bundle, err := views.Bundle()
	if err != nil {
		return nil, err
	}
	m := &mailState{delay: opts.MailDelay, baseURL: strings.TrimSuffix(opts.BaseURL, "/"), brand: opts.Brand,
		templates: templates, localizers: map[string]*i18n.Localizer{}}
	if m.brand == "" {
		m.brand = "Samen"
	}
	for _, tag := range views.Languages {
		m.localizers[tag.String()] = i18n.NewLocalizer(bundle, tag.String())
	}
	return m, nil
}

// NotifyMailArgs is the job that emails one member the updates on one idea
// (IdeaID 0: those about no idea).
type NotifyMailArgs struct {
	UserID int64 `json:"user_id"`
	IdeaID int64 `json:"idea_id"`
}

// Kind names the job in River's tables.
func (NotifyMailArgs) Kind() string { return "notify_email" }

// DigestMailArgs is the job that emails one member their digest.
type DigestMailArgs struct {
	UserID int64 `json:"user_id"`
}

// Kind names the job in River's tables.
func (DigestMailArgs) Kind() string { return "digest_email" }

// MailCheckArgs is the periodic job that enqueues due digests and what was
// left behind.
type MailCheckArgs struct{}

// Kind names the job in River's tables.
func (MailCheckArgs) Kind() string { return "mail_check" }

// MailJobKinds are the kinds of the jobs that send notification email.
var MailJobKinds = []string{NotifyMailArgs{}.Kind(), DigestMailArgs{}.Kind()}

// pendingStates are the states of a job that has not finished: while one
// is in them, no second job of the same arguments is inserted.
var pendingStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}

// mailJobOpts are the options of an email job due after delay. A job due at
// once is inserted without a time, so that it is available at once: given
// the time it is due, River would store it as scheduled (the transaction
// began a moment earlier) and leave it for its scheduler, which passes every
// few seconds, and on a busy machine took over a minute for thousands.
func mailJobOpts(delay time.Duration) *river.InsertOpts {
	opts := &river.InsertOpts{
		Queue:       QueueEmail,
		MaxAttempts: mailAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: pendingStates},
	}
	if delay > 0 {
		opts.ScheduledAt = time.Now().Add(delay) // River schedules by its own clock, the real one
	}
	return opts
}

func addMailWorkers(workers *river.Workers, s *Store) {
	river.AddWorker(workers, &notifyMailWorker{store: s})
	river.AddWorker(workers, &digestMailWorker{store: s})
	river.AddWorker(workers, &mailCheckWorker{store: s})
	river.AddWorker(workers, &mailAgainWorker{store: s})
}

func mailPeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(mailCheckInterval),
		func() (river.JobArgs, *river.InsertOpts) { return MailCheckArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "mail_check"},
	)}
}

// mailNotified is called in the transaction that writes notifications, with
// the ones it wrote, so that their email is enqueued atomically with them:
// an instant one enqueues (or joins) the email of its member and idea, due
// after the mail delay; one that no email will carry is marked at once; a
// digest one waits for the digest.
func (s *Store) mailNotified(ctx context.Context, tx *gorm.DB, notifs []Notification) error {
	if len(notifs) == 0 {
		return nil
	}
	rs, own, err := s.mailContext(tx, notifs)
	if err != nil {
		return fmt.Errorf("mail notifications: %w", err)
	}
	var done []int64
	var jobs []NotifyMailArgs
	for _, n := range notifs {
		switch s.modeOf(rs[n.UserID], n, own) {
		case MailOff:
			done = append(done, n.ID)
		case MailInstant:
			job := NotifyMailArgs{UserID: n.UserID, IdeaID: ideaOf(n)}
			if !slices.Contains(jobs, job) {
				jobs = append(jobs, job)
			}
		}
	}
	if err := s.markEmailed(tx, done); err != nil {
		return fmt.Errorf("mail notifications: %w", err)
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return errors.New("mail notifications: not in a transaction")
	}
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, job := range jobs {
		params[i] = river.InsertManyParams{Args: job, InsertOpts: mailJobOpts(s.mail.delay)}
	}
	results, err := s.jobs.InsertManyTx(ctx, sqlTx, params)
	if err != nil {
		return fmt.Errorf("mail notifications: enqueue: %w", err)
	}
	var again []river.InsertManyParams
	for _, res := range results {
		if !res.UniqueSkippedAsDuplicate || res.Job.State != rivertype.JobStateRunning {
			continue
		}
		// The member's email on this idea is going out right now, and may
		// have looked for what it carries before this transaction commits:
		// once it has finished, another is due.
		var job MailAgainArgs
		if err := json.Unmarshal(res.Job.EncodedArgs, &job); err != nil {
			return fmt.Errorf("mail notifications: job %d: %w", res.Job.ID, err)
		}
		again = append(again, river.InsertManyParams{Args: job, InsertOpts: mailAgainOpts()})
	}
	if len(again) > 0 {
		if _, err := s.jobs.InsertManyTx(ctx, sqlTx, again); err != nil {
			return fmt.Errorf("mail notifications: enqueue: %w", err)
		}
	}
	return nil
}

// MailAgainArgs is the job that enqueues a member's email on an idea anew
// once the one that was being sent when more notifications came has
// finished. While a job runs, River counts a second of the same arguments
// as a duplicate and drops it; without this, what came in between that
// job's last look and its end would wait for the periodic check.
type MailAgainArgs NotifyMailArgs

// Kind names the job in River's tables.
func (MailAgainArgs) Kind() string { return "notify_email_again" }

// mailAgainOpts are not unique: one such job, already past its look at the
// email job, would otherwise swallow the next.
func mailAgainOpts() *river.InsertOpts {
	return &river.InsertOpts{Queue: QueueEmail, MaxAttempts: mailAttempts}
}

type mailAgainWorker struct {
	river.WorkerDefaults[MailAgainArgs]
	store *Store
}

func (w *mailAgainWorker) Work(ctx context.Context, job *river.Job[MailAgainArgs]) error {
	res, err := w.store.jobs.Insert(ctx, NotifyMailArgs(job.Args), mailJobOpts(w.store.mail.delay))
	if err != nil {
		return fmt.Errorf("enqueue email again: %w", err)
	}
	if res.UniqueSkippedAsDuplicate && res.Job.State == rivertype.JobStateRunning {
		return river.JobSnooze(time.Second) // still going: look again in a moment
	}
	return nil // enqueued, or one waits that will read what came
}

func ideaOf(n Notification) int64 {
	p := n.IdeaID
	if p == nil {
		return 0
	}
	return *p
}

// mailContext loads the recipients of notifications and which of their
// ideas they proposed.
func (s *Store) mailContext(db *gorm.DB, notifs []Notification) (map[int64]*recipient, map[int64]int64, error) {
	var users, ideas []int64
	for _, n := range notifs {
		users = append(users, n.UserID)
		if n.IdeaID != nil {
			ideas = append(ideas, *n.IdeaID)
		}
	}
	rs, err := recipients(db, uniq(users))
	if err != nil {
		return nil, nil, err
	}
	authors := map[int64]int64{}
	if len(ideas) > 0 {
		var rows []struct{ ID, AuthorID int64 }
		if err := db.Table("ideas").Select("id, author_id").Where("id IN ?", uniq(ideas)).Scan(&rows).Error; err != nil {
			return nil, nil, err
		}
		for _, r := range rows {
			authors[r.ID] = r.AuthorID
		}
	}
	return rs, authors, nil
}

func uniq(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// modeOf is how a notification goes by email: off for a member email cannot
// reach (no verified address, banned, gone), and for one the member has read
// in the inbox before its email went.
func (s *Store) modeOf(r *recipient, n Notification, authors map[int64]int64) string {
	if r == nil || !r.reachable() || n.ReadAt != nil {
		return MailOff
	}
	own := n.IdeaID != nil && authors[*n.IdeaID] == n.UserID
	return r.mode(n.Kind, own)
}

func (s *Store) markEmailed(db *gorm.DB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return db.Model(&Notification{}).Where("id IN ? AND emailed_at IS NULL", ids).Update("emailed_at", s.Now()).Error
}

// unsent loads a member's notifications that no email carried yet, on one
// idea (idea 0: about no idea) or on all (idea < 0).
func unsent(db *gorm.DB, userID, ideaID int64, limit int) ([]Notification, error) {
	q := db.Where("user_id = ? AND emailed_at IS NULL", userID)
	switch {
	case ideaID > 0:
		q = q.Where("idea_id = ?", ideaID)
	case ideaID == 0:
		q = q.Where("idea_id IS NULL")
	}
	var out []Notification
	err := q.Order("id").Limit(limit).Find(&out).Error
	return out, err
}

type notifyMailWorker struct {
	river.WorkerDefaults[NotifyMailArgs]
	store *Store
}

func (w *notifyMailWorker) Work(ctx context.Context, job *river.Job[NotifyMailArgs]) error {
	more, err := w.store.sendInstant(ctx, job.Args)
	w.store.mail.count(job.JobRow, err)
	if err != nil {
		return err
	}
	if more {
		// Updates came in while this email went: they get one of their own,
		// after the delay, from this same job.
		return river.JobSnooze(max(w.store.mail.delay, time.Second))
	}
	return nil
}

// sendInstant emails a member every instant notification on one idea not
// emailed yet, and reports whether more arrived meanwhile.
func (s *Store) sendInstant(ctx context.Context, a NotifyMailArgs) (bool, error) {
	db := s.db.WithContext(ctx)
	notifs, err := unsent(db, a.UserID, a.IdeaID, 200)
	if err != nil || len(notifs) == 0 {
		return false, err
	}
	rs, authors, err := s.mailContext(db, notifs)
	if err != nil {
		return false, err
	}
	r := rs[a.UserID]
	var send []Notification
	var done []int64
	for _, n := range notifs {
		switch s.modeOf(r, n, authors) {
		case MailOff:
			done = append(done, n.ID)
		case MailInstant:
			send = append(send, n)
		}
	}
	if len(send) > 0 {
		msg, carried, err := s.composeMail(ctx, r, send, false)
		if err != nil {
			return false, err
		}
		if msg != nil {
			if err := s.mailer.send(ctx, *msg); err != nil {
				return false, err
			}
			s.mail.sent.Add(1)
		}
		done = append(done, carried...)
	}
	if err := s.markEmailed(db, done); err != nil {
		return false, fmt.Errorf("mark notifications emailed: %w", err)
	}
	left, err := unsent(db, a.UserID, a.IdeaID, 200)
	if err != nil {
		return false, err
	}
	for _, n := range left {
		if s.modeOf(r, n, authors) == MailInstant {
			return true, nil
		}
	}
	return false, nil
}

type digestMailWorker struct {
	river.WorkerDefaults[DigestMailArgs]
	store *Store
}

func (w *digestMailWorker) Work(ctx context.Context, job *river.Job[DigestMailArgs]) error {
	err := w.store.sendDigest(ctx, job.Args.UserID)
	w.store.mail.count(job.JobRow, err)
	return err
}

// sendDigest emails a member every digest notification not emailed yet, in
// one message grouped by idea.
func (s *Store) sendDigest(ctx context.Context, userID int64) error {
	db := s.db.WithContext(ctx)
	notifs, err := unsent(db, userID, -1, 500)
	if err != nil || len(notifs) == 0 {
		return err
	}
	rs, authors, err := s.mailContext(db, notifs)
	if err != nil {
		return err
	}
	var send []Notification
	var done []int64
	for _, n := range notifs {
		switch s.modeOf(rs[userID], n, authors) {
		case MailOff:
			done = append(done, n.ID)
		case MailDigest:
			send = append(send, n)
		}
	}
	if len(send) > 0 {
		msg, carried, err := s.composeMail(ctx, rs[userID], send, true)
		if err != nil {
			return err
		}
		if msg != nil {
			if err := s.mailer.send(ctx, *msg); err != nil {
				return err
			}
			s.mail.sent.Add(1)
		}
		done = append(done, carried...)
	}
	if err := s.markEmailed(db, done); err != nil {
		return fmt.Errorf("mark notifications emailed: %w", err)
	}
	return nil
}

type mailCheckWorker struct {
	river.WorkerDefaults[MailCheckArgs]
	store *Store
}

func (w *mailCheckWorker) Work(ctx context.Context, _ *river.Job[MailCheckArgs]) error {
	return w.store.CheckMail(ctx)
}

// digestPeriod is how long a member's digest waits from its first update.
func digestPeriod(r *recipient) time.Duration {
	if r.EmailDigest == DigestWeekly {
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}

// CheckMail enqueues the digest of every member whose oldest update waiting
// for it is a day old (a week for a weekly digest), so that a member gets at
// most one digest a day (or a week), within an hour of it being due. It
// also enqueues again the instant email of notifications left behind (a job
// lost to a race with the one sending, or to a crash), and marks those no
// email will carry. The periodic mail_check job calls it every hour, by the
// store's clock.
func (s *Store) CheckMail(ctx context.Context) error { return s.CheckMailAt(ctx, s.Now()) }

// CheckMailAt is CheckMail as if the clock read now.
func (s *Store) CheckMailAt(ctx context.Context, now time.Time) error {
	db := s.db.WithContext(ctx)
	instant := map[NotifyMailArgs]bool{}
	due := map[int64]bool{} // members whose digest is due
	for after := int64(0); ; {
		var notifs []Notification
		err := db.Select("id, user_id, kind, idea_id, read_at, created_at").Where("emailed_at IS NULL AND id > ?", after).
			Order("id").Limit(mailCheckPage).Find(&notifs).Error
		if err != nil {
			return fmt.Errorf("check mail: %w", err)
		}
		if len(notifs) == 0 {
			break
		}
		after = notifs[len(notifs)-1].ID
		rs, authors, err := s.mailContext(db, notifs)
		if err != nil {
			return fmt.Errorf("check mail: %w", err)
		}
		var done []int64
		for _, n := range notifs {
			switch s.modeOf(rs[n.UserID], n, authors) {
			case MailOff:
				done = append(done, n.ID)
			case MailInstant:
				if n.CreatedAt.Before(now.Add(-s.mail.delay - mailLeftBehind)) {
					instant[NotifyMailArgs{UserID: n.UserID, IdeaID: ideaOf(n)}] = true
				}
			case MailDigest:
				if now.Sub(n.CreatedAt) >= digestPeriod(rs[n.UserID]) {
					due[n.UserID] = true
				}
			}
		}
		if err := s.markEmailed(db, done); err != nil {
			return fmt.Errorf("check mail: %w", err)
		}
	}
	for job := range instant {
		if _, err := s.jobs.Insert(ctx, job, mailJobOpts(0)); err != nil {
			return fmt.Errorf("check mail: enqueue: %w", err)
		}
	}
	for userID := range due {
		if _, err := s.jobs.Insert(ctx, DigestMailArgs{UserID: userID}, mailJobOpts(0)); err != nil {
			return fmt.Errorf("check mail: enqueue: %w", err)
		}
	}
	return nil
}

// count keeps the figures of sent, retried and failed emails.
func (m *mailState) count(job *rivertype.JobRow, err error) {
	if err == nil {
		return
	}
	if job.Attempt >= job.MaxAttempts {
		m.failed.Add(1)
	} else {
		m.retried.Add(1)
	}
}

// MailStats are the counts of notification emails since the start: sent,
// failed for good, and failed once to be tried again.
type MailStats struct {
	Sent, Failed, Retried uint64
}

// MailStats counts the notification emails this process sent, gave up on
// and will retry.
func (s *Store) MailStats() MailStats {
	return MailStats{Sent: s.mail.sent.Load(), Failed: s.mail.failed.Load(), Retried: s.mail.retried.Load()}
}

// PendingMail counts the notification emails waiting to be sent: their
// jobs scheduled, available, running or waiting for a retry.
func (s *Store) PendingMail(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("river_job").
		Where("kind IN ? AND state IN ?", MailJobKinds, []string{"available", "pending", "running", "retryable", "scheduled"}).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count pending email: %w", err)
	}
	return n, nil
}

// Delivery is an email job an admin should look at: stuck, or failing.
type Delivery struct {
	JobID       int64
	Kind        string // NotifyMailArgs or DigestMailArgs's kind
	UserID      int64
	UserName    string
	IdeaID      int64
	State       string
	Attempt     int
	MaxAttempts int
	ScheduledAt time.Time
	LastError   string
}

// StuckDeliveryAfter is how long past due an email counts as stuck.
const StuckDeliveryAfter = 15 * time.Minute

// MailDeliveries lists email jobs that are stuck (due for longer than
// StuckDeliveryAfter and not sent), retrying after a failure, or given up
// on, the latest first.
func (s *Store) MailDeliveries(ctx context.Context) ([]Delivery, error) {
	params := river.NewJobListParams().Kinds(MailJobKinds...).
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateScheduled,
			rivertype.JobStateRetryable, rivertype.JobStateDiscarded).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(500)
	res, err := s.jobs.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("list email deliveries: %w", err)
	}
	stuck := time.Now().Add(-StuckDeliveryAfter)
	var out []Delivery
	var users []int64
	for _, j := range res.Jobs {
		failing := j.State == rivertype.JobStateRetryable || j.State == rivertype.JobStateDiscarded
		if !failing && !j.ScheduledAt.Before(stuck) {
			continue
		}
		d := Delivery{JobID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, ScheduledAt: j.ScheduledAt}
		var args NotifyMailArgs
		if err := json.Unmarshal(j.EncodedArgs, &args); err == nil {
			d.UserID, d.IdeaID = args.UserID, args.IdeaID
		}
		if len(j.Errors) > 0 {
			d.LastError = j.Errors[len(j.Errors)-1].Error
		}
		users = append(users, d.UserID)
		out = append(out, d)
	}
	if len(users) > 0 {
		rs, err := recipients(s.db.WithContext(ctx), uniq(users))
		if err != nil {
			return nil, fmt.Errorf("list email deliveries: %w", err)
		}
		for i := range out {
			if r := rs[out[i].UserID]; r != nil {
				out[i].UserName = r.Name
			}
		}
	}
	return out, nil
}

// composeMail writes the email that carries notifications to a member, and
// returns it with the ids of the notifications it carried or left out (as
// one about an idea the member may no longer read). It is nil when nothing
// is left to say.
func (s *Store) composeMail(ctx context.Context, r *recipient, notifs []Notification, digest bool) (*Email, []int64, error) {
	db := s.db.WithContext(ctx)
	l := s.mail.localizers[r.language()]
	ref, err := s.loadMailRefs(ctx, db, notifs)
	if err != nil {
		return nil, nil, fmt.Errorf("compose email to user %d: %w", r.ID, err)
	}
	mail := views.Mail{L: l, Brand: s.mailBrand(ctx), Digest: digest, PreferencesURL: s.mail.baseURL + "/me#email-settings"}
	var ids []int64
	var kinds []string
	groupOf := map[int64]int{}
	for _, n := range notifs {
		ids = append(ids, n.ID)
		item, ok := ref.item(s, l, r, n)
		if !ok {
			continue
		}
		ideaID := ideaOf(n)
		g, seen := groupOf[ideaID]
		if !seen {
			g = len(mail.Groups)
			groupOf[ideaID] = g
			mail.Groups = append(mail.Groups, views.MailGroup{})
			if idea := ref.ideas[ideaID]; idea != nil {
				mail.Groups[g].Idea, mail.Groups[g].URL = idea.Title, s.ideaURL(idea)
			}
		}
		mail.Groups[g].Items = append(mail.Groups[g].Items, item)
		mail.Count++
		if !slices.Contains(kinds, n.Kind) {
			kinds = append(kinds, n.Kind)
		}
	}
	if mail.Count == 0 {
		return nil, ids, nil
	}
	if digest {
		kinds = nil // a digest's link turns off all email
	}
	token, err := s.UnsubscribeToken(ctx, r.ID, kinds)
	if err != nil {
		return nil, nil, err
	}
	mail.UnsubscribeURL = s.mail.baseURL + "/unsubscribe/" + token
	mail.Unsubscribe = UnsubscribeWhat(l, kinds)
	subject, text, html, err := s.mail.templates.Render(mail)
	if err != nil {
		return nil, nil, err
	}
	return &Email{To: *r.Email, Subject: subject, Text: text, HTML: html, Unsubscribe: mail.UnsubscribeURL}, ids, nil
}

// mailBrand is the community's name in emails: the one admins set in the
// branding, else SAMEN_BRAND_NAME.
func (s *Store) mailBrand(ctx context.Context) string {
	if b, err := s.Branding(ctx); err == nil && b.Name != "" {
		return b.Name
	}
	return s.mail.brand
}

// UnsubscribeWhat names, in the reader's language, the email an unsubscribe
// link turns off: some kinds, or all (nil).
func UnsubscribeWhat(l *i18n.Localizer, kinds []string) string {
	if len(kinds) == 0 || len(kinds) == len(NotificationKinds) {
		return views.T(l, "email.what.all")
	}
	names := make([]string, len(kinds))
	for i, kind := range kinds {
		names[i] = views.T(l, "email.kind."+kind)
	}
	return strings.Join(names, ", ")
}

func (s *Store) ideaURL(i *mailIdea) string {
	return s.mail.baseURL + "/ideas/" + strconv.FormatInt(i.ID, 10) + "/" + i.Slug
}

type mailIdea struct {
	ID         int64
	Title      string
	Slug       string
	AuthorID   int64
	State      string
	CategoryID *int64
}

// mailRefs are what a set of notifications speaks of, loaded at once.
type mailRefs struct {
	ideas     map[int64]*mailIdea
	actors    map[int64]string
	comments  map[int64]*Comment
	entries   map[int64]string
	answers   map[int64]string // notification id -> the team's note with its status change
	statuses  map[string]*Status
	cats      map[int64]Category
	campaigns map[int64]*Campaign // slug, title and phase
}

func (s *Store) loadMailRefs(ctx context.Context, db *gorm.DB, notifs []Notification) (*mailRefs, error) {
	ref := &mailRefs{ideas: map[int64]*mailIdea{}, actors: map[int64]string{},
		comments: map[int64]*Comment{}, entries: map[int64]string{}, answers: map[int64]string{},
		statuses: map[string]*Status{}, cats: map[int64]Category{}, campaigns: map[int64]*Campaign{}}
	var ideaIDs, actorIDs, commentIDs, entryIDs, campaignIDs []int64
	for _, n := range notifs {
		if n.IdeaID != nil {
			ideaIDs = append(ideaIDs, *n.IdeaID)
		}
		if n.ActorID != nil {
			actorIDs = append(actorIDs, *n.ActorID)
		}
		if n.CommentID != nil {
			commentIDs = append(commentIDs, *n.CommentID)
		}
		if n.EntryID != nil {
			entryIDs = append(entryIDs, *n.EntryID)
		}
		if n.CampaignID != nil {
			campaignIDs = append(campaignIDs, *n.CampaignID)
		}
	}
	if len(campaignIDs) > 0 {
		var rows []*Campaign
		if err := db.Select("id, slug, title, phase").Where("id IN ?", uniq(campaignIDs)).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, c := range rows {
			ref.campaigns[c.ID] = c
		}
	}
	if len(ideaIDs) > 0 {
		var rows []*mailIdea
		if err := db.Table("ideas").Select("id, title, slug, author_id, state, category_id").Where("id IN ?", uniq(ideaIDs)).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, i := range rows {
			ref.ideas[i.ID] = i
		}
	}
	if len(actorIDs) > 0 {
		var rows []struct {
			ID   int64
			Name string
		}
		if err := db.Table("users").Select("id, name").Where("id IN ?", uniq(actorIDs)).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			ref.actors[r.ID] = r.Name
		}
	}
	if len(commentIDs) > 0 {
		var rows []*Comment
		if err := db.Select("id, idea_id, body_html, internal, state").Where("id IN ?", uniq(commentIDs)).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, c := range rows {
			ref.comments[c.ID] = c
		}
	}
	if len(entryIDs) > 0 {
		var rows []struct {
			ID    int64
			Title string
		}
		if err := db.Table("changelog_entries").Select("id, title").Where("id IN ?", uniq(entryIDs)).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			ref.entries[r.ID] = r.Title
		}
	}
	c, err := s.catalog(ctx)
	if err != nil {
		return nil, err
	}
	for i := range c.statuses {
		ref.statuses[c.statuses[i].Slug] = &c.statuses[i]
	}
	for _, cat := range c.categories {
		ref.cats[cat.ID] = cat
	}
	// The team's answer that came with a status change: the note of the
	// idea's latest change to that status up to the notification.
	for _, n := range notifs {
		if n.IdeaID == nil || (n.Kind != NotifyStatusChanged && !(n.Kind == NotifyTeamAnswer && n.CommentID == nil)) {
			continue
		}
		q := db.Model(&StatusChange{}).Where("idea_id = ? AND created_at <= ?", *n.IdeaID, n.CreatedAt)
		if st := ref.statuses[n.Detail]; st != nil && n.Kind == NotifyStatusChanged {
			q = q.Where("to_status_id = ?", st.ID)
		}
		var sc StatusChange
		if err := q.Select("id, note_html").Order("id DESC").Limit(1).Find(&sc).Error; err != nil {
			return nil, err
		}
		ref.answers[n.ID] = s.md.plainText(sc.NoteHTML)
	}
	return ref, nil
}

// item is a notification as an email shows it, false for one the member may
// no longer read of (its idea deleted, or hidden from others than its author).
func (ref *mailRefs) item(s *Store, l *i18n.Localizer, r *recipient, n Notification) (views.MailItem, bool) {
	var d views.NotificationData
	url := s.mail.baseURL + "/me/notifications"
	if n.IdeaID != nil {
		idea := ref.ideas[*n.IdeaID]
		if idea == nil || idea.State == StateDeleted {
			return views.MailItem{}, false
		}
		mine := n.Kind == NotifyContentHidden || n.Kind == NotifyReportOutcome
		if idea.State != StatePublished && idea.AuthorID != r.ID && !mine {
			return views.MailItem{}, false
		}
		d.Idea, url = idea.Title, s.ideaURL(idea)
		if idea.CategoryID != nil {
			d.Category = ref.cats[*idea.CategoryID].NameIn(r.language())
		}
	}
	if n.ActorID != nil {
		d.Actor = ref.actors[*n.ActorID]
	}
	if n.EntryID != nil {
		d.Entry = ref.entries[*n.EntryID]
		if n.Kind == NotifyChangelog {
			url = s.mail.baseURL + "/changelog/" + strconv.FormatInt(*n.EntryID, 10)
		}
	}
	if n.CampaignID != nil {
		c := ref.campaigns[*n.CampaignID]
		if c == nil || c.Phase == PhaseDraft {
			return views.MailItem{}, false
		}
		d.Campaign, d.Phase = c.Title, views.T(l, "campaigns.announce."+n.Detail)
		url = s.mail.baseURL + "/campaigns/" + c.Slug
	}
	switch n.Kind {
	case NotifyStatusChanged:
		d.Status = n.Detail
		if st := ref.statuses[n.Detail]; st != nil {
			d.Status = st.NameIn(r.language())
		}
	case NotifyMerged:
		// The notification is on the idea merged into; its detail is the
		// title of the idea merged away.
		d.Idea, d.Other = n.Detail, d.Idea
	case NotifyContentHidden:
		d.Reason = n.Detail
	case NotifyReportOutcome:
		d.Outcome = n.Detail
	case NotifyRoundInvite, NotifyRoundReminder, NotifyRoundClosed:
		if n.IdeaID != nil {
			url = s.mail.baseURL + "/ideas/" + strconv.FormatInt(*n.IdeaID, 10) + "/rounds/" + n.Detail
		}
	}
	item := views.MailItem{Text: views.NotificationText(l, n.Kind, d), Subject: views.MailItemSubject(l, n.Kind, d), URL: url,
		At: views.DateTime(l, n.CreatedAt)}
	if n.CommentID != nil {
		// Never an internal note, nor what a moderator hid or a writer deleted.
		if c := ref.comments[*n.CommentID]; c != nil && !c.Internal && c.State == StatePublished {
			item.Quote = truncate(s.md.plainText(c.BodyHTML), maxQuote)
			item.URL = url + "#comment-" + strconv.FormatInt(c.ID, 10)
		}
	} else if answer := ref.answers[n.ID]; answer != "" {
		item.Quote = truncate(answer, maxQuote)
	}
	return item, true
}
