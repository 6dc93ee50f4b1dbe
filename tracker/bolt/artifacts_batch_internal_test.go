package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

// TestPutArtifactsCommitFails interrupts a batch at its commit (the disk
// full when bbolt writes): by then every object of the batch is in place
// with its bytes, the commit records nothing, and after the process is
// gone check finds no damage, only a note per unreferenced object, which
// GC removes. Storing the batch again then succeeds.
func TestPutArtifactsCommitFails(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.PutArtifact(ctx, []byte("stored before"), tracker.ArtifactMeta{Kind: "image"})
	if err != nil {
		t.Fatal(err)
	}
	items := make([]tracker.ArtifactPut, 20)
	for k := range items {
		items[k] = tracker.ArtifactPut{Data: fmt.Appendf(nil, "image %d", k), Meta: tracker.ArtifactMeta{Kind: "image", Name: fmt.Sprint(k)}}
	}
	items = append(items, tracker.ArtifactPut{Data: []byte("stored before"), Meta: tracker.ArtifactMeta{Kind: "other"}})
	var atCommit []string
	commitFault = func() error {
		for _, it := range items {
			p := objectPath(s.objects, tracker.Sum(it.Data))
			if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, it.Data) {
				atCommit = append(atCommit, fmt.Sprintf("%s: %v", p, err))
			}
		}
		return syscall.ENOSPC
	}
	_, err = s.PutArtifacts(ctx, items)
	commitFault = nil
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "commit 21 artifacts") {
		t.Fatalf("PutArtifacts with a failing commit: %v; want ENOSPC, saying what it was committing", err)
	}
	if len(atCommit) > 0 {
		t.Errorf("objects not in place when the batch committed: %q", atCommit)
	}
	Crash(s)

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.ListArtifacts(ctx, "")
	if err != nil || len(list) != 1 || list[0].ID != stored || list[0].Kind != "image" {
		t.Fatalf("after the failed commit: %+v, %v; want only the artifact stored before", list, err)
	}
	rep, err := s.Check(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("check after a batch whose commit failed: %+v, %v", rep.Problems, err)
	}
	if len(rep.Notes) != 20 {
		t.Errorf("check notes %q; want one per unreferenced object (20)", rep.Notes)
	}
	gc, err := s.GC(ctx, tracker.GCOptions{})
	if err != nil || len(gc.Orphans) != 20 {
		t.Errorf("GC removed %d orphans, %v; want the 20 objects of the failed batch", len(gc.Orphans), err)
	}
	ids, err := s.PutArtifacts(ctx, items)
	if err != nil || len(ids) != len(items) {
		t.Fatalf("storing the batch again: %v", err)
	}
	if rep, err := s.Check(ctx); err != nil || !rep.OK() || len(rep.Notes) != 0 || rep.Artifacts != 21 {
		t.Errorf("check after storing the batch again: %d artifacts, %+v, notes %q, %v", rep.Artifacts, rep.Problems, rep.Notes, err)
	}
}
