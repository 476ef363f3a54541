package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

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
}

// ErrorPage renders the friendly page for an HTTP status: what happened and
// where to go next, never internals.
func (d *Deps) ErrorPage(c *fiber.Ctx, status int) error {
	key := errorKey(status)
	data := errorPage{Layout: d.layout(c, "", "")}
	data.Status = status
	data.Heading = views.T(data.L, "error."+key+".title")
	data.Message = views.T(data.L, "error."+key+".message")
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
