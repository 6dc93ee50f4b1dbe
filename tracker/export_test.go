package tracker

// Crash stops a writing store the way kill -9 would as far as the database
// is concerned: buffered trials are dropped, nothing is checkpointed, the
// journal stays as it is, and the file lock is released.
func Crash(s *Store) {
	if !s.closed.CompareAndSwap(false, true) {
		return
	}
	if s.srv != nil {
		s.srv.close()
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.jr != nil {
		s.jr.close()
		s.jr = nil
	}
	s.db.Close()
}
