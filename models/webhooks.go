package models

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// Webhook event types, as Standard Webhooks' "type".
const (
	EventIdeaCreated        = "idea.created"
	EventIdeaUpdated        = "idea.updated"
	EventIdeaStatusChanged  = "idea.status_changed"
	EventIdeaMerged         = "idea.merged"
	EventCommentCreated     = "comment.created"
	EventVoteCreated        = "vote.created"
	EventVoteDeleted        = "vote.deleted"
	EventChangelogPublished = "changelog.published"
)

// WebhookEvents lists every event type a webhook may hear.
var WebhookEvents = []string{
	EventIdeaCreated, EventIdeaUpdated, EventIdeaStatusChanged, EventIdeaMerged,
	EventCommentCreated, EventVoteCreated, EventVoteDeleted, EventChangelogPublished,
}

const (
	// WebhookAttempts is how many times a delivery is tried before it fails
	// for good: with the default base of 30s the last try comes about four
	// hours after the first (30s, 1m, 2m, … 128m apart).
	WebhookAttempts = 10
	// WebhookDisableAfter is how many deliveries in a row may fail for good
	// (every attempt of each) before their webhook is disabled.
	WebhookDisableAfter = 5
	// webhookResponseLimit bounds the answer kept of each attempt.
	webhookResponseLimit = 1024
	// DefaultWebhookRetryBase is the first retry's delay; each next one doubles.
	DefaultWebhookRetryBase = 30 * time.Second
)

// Webhook is an endpoint that hears the events it subscribed to.
type Webhook struct {
	ID     int64
	URL    string
	Events string // ",a,b," (see Subscribed)
	// Secret is "whsec_" and the base64 of the signing key.
	Secret              string
	DisabledAt          *time.Time
	DisabledReason      string
	ConsecutiveFailures int
	CreatedBy           *int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// EventList is the event types the webhook hears.
func (w *Webhook) EventList() []string {
	return strings.FieldsFunc(w.Events, func(r rune) bool { return r == ',' })
}

// Disabled reports whether deliveries to the webhook stopped.
func (w *Webhook) Disabled() bool { return w.DisabledAt != nil }

// WebhookDelivery is one event sent to one webhook, with every attempt.
type WebhookDelivery struct {
	ID          int64
	WebhookID   int64
	MessageID   string // the webhook-id header, the same on every attempt
	Type        string
	Payload     string
	CreatedAt   time.Time
	DeliveredAt *time.Time
	FailedAt    *time.Time
	Attempts    []WebhookAttempt `gorm:"foreignKey:DeliveryID"`
}

// Delivered reports whether an attempt succeeded.
func (d *WebhookDelivery) Delivered() bool { return d.DeliveredAt != nil }

// WebhookAttempt is one try at a delivery: the endpoint's status and the
// start of its answer, or the error that kept it from answering.
type WebhookAttempt struct {
	ID         int64
	DeliveryID int64
	At         time.Time
	StatusCode int
	DurationMS int `gorm:"column:duration_ms"`
	Response   string
	Error      string
}

// OK reports whether the endpoint took the delivery (a 2xx answer).
func (a *WebhookAttempt) OK() bool { return a.StatusCode >= 200 && a.StatusCode < 300 }

// WebhookEvent is what happened, as the models record it in the change's
// transaction; the payload is built from it when it is sent.
type WebhookEvent struct {
	Type      string       `json:"type"`
	IdeaID    int64        `json:"idea_id,omitempty"`
	CommentID int64        `json:"comment_id,omitempty"`
	EntryID   int64        `json:"entry_id,omitempty"`
	Vote      *WebhookVote `json:"vote,omitempty"`
	At        time.Time    `json:"at"`
}

// WebhookVote is a vote event's data: who voted and the idea's count after.
type WebhookVote struct {
	UserID int64 `json:"user_id"`
	// Votes is the idea's count after the vote; null while its campaign
	// is sealed.
	Votes *int `json:"votes"`
}

// WebhookData builds an event's "data" as a visitor would see it. ok is
// false when there is nothing a visitor may see (hidden, pending or deleted
// content, an internal note, a draft): then nothing is sent.
type WebhookData func(ctx context.Context, ev WebhookEvent) (data any, ok bool, err error)

// WebhookOptions configure deliveries; the app sets them before the jobs start.
type WebhookOptions struct {
	// RetryBase is the delay before the first retry (default 30s).
	RetryBase time.Duration
	// AllowPrivate lets webhooks reach loopback, private and link-local
	// addresses (tests, and endpoints on the same network on purpose).
	AllowPrivate bool
	// Data builds the payloads; without it no event is sent.
	Data WebhookData
}

// WebhookCounts are the delivery figures since the start, for /metrics.
type WebhookCounts struct {
	Sent    atomic.Uint64 // attempts the endpoint took
	Failed  atomic.Uint64 // deliveries that failed for good
	Retried atomic.Uint64 // failed attempts that will be tried again
}

// SetWebhooks configures webhook deliveries.
func (s *Store) SetWebhooks(o WebhookOptions) {
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultWebhookRetryBase
	}
	s.hooks = o
	s.hookHTTP = webhookClient(o.AllowPrivate)
}

// WebhookCounts returns the delivery figures.
func (s *Store) WebhookCounts() *WebhookCounts { return s.hookCounts }

// publish records an event inside the transaction of the change: when a
// webhook hears it, a job that builds and sends its deliveries commits with
// the change, so nothing is sent for a change that rolled back and nothing
// is lost for one that committed.
func (s *Store) publish(tx *gorm.DB, ev WebhookEvent) error {
	var n int64
	err := hearing(tx, ev.Type).Count(&n).Error
	if err != nil || n == 0 {
		return err
	}
	ev.At = s.Now().UTC().Truncate(time.Second)
	return s.enqueue(tx.Statement.Context, tx, WebhookEventArgs{Event: ev})
}

// hearing narrows db to the enabled webhooks that hear any of these events.
func hearing(db *gorm.DB, types ...string) *gorm.DB {
	q := db.Model(&Webhook{}).Where("disabled_at IS NULL")
	heard := db.Where("events LIKE ?", "%,"+types[0]+",%")
	for _, t := range types[1:] {
		heard = heard.Or("events LIKE ?", "%,"+t+",%")
	}
	return q.Where(heard)
}

// WebhookEventArgs is the job that turns an event into one delivery per
// webhook that hears it.
type WebhookEventArgs struct {
	Event WebhookEvent `json:"event"`
}

// Kind names the job in River's tables.
func (WebhookEventArgs) Kind() string { return "webhook_event" }

type webhookEventWorker struct {
	river.WorkerDefaults[WebhookEventArgs]
	store *Store
}

func (w *webhookEventWorker) Work(ctx context.Context, job *river.Job[WebhookEventArgs]) error {
	return w.store.fanOut(ctx, job.Args.Event)
}

// webhookBody is what every delivery sends.
type webhookBody struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// fanOut builds the event's payload once and queues a delivery of it to
// every enabled webhook that hears it.
func (s *Store) fanOut(ctx context.Context, ev WebhookEvent) error {
	var hooks []Webhook
	err := hearing(s.db.WithContext(ctx), ev.Type).Find(&hooks).Error
	if err != nil || len(hooks) == 0 || s.hooks.Data == nil {
		return err
	}
	data, ok, err := s.hooks.Data(ctx, ev)
	if err != nil || !ok {
		return err
	}
	payload, err := json.Marshal(webhookBody{Type: ev.Type, Timestamp: ev.At, Data: data})
	if err != nil {
		return fmt.Errorf("encode %s: %w", ev.Type, err)
	}
	now := s.Now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, h := range hooks {
			d := &WebhookDelivery{WebhookID: h.ID, MessageID: newMessageID(), Type: ev.Type, Payload: string(payload), CreatedAt: now}
			if err := tx.Omit("Attempts").Create(d).Error; err != nil {
				return err
			}
			if err := s.enqueueDelivery(ctx, tx, d.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// newMessageID is a delivery's webhook-id.
func newMessageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "msg_" + hex.EncodeToString(b)
}

func (s *Store) enqueueDelivery(ctx context.Context, tx *gorm.DB, id int64) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	_, err = s.jobs.InsertTx(ctx, sqlTx, WebhookDeliveryArgs{DeliveryID: id}, &river.InsertOpts{MaxAttempts: WebhookAttempts})
	if err != nil {
		return fmt.Errorf("enqueue delivery %d: %w", id, err)
	}
	return nil
}

// WebhookDeliveryArgs is the job that sends one delivery; River runs it
// again (see NextRetry) until the endpoint takes it or WebhookAttempts ran out.
type WebhookDeliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job in River's tables.
func (WebhookDeliveryArgs) Kind() string { return "webhook_delivery" }

type webhookDeliveryWorker struct {
	river.WorkerDefaults[WebhookDeliveryArgs]
	store *Store
}

// NextRetry waits the retry base after the first attempt, then twice as long after each next one.
func (w *webhookDeliveryWorker) NextRetry(job *river.Job[WebhookDeliveryArgs]) time.Time {
	return time.Now().Add(WebhookRetryDelay(w.store.hooks.RetryBase, job.Attempt))
}

// WebhookRetryDelay is the wait after failed attempt n (from 1): base x 2^(n-1).
func WebhookRetryDelay(base time.Duration, n int) time.Duration {
	return base << min(max(n-1, 0), 20)
}

func (w *webhookDeliveryWorker) Timeout(*river.Job[WebhookDeliveryArgs]) time.Duration {
	return webhookTimeout + 10*time.Second
}

// errAttemptFailed makes River try a delivery again.
var errAttemptFailed = errors.New("webhook attempt failed")

func (w *webhookDeliveryWorker) Work(ctx context.Context, job *river.Job[WebhookDeliveryArgs]) error {
	s := w.store
	d, hook, err := s.delivery(ctx, job.Args.DeliveryID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil // the webhook was deleted
	case err != nil:
		return err
	case d.Delivered() || d.FailedAt != nil:
		return nil
	case hook.Disabled():
		return s.giveUp(ctx, d, hook, false)
	}
	ok, err := s.attempt(ctx, hook, d)
	switch {
	case err != nil:
		return err
	case ok:
		return nil
	case job.Attempt >= job.MaxAttempts:
		return s.giveUp(ctx, d, hook, true)
	}
	s.hookCounts.Retried.Add(1)
	return errAttemptFailed
}

// delivery loads a delivery and its webhook.
func (s *Store) delivery(ctx context.Context, id int64) (*WebhookDelivery, *Webhook, error) {
	var d WebhookDelivery
	if err := first(s.db.WithContext(ctx).Where("id = ?", id), &d); err != nil {
		return nil, nil, fmt.Errorf("load delivery %d: %w", id, err)
	}
	var h Webhook
	if err := first(s.db.WithContext(ctx).Where("id = ?", d.WebhookID), &h); err != nil {
		return nil, nil, fmt.Errorf("load webhook %d: %w", d.WebhookID, err)
	}
	return &d, &h, nil
}

// giveUp marks a delivery failed for good. When every attempt failed
// (counted), it counts against the webhook, which is disabled once
// WebhookDisableAfter deliveries in a row failed so, with a line in the audit log.
func (s *Store) giveUp(ctx context.Context, d *WebhookDelivery, h *Webhook, counted bool) error {
	now := s.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&WebhookDelivery{}).Where("id = ?", d.ID).Update("failed_at", now).Error; err != nil {
			return err
		}
		if !counted {
			return nil
		}
		var failures int
		err := tx.Raw("UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = ? RETURNING consecutive_failures", h.ID).
			Scan(&failures).Error
		if err != nil || failures < WebhookDisableAfter {
			return err
		}
		reason := fmt.Sprintf("%d deliveries in a row failed after %d attempts each", failures, WebhookAttempts)
		res := tx.Model(&Webhook{}).Where("id = ? AND disabled_at IS NULL", h.ID).
			Updates(map[string]any{"disabled_at": now, "disabled_reason": reason, "updated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return record(tx, now, Audit{Action: AuditWebhookDisable, TargetType: TargetWebhook, TargetID: h.ID, Reason: auditURL(h.URL) + ": " + reason})
	})
	if err != nil {
		return fmt.Errorf("give up delivery %d: %w", d.ID, err)
	}
	if counted {
		s.hookCounts.Failed.Add(1)
	}
	return nil
}

// attempt sends a delivery once and logs the attempt; it reports whether
// the endpoint took it. Only a failure to log is an error.
func (s *Store) attempt(ctx context.Context, h *Webhook, d *WebhookDelivery) (bool, error) {
	a := s.send(ctx, h, d)
	a.DeliveryID = d.ID
	now := s.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		if !a.OK() {
			return nil
		}
		err := tx.Model(&WebhookDelivery{}).Where("id = ? AND delivered_at IS NULL", d.ID).
			Updates(map[string]any{"delivered_at": now, "failed_at": nil}).Error
		if err != nil {
			return err
		}
		return tx.Model(&Webhook{}).Where("id = ?", h.ID).Update("consecutive_failures", 0).Error
	})
	if err != nil {
		return false, fmt.Errorf("log attempt at delivery %d: %w", d.ID, err)
	}
	if a.OK() {
		s.hookCounts.Sent.Add(1)
	}
	return a.OK(), nil
}

// NewWebhookSecret makes a signing secret: "whsec_" and 24 random bytes in base64.
func NewWebhookSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// SignWebhook is Standard Webhooks' signature of a message: "v1," and the
// base64 HMAC-SHA256, keyed with the secret's decoded part, of
// "{id}.{timestamp}.{body}".
func SignWebhook(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// NewWebhook is a webhook to register.
type NewWebhook struct {
	URL    string
	Events []string
}

// validate checks the URL (see checkWebhookURL) and the events.
func (s *Store) validateWebhook(ctx context.Context, n *NewWebhook) error {
	errs := ValidationErrors{}
	n.URL = strings.TrimSpace(n.URL)
	if err := checkWebhookURL(ctx, n.URL, s.hooks.AllowPrivate); err != nil {
		errs["url"] = err.Error()
	}
	var events []string
	for _, e := range n.Events {
		e = strings.TrimSpace(e)
		switch {
		case !slices.Contains(WebhookEvents, e):
			errs["events"] = fmt.Sprintf("%q is not an event type; use %s", e, strings.Join(WebhookEvents, ", "))
		case !slices.Contains(events, e):
			events = append(events, e)
		}
	}
	if len(n.Events) == 0 {
		errs["events"] = "must name at least one event type"
	}
	n.Events = events
	return errs.orNil()
}

// CreateWebhook registers an endpoint for events, with a new secret.
func (s *Store) CreateWebhook(ctx context.Context, actor *User, n NewWebhook) (*Webhook, error) {
	if !s.Can(actor, ActManageWebhooks) {
		return nil, ErrForbidden
	}
	if err := s.validateWebhook(ctx, &n); err != nil {
		return nil, err
	}
	now := s.Now()
	h := &Webhook{URL: n.URL, Events: "," + strings.Join(n.Events, ",") + ",", Secret: NewWebhookSecret(),
		CreatedBy: &actor.ID, CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(h).Error; err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: actor, Action: AuditWebhookCreate, TargetType: TargetWebhook, TargetID: h.ID, Reason: auditURL(h.URL)})
	})
	if err != nil {
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	return h, nil
}

// Webhooks lists every webhook, oldest first.
func (s *Store) Webhooks(ctx context.Context, actor *User) ([]Webhook, error) {
	if !s.Can(actor, ActManageWebhooks) {
		return nil, ErrForbidden
	}
	var list []Webhook
	if err := s.db.WithContext(ctx).Order("id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return list, nil
}

// Webhook loads one webhook.
func (s *Store) Webhook(ctx context.Context, actor *User, id int64) (*Webhook, error) {
	if !s.Can(actor, ActManageWebhooks) {
		return nil, ErrForbidden
	}
	var h Webhook
	if err := first(s.db.WithContext(ctx).Where("id = ?", id), &h); err != nil {
		return nil, fmt.Errorf("load webhook %d: %w", id, err)
	}
	return &h, nil
}

// DisabledWebhooks counts the webhooks that were disabled, for the admins' notice.
func (s *Store) DisabledWebhooks(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Webhook{}).Where("disabled_at IS NOT NULL").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count disabled webhooks: %w", err)
	}
	return n, nil
}

// DeleteWebhook removes a webhook and its delivery log.
func (s *Store) DeleteWebhook(ctx context.Context, actor *User, id int64) error {
	h, err := s.Webhook(ctx, actor, id)
	if err != nil {
		return err
	}
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Delete(&Webhook{}, h.ID).Error; err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: actor, Action: AuditWebhookDelete, TargetType: TargetWebhook, TargetID: h.ID, Reason: auditURL(h.URL)})
	})
	if err != nil {
		return fmt.Errorf("delete webhook %d: %w", id, err)
	}
	return nil
}

// EnableWebhook turns a disabled webhook on again, its failures forgiven.
// Deliveries given up while it was off stay given up (redeliver them one by one).
func (s *Store) EnableWebhook(ctx context.Context, actor *User, id int64) (*Webhook, error) {
	h, err := s.Webhook(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !h.Disabled() {
		return h, nil
	}
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&Webhook{}).Where("id = ?", h.ID).
			Updates(map[string]any{"disabled_at": nil, "disabled_reason": "", "consecutive_failures": 0, "updated_at": now}).Error
		if err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: actor, Action: AuditWebhookEnable, TargetType: TargetWebhook, TargetID: h.ID, Reason: auditURL(h.URL)})
	})
	if err != nil {
		return nil, fmt.Errorf("enable webhook %d: %w", id, err)
	}
	return s.Webhook(ctx, actor, id)
}

// WebhookLogSize is how many deliveries the delivery log shows.
const WebhookLogSize = 50

// WebhookDeliveries is a webhook's delivery log: its latest deliveries,
// newest first, each with its attempts in order.
func (s *Store) WebhookDeliveries(ctx context.Context, actor *User, id int64) ([]WebhookDelivery, error) {
	h, err := s.Webhook(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	var list []WebhookDelivery
	err = s.db.WithContext(ctx).Preload("Attempts", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("webhook_id = ?", h.ID).Order("id DESC").Limit(WebhookLogSize).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list deliveries of webhook %d: %w", id, err)
	}
	return list, nil
}

// Redeliver tries a delivery once more, now, with the same webhook-id, and
// returns it with the new attempt in its log.
func (s *Store) Redeliver(ctx context.Context, actor *User, webhookID, deliveryID int64) (*WebhookDelivery, error) {
	if !s.Can(actor, ActManageWebhooks) {
		return nil, ErrForbidden
	}
	d, h, err := s.delivery(ctx, deliveryID)
	if err != nil {
		return nil, err
	}
	if h.ID != webhookID {
		return nil, fmt.Errorf("load delivery %d: %w", deliveryID, ErrNotFound)
	}
	if _, err := s.attempt(ctx, h, d); err != nil {
		return nil, err
	}
	var out WebhookDelivery
	err = first(s.db.WithContext(ctx).Preload("Attempts", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Where("id = ?", d.ID), &out)
	if err != nil {
		return nil, fmt.Errorf("load delivery %d: %w", d.ID, err)
	}
	return &out, nil
}

// auditURL is a webhook's URL as the audit log keeps it: without its query,
// where receivers sometimes put a token of their own.
func auditURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// PendingWebhookDeliveries counts deliveries neither delivered nor given up: the queue's depth.
func (s *Store) PendingWebhookDeliveries(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&WebhookDelivery{}).Where("delivered_at IS NULL AND failed_at IS NULL").Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count pending deliveries: %w", err)
	}
	return n, nil
}
