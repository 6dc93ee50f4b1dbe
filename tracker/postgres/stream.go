package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"

	"github.com/jackc/pgx/v5"

	"github.com/cgx-dev/cgx/tracker"
)

// PutArtifactFrom stores the bytes read from r until EOF, as PutArtifact
// does, holding at most one chunk (ChunkSize bytes) in memory: each chunk
// is hashed and written as it is read, inside one transaction that records
// the artifact at the end, so a reader that fails (or a process that dies)
// leaves nothing behind.
func (s *Store) PutArtifactFrom(ctx context.Context, r io.Reader, meta tracker.ArtifactMeta) (tracker.ID, error) {
	if err := ctx.Err(); err != nil {
		return tracker.ID{}, err
	}
	if err := s.writable("put artifact"); err != nil {
		return tracker.ID{}, err
	}
	if err := checkText("artifact kind", meta.Kind); err != nil {
		return tracker.ID{}, fmt.Errorf("put artifact: %w", err)
	}
	var id tracker.ID
	err := s.streamTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, gcLock); err != nil {
			return err
		}
		whole := sha256.New()
		buf := make([]byte, ChunkSize)
		var shas [][]byte
		var size int64
		for {
			n, rerr := io.ReadFull(r, buf)
			if n > 0 {
				c := buf[:n]
				whole.Write(c)
				sum := sha256.Sum256(c)
				shas = append(shas, sum[:])
				size += int64(n)
				if _, err := tx.Exec(ctx, chunkInsert, sum[:], n, c); err != nil {
					return err
				}
			}
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				break
			}
			if rerr != nil {
				return fmt.Errorf("read: %w", rerr)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		whole.Sum(id[:0])
		meta.ID, meta.Size = id, size
		raw, err := encodeMeta(meta)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, artifactsInsert, id[:], meta.Kind, meta.Size, meta.RunID, raw, shas, s.sessionOrNil())
		return err
	})
	if err != nil {
		return tracker.ID{}, fmt.Errorf("put artifact: %w", err)
	}
	return id, nil
}

// OpenArtifact streams an artifact's bytes, one chunk query at a time, so
// at most one chunk is in memory. The bytes are hashed as they are read:
// the read that reaches the end returns an error matching
// tracker.ErrCorruptArtifact instead of io.EOF when they do not hash to the
// id, and a chunk found missing on the way fails the same way.
func (s *Store) OpenArtifact(ctx context.Context, id tracker.ID) (io.ReadCloser, tracker.ArtifactMeta, error) {
	meta, err := s.artifactMeta(ctx, id)
	if err != nil {
		return nil, tracker.ArtifactMeta{}, err
	}
	rows, err := s.pool.Query(ctx, `SELECT chunk FROM artifact_chunks WHERE artifact = $1 ORDER BY seq`, id[:])
	if err != nil {
		return nil, tracker.ArtifactMeta{}, s.red.err(fmt.Errorf("open artifact %s: %w", id, err))
	}
	var chunks [][]byte
	for rows.Next() {
		var c []byte
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, tracker.ArtifactMeta{}, s.red.err(fmt.Errorf("open artifact %s: %w", id, err))
		}
		chunks = append(chunks, c)
	}
	if err := rows.Err(); err != nil {
		return nil, tracker.ArtifactMeta{}, s.red.err(fmt.Errorf("open artifact %s: %w", id, err))
	}
	return &artifactReader{s: s, ctx: ctx, id: id, size: meta.Size, chunks: chunks, h: sha256.New()}, meta, nil
}

type artifactReader struct {
	s      *Store
	ctx    context.Context
	id     tracker.ID
	size   int64
	chunks [][]byte // chunk hashes still to read
	cur    []byte   // unread bytes of the current chunk
	n      int64
	h      hash.Hash
	err    error // sticky
}

func (a *artifactReader) Read(p []byte) (int, error) {
	for len(a.cur) == 0 {
		if a.err != nil {
			return 0, a.err
		}
		if len(a.chunks) == 0 {
			a.err = a.finish()
			return 0, a.err
		}
		if err := a.next(); err != nil {
			a.err = err
			return 0, err
		}
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

// next fetches the next chunk.
func (a *artifactReader) next() error {
	if a.s.closed.Load() {
		return fmt.Errorf("read artifact %s: %w", a.id, tracker.ErrClosed)
	}
	sha := a.chunks[0]
	a.chunks = a.chunks[1:]
	var data []byte
	err := a.s.pool.QueryRow(a.ctx, `SELECT data FROM chunks WHERE sha256 = $1`, sha).Scan(&data)
	if noRows(err) {
		return tagf(tracker.ErrCorruptArtifact, "artifact %s: chunk %x is missing; restore the database from a backup or rerun the stage that made it", a.id, sha)
	}
	if err != nil {
		return a.s.red.err(fmt.Errorf("read artifact %s: %w", a.id, err))
	}
	a.h.Write(data)
	a.n += int64(len(data))
	a.cur = data
	return nil
}

func (a *artifactReader) finish() error {
	var got tracker.ID
	a.h.Sum(got[:0])
	if got != a.id || a.n != a.size {
		return tagf(tracker.ErrCorruptArtifact, "artifact %s: its %d stored bytes (metadata says %d) hash to %s; restore the database from a backup or rerun the stage that made it",
			a.id, a.n, a.size, got)
	}
	return io.EOF
}

// Close releases the reader; it holds no connection between reads.
func (a *artifactReader) Close() error {
	a.cur, a.chunks = nil, nil
	if a.err == nil {
		a.err = fmt.Errorf("read artifact %s: reader closed", a.id)
	}
	return nil
}
