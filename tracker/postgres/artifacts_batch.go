package postgres

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/cgx-dev/cgx/tracker"
)

// batchBytes bounds the chunk bytes PutArtifacts queues in one pgx batch
// (one round trip): a larger batch of artifacts is sent in several, all in
// its one transaction, so the driver's buffer stays this size.
const batchBytes = 16 << 20

// PutArtifacts stores a batch as PutArtifact stores each of its items, in
// order, in one transaction: one commit (one WAL flush) for the batch. The
// bytes are cut into chunks as PutArtifact cuts them; the chunks go first,
// in the order of their SHA-256, then the artifact rows and chunk lists, in
// id order, so that concurrent batches take their row locks in the same
// order (a deadlock is retried, as every write is). Bytes repeated within
// the batch are sent once, with the first item's metadata; an artifact
// already stored keeps its metadata (ON CONFLICT DO NOTHING).
func (s *Store) PutArtifacts(ctx context.Context, items []tracker.ArtifactPut) ([]tracker.ID, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("put artifacts: %w", err)
	}
	if err := s.writable("put artifacts"); err != nil {
		return nil, err
	}
	ids := make([]tracker.ID, len(items))
	if len(items) == 0 {
		return ids, nil
	}
	recs := make([]artifactPut, 0, len(items))
	chunks := map[[32]byte][]byte{}
	seen := make(map[tracker.ID]bool, len(items))
	for i, it := range items {
		id := tracker.Sum(it.Data)
		ids[i] = id
		if seen[id] {
			continue // the first metadata in the batch wins
		}
		seen[id] = true
		a, err := newArtifactPut(id, it.Data, it.Meta)
		if err != nil {
			return nil, fmt.Errorf("put artifacts: item %d (artifact %s): %w", i, id, err)
		}
		for k, c := range a.chunks {
			chunks[[32]byte(a.shas[k])] = c
		}
		recs = append(recs, a)
	}
	sums := make([][32]byte, 0, len(chunks))
	for sum := range chunks {
		sums = append(sums, sum)
	}
	slices.SortFunc(sums, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	slices.SortFunc(recs, func(a, b artifactPut) int { return bytes.Compare(a.id[:], b.id[:]) })
	err := s.writeTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, gcLock); err != nil {
			return err
		}
		b, queued := &pgx.Batch{}, 0
		send := func() error {
			if b.Len() == 0 {
				return nil
			}
			err := tx.SendBatch(ctx, b).Close()
			b, queued = &pgx.Batch{}, 0
			return err
		}
		for _, sum := range sums {
			c := chunks[sum]
			b.Queue(chunkInsert, sum[:], len(c), c)
			if queued += len(c); queued >= batchBytes {
				if err := send(); err != nil {
					return err
				}
			}
		}
		for _, a := range recs {
			b.Queue(artifactsInsert, a.id[:], a.meta.Kind, a.meta.Size, a.meta.RunID, a.raw, a.shas, s.sessionOrNil())
		}
		return send()
	})
	if err != nil {
		return nil, fmt.Errorf("put artifacts: %d artifacts: %w", len(recs), err)
	}
	return ids, nil
}
