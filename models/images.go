package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
	"gorm.io/gorm"
)

// Limits on attaching images.
const (
	// MaxImagesPerPost bounds the images of one idea or comment.
	MaxImagesPerPost = 4
	// MaxAltLength bounds an image's alt text, in characters.
	MaxAltLength = 250
	// MaxWaitingImages bounds a member's uploads not yet attached to a post.
	MaxWaitingImages = 20
	// OrphanImageAge is how long an upload waits to be attached before the
	// cleanup removes it.
	OrphanImageAge = 24 * time.Hour
	// imageFolder starts every image's blob key.
	imageFolder = "images/"
)

// Image is a picture a member attached to an idea or a comment: stored
// re-encoded at a bounded size with a thumbnail, under random blob keys. It
// has no state of its own: who may read its post may see it (VisibleTo).
// Until its post is saved it is attached to nothing, and only its owner sees it.
type Image struct {
	ID          int64
	UserID      int64
	IdeaID      *int64
	CommentID   *int64
	BlobKey     string
	ThumbKey    string
	ContentType string
	Width       int
	Height      int
	ThumbWidth  int
	ThumbHeight int
	Alt         string
	Bytes       int64
	CreatedAt   time.Time
}

// Path is where the full image is served.
func (i Image) Path() string { return "/images/" + strings.TrimPrefix(i.BlobKey, imageFolder) }

// ThumbPath is where the thumbnail is served.
func (i Image) ThumbPath() string { return "/images/" + strings.TrimPrefix(i.ThumbKey, imageFolder) }

// Attached reports whether the image belongs to a post yet.
func (i Image) Attached() bool { return i.IdeaID != nil || i.CommentID != nil }

// SetBlobs gives the store the bucket that holds images (gocloud.dev/blob:
// a folder, or an S3-compatible bucket shared by several instances).
func (s *Store) SetBlobs(b *blob.Bucket) { s.blobs = b }

// errNoBlobs: the store was opened without a bucket (a command-line tool).
var errNoBlobs = errors.New("images: no blob store configured")

// NewImage is an upload: the file's bytes and the alt text its member wrote.
type NewImage struct {
	Data []byte
	Alt  string
}

func validateAlt(alt string) (string, error) {
	alt = strings.Join(strings.Fields(alt), " ")
	switch {
	case !validText(alt):
		return "", ValidationErrors{"alt": "is not valid text"}
	case alt == "":
		return "", ValidationErrors{"alt": "is required: describe the image for those who cannot see it"}
	case utf8.RuneCountInString(alt) > MaxAltLength:
		return "", ValidationErrors{"alt": fmt.Sprintf("must be at most %d characters", MaxAltLength)}
	}
	return alt, nil
}

// UploadImage checks, re-encodes and stores an image, attached to nothing
// until its owner's post is saved (see attachImages). What is stored is
// never the file as uploaded: see processImage.
func (s *Store) UploadImage(ctx context.Context, owner *User, n NewImage) (*Image, error) {
	if !s.Can(owner, ActComment) && !s.Can(owner, ActPropose) {
		return nil, ErrForbidden
	}
	alt, err := validateAlt(n.Alt)
	if err != nil {
		return nil, err
	}
	if s.blobs == nil {
		return nil, errNoBlobs
	}
	var waiting int64
	err = s.db.WithContext(ctx).Model(&Image{}).
		Where("user_id = ? AND "+unattached, owner.ID).Count(&waiting).Error
	if err != nil {
		return nil, fmt.Errorf("count waiting images: %w", err)
	}
	if waiting >= MaxWaitingImages {
		return nil, ValidationErrors{"image": fmt.Sprintf("you have %d images waiting to be posted: post or wait a day", waiting)}
	}

	// Decoding takes memory in proportion to the pixels: a few at a time.
	select {
	case s.decoding <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p, err := processImage(n.Data)
	<-s.decoding
	var refused ImageError
	if errors.As(err, &refused) {
		return nil, ValidationErrors{"image": string(refused)}
	}
	if err != nil {
		return nil, err
	}

	ext := ".png"
	if p.contentType == imageJPEG {
		ext = ".jpg"
	}
	img := &Image{
		UserID: owner.ID, BlobKey: imageFolder + randomKey() + ext, ThumbKey: imageFolder + randomKey() + ext,
		ContentType: p.contentType, Width: p.width, Height: p.height, ThumbWidth: p.thumbWidth, ThumbHeight: p.thumbHeight,
		Alt: alt, Bytes: int64(len(p.full)), CreatedAt: s.Now(),
	}
	opts := &blob.WriterOptions{ContentType: p.contentType, CacheControl: "public, max-age=31536000, immutable"}
	if err := s.blobs.WriteAll(ctx, img.BlobKey, p.full, opts); err != nil {
		return nil, fmt.Errorf("store image: %w", err)
	}
	if err := s.blobs.WriteAll(ctx, img.ThumbKey, p.thumb, opts); err != nil {
		s.deleteBlobs(ctx, img.BlobKey)
		return nil, fmt.Errorf("store thumbnail: %w", err)
	}
	if err := s.db.WithContext(ctx).Create(img).Error; err != nil {
		s.deleteBlobs(ctx, img.BlobKey, img.ThumbKey)
		return nil, fmt.Errorf("save image: %w", err)
	}
	return img, nil
}

// unattached is the condition of an upload that waits to be posted: in no
// idea, no comment, and no campaign's brief.
const unattached = "idea_id IS NULL AND comment_id IS NULL AND id NOT IN (SELECT image_id FROM campaigns WHERE image_id IS NOT NULL)"

// randomKey is 128 random bits in hex: nothing about an image follows from it.
func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// WaitingImages loads those of ids that are owner's uploads not yet attached
// to a post, in upload order; others are left out.
func (s *Store) WaitingImages(ctx context.Context, ownerID int64, ids []int64) ([]Image, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var list []Image
	err := s.db.WithContext(ctx).Where("id IN ? AND user_id = ? AND "+unattached, ids, ownerID).
		Order("id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("load waiting images: %w", err)
	}
	return list, nil
}

// attachImages attaches owner's waiting uploads to an idea or a comment, in
// the transaction that saves the post. Anything else among ids (someone
// else's, attached already, unknown) refuses the whole post.
func attachImages(tx *gorm.DB, ids []int64, ownerID int64, column string, postID int64) error {
	return attachImagesFor(tx, ids, ownerID, ownerID, column, postID)
}

// attachImagesFor attaches uploader's waiting uploads to a post whose author
// is authorID, and makes them the author's: an idea the team records for a
// customer carries the pictures the customer sent, which are then theirs
// (in their export, gone with their account, removable by them).
func attachImagesFor(tx *gorm.DB, ids []int64, uploaderID, authorID int64, column string, postID int64) error {
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	if len(ids) > MaxImagesPerPost {
		return ValidationErrors{"images": fmt.Sprintf("at most %d images", MaxImagesPerPost)}
	}
	res := tx.Model(&Image{}).Where("id IN ? AND user_id = ? AND "+unattached, ids, uploaderID).
		Updates(map[string]any{column: postID, "user_id": authorID})
	if res.Error != nil {
		return fmt.Errorf("attach images: %w", res.Error)
	}
	if res.RowsAffected != int64(len(ids)) {
		return ValidationErrors{"images": "must be your own uploads, not yet posted"}
	}
	return nil
}

// imageChange is what an edit does to a post's images: the uploads it
// attaches and the images it removes.
type imageChange struct {
	Added, Removed []int64
}

// Changed reports whether the edit touches the images at all.
func (ch imageChange) Changed() bool { return len(ch.Added) > 0 || len(ch.Removed) > 0 }

// planImages compares the full new list of a post's images (ids) with the
// images it has, before anything is written. Only the post's author adds
// images, from their own uploads: staff editing someone else's post may
// remove images but not attach uploads of their own, which would put their
// pictures under another member's name (and into that member's export).
func planImages(ids []int64, current []Image, editor *User, authorID int64) (imageChange, error) {
	ids = uniqueIDs(ids)
	if len(ids) > MaxImagesPerPost {
		return imageChange{}, ValidationErrors{"images": fmt.Sprintf("at most %d images", MaxImagesPerPost)}
	}
	var ch imageChange
	have := make(map[int64]bool, len(current))
	for _, img := range current {
		have[img.ID] = true
	}
	keep := make(map[int64]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
		if !have[id] {
			ch.Added = append(ch.Added, id)
		}
	}
	for _, img := range current {
		if !keep[img.ID] {
			ch.Removed = append(ch.Removed, img.ID)
		}
	}
	if len(ch.Added) > 0 && editor.ID != authorID {
		return imageChange{}, ValidationErrors{"images": "only the author adds images to a post; you may remove them"}
	}
	return ch, nil
}

// applyImages makes a planned change in tx, the transaction that saves the
// edit: the added uploads are attached (refused unless each is the
// author's own, not yet posted), the removed images deleted, their files by
// the delete_blobs job once tx commits.
func (s *Store) applyImages(ctx context.Context, tx *gorm.DB, ch imageChange, authorID int64, column string, postID int64) error {
	if err := attachImages(tx, ch.Added, authorID, column, postID); err != nil {
		return err
	}
	if len(ch.Removed) == 0 {
		return nil
	}
	return s.dropImages(ctx, tx, "id IN ? AND "+column+" = ?", ch.Removed, postID)
}

// removedImagesReason is what the audit log says of images staff removed
// from someone's post: their alt texts, the rows being gone.
func removedImagesReason(current []Image, ch imageChange) string {
	if len(ch.Removed) == 0 {
		return ""
	}
	gone := make(map[int64]bool, len(ch.Removed))
	for _, id := range ch.Removed {
		gone[id] = true
	}
	var alts []string
	for _, img := range current {
		if gone[img.ID] {
			alts = append(alts, fmt.Sprintf("%q", img.Alt))
		}
	}
	return "removed images: " + strings.Join(alts, ", ")
}

// checkImageCount refuses more images than a post takes before anything is written.
func checkImageCount(ids []int64) error {
	if len(uniqueIDs(ids)) > MaxImagesPerPost {
		return ValidationErrors{"images": fmt.Sprintf("at most %d images", MaxImagesPerPost)}
	}
	return nil
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// imagesBy loads the images attached to the posts whose column (idea_id or
// comment_id) is among ids, grouped by post, each group in upload order.
func (s *Store) imagesBy(ctx context.Context, column string, ids []int64) (map[int64][]Image, error) {
	out := map[int64][]Image{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []Image
	if err := s.db.WithContext(ctx).Where(column+" IN ?", ids).Order("id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("load images: %w", err)
	}
	for _, img := range list {
		post := img.IdeaID
		if column == "comment_id" {
			post = img.CommentID
		}
		out[*post] = append(out[*post], img)
	}
	return out, nil
}

// ImageFile finds the image served at a URL key (the full image or its
// thumbnail) as viewer may see it, and the blob key to read. An image is
// seen by whoever may read its post (Idea.VisibleTo, and Comment.VisibleTo
// with its idea); an upload not yet attached by its owner alone. Anything
// else is ErrNotFound, as if it did not exist. Public reports whether
// everyone may see it, so that shared caches may keep it.
func (s *Store) ImageFile(ctx context.Context, key string, viewer *User) (img *Image, blobKey string, public bool, err error) {
	if !imageKey.MatchString(key) {
		return nil, "", false, fmt.Errorf("load image: %w", ErrNotFound)
	}
	blobKey = imageFolder + key
	img = &Image{}
	if err := first(s.db.WithContext(ctx).Where("blob_key = ? OR thumb_key = ?", blobKey, blobKey), img); err != nil {
		return nil, "", false, fmt.Errorf("load image: %w", err)
	}
	now := s.Now()
	notFound := fmt.Errorf("load image: %w", ErrNotFound)
	if !img.Attached() {
		// A campaign's picture: seen by whoever may read the campaign.
		var c Campaign
		err := first(s.db.WithContext(ctx).Select("id", "phase").Where("image_id = ?", img.ID), &c)
		switch {
		case err == nil && (c.Phase != PhaseDraft || s.Can(viewer, ActManageCampaigns)):
			return img, blobKey, c.Phase != PhaseDraft, nil
		case err == nil:
			return nil, "", false, notFound
		case !errors.Is(err, ErrNotFound):
			return nil, "", false, fmt.Errorf("load image: %w", err)
		}
		if viewer == nil || viewer.ID != img.UserID {
			return nil, "", false, notFound
		}
		return img, blobKey, false, nil
	}
	ideaID := img.IdeaID
	public = true
	if img.CommentID != nil {
		var c Comment
		if err := first(s.db.WithContext(ctx).Select("id", "idea_id", "user_id", "state", "internal").Where("id = ?", *img.CommentID), &c); err != nil {
			return nil, "", false, fmt.Errorf("load image: %w", err)
		}
		if !c.VisibleTo(viewer, now) {
			return nil, "", false, notFound
		}
		public = c.VisibleTo(nil, now)
		ideaID = &c.IdeaID
	}
	var idea Idea
	if err := first(s.db.WithContext(ctx).Select("id", "author_id", "state").Where("id = ?", *ideaID), &idea); err != nil {
		return nil, "", false, fmt.Errorf("load image: %w", err)
	}
	if !idea.VisibleTo(viewer, now) {
		return nil, "", false, notFound
	}
	return img, blobKey, public && idea.VisibleTo(nil, now), nil
}

// imageKey is the form of an image's URL key: random hex and an extension.
var imageKey = regexp.MustCompile(`^[0-9a-f]{32}\.(jpg|png)$`)

// OpenImage reads a stored image (a blob key from ImageFile); the caller
// closes the reader.
func (s *Store) OpenImage(ctx context.Context, blobKey string) (io.ReadCloser, int64, error) {
	if s.blobs == nil {
		return nil, 0, errNoBlobs
	}
	r, err := s.blobs.NewReader(ctx, blobKey, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, 0, fmt.Errorf("read image: %w", ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read image: %w", err)
	}
	return r, r.Size(), nil
}

// ImagesOf lists every image a member uploaded, attached or not, oldest
// first: their part of the data export.
func (s *Store) ImagesOf(ctx context.Context, userID int64) ([]Image, error) {
	var list []Image
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("list images of user %d: %w", userID, err)
	}
	return list, nil
}

// DeleteImagesOf removes every image a member uploaded, in tx (the
// transaction that deletes their account): the rows at once, the files by
// a job enqueued in the same transaction, so that they go once it commits.
func (s *Store) DeleteImagesOf(ctx context.Context, tx *gorm.DB, userID int64) error {
	return s.dropImages(ctx, tx, "user_id = ?", userID)
}

// dropImages deletes the rows of the images matching where, and enqueues
// the deletion of their files, in tx.
func (s *Store) dropImages(ctx context.Context, tx *gorm.DB, where string, args ...any) error {
	var list []Image
	if err := tx.Select("id", "blob_key", "thumb_key").Where(where, args...).Find(&list).Error; err != nil {
		return fmt.Errorf("find images to delete: %w", err)
	}
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	keys := make([]string, 0, 2*len(list))
	for i, img := range list {
		ids[i] = img.ID
		keys = append(keys, img.BlobKey, img.ThumbKey)
	}
	if err := tx.Where("id IN ?", ids).Delete(&Image{}).Error; err != nil {
		return fmt.Errorf("delete images: %w", err)
	}
	return s.enqueue(ctx, tx, DeleteBlobsArgs{Keys: keys})
}

// deleteImagesOfIdea removes the images of an idea and of its comments, in
// the transaction that deletes it.
func (s *Store) deleteImagesOfIdea(ctx context.Context, tx *gorm.DB, ideaID int64) error {
	return s.dropImages(ctx, tx, "idea_id = ? OR comment_id IN (SELECT id FROM comments WHERE idea_id = ?)", ideaID, ideaID)
}

// deleteBlobs removes files at once, where nothing else has seen them yet.
func (s *Store) deleteBlobs(ctx context.Context, keys ...string) {
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			s.log.Warn("delete image file", "key", k, "error", err)
		}
	}
}

// DeleteBlobsArgs is the job that deletes image files whose rows are gone.
type DeleteBlobsArgs struct {
	Keys []string `json:"keys"`
}

// Kind names the job in River's tables.
func (DeleteBlobsArgs) Kind() string { return "delete_blobs" }

type deleteBlobsWorker struct {
	river.WorkerDefaults[DeleteBlobsArgs]
	store *Store
}

func (w *deleteBlobsWorker) Work(ctx context.Context, job *river.Job[DeleteBlobsArgs]) error {
	if w.store.blobs == nil {
		return errNoBlobs
	}
	for _, k := range job.Args.Keys {
		if err := w.store.blobs.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("delete image file %s: %w", k, err)
		}
	}
	return nil
}

// OrphanImagesArgs is the periodic job that removes uploads never attached
// to a post within OrphanImageAge.
type OrphanImagesArgs struct{}

// Kind names the job in River's tables.
func (OrphanImagesArgs) Kind() string { return "delete_orphan_images" }

type orphanImagesWorker struct {
	river.WorkerDefaults[OrphanImagesArgs]
	store *Store
}

func (w *orphanImagesWorker) Work(ctx context.Context, _ *river.Job[OrphanImagesArgs]) error {
	_, err := w.store.DeleteOrphanImages(ctx)
	return err
}

// DeleteOrphanImages removes uploads attached to nothing for longer than
// OrphanImageAge, and reports how many.
func (s *Store) DeleteOrphanImages(ctx context.Context) (int, error) {
	var n int
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var count int64
		where := unattached + " AND created_at < ?"
		cutoff := s.Now().Add(-OrphanImageAge)
		if err := tx.Model(&Image{}).Where(where, cutoff).Count(&count).Error; err != nil {
			return err
		}
		n = int(count)
		return s.dropImages(ctx, tx, where, cutoff)
	})
	if err != nil {
		return 0, fmt.Errorf("delete orphan images: %w", err)
	}
	return n, nil
}
