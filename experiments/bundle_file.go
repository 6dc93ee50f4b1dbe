package experiments

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/cgx-dev/cgx/tracker"
)

// BundleFormat is the bundle file layout this cgx writes and the newest it
// reads (docs/BUNDLE.md).
const BundleFormat = 1

// bundleMagic opens every bundle file.
const bundleMagic = "CGXBNDL\n"

// Reader limits: a manifest or artifact claiming more is damaged (or made by
// a cgx this one cannot hold in memory), refused before it is read.
const (
	maxBundleManifest = 1 << 30
	maxBundleArtifact = 1 << 34
)

// The layout: the magic, the format as a big-endian uint32, then one gzip
// member holding the manifest length (big-endian uint64), the manifest JSON,
// the bytes of every Included artifact in manifest order, and the SHA-256 of
// everything before it (magic and format included, uncompressed). Nothing
// may follow the gzip member.

// WriteBundle writes b to w; get returns the bytes of each Included artifact,
// which must hash to its id.
func WriteBundle(w io.Writer, b *Bundle, get func(tracker.ID) ([]byte, error)) error {
	if err := checkBundle(b); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	manifest, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("write bundle: encode manifest: %w", err)
	}
	sum := sha256.New()
	var head [12]byte
	copy(head[:], bundleMagic)
	binary.BigEndian.PutUint32(head[8:], uint32(b.Format))
	if _, err := w.Write(head[:]); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	sum.Write(head[:])
	zw := gzip.NewWriter(w)
	body := io.MultiWriter(zw, sum)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(manifest)))
	body.Write(n[:])
	body.Write(manifest)
	for _, a := range b.Artifacts {
		if !a.Included {
			continue
		}
		data, err := get(a.ID)
		if err != nil {
			return fmt.Errorf("write bundle: artifact %s: %w", a.ID, err)
		}
		if tracker.Sum(data) != a.ID || int64(len(data)) != a.Size {
			return fmt.Errorf("write bundle: artifact %s: its bytes do not match its digest (%w); run 'cgx check'", a.ID, tracker.ErrCorruptDB)
		}
		if _, err := body.Write(data); err != nil {
			return fmt.Errorf("write bundle: %w", err)
		}
	}
	if _, err := zw.Write(sum.Sum(nil)); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

// ReadBundle reads a bundle file from r, checking its magic, format,
// checksum, every trial digest and every included artifact's digest. put,
// when not nil, receives each included artifact once its bytes are checked
// (before the file's checksum is, so a caller that stores them should do so
// where a later error leaves no harm). Errors match ErrBundleDamaged or, for
// a newer format, ErrBundleVersion.
func ReadBundle(r io.Reader, put func(BundleArtifact, []byte) error) (*Bundle, error) {
	var head [12]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, damaged("read header: %v", err)
	}
	if string(head[:8]) != bundleMagic {
		return nil, damaged("no bundle magic: not a file made by 'cgx bundle'")
	}
	format := binary.BigEndian.Uint32(head[8:])
	switch {
	case format > BundleFormat:
		return nil, fmt.Errorf("%w: bundle format %d is newer than this cgx reads (%d); verify it with a cgx that reads bundle format %d",
			ErrBundleVersion, format, BundleFormat, format)
	case format == 0:
		return nil, damaged("bundle format 0")
	}
	sum := sha256.New()
	sum.Write(head[:])
	br := bufio.NewReader(r)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, damaged("open compressed body: %v", err)
	}
	zr.Multistream(false)
	body := io.TeeReader(zr, sum)
	b, err := readManifest(body, int(format))
	if err != nil {
		return nil, err
	}
	for _, a := range b.Artifacts {
		if !a.Included {
			continue
		}
		data, err := readN(body, a.Size)
		if err != nil {
			return nil, damaged("artifact %s: %v", a.ID, err)
		}
		if tracker.Sum(data) != a.ID {
			return nil, damaged("artifact %s: its bytes do not match its digest", a.ID)
		}
		if put != nil {
			if err := put(a, data); err != nil {
				return nil, fmt.Errorf("read bundle: artifact %s: %w", a.ID, err)
			}
		}
	}
	if err := readTrailer(zr, sum, br); err != nil {
		return nil, err
	}
	return b, nil
}

func readManifest(body io.Reader, format int) (*Bundle, error) {
	var n [8]byte
	if _, err := io.ReadFull(body, n[:]); err != nil {
		return nil, damaged("read manifest length: %v", err)
	}
	size := binary.BigEndian.Uint64(n[:])
	if size > maxBundleManifest {
		return nil, damaged("manifest of %d bytes exceeds the %d this cgx reads", size, maxBundleManifest)
	}
	raw, err := readN(body, int64(size))
	if err != nil {
		return nil, damaged("read manifest: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var b Bundle
	if err := dec.Decode(&b); err != nil {
		return nil, damaged("decode manifest: %v", err)
	}
	if dec.More() {
		return nil, damaged("decode manifest: data after the manifest")
	}
	if b.Format != format {
		return nil, damaged("manifest says format %d, header %d", b.Format, format)
	}
	if err := checkBundle(&b); err != nil {
		return nil, damaged("%v", err)
	}
	return &b, nil
}

// readTrailer checks the checksum that ends the body and that nothing
// follows it.
func readTrailer(zr *gzip.Reader, sum hash.Hash, br *bufio.Reader) error {
	want := sum.Sum(nil)
	got, err := readN(zr, sha256.Size)
	if err != nil {
		return damaged("read checksum: %v", err)
	}
	if !bytes.Equal(got, want) {
		return damaged("checksum mismatch: the file was changed or cut after it was written")
	}
	if n, err := io.Copy(io.Discard, io.LimitReader(zr, 1)); err != nil || n != 0 {
		return damaged("data after the checksum (%v)", err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return damaged("data after the end of the bundle")
	}
	return nil
}

// checkBundle checks what a bundle must hold to be verified: a spec, a trial
// digest that matches every trial, and distinct artifacts of sane sizes.
func checkBundle(b *Bundle) error {
	if b.Format < 1 || b.Format > BundleFormat {
		return fmt.Errorf("format %d: want 1 to %d", b.Format, BundleFormat)
	}
	if b.Run.Spec == "" {
		return errors.New("no spec text")
	}
	for _, s := range b.Record.Stages {
		for _, sd := range s.Studies {
			for _, t := range sd.Trials {
				if t.Digest != t.ContentDigest() {
					return fmt.Errorf("stage %s, study %s, trial %d: digest does not match its contents", s.Name, sd.Name, t.Number)
				}
			}
		}
	}
	seen := make(map[tracker.ID]bool, len(b.Artifacts))
	for _, a := range b.Artifacts {
		if seen[a.ID] {
			return fmt.Errorf("artifact %s listed twice", a.ID)
		}
		seen[a.ID] = true
		if a.Size < 0 || a.Size > maxBundleArtifact {
			return fmt.Errorf("artifact %s: size %d out of range", a.ID, a.Size)
		}
	}
	return nil
}

// readN reads exactly n bytes, growing its buffer as data arrives so a
// damaged length cannot make it allocate more than the input holds.
func readN(r io.Reader, n int64) ([]byte, error) {
	var buf bytes.Buffer
	got, err := io.CopyN(&buf, r, n)
	if got == n {
		return buf.Bytes(), nil
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("%d of %d bytes: %w", got, n, err)
}

func damaged(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBundleDamaged, fmt.Sprintf(format, a...))
}
