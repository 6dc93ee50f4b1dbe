package bolt

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

func TestInitOrMigrate(t *testing.T) {
	addBucket := func(name string) func(tx *bbolt.Tx) error {
		return func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte(name)); return err }
	}
	tests := []struct {
		name        string
		stored      int // 0: fresh file
		target      int
		steps       []migration
		wantVersion int
		wantBuckets []string
		wantErr     error
	}{
		{name: "fresh file", stored: 0, target: 1, wantVersion: 1, wantBuckets: []string{"studies", "trials"}},
		{name: "current", stored: 1, target: 1, wantVersion: 1},
		{name: "two steps", stored: 1, target: 3,
			steps:       []migration{{From: 2, Apply: addBucket("v3")}, {From: 1, Apply: addBucket("v2")}},
			wantVersion: 3, wantBuckets: []string{"v2", "v3"}},
		{name: "missing step", stored: 1, target: 3,
			steps:   []migration{{From: 1, Apply: addBucket("v2")}},
			wantErr: tracker.ErrCorruptDB, wantVersion: 1},
		{name: "failing step leaves the file as it was", stored: 1, target: 2,
			steps:   []migration{{From: 1, Apply: func(*bbolt.Tx) error { return errors.New("boom") }}},
			wantErr: errors.New("boom"), wantVersion: 1},
		{name: "newer file", stored: 5, target: 1, wantErr: tracker.ErrNewerFormat, wantVersion: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := bbolt.Open(filepath.Join(t.TempDir(), "db"), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tc.stored > 0 {
				err := db.Update(func(tx *bbolt.Tx) error {
					if err := initOrMigrate(tx, "db", 1, nil); err != nil {
						return err
					}
					return writeFormat(tx, tc.stored)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			err = db.Update(func(tx *bbolt.Tx) error { return initOrMigrate(tx, "db", tc.target, tc.steps) })
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("initOrMigrate: %v", err)
			case tc.wantErr != nil && err == nil:
				t.Fatalf("initOrMigrate succeeded, want %v", tc.wantErr)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr) && err.Error() != "migrate db from format 1: "+tc.wantErr.Error():
				t.Fatalf("initOrMigrate: %v, want %v", err, tc.wantErr)
			}
			err = db.View(func(tx *bbolt.Tx) error {
				v, err := readFormat(tx, "db")
				if err != nil {
					return err
				}
				if v != tc.wantVersion {
					t.Errorf("version %d, want %d", v, tc.wantVersion)
				}
				for _, b := range tc.wantBuckets {
					if tx.Bucket([]byte(b)) == nil {
						t.Errorf("bucket %s missing", b)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestReadFormatRejectsForeignFiles(t *testing.T) {
	tests := []struct {
		name  string
		setup func(tx *bbolt.Tx) error
	}{
		{"other buckets", func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("etcd")); return err }},
		{"meta without format", func(tx *bbolt.Tx) error { _, err := tx.CreateBucket(bucketMeta); return err }},
		{"bad json", func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket(bucketMeta)
			if err != nil {
				return err
			}
			return b.Put(keyFormat, []byte("{"))
		}},
		{"other magic", func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket(bucketMeta)
			if err != nil {
				return err
			}
			return b.Put(keyFormat, []byte(`{"magic":"other","version":1}`))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := bbolt.Open(filepath.Join(t.TempDir(), "db"), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Update(tc.setup); err != nil {
				t.Fatal(err)
			}
			err = db.View(func(tx *bbolt.Tx) error { _, err := readFormat(tx, "db"); return err })
			if !errors.Is(err, tracker.ErrCorruptDB) {
				t.Errorf("readFormat: %v, want ErrCorruptDB", err)
			}
		})
	}
}
