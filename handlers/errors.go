package handlers

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// APIError is the body of every JSON error.
type APIError struct {
	Error APIErrorBody `json:"error"`
}

// APIErrorBody says what went wrong: a stable code, a message for people and,
// for invalid input, a message per field.
type APIErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

type errorPage struct {
	Layout
	Status  int
	Heading string
	Message string
	// Fields says what is wrong with each field of a form that has no page of its own to show it.
	Fields models.ValidationErrors
	// Outranked marks a refusal by the rank rule, which the message explains.
	Outranked bool
}

// ErrorPage renders the friendly page for an HTTP status: what happened and
// where to go next, never internals.
func (d *Deps) ErrorPage(c *fiber.Ctx, status int, err error) error {
	key := errorKey(status)
	data := errorPage{Layout: d.layout(c, "", "")}
	data.Status = status
	data.Heading = views.T(data.L, "error."+key+".title")
	data.Message = views.T(data.L, "error."+key+".message")
	var limit *models.LimitError
	if errors.As(err, &limit) {
		data.Message = limitText(data.L, limit)
	}
	if errors.Is(err, models.ErrSearchTimeout) {
		data.Message = views.T(data.L, "error.search_timeout")
	}
	if errors.Is(err, models.ErrOutranked) {
		data.Outranked, data.Message = true, views.T(data.L, "mod.outranked")
	}
	errors.As(err, &data.Fields)
	data.Title = data.Heading
	return c.Status(status).Render("errors/error", data)
}

// errorKey names the message set for a status; unusual ones share a generic set.
func errorKey(status int) string {
	switch status {
	case 400, 401, 403, 404, 405, 409, 413, 422, 429, 503:
		return strconv.Itoa(status)
	}
	if status >= 500 {
		return "500"
	}
	return "400"
}

// LimitMessage explains a spam brake in the API, in English.
func LimitMessage(l *models.LimitError) string {
	return fmt.Sprintf("You can post at most %d %s an hour. Try again in %d minutes.", l.Limit, l.What, retryMinutes(l))
}

// limitText explains a spam brake on a page, in the reader's language.
func limitText(loc *i18n.Localizer, l *models.LimitError) string {
	return views.T(loc, "limit."+l.What, "Limit", l.Limit, "Minutes", retryMinutes(l))
}

func retryMinutes(l *models.LimitError) int { return max(1, int(math.Ceil(l.RetryAfter.Minutes()))) }

// SetRetryAfter tells the client when a spam brake lets it post again.
func SetRetryAfter(c *fiber.Ctx, l *models.LimitError) {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(l.RetryAfter.Seconds()))))
}
