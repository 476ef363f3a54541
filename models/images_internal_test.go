package models

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"slices"
	"testing"

	"github.com/riverqueue/river"
	"gocloud.dev/blob/fileblob"
	"gorm.io/gorm"
)

// The WebP files in testdata come from golang.org/x/image's test data
// (BSD licence): Go has no WebP encoder to make them.

func TestProcessImageKeepsScreenshotsAndTurnsWebPIntoJPEG(t *testing.T) {
	for _, tc := range []struct {
		file, want string
	}{
		{"testdata/blue-purple-pink.lossy.webp", imageJPEG},
		{"testdata/gopher-doc.with-alpha.lossless.webp", imagePNG}, // transparency stays
	} {
		data, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		p, err := processImage(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if p.contentType != tc.want {
			t.Errorf("%s: stored as %s, want %s", tc.file, p.contentType, tc.want)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(p.full))
		if err != nil || cfg.Width != p.width || cfg.Height != p.height || "image/"+format != tc.want {
			t.Errorf("%s: stored %s %dx%d (%v), said %dx%d", tc.file, format, cfg.Width, cfg.Height, err, p.width, p.height)
		}
	}
}

func TestOrientTurnsAsEXIFSays(t *testing.T) {
	// A 2x1 image: red, then green. Each orientation puts red somewhere else.
	src := image.NewRGBA(image.Rect(0, 0, 2, 1))
	red, green := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}
	src.Set(0, 0, red)
	src.Set(1, 0, green)
	for o, want := range map[int]image.Point{1: {0, 0}, 2: {1, 0}, 3: {1, 0}, 4: {0, 0}, 5: {0, 0}, 6: {0, 0}, 7: {0, 1}, 8: {0, 1}} {
		got := orient(src, o)
		wantSize := image.Pt(2, 1)
		if o >= 5 {
			wantSize = image.Pt(1, 2)
		}
		if got.Bounds().Size() != wantSize {
			t.Errorf("orientation %d: size %v, want %v", o, got.Bounds().Size(), wantSize)
		}
		if got.RGBAAt(want.X, want.Y) != red {
			t.Errorf("orientation %d: red is not at %v", o, want)
		}
	}
}

// TestImagesOfAMember: the export's list and the account deletion's
// removal, which deletes the rows in the caller's transaction and the files
// by a job enqueued in it.
func TestImagesOfAMember(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+t.TempDir()+"/samen.db", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	bucket, err := fileblob.OpenBucket(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	s.SetBlobs(bucket)

	anna, err := s.CreateUser(ctx, NewUser{Name: "Anna", Email: "anna@example.com", EmailVerified: true, Role: RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	bram, err := s.CreateUser(ctx, NewUser{Name: "Bram", Email: "bram@example.com", EmailVerified: true, Role: RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 20, 10)))
	upload := func(u *User, alt string) *Image {
		img, err := s.UploadImage(ctx, u, NewImage{Data: buf.Bytes(), Alt: alt})
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	attached, waiting, others := upload(anna, "On the idea"), upload(anna, "Waiting"), upload(bram, "Bram's")
	if _, err := s.CreateIdea(ctx, anna, NewIdea{Title: "An idea with a picture", Images: []int64{attached.ID}}); err != nil {
		t.Fatal(err)
	}

	list, err := s.ImagesOf(ctx, anna.ID)
	if err != nil || len(list) != 2 || list[0].ID != attached.ID || list[1].ID != waiting.ID || list[0].IdeaID == nil {
		t.Fatalf("ImagesOf: %+v (%v)", list, err)
	}

	err = s.db.Transaction(func(tx *gorm.DB) error { return s.DeleteImagesOf(ctx, tx, anna.ID) })
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := s.ImagesOf(ctx, anna.ID); len(list) != 0 {
		t.Fatalf("%d images left after DeleteImagesOf", len(list))
	}
	var raw []string
	if err := s.db.Raw("SELECT json(args) FROM river_job WHERE kind = ?", DeleteBlobsArgs{}.Kind()).Scan(&raw).Error; err != nil || len(raw) != 1 {
		t.Fatalf("%d delete_blobs jobs (%v), want 1", len(raw), err)
	}
	var job DeleteBlobsArgs
	if err := json.Unmarshal([]byte(raw[0]), &job); err != nil {
		t.Fatal(err)
	}
	want := []string{attached.BlobKey, attached.ThumbKey, waiting.BlobKey, waiting.ThumbKey}
	slices.Sort(want)
	slices.Sort(job.Keys)
	if !slices.Equal(job.Keys, want) {
		t.Fatalf("the job deletes %v, want %v", job.Keys, want)
	}
	w := &deleteBlobsWorker{store: s}
	if err := w.Work(ctx, &river.Job[DeleteBlobsArgs]{Args: job}); err != nil {
		t.Fatal(err)
	}
	for _, k := range job.Keys {
		if ok, _ := bucket.Exists(ctx, k); ok {
			t.Errorf("%s is still stored", k)
		}
	}
	if ok, _ := bucket.Exists(ctx, others.BlobKey); !ok {
		t.Error("someone else's image went too")
	}
	// Working the job twice (a retry) is harmless.
	if err := w.Work(ctx, &river.Job[DeleteBlobsArgs]{Args: job}); err != nil {
		t.Fatalf("a retry: %v", err)
	}
}
