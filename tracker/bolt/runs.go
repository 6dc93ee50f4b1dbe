package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// Runs and stages are stored as JSON (bucket "runs" keyed by the run id,
// bucket "stages" keyed by the stage key); metrics keep NaN and ±Inf.

type runJSON struct {
	tracker.Run

	Metrics map[string]tracker.JSONFloat `json:"Metrics"`
}

type stageJSON struct {
	tracker.Stage

	Metrics map[string]tracker.JSONFloat `json:"Metrics"`
}

func encodeRun(r tracker.Run) ([]byte, error) {
	js, err := json.Marshal(runJSON{Run: r, Metrics: tracker.ToJSONFloats(r.Metrics)})
	return sealJSON(js), err
}

func decodeRun(b []byte) (tracker.Run, error) {
	var j runJSON
	b, err := openJSON(b)
	if err != nil {
		return tracker.Run{}, fmt.Errorf("decode run: %w: %w", err, tracker.ErrCorruptDB)
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return tracker.Run{}, fmt.Errorf("decode run: %w: %w", err, tracker.ErrCorruptDB)
	}
	j.Run.Metrics = tracker.FromJSONFloats(j.Metrics)
	return j.Run, nil
}

func encodeStage(st tracker.Stage) ([]byte, error) {
	js, err := json.Marshal(stageJSON{Stage: st, Metrics: tracker.ToJSONFloats(st.Metrics)})
	return sealJSON(js), err
}

func decodeStage(b []byte) (tracker.Stage, error) {
	var j stageJSON
	b, err := openJSON(b)
	if err != nil {
		return tracker.Stage{}, fmt.Errorf("decode stage: %w: %w", err, tracker.ErrCorruptDB)
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return tracker.Stage{}, fmt.Errorf("decode stage: %w: %w", err, tracker.ErrCorruptDB)
	}
	j.Stage.Metrics = tracker.FromJSONFloats(j.Metrics)
	return j.Stage, nil
}

// CreateRun stores r with a new id (from 1), which it returns. An empty
// status becomes RunRunning.
func (s *Store) CreateRun(ctx context.Context, r tracker.Run) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := s.writable("create run"); err != nil {
		return 0, err
	}
	if r.Status == "" {
		r.Status = tracker.RunRunning
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := s.commitLocked(&change{extra: func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketRuns)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.ID = int(seq)
		raw, err := encodeRun(r)
		if err != nil {
			return err
		}
		return b.Put(u64key(r.ID), raw)
	}})
	if err != nil {
		return 0, fmt.Errorf("create run in %s: %w", s.path, err)
	}
	return r.ID, nil
}

// UpdateRun reads run id, lets fn change it and writes it back, all in one
// transaction; an error from fn leaves the run unchanged. fn cannot change
// the id.
func (s *Store) UpdateRun(ctx context.Context, id int, fn func(*tracker.Run) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.writable("update run"); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var want *tracker. // the run as fn left it
				Run
	err := s.commitLocked(&change{extra: func(tx *bbolt.Tx) error {
		r, err := getRunTx(tx, id)
		if err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
		r.ID = id
		raw, err := encodeRun(r)
		if err != nil {
			return err
		}
		want = &r
		return tx.Bucket(bucketRuns).Put(u64key(id), raw)
	}})
	if err != nil {
		err = fmt.Errorf("update run %d: %w", id, err)
		if want != nil && want.Status != tracker.RunRunning && want.Status != "" {
			// The run's outcome could not be committed (a full disk):
			// keep it for the next writer rather than leave it running.
			return s.deferOutcome(*want, err)
		}
		return err
	}
	return nil
}

// GetRun returns run id, or an error matching ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id int) (tracker.Run, error) {
	if err := ctx.Err(); err != nil {
		return tracker.Run{}, err
	}
	src, err := s.src()
	if err != nil {
		return tracker.Run{}, err
	}
	return src.runByID(id)
}

// ListRuns returns every run in id order.
func (s *Store) ListRuns(ctx context.Context) ([]tracker.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src, err := s.src()
	if err != nil {
		return nil, err
	}
	return src.runList()
}

// PutStage stores st under st.Key, replacing a stage with the same key.
func (s *Store) PutStage(ctx context.Context, st tracker.Stage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.writable("put stage"); err != nil {
		return err
	}
	if st.Key == "" {
		return fmt.Errorf("put stage %q: empty key", st.Name)
	}
	raw, err := encodeStage(st)
	if err != nil {
		return fmt.Errorf("put stage %s: %w", st.Key, err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err = s.commitLocked(&change{extra: func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketStages).Put([]byte(st.Key), raw)
	}})
	if err != nil {
		return fmt.Errorf("put stage %s: %w", st.Key, err)
	}
	return nil
}

// GetStage returns the stage stored under key, or an error matching ErrNotFound.
func (s *Store) GetStage(ctx context.Context, key string) (tracker.Stage, error) {
	if err := ctx.Err(); err != nil {
		return tracker.Stage{}, err
	}
	src, err := s.src()
	if err != nil {
		return tracker.Stage{}, err
	}
	return src.stageByKey(key)
}

// ListStages returns the stages of a run (every stage when runID is 0),
// ordered by start time, then key.
func (s *Store) ListStages(ctx context.Context, runID int) ([]tracker.Stage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src, err := s.src()
	if err != nil {
		return nil, err
	}
	return src.stageList(runID)
}

func getRunTx(tx *bbolt.Tx, id int) (tracker.Run, error) {
	raw := tx.Bucket(bucketRuns).Get(u64key(id))
	if raw == nil {
		return tracker.Run{}, tracker.NotFound(fmt.Sprintf("run %d", id))
	}
	r, err := decodeRun(raw)
	if err != nil {
		return tracker.Run{}, fmt.Errorf("run %d: %w", id, err)
	}
	return r, nil
}

// listRunsTx returns every run that decodes; the error names every one
// that does not.
func listRunsTx(tx *bbolt.Tx) ([]tracker.Run, error) {
	var out []tracker.Run
	var bad badRecords
	err := tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
		r, err := decodeRun(v)
		if err != nil {
			bad.add(fmt.Sprintf("run key %x", k), err)
			return nil
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return out, err
	}
	return out, bad.err()
}

func getStageTx(tx *bbolt.Tx, key string) (tracker.Stage, error) {
	raw := tx.Bucket(bucketStages).Get([]byte(key))
	if raw == nil {
		return tracker.Stage{}, tracker.NotFound(fmt.Sprintf("stage %s", key))
	}
	st, err := decodeStage(raw)
	if err != nil {
		return tracker.Stage{}, fmt.Errorf("stage %s: %w", key, err)
	}
	return st, nil
}

func listStagesTx(tx *bbolt.Tx, runID int) ([]tracker.Stage, error) {
	var out []tracker.Stage
	var bad badRecords
	err := tx.Bucket(bucketStages).ForEach(func(k, v []byte) error {
		st, err := decodeStage(v)
		if err != nil {
			bad.add(fmt.Sprintf("stage %q", k), err)
			return nil
		}
		if runID == 0 || st.RunID == runID {
			out = append(out, st)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.Before(out[j].Started)
		}
		return out[i].Key < out[j].Key
	})
	if err != nil {
		return out, err
	}
	return out, bad.err()
}

// badRecords gathers the records a listing skipped because they do not
// decode, so that it lists the rest and then names them all in one error.
type badRecords struct {
	first []string
	n     int
}

func (b *badRecords) add(object string, err error) {
	b.n++
	if len(b.first) < 3 {
		b.first = append(b.first, object+": "+err.Error())
	}
}

func (b *badRecords) err() error {
	if b.n == 0 {
		return nil
	}
	more := ""
	if b.n > len(b.first) {
		more = fmt.Sprintf("; and %d more", b.n-len(b.first))
	}
	return tracker.Tagf(tracker.ErrCorruptDB, "%d damaged record(s) left out (%s%s); run 'cgx check' for all damage and how to recover", b.n, strings.Join(b.first, "; "), more)
}
