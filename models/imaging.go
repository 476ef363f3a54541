package models

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

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

// errNotAnImage and friends are what a member reads about a refused file.
var (
	errNotAnImage = ValidationErrors{"image": "must be a PNG, JPEG or WebP image"}
	errTooManyPix = ValidationErrors{"image": fmt.Sprintf("must be at most %d megapixels", MaxImagePixels/1_000_000)}
	errDamaged    = ValidationErrors{"image": "is damaged or incomplete"}
	errTooBig     = ValidationErrors{"image": fmt.Sprintf("must be at most %d MiB", MaxImageBytes>>20)}
)

// processImage checks an upload and re-encodes it. The header is read first
// (image.DecodeConfig) and the size checked before decoding; PNG stays PNG
// (screenshots), JPEG stays JPEG, WebP becomes JPEG unless it has
// transparency. A JPEG's EXIF orientation is applied, so the picture stands
// as the camera meant once the EXIF is gone.
func processImage(data []byte) (*processed, error) {
	if len(data) > MaxImageBytes {
		return nil, errTooBig
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, errNotAnImage
	}
	if format != "png" && format != "jpeg" && format != "webp" {
		return nil, errNotAnImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, errTooManyPix
	}
	var src image.Image
	switch format {
	case "png":
		src, err = png.Decode(bytes.NewReader(data))
	case "jpeg":
		src, err = jpeg.Decode(bytes.NewReader(data))
	case "webp":
		src, err = webp.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, errDamaged
	}
	orientation := 1
	if format == "jpeg" {
		orientation = jpegOrientation(data)
	}
	full := orient(scaled(src, MaxImageSide), orientation)
	thumb := scaled(full, ThumbSide)

	p := &processed{contentType: imagePNG}
	if format == "jpeg" || (format == "webp" && full.Opaque()) {
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
