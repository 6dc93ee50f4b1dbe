package bolt

import (
	"encoding/json"
	"fmt"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// The format record, stored under key "format" in bucket "meta", names the
// file as a cgx database and versions its layout. Open refuses a newer
// version and migrates an older one (see migrations).
const (
	formatMagic = "cgx-tracker"
	// FormatVersion is the database layout this cgx writes.
	FormatVersion = 3
)

// Bucket and key names (docs/FORMAT.md).
var (
	bucketMeta       = []byte("meta")
	bucketStudies    = []byte("studies")
	bucketStudyNames = []byte("study_names")
	bucketTrials     = []byte("trials")
	bucketTrialIDs   = []byte("trial_ids")
	bucketRuns       = []byte("runs")
	bucketStages     = []byte("stages")
	bucketArtifacts  = []byte("artifacts")

	keyFormat = []byte("format")

	allBuckets = [][]byte{bucketMeta, bucketStudies, bucketStudyNames, bucketTrials,
		bucketTrialIDs, bucketRuns, bucketStages, bucketArtifacts}
)

type formatRecord struct {
	Magic   string `json:"magic"`
	Version int    `json:"version"`
}

// migration upgrades a database from version From to From+1 inside one
// write transaction.
type migration struct {
	From  int
	Apply func(tx *bbolt.Tx) error
}

// migrations lists every upgrade step in order.
var migrations = []migration{
	// Format 2 adds the journal (journal.go): a format-1 file has absorbed
	// no journal epoch, which is what a missing journal_epoch key means. The
	// bump keeps a cgx that ignores journals away from a file whose
	// journal it would not replay.
	{From: 1, Apply: func(*bbolt.Tx) error { return nil }},
	// Format 3 seals every study, trial, run, stage and artifact record
	// with a CRC-32C (records.go), so that damage inside a record that
	// would still decode is found. The migration rewrites every record.
	{From: 2, Apply: sealAllRecords},
}

// sealAllRecords rewrites every record in its checksummed form. A record
// that does not decode fails the migration (the file stays as it was).
func sealAllRecords(tx *bbolt.Tx) error {
	for _, b := range allBuckets {
		if tx.Bucket(b) == nil {
			return fmt.Errorf("bucket %s is missing: %w", b, tracker.ErrCorruptDB)
		}
	}
	type kv struct{ k, v []byte }
	rewrite := func(b *bbolt.Bucket, name string, conv func(k, v []byte) ([]byte, error)) error {
		var out []kv
		err := b.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil // a nested bucket
			}
			nv, err := conv(k, v)
			if err != nil {
				return fmt.Errorf("%s key %x: %w", name, k, err)
			}
			out = append(out, kv{append([]byte(nil), k...), nv})
			return nil
		})
		if err != nil {
			return err
		}
		for _, e := range out { // bbolt forbids changes while iterating
			if err := b.Put(e.k, e.v); err != nil {
				return err
			}
		}
		return nil
	}
	dc := distCache{}
	trial := func(_, v []byte) ([]byte, error) {
		t, err := decodeTrial(v, dc)
		if err != nil {
			return nil, err
		}
		return encodeTrial(nil, &t)
	}
	if err := rewrite(tx.Bucket(bucketStudies), "study", func(_, v []byte) ([]byte, error) {
		st, err := decodeStudy(v)
		return encodeStudy(&st), err
	}); err != nil {
		return err
	}
	trials := tx.Bucket(bucketTrials)
	var sids [][]byte
	_ = trials.ForEachBucket(func(k []byte) error { sids = append(sids, append([]byte(nil), k...)); return nil })
	for _, sid := range sids {
		if err := rewrite(trials.Bucket(sid), "trial of study "+fmt.Sprintf("%x", sid), trial); err != nil {
			return err
		}
	}
	if err := rewrite(tx.Bucket(bucketRuns), "run", func(_, v []byte) ([]byte, error) {
		r, err := decodeRun(v)
		if err != nil {
			return nil, err
		}
		return encodeRun(r)
	}); err != nil {
		return err
	}
	if err := rewrite(tx.Bucket(bucketStages), "stage", func(_, v []byte) ([]byte, error) {
		st, err := decodeStage(v)
		if err != nil {
			return nil, err
		}
		return encodeStage(st)
	}); err != nil {
		return err
	}
	return rewrite(tx.Bucket(bucketArtifacts), "artifact", func(k, v []byte) ([]byte, error) {
		m, err := decodeArtifact(k, v)
		if err != nil {
			return nil, err
		}
		return encodeArtifact(m)
	})
}

// readFormat returns the stored format version, or 0 for a file that holds
// no cgx data yet (a fresh bbolt file).
func readFormat(tx *bbolt.Tx, path string) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		_ = tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
		if empty {
			return 0, nil
		}
		if tx.Bucket(bucketStudies) != nil || tx.Bucket(bucketRuns) != nil {
			return 0, tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged (bucket meta, with the format record, is missing); run 'cgx check' for what is damaged and how to recover", path)
		}
		return 0, tracker.Tagf(tracker.ErrCorruptDB, "database %s is not a cgx database (no format record); pass the right file with --db", path)
	}
	raw := meta.Get(keyFormat)
	if raw == nil {
		return 0, tracker.Tagf(tracker.ErrCorruptDB, "database %s is not a cgx database (no format record); pass the right file with --db", path)
	}
	var f formatRecord
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, tracker.Tagf(tracker.ErrCorruptDB, "database %s has a damaged format record %q (%v); restore it from a backup", path, raw, err)
	}
	if f.Magic != formatMagic {
		return 0, tracker.Tagf(tracker.ErrCorruptDB, "database %s is not a cgx database (format magic %q, want %q); pass the right file with --db", path, f.Magic, formatMagic)
	}
	if f.Version < 1 {
		return 0, tracker.Tagf(tracker.ErrCorruptDB, "database %s has a damaged format record (version %d)", path, f.Version)
	}
	return f.Version, nil
}

func writeFormat(tx *bbolt.Tx, version int) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(formatRecord{Magic: formatMagic, Version: version})
	if err != nil {
		return err
	}
	return meta.Put(keyFormat, raw)
}

// checkReadable turns a stored version into an error when a reader cannot
// use the file as it is: newer formats, and older ones (which only a writer
// may migrate).
func checkReadable(path string, version int) error {
	switch {
	case version == 0:
		return fmt.Errorf("database %s holds no cgx data yet: %w", path, tracker.ErrNotFound)
	case version > FormatVersion:
		return tracker.Tagf(tracker.ErrNewerFormat, "database %s has format %d but this cgx reads up to %d; use a newer cgx",
			path, version, FormatVersion)
	case version < FormatVersion:
		return tracker.Tagf(tracker.ErrOldFormat, "database %s has the older format %d; open it for writing once (for example 'cgx study fail-stale --all') to upgrade it to %d",
			path, version, FormatVersion)
	}
	return nil
}

// initOrMigrate creates the buckets of a fresh file, or upgrades an older
// format through steps, all in tx (so a failed upgrade leaves the file as it
// was).
func initOrMigrate(tx *bbolt.Tx, path string, target int, steps []migration) error {
	v, err := readFormat(tx, path)
	if err != nil {
		return err
	}
	if v > target {
		return tracker.Tagf(tracker.ErrNewerFormat, "database %s has format %d but this cgx reads up to %d; use a newer cgx",
			path, v, target)
	}
	if v == 0 {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return writeFormat(tx, target)
	}
	for v < target {
		step := findMigration(steps, v)
		if step == nil {
			return fmt.Errorf("database %s has format %d and no migration to %d exists: %w", path, v, v+1, tracker.ErrCorruptDB)
		}
		if err := step.Apply(tx); err != nil {
			return fmt.Errorf("migrate %s from format %d: %w", path, v, err)
		}
		v++
		if err := writeFormat(tx, v); err != nil {
			return err
		}
	}
	return nil
}

func findMigration(steps []migration, from int) *migration {
	for i := range steps {
		if steps[i].From == from {
			return &steps[i]
		}
	}
	return nil
}

// checkBuckets refuses a file that lacks one of cgx's buckets: a writer
// would otherwise fail half-way through a run, or recreate it empty.
func checkBuckets(tx *bbolt.Tx, path string) error {
	for _, b := range allBuckets {
		if tx.Bucket(b) == nil {
			return tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged (bucket %s is missing); nothing was changed; run 'cgx check' for what is damaged and how to recover", path, b)
		}
	}
	return nil
}
