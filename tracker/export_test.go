package tracker

// Crash stops a writing store the way kill -9 would as far as the database
// is concerned: buffered trials are dropped, nothing is checkpointed, the
// journal stays as it is, and the file lock is released.
func Crash(s *Store) { s.shut(false) }

// SetJournalCheckpointEvery makes stores checkpoint their journal every n
// records (tests and test helper processes only).
func SetJournalCheckpointEvery(n uint64) { journalMaxRecords = n }
