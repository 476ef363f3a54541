package handlers

import (
	"bytes"
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"samen/views"
)

// Pages shared by members (the list, an idea's page) are rendered once for
// every plain member and given to each with their own parts put in (see
// views/shared.go and app's memberPages). A handler that renders such a page
// while Viewer.Shared is set says so with ShareWithMembers, naming the
// members for whom the page would differ in more than those parts: the
// authors of what it shows, who see their own edit buttons, pending
// comments and the like. They get a page of their own.

type sharedKey struct{}

// ShareWithMembers marks the page being rendered as fit to share, but with
// owners.
func ShareWithMembers(c *fiber.Ctx, owners ...int64) {
	if owners == nil {
		owners = []int64{}
	}
	c.Locals(sharedKey{}, owners)
}

// SharedOwners returns what ShareWithMembers said, and whether it was called.
func SharedOwners(c *fiber.Ctx) ([]int64, bool) {
	owners, ok := c.Locals(sharedKey{}).([]int64)
	return owners, ok
}

// AccountHTML renders the header's account block for the member asking,
// with unread notifications counted: a shared page's own part of each member.
func (d *Deps) AccountHTML(c *fiber.Ctx, unread int64) ([]byte, error) {
	l := Layout{Viewer: d.ViewerOf(c), unread: func() int64 { return unread }}
	var out bytes.Buffer
	if err := c.App().Config().Views.Render(&out, "partials/account", l); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// votedFalse is how an answer says its caller did not vote for an idea: the
// only "voted" key of an idea's JSON (a text's quotes are escaped).
var votedFalse = []byte(`"voted":false`)

// sendIdeas answers with out, an answer that holds the ideas ids in this
// order, each with its "voted". Rendered to be shared by members, each
// "voted" is written both ways (see views/shared.go), for the caller's own
// to be put in.
func (d *Deps) sendIdeas(c *fiber.Ctx, out any, ids ...int64) error {
	nonce := d.ViewerOf(c).Shared
	if nonce == "" {
		return c.JSON(out)
	}
	body, err := json.Marshal(out)
	if err != nil {
		return err
	}
	cut := bytes.Split(body, votedFalse)
	if len(cut) != len(ids)+1 {
		return c.JSON(out) // not as expected: not shared
	}
	var b bytes.Buffer
	for i, id := range ids {
		b.Write(cut[i])
		b.WriteString(`"voted":` + string(views.Mark(nonce, views.PartVote, id)) + `true` + string(views.Mark(nonce, views.PartOr, 0)) +
			`false` + string(views.Mark(nonce, views.PartEnd, 0)))
	}
	b.Write(cut[len(ids)])
	ShareWithMembers(c)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b.Bytes())
}
