package bolt

import (
	"os"
	"time"
)

// Crash stops a writing store the way kill -9 would as far as the database
// is concerned: buffered trials are dropped, nothing is checkpointed, the
// journal stays as it is, and the file lock is released.
func Crash(s *Store) { s.shut(false) }

// SetJournalCheckpointEvery makes stores checkpoint their journal every n
// records (tests and test helper processes only).
func SetJournalCheckpointEvery(n uint64) { journalMaxRecords = n }

// ValidateFile runs the structural validation on the file at path and
// returns the pages it read and the problems it found.
func ValidateFile(path string) (pages, problems int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	rep := validateFile(f, fi.Size(), nil)
	return rep.pages, len(rep.problems), nil
}

// WaitCheckpoint waits until the RunningCheckpoint timer of s has fired and
// no trial waits in memory only, so a test observes the checkpoint's effect
// rather than guessing how long it takes on a loaded machine. It reports
// false if that has not happened within two minutes.
func WaitCheckpoint(s *Store) bool {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		s.wmu.Lock()
		done := s.timer == nil && len(s.c.dirty) == 0
		s.wmu.Unlock()
		if done {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// Fdatasync is the sync a journal commit makes (fdatasync where the system
// has it), for the benchmarks.
func Fdatasync(f *os.File) error { return fdatasync(f) }
