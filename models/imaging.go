package models

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Limits on the images members attach.
const (
	// MaxImageBytes bounds one uploaded file.
	MaxImageBytes = 8 << 20
	// MaxImagePixels bounds an upload's width times height, read from its
	// header before any pixel is decoded: a small file that claims a huge
	// picture (a decompression bomb) is refused without the memory for it.
	MaxImagePixels = 40_000_000
	// MaxImageSide is the longest side of a stored image; larger ones are scaled down.
	MaxImageSide = 1600
	// ThumbSide is the longest side of a thumbnail.
	ThumbSide = 400
	// jpegQuality is the quality of re-encoded photos.
	jpegQuality = 85
)

// Content types Samen stores images as.
const (
	imageJPEG = "image/jpeg"
	imagePNG  = "image/png"
)

// processed is an upload decoded, bounded and encoded anew: the full image
// and its thumbnail in one format, with nothing of the original file kept
// (no EXIF, so no location, camera or time of the photo).
type processed struct {
	contentType             string
	full, thumb             []byte
	width, height           int
	thumbWidth, thumbHeight int
}

// ImageError is a refusal of an uploaded image, in words a person can act
// on ("is not a PNG, JPEG or WebP image"), to follow the field's name.
type ImageError string

func (e ImageError) Error() string { return string(e) }

func imageError(format string, args ...any) error { return ImageError(fmt.Sprintf(format, args...)) }

// imageFormats are the formats Samen decodes, found by their first bytes
// (not by a registry of decoders or by what the upload says it is).
var imageFormats = []struct {
	name   string
	match  func([]byte) bool
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	{"PNG", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }, png.DecodeConfig, png.Decode},
	{"JPEG", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\xff\xd8\xff")) }, jpeg.DecodeConfig, jpeg.Decode},
	{"WebP", func(b []byte) bool {
		return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
	}, webp.DecodeConfig, webp.Decode},
}

// uploadBounds are what a caller accepts of an uploaded picture: its file
// size, its pixels (width times height) and, if not 0, its longer side.
type uploadBounds struct {
	bytes  int
	pixels int
	side   int
}

// decoded is an upload's pixels, its format ("PNG", "JPEG" or "WebP") and,
// for a JPEG, the EXIF orientation it asks to be shown in (1 otherwise).
// Nothing else of the file comes along: no metadata, no trailing bytes.
type decoded struct {
	img         image.Image
	format      string
	orientation int
}

// decodeUpload is the one way in for every uploaded picture, the members'
// photos and the brand's logo and favicon alike. It refuses markup (SVG)
// and any format but PNG, JPEG and WebP, found by the file's first bytes;
// it reads the header and checks the size against b before a single pixel
// is decoded, so that a small file claiming a huge picture (a
// decompression bomb) is refused without the memory for it. What it
// returns is pixels: the caller scales and encodes them anew, so nothing of
// the upload (EXIF, GPS position, camera, comments) is ever stored.
func decodeUpload(data []byte, b uploadBounds) (*decoded, error) {
	if len(data) > b.bytes {
		return nil, imageError("must be at most %d MiB", b.bytes>>20)
	}
	if len(data) == 0 {
		return nil, imageError("is empty")
	}
	head := bytes.TrimLeft(data[:min(len(data), 512)], " \t\r\n\ufeff")
	if bytes.HasPrefix(head, []byte("<")) {
		return nil, imageError("is SVG or other markup, which is not accepted: upload a PNG, JPEG or WebP image")
	}
	for _, f := range imageFormats {
		if !f.match(data) {
			continue
		}
		cfg, err := f.config(bytes.NewReader(data))
		if err != nil {
			return nil, imageError("is not a readable %s image: it is damaged or incomplete", f.name)
		}
		tooWide := b.side > 0 && (cfg.Width > b.side || cfg.Height > b.side)
		if cfg.Width < 1 || cfg.Height < 1 || tooWide || int64(cfg.Width)*int64(cfg.Height) > int64(b.pixels) {
			bound := fmt.Sprintf("%d megapixels", b.pixels/1_000_000)
			if b.side > 0 {
				bound = fmt.Sprintf("%dx%d and %d megapixels", b.side, b.side, b.pixels>>20)
			}
			return nil, imageError("is %dx%d pixels: at most %s are accepted", cfg.Width, cfg.Height, bound)
		}
		img, err := f.decode(bytes.NewReader(data))
		if err != nil {
			return nil, imageError("is not a readable %s image: it is damaged or incomplete", f.name)
		}
		d := &decoded{img: img, format: f.name, orientation: 1}
		if f.name == "JPEG" {
			d.orientation = jpegOrientation(data)
		}
		return d, nil
	}
	return nil, imageError("is not a PNG, JPEG or WebP image")
}

// postBounds are the bounds of the images members attach to posts.
var postBounds = uploadBounds{bytes: MaxImageBytes, pixels: MaxImagePixels}

// processImage checks an upload (decodeUpload) and re-encodes it at the
// sizes of a post: PNG stays PNG (screenshots), JPEG stays JPEG, WebP
// becomes JPEG unless it has transparency. A JPEG's EXIF orientation is
// applied, so the picture stands as the camera meant once the EXIF is gone.
func processImage(data []byte) (*processed, error) {
	d, err := decodeUpload(data, postBounds)
	if err != nil {
		return nil, err
	}
	full := orient(scaled(d.img, MaxImageSide), d.orientation)
	thumb := scaled(full, ThumbSide)

	p := &processed{contentType: imagePNG}
	if d.format == "JPEG" || (d.format == "WebP" && full.Opaque()) {
		p.contentType = imageJPEG
	}
	if p.full, err = encodeImage(full, p.contentType); err != nil {
		return nil, err
	}
	if p.thumb, err = encodeImage(thumb, p.contentType); err != nil {
		return nil, err
	}
	p.width, p.height = full.Bounds().Dx(), full.Bounds().Dy()
	p.thumbWidth, p.thumbHeight = thumb.Bounds().Dx(), thumb.Bounds().Dy()
	return p, nil
}

// encodeImage encodes pixels anew: JPEG at jpegQuality, or PNG at its best
// compression. Only the pixels are written.
func encodeImage(img image.Image, contentType string) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if contentType == imageJPEG {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img)
	}
	if err != nil {
		return nil, fmt.Errorf("encode image: %w", err)
	}
	return buf.Bytes(), nil
}

// fit scales w x h down to at most side on the longer side, keeping the ratio.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, (h*side+w/2)/w)
	}
	return max(1, (w*side+h/2)/h), side
}

// scaled draws src into a new RGBA image of at most side on its longer side:
// always a copy, so nothing of the decoded file travels on.
func scaled(src image.Image, side int) *image.RGBA {
	b := src.Bounds()
	w, h := fit(b.Dx(), b.Dy(), side)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
		return dst
	}
	if b.Dx() > 2*w && b.Dy() > 2*h {
		// Catmull-Rom keeps a float buffer of the new width times the old
		// height: a cheap bilinear step to twice the size first bounds it
		// (a 40-megapixel photo needs some 100 MB less).
		mw, mh := 2*w, 2*h
		mid := image.NewRGBA(image.Rect(0, 0, mw, mh))
		draw.ApproxBiLinear.Scale(mid, mid.Bounds(), src, b, draw.Src, nil)
		src, b = mid, mid.Bounds()
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	return dst
}

// orient turns an image as EXIF orientation o (1-8) says.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored upside down
				dx, dy = x, h-1-y
			case 5: // mirrored, turned left
				dx, dy = y, x
			case 6: // turned left: turn right to fix
				dx, dy = h-1-y, x
			case 7: // mirrored, turned right
				dx, dy = h-1-y, w-1-x
			case 8: // turned right: turn left to fix
				dx, dy = y, w-1-x
			}
			i, j := src.PixOffset(x, y), dst.PixOffset(dx, dy)
			copy(dst.Pix[j:j+4], src.Pix[i:i+4])
		}
	}
	return dst
}

// jpegOrientation reads the EXIF orientation of a JPEG: 1 (as stored) when
// it has none or it cannot be read.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xDA || marker == 0xD9 { // the image data starts: no EXIF before it
			return 1
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 || i+2+size > len(data) {
			return 1
		}
		segment := data[i+4 : i+2+size]
		if marker == 0xE1 && bytes.HasPrefix(segment, []byte("Exif\x00\x00")) {
			return tiffOrientation(segment[6:])
		}
		i += 2 + size
	}
	return 1
}

// tiffOrientation finds tag 0x0112 in the first IFD of an EXIF TIFF block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(order.Uint16(t[ifd:]))
	for k := range n {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if order.Uint16(t[e:]) == 0x0112 && order.Uint16(t[e+2:]) == 3 { // SHORT
			if o := int(order.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}
