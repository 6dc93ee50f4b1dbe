package datasets

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/cgx-dev/cgx/tracker"
)

// memStore is an in-memory ArtifactStore with the tracker's contract:
// content-addressed, first metadata kept, ErrNotFound for unknown ids.
type memStore struct {
	mu   sync.Mutex
	data map[tracker.ID][]byte
	meta map[tracker.ID]tracker.ArtifactMeta
	puts int
}

var _ ArtifactStore = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{data: map[tracker.ID][]byte{}, meta: map[tracker.ID]tracker.ArtifactMeta{}}
}

func (m *memStore) PutArtifact(ctx context.Context, data []byte, meta tracker.ArtifactMeta) (tracker.ID, error) {
	if err := ctx.Err(); err != nil {
		return tracker.ID{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	id := tracker.Sum(data)
	if _, ok := m.data[id]; !ok {
		meta.ID, meta.Size = id, int64(len(data))
		m.data[id] = append([]byte(nil), data...)
		m.meta[id] = meta
	}
	return id, nil
}

func (m *memStore) GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.data[id]
	if !ok {
		return nil, tracker.ArtifactMeta{}, fmt.Errorf("artifact %s: %w", id, tracker.ErrNotFound)
	}
	return append([]byte(nil), d...), m.meta[id], nil
}

func (m *memStore) ListArtifacts(ctx context.Context, kind string) ([]tracker.ArtifactMeta, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []tracker.ArtifactMeta
	for _, meta := range m.meta {
		if kind == "" || meta.Kind == kind {
			out = append(out, meta)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.String() < out[j].ID.String() })
	return out, nil
}

func (m *memStore) count(kind string) int {
	l, _ := m.ListArtifacts(context.Background(), kind)
	return len(l)
}
