package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/cgx-dev/cgx/tracker"
)

// Artifacts are content-addressed and stored in the database. The bytes
// are cut into chunks of at most ChunkSize bytes; each chunk is a row of
// table chunks named by its own SHA-256, so equal chunks are stored once
// whichever artifacts hold them. Table artifacts holds each artifact's
// metadata (named by the SHA-256 of all its bytes) and artifact_chunks the
// list of its chunks in order. An artifact row and its chunk list are
// written in the same statement, after every chunk, so no artifact is ever
// listed without its bytes.

// ChunkSize is the most bytes one chunk row holds.
const ChunkSize = 1 << 20

// artifactsInsert records an artifact and its chunk list unless an artifact
// with that id exists (whose metadata is then kept: the first wins).
const artifactsInsert = `
WITH a AS (INSERT INTO artifacts (id, kind, size, run_id, meta, session) VALUES ($1, $2, $3, $4, $5::text::json, $7)
	ON CONFLICT (id) DO NOTHING RETURNING id)
INSERT INTO artifact_chunks (artifact, seq, chunk)
SELECT a.id, x.seq - 1, x.chunk FROM a CROSS JOIN unnest($6::bytea[]) WITH ORDINALITY AS x(chunk, seq)`

const chunkInsert = `INSERT INTO chunks (sha256, size, data) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`

// PutArtifact stores data and returns its id. Storing the same bytes again
// returns the same id and keeps the first metadata. meta.ID and meta.Size
// are set by the store.
func (s *Store) PutArtifact(ctx context.Context, data []byte, meta tracker.ArtifactMeta) (tracker.ID, error) {
	if err := ctx.Err(); err != nil {
		return tracker.ID{}, err
	}
	if err := s.writable("put artifact"); err != nil {
		return tracker.ID{}, err
	}
	a, err := newArtifactPut(tracker.Sum(data), data, meta)
	if err != nil {
		return tracker.ID{}, fmt.Errorf("put artifact %s: %w", a.id, err)
	}
	err = s.sendBatch(ctx, func(b *pgx.Batch) { s.queueArtifact(b, a) })
	if err != nil {
		return tracker.ID{}, fmt.Errorf("put artifact %s: %w", a.id, err)
	}
	return a.id, nil
}

// artifactPut is an artifact ready to be queued: its id, encoded metadata
// and chunks.
type artifactPut struct {
	id     tracker.ID
	meta   tracker.ArtifactMeta
	raw    string   // meta as JSON
	chunks [][]byte // data cut at ChunkSize
	shas   [][]byte // each chunk's SHA-256
}

// newArtifactPut cuts data (whose SHA-256 is id) into chunks, hashes each
// and encodes meta (its ID and Size set here).
func newArtifactPut(id tracker.ID, data []byte, meta tracker.ArtifactMeta) (artifactPut, error) {
	a := artifactPut{id: id, meta: meta}
	a.meta.ID, a.meta.Size = a.id, int64(len(data))
	var err error
	if a.raw, err = encodeMeta(a.meta); err != nil {
		return a, err
	}
	for off := 0; off < len(data); off += ChunkSize {
		c := data[off:min(off+ChunkSize, len(data))]
		sum := sha256.Sum256(c)
		a.chunks, a.shas = append(a.chunks, c), append(a.shas, sum[:])
	}
	return a, nil
}

// queueArtifact queues on b the statements that store a, led by the shared
// lock that keeps the collector (gc.go) from deleting chunks meanwhile. b
// must run in one transaction, explicit or implicit (a batch sent outside
// one). A fresh batch is built for each try: pgx keeps per-connection
// state in a sent batch.
func (s *Store) queueArtifact(b *pgx.Batch, a artifactPut) {
	b.Queue(`SELECT pg_advisory_xact_lock_shared($1)`, gcLock)
	for i, c := range a.chunks {
		b.Queue(chunkInsert, a.shas[i], len(c), c)
	}
	b.Queue(artifactsInsert, a.id[:], a.meta.Kind, a.meta.Size, a.meta.RunID, a.raw, a.shas, s.sessionOrNil())
}

func encodeMeta(m tracker.ArtifactMeta) (string, error) {
	if err := checkText("artifact kind", m.Kind); err != nil {
		return "", err
	}
	js, err := json.Marshal(m)
	return string(js), err
}

func decodeMeta(idb []byte, raw string) (tracker.ArtifactMeta, error) {
	var m tracker.ArtifactMeta
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return m, fmt.Errorf("artifact %x: metadata: %w: %w", idb, err, tracker.ErrCorruptDB)
	}
	return m, nil
}

// artifactMeta reads an artifact's metadata.
func (s *Store) artifactMeta(ctx context.Context, id tracker.ID) (tracker.ArtifactMeta, error) {
	if err := s.usable(); err != nil {
		return tracker.ArtifactMeta{}, err
	}
	if err := ctx.Err(); err != nil {
		return tracker.ArtifactMeta{}, err
	}
	var raw string
	err := s.pool.QueryRow(ctx, `SELECT meta::text FROM artifacts WHERE id = $1`, id[:]).Scan(&raw)
	if noRows(err) {
		return tracker.ArtifactMeta{}, notFound("artifact %s", id)
	}
	if err != nil {
		return tracker.ArtifactMeta{}, s.red.err(fmt.Errorf("read artifact %s: %w", id, err))
	}
	return decodeMeta(id[:], raw)
}

// GetArtifact returns an artifact's bytes, re-hashed: damaged bytes give an
// error matching tracker.ErrCorruptArtifact, an unknown id one matching
// tracker.ErrNotFound.
func (s *Store) GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error) {
	var (
		meta tracker.ArtifactMeta
		data []byte
	)
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		var raw string
		err := tx.QueryRow(ctx, `SELECT meta::text FROM artifacts WHERE id = $1`, id[:]).Scan(&raw)
		if noRows(err) {
			return notFound("artifact %s", id)
		}
		if err != nil {
			return err
		}
		if meta, err = decodeMeta(id[:], raw); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.data FROM artifact_chunks m LEFT JOIN chunks c ON c.sha256 = m.chunk
WHERE m.artifact = $1 ORDER BY m.seq`, id[:])
		if err != nil {
			return err
		}
		defer rows.Close()
		data = make([]byte, 0, min(max(meta.Size, 0), 1<<30))
		for rows.Next() {
			var c []byte
			if err := rows.Scan(&c); err != nil {
				return err
			}
			if c == nil {
				return tagf(tracker.ErrCorruptArtifact, "artifact %s: a chunk is missing; restore the database from a backup or rerun the stage that made it", id)
			}
			data = append(data, c...)
		}
		return rows.Err()
	})
	if err != nil {
		if tracker.IsTagged(err) || errors.Is(err, tracker.ErrNotFound) {
			return nil, tracker.ArtifactMeta{}, err
		}
		return nil, tracker.ArtifactMeta{}, fmt.Errorf("read artifact %s: %w", id, err)
	}
	if got := tracker.Sum(data); got != id || int64(len(data)) != meta.Size {
		return nil, tracker.ArtifactMeta{}, tagf(tracker.ErrCorruptArtifact, "artifact %s: its %d stored bytes (metadata says %d) hash to %s; restore the database from a backup or rerun the stage that made it",
			id, len(data), meta.Size, got)
	}
	return data, meta, nil
}

// StatArtifact returns an artifact's metadata after checking that every
// chunk it lists is stored and that their sizes add up (without re-hashing).
func (s *Store) StatArtifact(ctx context.Context, id tracker.ID) (tracker.ArtifactMeta, error) {
	meta, err := s.artifactMeta(ctx, id)
	if err != nil {
		return tracker.ArtifactMeta{}, err
	}
	var listed, stored int
	var size int64
	err = s.pool.QueryRow(ctx, `SELECT count(*), count(c.sha256), coalesce(sum(c.size), 0)
FROM artifact_chunks m LEFT JOIN chunks c ON c.sha256 = m.chunk WHERE m.artifact = $1`, id[:]).Scan(&listed, &stored, &size)
	if err != nil {
		return tracker.ArtifactMeta{}, s.red.err(fmt.Errorf("stat artifact %s: %w", id, err))
	}
	if listed != stored || size != meta.Size {
		return tracker.ArtifactMeta{}, tagf(tracker.ErrCorruptArtifact, "artifact %s is damaged (%d of %d chunks stored, %d bytes, want %d); restore the database from a backup or rerun the stage that made it",
			id, stored, listed, size, meta.Size)
	}
	return meta, nil
}

// ListArtifacts returns the metadata of every artifact of a kind ("" for
// all), in id order.
func (s *Store) ListArtifacts(ctx context.Context, kind string) ([]tracker.ArtifactMeta, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, meta::text FROM artifacts WHERE $1 = '' OR kind = $1 ORDER BY id`, kind)
	if err != nil {
		return nil, s.red.err(fmt.Errorf("list artifacts: %w", err))
	}
	defer rows.Close()
	out := []tracker.ArtifactMeta{}
	for rows.Next() {
		var idb []byte
		var raw string
		if err := rows.Scan(&idb, &raw); err != nil {
			return nil, s.red.err(fmt.Errorf("list artifacts: %w", err))
		}
		m, err := decodeMeta(idb, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.red.err(fmt.Errorf("list artifacts: %w", err))
	}
	return out, nil
}
