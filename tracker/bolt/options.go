package bolt

import "time"

// Option configures Open.
type Option func(*options)

type options struct {
	readOnly        bool
	noSync          bool
	noServe         bool
	acceptLoss      bool
	lockTimeout     time.Duration
	runningFlush    time.Duration
	readerWait      time.Duration
	socketPathForDB func(dbPath string) []string
}

func defaultOptions() options {
	return options{
		lockTimeout:     5 * time.Second,
		runningFlush:    100 * time.Millisecond,
		readerWait:      5 * time.Second,
		socketPathForDB: socketPaths,
	}
}

// ReadOnly opens the database for reading only. It never creates the file,
// never blocks a writer for longer than one read, and works while another
// process has the database open for writing: it then reads through that
// process's socket (see doc.go). Every write method returns ErrReadOnly.
func ReadOnly() Option { return func(o *options) { o.readOnly = true } }

// NoSync makes commits skip fsync. A commit still reaches the operating
// system before the call returns, so finished trials survive the writing
// process being killed (kill -9), but not a power loss or kernel crash, after
// which the file may be damaged. Meant for tests, benchmarks and throwaway
// databases.
func NoSync() Option { return func(o *options) { o.noSync = true } }

// LockTimeout bounds how long Open waits for another process's lock on the
// file (default 5s). A writer that finds another live writer fails at once
// with ErrLocked.
func LockTimeout(d time.Duration) Option { return func(o *options) { o.lockTimeout = d } }

// RunningCheckpoint sets how long a newly created RUNNING trial may stay only
// in memory before it is committed so that it survives a crash as a RUNNING
// (stale) trial. Trials that finish sooner are written once, when they
// finish. 0 commits every new trial at once (one more commit per trial).
// Default 100ms.
func RunningCheckpoint(d time.Duration) Option { return func(o *options) { o.runningFlush = d } }

// NoServe stops a writing store from serving readers in other processes on
// its socket. Readers then fail with ErrLocked while it is open.
func NoServe() Option { return func(o *options) { o.noServe = true } }

// ReaderWait bounds how long a ReadOnly store keeps trying to reach a
// database whose writer holds the lock but is not (yet) serving (default 5s).
func ReaderWait(d time.Duration) Option { return func(o *options) { o.readerWait = d } }

// AcceptLoss lets a writer open a database whose damage check reported as a
// loss the user has decided to accept: a file that lost its last commits
// (its commit record is ahead of it), and a damaged journal, whose intact
// records are replayed and which is then kept aside as "<journal>.damaged-N"
// (never deleted). Structural damage is still refused (use Salvage). It is
// what 'cgx check --accept-loss' does.
func AcceptLoss() Option { return func(o *options) { o.acceptLoss = true } }
