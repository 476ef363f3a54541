package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// webcareForm is the team's part of a form that records an idea or a vote
// for a customer met on another channel.
type webcareForm struct {
	// CanRecord offers the form: the viewer's standing allows recording.
	CanRecord bool
	Sources   []string
	Email     string
	Name      string
	Source    string
	SourceURL string
	Errors    models.ValidationErrors
}

// webcareFormFor starts the form for the viewer.
func (d *Deps) webcareFormFor(c *fiber.Ctx) webcareForm {
	return webcareForm{CanRecord: d.Store.Can(d.ViewerOf(c).User, models.ActRecordForCustomer), Sources: models.Sources}
}

// readWebcareForm reads the customer's fields from a posted form.
func (d *Deps) readWebcareForm(c *fiber.Ctx) webcareForm {
	f := d.webcareFormFor(c)
	f.Email, f.Name = c.FormValue("customer_email"), c.FormValue("customer_name")
	f.Source, f.SourceURL = c.FormValue("source"), c.FormValue("source_url")
	return f
}

func (f webcareForm) webcare() models.Webcare {
	return models.Webcare{Email: f.Email, Name: f.Name, Source: f.Source, SourceURL: f.SourceURL}
}

// createForCustomer records the new-idea form's idea for the customer it names.
func (h *Ideas) createForCustomer(c *fiber.Ctx, data formPage) error {
	idea, err := h.Store.CreateIdeaFor(c.UserContext(), h.ViewerOf(c).User,
		models.NewIdea{Title: data.Title, Body: data.Body, Category: data.Category, Images: data.Images.IDs()}, data.Customer.webcare())
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		data.Errors, data.Customer.Errors = invalid, invalid
		return h.renderForm(c, data, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, ideaPath(idea), "customer_idea_recorded")
}

// VoteFor records, from the idea's page, the vote of a customer met on
// another channel. Recording it twice is the same as once.
func (h *Ideas) VoteFor(c *fiber.Ctx) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	form := h.readWebcareForm(c)
	form.SourceURL = ""
	_, err = h.Store.VoteFor(c.UserContext(), idea.ID, h.ViewerOf(c).User, form.webcare())
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		form.Errors = invalid
		return h.renderShow(c, idea, "", nil, "", fiber.StatusUnprocessableEntity, func(p *showPage) { p.CustomerVote = form })
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, ideaPath(idea), "customer_vote_recorded")
}
