package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

func artifactBatchCases() []dbCase {
	return []dbCase{
		{"a batch stores what one-by-one puts store", batchEqualsOneByOne},
		{"an empty batch stores nothing", batchEmpty},
		{"a canceled batch records nothing, a returned one everything", batchCanceled},
		{"concurrent batches of the same bytes agree", batchConcurrent},
	}
}

// batchFamily is a batch whose bytes all start with prefix, so that two
// families share no bytes but have the same shape, and the artifact stored
// before it that item 3 repeats. Item 2 repeats item 0 within the batch;
// item 4 spans several PostgreSQL chunks.
func batchFamily(t *testing.T, prefix string, run int) (stored tracker.ArtifactPut, items []tracker.ArtifactPut) {
	big := make([]byte, 2<<20+777)
	if _, err := io.ReadFull(newStream(int64(len(big)), prefix[0]), big); err != nil {
		t.Fatal(err)
	}
	b := func(s string) []byte { return []byte(prefix + s) }
	stored = tracker.ArtifactPut{Data: b("stored"), Meta: tracker.ArtifactMeta{Kind: "weights", Name: "stored first"}}
	items = []tracker.ArtifactPut{
		{Data: b("one"), Meta: tracker.ArtifactMeta{Kind: "image", MediaType: "image/png", RunID: run, Stage: "dataset/cg", Name: "one"}},
		{Data: b("two"), Meta: tracker.ArtifactMeta{Kind: "mask", MediaType: "image/png", RunID: run, Stage: "dataset/cg", Name: "two"}},
		{Data: b("one"), Meta: tracker.ArtifactMeta{Kind: "other", Name: "one again"}},
		{Data: b("stored"), Meta: tracker.ArtifactMeta{Kind: "image", Name: "stored again"}},
		{Data: append(b("big"), big...), Meta: tracker.ArtifactMeta{Kind: "weights", MediaType: "application/octet-stream", RunID: run, Name: "big"}},
	}
	return stored, items
}

func batchEqualsOneByOne(t *testing.T, db tracker.DB) {
	run := of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	storedA, batch := batchFamily(t, "A", run)
	storedB, single := batchFamily(t, "B", run)
	of(db.PutArtifact(bg, storedA.Data, storedA.Meta)).must(t)
	of(db.PutArtifact(bg, storedB.Data, storedB.Meta)).must(t)

	got, err := db.PutArtifacts(bg, batch)
	unsupported(t, "batched artifacts (PutArtifacts)", err)
	var want []tracker.ID
	for _, it := range single {
		want = append(want, of(db.PutArtifact(bg, it.Data, it.Meta)).must(t))
	}
	if len(got) != len(batch) {
		t.Fatalf("PutArtifacts returned %d ids for %d items", len(got), len(batch))
	}
	for k, it := range batch {
		if got[k] != tracker.Sum(it.Data) {
			t.Errorf("item %d: id %s, want the SHA-256 %s", k, got[k], tracker.Sum(it.Data))
		}
		data, meta, err := db.GetArtifact(bg, got[k])
		ok(t, err)
		if !bytes.Equal(data, it.Data) {
			t.Errorf("item %d: GetArtifact returned %d bytes, want the %d stored", k, len(data), len(it.Data))
		}
		// The same record as the one-by-one family's item, but for the
		// bytes, which differ by their prefix.
		one := of(db.StatArtifact(bg, want[k])).must(t)
		one.ID, one.Size = meta.ID, meta.Size
		diff(t, fmt.Sprintf("item %d: batch record vs one-by-one record", k), one, meta)
	}
	first := func(k int) tracker.ArtifactMeta {
		m := batch[k].Meta
		m.ID, m.Size = got[k], int64(len(batch[k].Data))
		return m
	}
	diff(t, "item 2 (bytes repeated within the batch)", first(0), of(db.StatArtifact(bg, got[2])).must(t))
	stored := storedA.Meta
	stored.ID, stored.Size = got[3], int64(len(storedA.Data))
	diff(t, "item 3 (bytes stored before the batch)", stored, of(db.StatArtifact(bg, got[3])).must(t))
	if n := len(of(db.ListArtifacts(bg, "")).must(t)); n != 8 {
		t.Errorf("%d artifacts listed, want 8 (4 distinct bytes in each family)", n)
	}

	// Empty bytes in a batch, as PutArtifact stores them.
	ids := of(db.PutArtifacts(bg, []tracker.ArtifactPut{{Meta: tracker.ArtifactMeta{Kind: "empty"}}})).must(t)
	if len(ids) != 1 || ids[0] != tracker.Sum(nil) {
		t.Fatalf("batch of empty bytes: ids %v, want [%s]", ids, tracker.Sum(nil))
	}
	if b, m, err := db.GetArtifact(bg, ids[0]); err != nil || len(b) != 0 || m.Size != 0 || m.Kind != "empty" {
		t.Errorf("empty artifact from a batch: %d bytes, %+v, %v", len(b), m, err)
	}
}

func batchEmpty(t *testing.T, db tracker.DB) {
	for _, items := range [][]tracker.ArtifactPut{nil, {}} {
		ids, err := db.PutArtifacts(bg, items)
		unsupported(t, "batched artifacts (PutArtifacts)", err)
		if len(ids) != 0 {
			t.Errorf("PutArtifacts(%#v) returned ids %v", items, ids)
		}
	}
	if n := len(of(db.ListArtifacts(bg, "")).must(t)); n != 0 {
		t.Errorf("%d artifacts after empty batches", n)
	}
}

// batchCanceled cancels a context while batches are being stored with it,
// at whatever point the cancel lands. A batch that returned ids is stored
// whole; the one that failed is recorded whole or not at all (it may have
// committed just before the cancel was seen); and the database checks
// clean, bytes left by the failed batch being at most notes.
func batchCanceled(t *testing.T, db tracker.DB) {
	dead, cancel := context.WithCancel(bg)
	cancel()
	items := []tracker.ArtifactPut{{Data: []byte("never"), Meta: tracker.ArtifactMeta{Kind: "image"}}}
	ids, err := db.PutArtifacts(dead, items)
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("backend does not provide batched artifacts yet: %v", err)
	}
	if !errors.Is(err, context.Canceled) || ids != nil {
		t.Errorf("PutArtifacts with a canceled context = %v, %v; want no ids and an error matching context.Canceled", ids, err)
	}
	if n := len(of(db.ListArtifacts(bg, "")).must(t)); n != 0 {
		t.Fatalf("%d artifacts recorded by a batch whose context was canceled before the call", n)
	}

	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	var returned [][]tracker.ArtifactPut
	var failed []tracker.ArtifactPut
	for b := 0; failed == nil; b++ {
		if b == 1000 {
			t.Fatal("1,000 batches stored after their context was canceled")
		}
		batch := make([]tracker.ArtifactPut, 40)
		for k := range batch {
			batch[k] = tracker.ArtifactPut{Data: fmt.Appendf(nil, "batch %d item %d", b, k), Meta: tracker.ArtifactMeta{Kind: "image", Name: fmt.Sprint(b, "/", k)}}
		}
		if b == 2 {
			go cancel() // lands somewhere in this batch or a later one
		}
		if _, err := db.PutArtifacts(ctx, batch); err != nil {
			if ctx.Err() == nil {
				t.Fatalf("batch %d failed before its context was canceled: %v", b, err)
			}
			failed = batch
			continue
		}
		returned = append(returned, batch)
	}
	listed := map[tracker.ID]string{}
	for _, m := range of(db.ListArtifacts(bg, "")).must(t) {
		listed[m.ID] = m.Name
	}
	for _, batch := range returned {
		for _, it := range batch {
			if name, found := listed[tracker.Sum(it.Data)]; !found || name != it.Meta.Name {
				t.Errorf("artifact %q of a batch that returned its ids: listed %v with name %q", it.Meta.Name, found, name)
			}
		}
	}
	n := 0
	for _, it := range failed {
		if _, found := listed[tracker.Sum(it.Data)]; found {
			n++
		}
	}
	if n != 0 && n != len(failed) {
		t.Errorf("the batch that failed on cancel recorded %d of its %d artifacts, want all or none", n, len(failed))
	}
	rep := of(db.Check(bg)).must(t)
	if !rep.OK() {
		t.Errorf("check after a canceled batch: %+v", rep.Problems)
	}
}

// batchConcurrent stores overlapping batches, in opposite orders, from
// several goroutines at once: every call succeeds, and every artifact is
// stored once, with the metadata of one of the batches that held it.
func batchConcurrent(t *testing.T, db tracker.DB) {
	const writers, n = 4, 30
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := make([]tracker.ArtifactPut, n)
			for k := range batch {
				i := k
				if w%2 == 1 {
					i = n - 1 - k
				}
				batch[k] = tracker.ArtifactPut{Data: fmt.Appendf(nil, "shared %d", i), Meta: tracker.ArtifactMeta{Kind: "image", Name: fmt.Sprint("writer ", w)}}
			}
			for range 3 {
				if _, err := db.PutArtifacts(bg, batch); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if errors.Is(err, errors.ErrUnsupported) {
			t.Skipf("backend does not provide batched artifacts yet: %v", err)
		}
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	metas := of(db.ListArtifacts(bg, "")).must(t)
	if len(metas) != n {
		t.Errorf("%d artifacts listed, want %d", len(metas), n)
	}
	for _, m := range metas {
		if data, _, err := db.GetArtifact(bg, m.ID); err != nil || tracker.Sum(data) != m.ID {
			t.Errorf("artifact %s (%s): %v", m.ID, m.Name, err)
		}
	}
}
