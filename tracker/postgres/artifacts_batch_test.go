package postgres_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
)

// TestPutArtifactsLargeBatch stores a batch larger than one driver round
// trip (36 MiB in 48 chunks, sent in several pgx batches within the one
// transaction) and reads every artifact back whole.
func TestPutArtifactsLargeBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 36 MiB")
	}
	s, _ := openTest(t, postgres.Options{})
	items := make([]tracker.ArtifactPut, 24)
	for k := range items {
		data := make([]byte, 3*postgres.ChunkSize/2)
		if _, err := io.ReadFull(&gen{n: int64(len(data))}, data); err != nil {
			t.Fatal(err)
		}
		data[0], data[postgres.ChunkSize] = byte(k), byte(k) // every chunk differs
		items[k] = tracker.ArtifactPut{Data: data, Meta: tracker.ArtifactMeta{Kind: "weights", Name: fmt.Sprint(k)}}
	}
	ids, err := s.PutArtifacts(bg, items)
	if err != nil {
		t.Fatal(err)
	}
	for k, it := range items {
		data, m, err := s.GetArtifact(bg, ids[k])
		if err != nil || tracker.Sum(data) != tracker.Sum(it.Data) || m.Name != it.Meta.Name {
			t.Errorf("item %d: %d bytes, %+v, %v", k, len(data), m, err)
		}
	}
	if rep, err := s.Check(bg); err != nil || !rep.OK() || rep.Artifacts != len(items) {
		t.Errorf("check: %d artifacts, %+v, %v", rep.Artifacts, rep.Problems, err)
	}
}

// TestPutArtifactsBadKind: metadata PostgreSQL cannot hold fails the batch
// with an error naming the item and its artifact; nothing is recorded.
func TestPutArtifactsBadKind(t *testing.T) {
	s, _ := openTest(t, postgres.Options{})
	items := []tracker.ArtifactPut{{Data: []byte("fine"), Meta: tracker.ArtifactMeta{Kind: "image"}}, {Data: []byte("bad"), Meta: tracker.ArtifactMeta{Kind: "im\x00age"}}}
	_, err := s.PutArtifacts(bg, items)
	if err == nil || !strings.Contains(err.Error(), "item 1") || !strings.Contains(err.Error(), tracker.Sum([]byte("bad")).String()) {
		t.Errorf("PutArtifacts with a NUL in a kind: %v; want an error naming item 1 and its artifact", err)
	}
	if list, err := s.ListArtifacts(bg, ""); err != nil || len(list) != 0 {
		t.Errorf("after the failed batch: %d artifacts, %v", len(list), err)
	}
}
