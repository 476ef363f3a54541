package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Webhooks is the admins' page of webhooks: register, remove, enable
// again, and each one's delivery log with redelivery.
type Webhooks struct{ *Deps }

type webhooksPage struct {
	Layout
	Webhooks []models.Webhook
	Events   []string
	// Created is the webhook just registered: its secret shows this once.
	Created *models.Webhook
	// The form as typed and what is wrong with it.
	FormURL    string
	FormEvents []string
	Errors     models.ValidationErrors
}

// Checked reports whether the register form ticks an event.
func (p webhooksPage) Checked(event string) bool {
	for _, e := range p.FormEvents {
		if e == event {
			return true
		}
	}
	return false
}

type webhookPage struct {
	Layout
	Webhook    *models.Webhook
	Deliveries []models.WebhookDelivery
}

// List shows the webhooks and the form to register one.
func (h *Webhooks) List(c *fiber.Ctx) error {
	return h.render(c, webhooksPage{}, fiber.StatusOK)
}

func (h *Webhooks) render(c *fiber.Ctx, data webhooksPage, status int) error {
	data.Layout = h.layout(c, "webhooks.title", "webhooks")
	data.Events = models.WebhookEvents
	var err error
	if data.Webhooks, err = h.Store.Webhooks(c.UserContext(), h.ViewerOf(c).User); err != nil {
		return err
	}
	return c.Status(status).Render("admin/webhooks", data)
}

// Create registers a webhook and shows its secret, once.
func (h *Webhooks) Create(c *fiber.Ctx) error {
	n := models.NewWebhook{URL: c.FormValue("url")}
	for _, e := range c.Request().PostArgs().PeekMulti("events") {
		n.Events = append(n.Events, string(e))
	}
	hook, err := h.Store.CreateWebhook(c.UserContext(), h.ViewerOf(c).User, n)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		return h.render(c, webhooksPage{FormURL: n.URL, FormEvents: n.Events, Errors: invalid}, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, webhooksPage{Created: hook}, fiber.StatusCreated)
}

// Show is a webhook's delivery log.
func (h *Webhooks) Show(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	hook, err := h.Store.Webhook(c.UserContext(), v.User, id)
	if err != nil {
		return err
	}
	deliveries, err := h.Store.WebhookDeliveries(c.UserContext(), v.User, id)
	if err != nil {
		return err
	}
	return c.Render("admin/webhook", webhookPage{Layout: h.layout(c, "webhooks.log_title", "webhooks"), Webhook: hook, Deliveries: deliveries})
}

// Enable turns a disabled webhook on again.
func (h *Webhooks) Enable(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.Store.EnableWebhook(c.UserContext(), h.ViewerOf(c).User, id); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/webhooks", "webhook_enabled")
}

// Delete removes a webhook once the admin ticked the confirmation.
func (h *Webhooks) Delete(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if !confirmed(c) {
		return h.unconfirmed(c, "/admin/webhooks")
	}
	if err := h.Store.DeleteWebhook(c.UserContext(), h.ViewerOf(c).User, id); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/webhooks", "webhook_deleted")
}

// Redeliver tries a delivery once more with the same webhook-id.
func (h *Webhooks) Redeliver(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := pathID(c, "d")
	if err != nil {
		return err
	}
	if _, err := h.Store.Redeliver(c.UserContext(), h.ViewerOf(c).User, id, d); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/webhooks/"+c.Params("id"), "webhook_redelivered")
}

// WebhooksAPI is the webhooks in the JSON API under /api/v1/webhooks.
type WebhooksAPI struct{ *Deps }

// APINewWebhook is a webhook just registered: the one answer that shows its secret.
type APINewWebhook struct {
	ID     int64    `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

// APIWebhook is a webhook in the JSON API, without its secret.
type APIWebhook struct {
	ID             int64      `json:"id"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Enabled        bool       `json:"enabled"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason string     `json:"disabled_reason"`
	CreatedAt      time.Time  `json:"created_at"`
}

func apiWebhook(w *models.Webhook) APIWebhook {
	out := APIWebhook{ID: w.ID, URL: w.URL, Events: w.EventList(), Enabled: !w.Disabled(), DisabledReason: w.DisabledReason, CreatedAt: w.CreatedAt.UTC()}
	if w.DisabledAt != nil {
		at := w.DisabledAt.UTC()
		out.DisabledAt = &at
	}
	return out
}

// APIDelivery is one delivery in the log, with its attempts in order.
type APIDelivery struct {
	ID        int64        `json:"id"`
	MessageID string       `json:"webhook_id"`
	Type      string       `json:"type"`
	CreatedAt time.Time    `json:"created_at"`
	Delivered bool         `json:"delivered"`
	Failed    bool         `json:"failed"`
	Attempts  []APIAttempt `json:"attempts"`
}

// APIAttempt is one try at a delivery.
type APIAttempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"`
	DurationMS int       `json:"duration_ms"`
	Response   string    `json:"response"`
	Error      string    `json:"error,omitempty"`
}

func apiDelivery(d *models.WebhookDelivery) APIDelivery {
	out := APIDelivery{ID: d.ID, MessageID: d.MessageID, Type: d.Type, CreatedAt: d.CreatedAt.UTC(), Delivered: d.Delivered(),
		Failed: d.FailedAt != nil, Attempts: make([]APIAttempt, len(d.Attempts))}
	for i, a := range d.Attempts {
		out.Attempts[i] = APIAttempt{At: a.At.UTC(), StatusCode: a.StatusCode, DurationMS: a.DurationMS, Response: a.Response, Error: a.Error}
	}
	return out
}

// List answers GET /webhooks.
func (h *WebhooksAPI) List(c *fiber.Ctx) error {
	list, err := h.Store.Webhooks(c.UserContext(), h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	out := make([]APIWebhook, len(list))
	for i := range list {
		out[i] = apiWebhook(&list[i])
	}
	return c.JSON(fiber.Map{"webhooks": out})
}

type webhookInput struct {
	URL    *string   `json:"url"`
	Events *[]string `json:"events"`
}

// Create answers POST /webhooks (201) with the secret, shown this once.
func (h *WebhooksAPI) Create(c *fiber.Ctx) error {
	var in webhookInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	n := models.NewWebhook{URL: orEmpty(in.URL)}
	if in.Events != nil {
		n.Events = *in.Events
	}
	hook, err := h.Store.CreateWebhook(c.UserContext(), h.ViewerOf(c).User, n)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(APINewWebhook{ID: hook.ID, URL: hook.URL, Events: hook.EventList(), Secret: hook.Secret})
}

// Delete answers DELETE /webhooks/:id (204).
func (h *WebhooksAPI) Delete(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Store.DeleteWebhook(c.UserContext(), h.ViewerOf(c).User, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Enable answers POST /webhooks/:id/enable: the webhook, on again.
func (h *WebhooksAPI) Enable(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	hook, err := h.Store.EnableWebhook(c.UserContext(), h.ViewerOf(c).User, id)
	if err != nil {
		return err
	}
	return c.JSON(apiWebhook(hook))
}

// Deliveries answers GET /webhooks/:id/deliveries: the log, newest first.
func (h *WebhooksAPI) Deliveries(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := h.Store.WebhookDeliveries(c.UserContext(), h.ViewerOf(c).User, id)
	if err != nil {
		return err
	}
	out := make([]APIDelivery, len(list))
	for i := range list {
		out[i] = apiDelivery(&list[i])
	}
	return c.JSON(fiber.Map{"deliveries": out})
}

// Redeliver answers POST /webhooks/:id/deliveries/:d/retry: one more
// attempt now, with the same webhook-id; the delivery with its attempts.
func (h *WebhooksAPI) Redeliver(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	d, err := pathID(c, "d")
	if err != nil {
		return err
	}
	delivery, err := h.Store.Redeliver(c.UserContext(), h.ViewerOf(c).User, id, d)
	if err != nil {
		return err
	}
	return c.JSON(apiDelivery(delivery))
}

// webhookData is an event's "data": what a visitor may see of it.
type webhookData struct {
	Idea    *APIIdea            `json:"idea,omitempty"`
	Comment *APIComment         `json:"comment,omitempty"`
	Vote    *models.WebhookVote `json:"vote,omitempty"`
	Entry   *APIChangelogEntry  `json:"entry,omitempty"`
}

// WebhookData builds a webhook event's data in the shapes of the JSON API,
// as a visitor sees them: no triage, no source link, nothing hidden,
// pending, deleted or internal, no draft. The store calls it when it sends
// an event (see models.WebhookData).
func (d *Deps) WebhookData(ctx context.Context, ev models.WebhookEvent) (any, bool, error) {
	var out webhookData
	if ev.EntryID != 0 {
		e, err := d.Store.ChangelogEntry(ctx, ev.EntryID, nil)
		if errors.Is(err, models.ErrNotFound) || (err == nil && !e.Published()) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		entry := d.apiEntry(e)
		out.Entry = &entry
	}
	if ev.IdeaID != 0 {
		idea, err := d.Store.Idea(ctx, ev.IdeaID, nil)
		if errors.Is(err, models.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		shaped := d.apiIdea(idea, nil)
		out.Idea = &shaped
	}
	if ev.CommentID != 0 {
		list, err := d.Store.Comments(ctx, ev.IdeaID, nil)
		if err != nil {
			return nil, false, err
		}
		now := d.Store.Now()
		for i := range list {
			cm := &list[i]
			if cm.ID == ev.CommentID && !cm.Internal && cm.State == models.StatePublished && cm.VisibleTo(nil, now) {
				shaped := apiComment(cm)
				out.Comment = &shaped
			}
		}
		if out.Comment == nil {
			return nil, false, nil
		}
	}
	out.Vote = ev.Vote
	return out, true, nil
}
