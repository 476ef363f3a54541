package app

import (
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"samen/handlers"
	"samen/models"
)

// apiCodes are the stable error codes of the JSON API, by status.
var apiCodes = map[int]string{
	400: "malformed", 401: "unauthorized", 403: "forbidden", 404: "not_found",
	405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
	422: "invalid", 429: "too_many_requests", 500: "internal", 503: "unavailable",
}

// apiMessages are the JSON API's messages, by status.
var apiMessages = map[int]string{
	400: "The request is malformed.", 401: "Sign in or send an API token.",
	403: "You are not allowed to do that.", 404: "Not found.",
	405: "Method not allowed.", 409: "That conflicts with the current state.",
	413: "The request body is too large.", 415: "Unsupported content type.",
	422: "Some fields are invalid.", 429: "Too many requests; retry later.",
	500: "Something went wrong on our side.", 503: "Temporarily unavailable.",
}

// outrankedMessage explains a 403 of the rank rule in the API.
const outrankedMessage = "Only someone of a higher role than the author may do that; nobody acts as staff on what they wrote themselves."

// conflictMessages explain a 409 in the API.
var conflictMessages = map[string]string{
	models.ReasonLocked:         "The idea is locked: it takes no new votes or comments.",
	models.ReasonMerged:         "The idea was merged into another one; vote and comment there.",
	models.ReasonClosed:         "The idea is closed (shipped or declined): it takes no new votes.",
	models.ReasonCampaignClosed: "The idea's campaign is not in its voting phase: it takes no votes now.",
	models.ReasonCampaignPoints: "The idea's campaign gives each member a budget of points: spend points on it instead.",
	models.ReasonVoted:          "Others have voted or commented on the idea, so it can no longer be deleted.",

	models.ReasonSelfMerge: "An idea cannot be merged into itself.",
	models.ReasonNotMerged: "The idea is not merged into another one.",
	models.ReasonHidden:    "A moderator hid this; it can no longer be changed.",
	models.ReasonReported:  "You have reported this already; a moderator will look at it.",

	models.ReasonStatusInUse: "Ideas are in this status: name the status to move them to (move_to).",
	models.ReasonLastOpen:    "New ideas start in a status of kind open; the last one cannot be deleted.",

	models.ReasonRoundNotPlanned: "A feedback round opens only on an idea that is planned or in progress.",
	models.ReasonRoundNoVoters:   "The idea has no voters to ask.",
	models.ReasonRoundClosed:     "The round is closed: it takes no answers, and closes only once.",
	models.ReasonNotInvited:      "You were not invited to this round: it asks a sample of the idea's voters.",
}

// statusOf maps an error to its HTTP status.
func statusOf(err error) int {
	var fe *fiber.Error
	var verrs models.ValidationErrors
	var limit *models.LimitError
	switch {
	case errors.As(err, &fe):
		return fe.Code
	case errors.As(err, &limit):
		return fiber.StatusTooManyRequests
	case errors.As(err, &verrs):
		return fiber.StatusUnprocessableEntity
	case errors.Is(err, models.ErrNotFound):
		return fiber.StatusNotFound
	case errors.Is(err, models.ErrForbidden):
		return fiber.StatusForbidden
	case errors.Is(err, models.ErrConflict):
		return fiber.StatusConflict
	case errors.Is(err, models.ErrSearchTimeout), models.Unavailable(err):
		return fiber.StatusServiceUnavailable
	}
	return fiber.StatusInternalServerError
}

// unavailableRetry is the Retry-After of a 503 while the database cannot be
// reached: a restart or a fail-over takes seconds.
const unavailableRetry = "5"

// handleError is the one place errors become responses: a JSON error for the
// API, a friendly page otherwise. Unexpected errors are logged here, once.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	status := statusOf(err)
	unavailable := models.Unavailable(err)
	switch {
	case unavailable:
		// Not a fault in the request: the client is told to come back.
		s.log.Warn("database unavailable", slog.String("method", c.Method()), slog.String("path", logPath(c)),
			slog.String("request_id", requestID(c)), slog.Any("error", err))
	case errors.Is(err, models.ErrSearchTimeout):
		// Not a failure of Samen's, but worth knowing: which searches are too costly.
		s.log.Warn("search timed out", slog.String("path", logPath(c)), slog.String("query", c.Query("q")),
			slog.String("request_id", requestID(c)))
	case status >= 500:
		s.log.Error("request failed", slog.String("method", c.Method()), slog.String("path", logPath(c)),
			slog.String("request_id", requestID(c)), slog.Any("error", err))
	}
	if _, known := apiCodes[status]; !known {
		if status >= 500 {
			status = 500
		} else {
			status = 400
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	var limit *models.LimitError
	if errors.As(err, &limit) {
		handlers.SetRetryAfter(c, limit)
	}
	if unavailable {
		c.Set(fiber.HeaderRetryAfter, unavailableRetry)
	}
	if handlers.WantsJSON(c) {
		body := handlers.APIErrorBody{Code: apiCodes[status], Message: apiMessages[status]}
		if limit != nil {
			body.Message = handlers.LimitMessage(limit)
		}
		if errors.Is(err, models.ErrOutranked) {
			body.Message = outrankedMessage
		}
		var conflict *models.ConflictError
		if errors.As(err, &conflict) {
			body.Message = conflictMessages[conflict.Reason]
		}
		if errors.Is(err, models.ErrSearchTimeout) {
			body.Code, body.Message = "search_timeout", "This search took too long. Try fewer words, or longer ones."
		}
		var verrs models.ValidationErrors
		if errors.As(err, &verrs) {
			body.Fields = verrs
		}
		return c.Status(status).JSON(handlers.APIError{Error: body})
	}
	if rerr := s.deps.ErrorPage(c, status, err); rerr != nil {
		s.log.Error("render error page", slog.Any("error", rerr))
		return c.Status(status).SendString(apiMessages[status])
	}
	return nil
}
