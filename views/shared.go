package views

import (
	"bytes"
	"errors"
	"html/template"
	"strconv"
)

// A page shared by members is rendered once for every member of the same
// standing, and each member gets it with their own parts put in: whether
// they voted for each idea, whether they follow it, and the header's
// account block (their name and unread count). Where such a part goes, the
// shared render writes a mark: markPrefix, the render's nonce (new for each
// render, so no stored text can hold a mark), the part's kind and the idea
// it is of. A part with two forms (voted or not) is written both ways:
//
//	mark(vote, 12) <voted form> mark(or) <unvoted form> mark(end)
//
// Marks hold only letters, digits and underscores, which no template
// escapes, in any context.
const markPrefix = "samenPart"

// Kinds of a member's own parts.
const (
	PartVote    = "vote"    // the idea's vote button: voted, or not
	PartFollow  = "follow"  // the idea's follow button: following, or not
	PartAccount = "account" // the header's account block, rendered for the member
	PartOr      = "or"      // between a part's two forms
	PartEnd     = "end"     // after them
)

// Mark is what a shared render writes where a member's part goes; the
// template function "part" ({{part .Shared "vote" .Idea.ID}}).
func Mark(nonce, kind string, id int64) template.HTML {
	return template.HTML(markPrefix + nonce + "_" + kind + "_" + strconv.FormatInt(id, 10) + "_")
}

// Piece is a stretch of a shared page: text as it was rendered, or a
// member's part (Kind), with both forms when it has two.
type Piece struct {
	Text    []byte
	Kind    string
	ID      int64
	Yes, No []byte
}

// ErrBadParts reports a shared render whose marks do not nest as Mark's
// grammar says: such a page is not shared.
var ErrBadParts = errors.New("a shared page's marks are out of order")

// CutParts cuts a shared render at its marks into pieces, in order.
func CutParts(body []byte, nonce string) ([]Piece, error) {
	prefix := []byte(markPrefix + nonce + "_")
	var pieces []Piece
	// next reads one mark at the start of rest, or says there is none.
	next := func(rest []byte) (before []byte, kind string, id int64, after []byte, ok bool, err error) {
		i := bytes.Index(rest, prefix)
		if i < 0 {
			return rest, "", 0, nil, false, nil
		}
		tail := rest[i+len(prefix):]
		k := bytes.IndexByte(tail, '_')
		if k < 0 {
			return nil, "", 0, nil, false, ErrBadParts
		}
		n := bytes.IndexByte(tail[k+1:], '_')
		if n < 0 {
			return nil, "", 0, nil, false, ErrBadParts
		}
		id, perr := strconv.ParseInt(string(tail[k+1:k+1+n]), 10, 64)
		if perr != nil {
			return nil, "", 0, nil, false, ErrBadParts
		}
		return rest[:i], string(tail[:k]), id, tail[k+1+n+1:], true, nil
	}
	rest := body
	for {
		before, kind, id, after, ok, err := next(rest)
		if err != nil {
			return nil, err
		}
		if len(before) > 0 {
			pieces = append(pieces, Piece{Text: before})
		}
		if !ok {
			return pieces, nil
		}
		switch kind {
		case PartAccount:
			pieces = append(pieces, Piece{Kind: kind, ID: id})
			rest = after
		case PartVote, PartFollow:
			yes, orKind, _, afterYes, ok, err := next(after)
			if err != nil || !ok || orKind != PartOr {
				return nil, ErrBadParts
			}
			no, endKind, _, afterNo, ok, err := next(afterYes)
			if err != nil || !ok || endKind != PartEnd {
				return nil, ErrBadParts
			}
			pieces = append(pieces, Piece{Kind: kind, ID: id, Yes: yes, No: no})
			rest = afterNo
		default:
			return nil, ErrBadParts
		}
	}
}
