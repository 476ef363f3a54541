package views

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"unicode/utf8"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// The share image's size: what Facebook, X, LinkedIn and Pinterest show
// large (1.91:1).
const (
	CardWidth  = 1200
	CardHeight = 630
)

// CardVersion changes whenever the drawing below changes, so that images
// kept by any cache (and their ETags) are drawn anew.
const CardVersion = "1"

// Card is what a share image shows: the brand, a small line naming what is
// shared, a title and, for an idea, its votes and status.
type Card struct {
	Brand  string
	Colour color.RGBA
	// Logo is the brand's logo, drawn in a square; nil draws Samen's mark.
	Logo    image.Image
	Kicker  string
	Title   string
	Votes   string // "42 votes"; empty leaves the footer's left side blank
	Status  string // the status's name; empty draws no status
	StatusC color.RGBA
}

// Painter draws share images with the Go fonts, embedded in the binary:
// no system font and no network is needed. It is safe for concurrent use.
type Painter struct {
	regular, bold *opentype.Font
}

// NewPainter parses the fonts once.
func NewPainter() (*Painter, error) {
	regular, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse go regular: %w", err)
	}
	bold, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse go bold: %w", err)
	}
	return &Painter{regular: regular, bold: bold}, nil
}

// Layout of the card, in pixels.
const (
	cardMargin   = 80
	logoSize     = 88
	footerHeight = 120
	// maxCardRunes bounds the text any one line is cut from, whatever the caller passes.
	maxCardRunes = 400
)

var (
	cardBackground = color.RGBA{0xff, 0xff, 0xff, 0xff}
	cardText       = color.RGBA{0x1b, 0x1f, 0x23, 0xff}
	cardMuted      = color.RGBA{0x55, 0x5f, 0x66, 0xff}
	// markSecond is the second ring of Samen's mark (static/img/logo.svg).
	markSecond = color.RGBA{0xf2, 0xa5, 0x41, 0xff}
)

// PNG draws the card and encodes it. The work is bounded whatever the card
// holds: the canvas has a fixed size, text is cut to a few lines, and a
// logo is scaled into its square.
func (p *Painter) PNG(c Card) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, CardWidth, CardHeight))
	fill(img, img.Bounds(), cardBackground)
	colour := c.Colour
	colour.A = 0xff

	// The brand: its logo and name.
	logo := image.Rect(cardMargin, 56, cardMargin+logoSize, 56+logoSize)
	if c.Logo != nil {
		drawLogo(img, logo, c.Logo)
	} else {
		drawMark(img, logo, colour)
	}
	faces, err := p.faces()
	if err != nil {
		return nil, err
	}
	textWidth := CardWidth - 2*cardMargin
	nameX := logo.Max.X + 28
	p.text(img, faces.name, legibleOnWhite(colour), nameX, 114, ellipsis(faces.name, clip(c.Brand), CardWidth-cardMargin-nameX))

	// What is shared, and its title: large in three lines, else smaller in four.
	if c.Kicker != "" {
		p.text(img, faces.kicker, cardMuted, cardMargin, 220, ellipsis(faces.kicker, clip(c.Kicker), textWidth))
	}
	title, face, y, leading := clip(c.Title), faces.title, 300, 80
	lines, cut := wrap(face, title, textWidth, 3)
	if cut {
		face, y, leading = faces.small, 290, 64
		lines, _ = wrap(face, title, textWidth, 4)
	}
	for _, line := range lines {
		p.text(img, face, cardText, cardMargin, y, line)
		y += leading
	}

	// The footer, in the brand's colour: votes and status.
	footer := image.Rect(0, CardHeight-footerHeight, CardWidth, CardHeight)
	fill(img, footer, colour)
	on := readableOn(colour)
	baseline := footer.Min.Y + 76
	x := cardMargin
	if c.Votes != "" {
		triangle(img, x, baseline-30, 30, on)
		x += 48
		p.text(img, faces.footer, on, x, baseline, ellipsis(faces.footer, clip(c.Votes), CardWidth/2-x))
	}
	if c.Status != "" {
		status := ellipsis(faces.footer, clip(c.Status), CardWidth/2-cardMargin)
		w := font.MeasureString(faces.footer, status).Ceil()
		pill := image.Rect(CardWidth-cardMargin-w-56, footer.Min.Y+24, CardWidth-cardMargin, footer.Max.Y-24)
		pillColour := c.StatusC
		pillColour.A = 0xff
		roundRect(img, pill, pill.Dy()/2, pillColour)
		p.text(img, faces.footer, readableOn(pillColour), pill.Min.X+28, baseline, status)
	}

	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode share image: %w", err)
	}
	return buf.Bytes(), nil
}

type cardFaces struct{ name, kicker, title, small, footer font.Face }

// faces are made for each drawing: a face is not safe for concurrent use.
func (p *Painter) faces() (cardFaces, error) {
	var f cardFaces
	for _, spec := range []struct {
		face *font.Face
		font *opentype.Font
		size float64
	}{{&f.name, p.bold, 40}, {&f.kicker, p.regular, 32}, {&f.title, p.bold, 64}, {&f.small, p.bold, 52}, {&f.footer, p.bold, 40}} {
		face, err := opentype.NewFace(spec.font, &opentype.FaceOptions{Size: spec.size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return f, fmt.Errorf("make font face: %w", err)
		}
		*spec.face = face
	}
	return f, nil
}

// text draws s with its baseline at (x, y).
func (p *Painter) text(dst *image.RGBA, face font.Face, c color.RGBA, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// clip keeps the first maxCardRunes runes of s, with its white space made single spaces.
func clip(s string) string {
	if utf8.RuneCountInString(s) > maxCardRunes {
		s = string([]rune(s)[:maxCardRunes])
	}
	return strings.Join(strings.Fields(s), " ")
}

// wrap breaks s into at most lines lines no wider than width, words whole
// where they fit, and ends the last line with an ellipsis when text is left
// (cut).
func wrap(face font.Face, s string, width, lines int) (out []string, cut bool) {
	fits := func(t string) bool { return font.MeasureString(face, t).Ceil() <= width }
	words := strings.Fields(s)
	for len(words) > 0 && len(out) < lines {
		line := ""
		for len(words) > 0 {
			next := words[0]
			if line != "" {
				next = line + " " + words[0]
			}
			if !fits(next) {
				break
			}
			line, words = next, words[1:]
		}
		if line == "" {
			// One word wider than the line: break it where it fits.
			head, tail := breakWord(words[0], fits)
			line, words[0] = head, tail
			if tail == "" {
				words = words[1:]
			}
		}
		out = append(out, line)
	}
	if len(words) > 0 && len(out) > 0 {
		out[len(out)-1] = ellipsis(face, out[len(out)-1]+" "+strings.Join(words, " "), width)
		cut = true
	}
	return out, cut
}

// breakWord returns the longest head of word that fits (one rune at least) and the rest.
func breakWord(word string, fits func(string) bool) (string, string) {
	runes := []rune(word)
	n := 1
	for n < len(runes) && fits(string(runes[:n+1])) {
		n++
	}
	return string(runes[:n]), string(runes[n:])
}

// ellipsis returns s when it fits width, else its longest head that fits with "…".
func ellipsis(face font.Face, s string, width int) string {
	if font.MeasureString(face, s).Ceil() <= width {
		return s
	}
	runes := []rune(s)
	lo, hi := 0, len(runes)
	for lo < hi { // the longest head that fits, found by halving
		mid := (lo + hi + 1) / 2
		if font.MeasureString(face, strings.TrimRight(string(runes[:mid]), " ")+"…").Ceil() <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRight(string(runes[:lo]), " ") + "…"
}

// readableOn is the text colour that reads best on bg: near-black or white,
// whichever contrasts more (WCAG relative luminance).
func readableOn(bg color.RGBA) color.RGBA {
	if luminance(bg) > 0.179 {
		return cardText
	}
	return color.RGBA{0xff, 0xff, 0xff, 0xff}
}

// legibleOnWhite is c when it contrasts enough with the white card for
// large text (3:1), else the text colour.
func legibleOnWhite(c color.RGBA) color.RGBA {
	if 1.05/(luminance(c)+0.05) >= 3 {
		return c
	}
	return cardText
}

func luminance(c color.RGBA) float64 {
	channel := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(c.R) + 0.7152*channel(c.G) + 0.0722*channel(c.B)
}

func fill(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	xdraw.Draw(dst, r, image.NewUniform(c), image.Point{}, xdraw.Src)
}

// drawLogo scales the brand's logo into r, keeping its proportions.
func drawLogo(dst *image.RGBA, r image.Rectangle, logo image.Image) {
	b := logo.Bounds()
	if b.Empty() {
		return
	}
	w, h := r.Dx(), r.Dy()
	if b.Dx() > b.Dy() {
		h = max(1, r.Dy()*b.Dy()/b.Dx())
	} else {
		w = max(1, r.Dx()*b.Dx()/b.Dy())
	}
	at := image.Rect(0, 0, w, h).Add(r.Min).Add(image.Pt((r.Dx()-w)/2, (r.Dy()-h)/2))
	xdraw.CatmullRom.Scale(dst, at, logo, b, xdraw.Over, nil)
}

// drawMark draws Samen's mark (two linked rings) in r: the first ring in
// the brand's colour.
func drawMark(dst *image.RGBA, r image.Rectangle, first color.RGBA) {
	unit := float32(r.Dx()) / 32 // the mark's own drawing is 32 units wide
	ring := func(cx float32, c color.RGBA) {
		z := vector.NewRasterizer(r.Dx(), r.Dy())
		circle(z, cx*unit, 16*unit, 10.5*unit, false)
		circle(z, cx*unit, 16*unit, 7.5*unit, true)
		z.Draw(dst, r, image.NewUniform(c), image.Point{})
	}
	ring(12, first)
	ring(20, markSecond)
}

// circle adds a circle to z, counter-clockwise when hole is set, so that it
// cuts out of a clockwise one.
func circle(z *vector.Rasterizer, cx, cy, radius float32, hole bool) {
	const k = 0.5523 // control point distance for a quarter circle
	d := radius * k
	z.MoveTo(cx+radius, cy)
	if hole {
		z.CubeTo(cx+radius, cy-d, cx+d, cy-radius, cx, cy-radius)
		z.CubeTo(cx-d, cy-radius, cx-radius, cy-d, cx-radius, cy)
		z.CubeTo(cx-radius, cy+d, cx-d, cy+radius, cx, cy+radius)
		z.CubeTo(cx+d, cy+radius, cx+radius, cy+d, cx+radius, cy)
	} else {
		z.CubeTo(cx+radius, cy+d, cx+d, cy+radius, cx, cy+radius)
		z.CubeTo(cx-d, cy+radius, cx-radius, cy+d, cx-radius, cy)
		z.CubeTo(cx-radius, cy-d, cx-d, cy-radius, cx, cy-radius)
		z.CubeTo(cx+d, cy-radius, cx+radius, cy-d, cx+radius, cy)
	}
	z.ClosePath()
}

// roundRect fills r with corners of the given radius.
func roundRect(dst *image.RGBA, r image.Rectangle, radius int, c color.RGBA) {
	z := vector.NewRasterizer(r.Dx(), r.Dy())
	w, h, rad := float32(r.Dx()), float32(r.Dy()), float32(radius)
	z.MoveTo(rad, 0)
	z.LineTo(w-rad, 0)
	z.QuadTo(w, 0, w, rad)
	z.LineTo(w, h-rad)
	z.QuadTo(w, h, w-rad, h)
	z.LineTo(rad, h)
	z.QuadTo(0, h, 0, h-rad)
	z.LineTo(0, rad)
	z.QuadTo(0, 0, rad, 0)
	z.ClosePath()
	z.Draw(dst, r, image.NewUniform(c), image.Point{})
}

// triangle draws an upward triangle of the given size with its top left at (x, y).
func triangle(dst *image.RGBA, x, y, size int, c color.RGBA) {
	r := image.Rect(x, y, x+size, y+size)
	z := vector.NewRasterizer(size, size)
	s := float32(size)
	z.MoveTo(s/2, 0)
	z.LineTo(s, s)
	z.LineTo(0, s)
	z.ClosePath()
	z.Draw(dst, r, image.NewUniform(c), image.Point{})
}
