package models

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strconv"

	xdraw "golang.org/x/image/draw"
)

// Bounds of an uploaded image, checked from its header before any pixel is
// decoded: a small file may claim a huge picture (a decompression bomb).
const (
	MaxBrandImageSide   = 4096
	MaxBrandImagePixels = 16 << 20
	maxLogoWidth        = 384
	maxLogoHeight       = 96
)

// BrandImage decodes an uploaded PNG, JPEG or WebP image (decodeUpload,
// the door of every upload) and encodes it again as PNG, scaled down to fit
// maxW x maxH (square: centred on a transparent square of that size).
// Nothing of the upload but its pixels survives. Its bounds are the
// brand's own: MaxImageUpload bytes, at most MaxBrandImageSide on a side.
func BrandImage(data []byte, maxW, maxH int, square bool) ([]byte, error) {
	d, err := decodeUpload(data, uploadBounds{bytes: MaxImageUpload, pixels: MaxBrandImagePixels, side: MaxBrandImageSide})
	if err != nil {
		return nil, err
	}
	return encodeImage(fitBrand(d.img, maxW, maxH, square), imagePNG)
}

// fitBrand scales img down (never up) to fit maxW x maxH, keeping its shape.
func fitBrand(img image.Image, maxW, maxH int, square bool) image.Image {
	b := img.Bounds()
	scale := math.Min(1, math.Min(float64(maxW)/float64(b.Dx()), float64(maxH)/float64(b.Dy())))
	w, h := max(1, int(math.Round(float64(b.Dx())*scale))), max(1, int(math.Round(float64(b.Dy())*scale)))
	canvas := image.Rect(0, 0, w, h)
	at := canvas
	if square {
		canvas = image.Rect(0, 0, maxW, maxH)
		at = image.Rect((maxW-w)/2, (maxH-h)/2, (maxW-w)/2+w, (maxH-h)/2+h)
	}
	dst := image.NewNRGBA(canvas)
	xdraw.CatmullRom.Scale(dst, at, img, b, xdraw.Over, nil)
	return dst
}

// AAContrast is WCAG 2.1's minimum contrast for normal text (level AA);
// MinAccentContrast the least an accent colour may have against the light
// theme's background (WCAG's minimum for large text and controls).
const (
	AAContrast        = 4.5
	MinAccentContrast = 3.0
)

// The backgrounds text in the brand colour stands on, per theme: the page
// and the cards on it (the palette's --bg and --surface in samen.css; a
// test keeps them equal).
var (
	LightBackgrounds = []string{"#f6f7f5", "#ffffff"}
	DarkBackgrounds  = []string{"#121614", "#1b201e"}
)

// AccentContrast is an accent colour's contrast ratio against the light and
// the dark theme's backgrounds (the lower of page and card).
type AccentContrast struct{ Light, Dark float64 }

// CheckAccent measures a "#rrggbb" accent against both themes. It refuses a
// colour that is not one, or whose contrast on the light theme is below
// MinAccentContrast. Below AAContrast it is still accepted (the admin page
// warns); on the dark theme such an accent is not used (branding.css keeps
// the dark palette's own brand colour).
func CheckAccent(accent string) (AccentContrast, error) {
	if _, err := luminance(accent); err != nil {
		return AccentContrast{}, errors.New("must be a colour written #rrggbb, such as #0b6e4f")
	}
	c := AccentContrast{Light: lowest(accent, LightBackgrounds), Dark: lowest(accent, DarkBackgrounds)}
	if c.Light < MinAccentContrast {
		return c, fmt.Errorf("has a contrast of %.2f:1 against the light background; at least %.0f:1 is needed: choose a darker colour", c.Light, MinAccentContrast)
	}
	return c, nil
}

func lowest(colour string, backgrounds []string) float64 {
	ratio := math.Inf(1)
	for _, bg := range backgrounds {
		r, _ := ContrastRatio(colour, bg)
		ratio = math.Min(ratio, r)
	}
	return ratio
}

// ContrastRatio is WCAG 2.1's contrast ratio of two "#rrggbb" colours, from 1 to 21.
func ContrastRatio(a, b string) (float64, error) {
	la, err := luminance(a)
	if err != nil {
		return 0, err
	}
	lb, err := luminance(b)
	if err != nil {
		return 0, err
	}
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05), nil
}

// TextOn picks black or white text for a "#rrggbb" background, whichever
// contrasts more.
func TextOn(colour string) string {
	black, _ := ContrastRatio(colour, "#000000")
	white, _ := ContrastRatio(colour, "#ffffff")
	if black > white {
		return "#000000"
	}
	return "#ffffff"
}

// luminance is WCAG's relative luminance of "#rrggbb" (or "#rgb").
func luminance(colour string) (float64, error) {
	if len(colour) == 4 && colour[0] == '#' {
		colour = "#" + string([]byte{colour[1], colour[1], colour[2], colour[2], colour[3], colour[3]})
	}
	if len(colour) != 7 || colour[0] != '#' {
		return 0, fmt.Errorf("not a #rrggbb colour: %q", colour)
	}
	var rgb [3]float64
	for i := range rgb {
		v, err := strconv.ParseUint(colour[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return 0, fmt.Errorf("not a #rrggbb colour: %q", colour)
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			rgb[i] = c / 12.92
		} else {
			rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2], nil
}
