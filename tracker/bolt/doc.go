// Package bolt is cgx's embedded database backend (the tracker contract on
// one bbolt file, default .cgx/cgx.db): goptuna studies and trials, runs,
// stages and artifact metadata in the file, plus a content-addressed objects
// folder next to it for artifact bytes. Package tracker holds the contract
// and the rules it shares with tracker/postgres.
//
// # What it owns
//
//   - *Store, a tracker.DB: a complete goptuna.Storage (many studies per
//     file, every error case goptuna's InMemoryStorage or rdb.v2 storage
//     signals, values that never alias stored state), runs, stages,
//     artifacts (bytes named by their SHA-256; PutArtifactFrom and
//     OpenArtifact stream them) and an in-memory work queue (queue.go).
//     Package storagetest holds the conformance suites that prove it.
//   - Everything bbolt-specific: the journal, the commit record, the
//     socket read server, page validation, Check's file checks, CheckFile
//     and Salvage. Nothing outside this package sees them; the CLI refuses
//     their flags for a PostgreSQL database.
//   - Check validates every invariant and re-hashes every object;
//     CheckFile also reports on a file Open refuses, with how to
//     recover; Salvage copies what still decodes into a new file.
//
// # Vocabulary
//
//   - study, trial, number, internal/external parameter: goptuna's terms. A
//     trial id is unique in the file (from 1; an id that reached the file is
//     never handed out again); its number
//     counts from 0 within its study.
//   - finished: COMPLETE, PRUNED or FAIL. RUNNING and WAITING trials are
//     unfinished and may change; finished ones are frozen.
//   - stale trial: a RUNNING trial that no live process is running (its
//     process died). FailStaleTrials marks them FAIL.
//   - writer: the one process that has the file open for writing (bbolt's
//     exclusive lock). reader: a Store opened with ReadOnly.
//   - object: an artifact's bytes, stored at objects/ab/cdef... where abcdef...
//     is the hex SHA-256.
//   - commit record: "<db>.commit", the last transaction committed to the
//     file and the last journal record acknowledged, kept outside bbolt's
//     meta pages (guard.go).
//   - damage: anything check reports as a problem. A loss is damage of
//     acknowledged data that the user may accept (lost commits, damaged
//     journal records); other damage needs a backup or Salvage.
//
// # Durability
//
// A new unfinished trial (CreateNewTrial, or CloneTrial of a RUNNING or
// WAITING trial) and setters on an unfinished trial change memory only
// (Syncs counts what reaches the disk). The trial is committed,
// together with every other buffered change, when its state changes (so one
// durable commit per finished trial), at Close, and within RunningCheckpoint
// (100ms) of its creation, so that a long trial shows up as RUNNING after a
// crash. A commit that only writes a few trials is one checksummed record
// appended to the journal "<db>.journal" and fdatasynced: one sync instead
// of bbolt's two (journal.go). Every other commit is a bbolt transaction
// that also absorbs the journal; so is a checkpoint when the journal grows
// large, on Check and at Close, which removes the journal. Open replays a
// journal that a dead writer left; readers that find the file without a
// writer read it too. A commit that returned survives kill -9, and with
// fsync (the default, unless NoSync) power loss. Artifact bytes are written
// atomically (temporary file, fsync, rename, fsync of the folder) before
// their metadata is committed. PutArtifacts writes a batch's objects
// (temporary file, rename) without syncing each, makes them all durable
// with one syncfs of the objects folder's file system (on other systems an
// fsync per file, then per folder), then commits all their metadata in one
// bbolt transaction: three syncs for the batch (syncfs, then bbolt's two)
// instead of four per artifact,
// and still bytes before metadata. With NoSync the batch's objects are not
// synced (PutArtifact's always are).
//
// # Damage
//
// bbolt trusts the bytes it maps and answers damage with SIGSEGV, SIGBUS or
// a panic in its own goroutine, none of which can be recovered. Every open
// therefore takes bbolt's file lock itself and validates the file with a
// bounds-checked reader of bbolt's layout (pages.go, validate.go) before
// bbolt sees it: meta pages, size against the high-water mark, and every
// page of every bucket (bounds, types, key order, no page reached twice).
// A file that fails, or whose commit is older than its commit record (bbolt
// silently fell back to the previous meta page, or an older copy replaced
// the file), is refused in one line with ErrCorruptDB, and nothing is
// written. A writer also checks every record at open and refuses a
// database check would call damaged. A journal record the scan cannot read
// is a torn write when nothing shows it was acknowledged, and otherwise a
// reported loss (journal.go). Listings and Check go past bad records and
// name them all. Recovery: a backup, AcceptLoss (lost commits, damaged
// journal: the journal is copied aside, never deleted) or Salvage. When the
// commit that records a run's end fails (a full disk), the outcome is kept
// in "<db>.run-<id>.outcome" and the next writer records it (outcome.go).
//
// # Reading while another process writes
//
// bbolt lets one process hold the file for writing and keeps every other
// process off it meanwhile. A writing Store therefore serves a small
// read-only protocol on a unix socket ("<db>.sock" next to the file, or a
// per-user path under the temporary folder when that path is too long for a
// socket address). A ReadOnly Store sends each read to that socket when a
// writer is serving, and otherwise opens the file read-only for just that
// read, so it never keeps a writer waiting for longer than one read. Readers
// through the socket see the writer's memory, buffered RUNNING trials
// included. docs/FORMAT.md describes the file, the objects and the protocol.
//
// # Caveats
//
//   - One writing process at a time; a second writer fails with ErrLocked.
//   - SetTrialState returns goptuna.ErrTrialCannotBeUpdated unwrapped,
//     because goptuna's study loop compares it with ==.
//   - Unlike goptuna.InMemoryStorage, changing a RUNNING trial's state to
//     RUNNING is refused (as rdb.v2 does), and setters on unknown studies fail.
//   - A trial created less than RunningCheckpoint before a crash may leave no
//     trace; its id and number are then handed out again.
//   - GetAllTrials deep-copies every trial it returns (0.4-0.8µs each).
//     goptuna's own study loop (Study.Optimize) calls it before every trial,
//     so under that loop a study's per-trial cost grows with its length;
//     cgx's study package reads the history once per batch instead. A
//     trial's journaled commit builds that copy while the disk syncs, when
//     the study's history was read since the last one (readahead.go).
//     docs/perf/tracker.md has the figures.
//   - A durable trial commit costs one fdatasync: on a slow or busy disk it,
//     not the store, bounds trials per second. On ext4 without a journal
//     the first commit after each clock tick also writes the journal's
//     inode (its modification time changed): about 1ms instead of 50µs on
//     the dev VMs. FinishTrials finishes many
//     trials in one commit (study.Run uses it per batch: group commit);
//     NoSync trades power-loss safety for a few times more.
//   - Two databases in one folder share its objects folder; Check then notes
//     the other database's objects as unreferenced.
//   - Power loss during a NoSync commit can damage the file.
//   - syncfs (PutArtifacts on Linux) flushes everything dirty on the
//     objects folder's file system, other programs' writes included: next
//     to a program writing a lot to the same disk a batch waits for those
//     writes too. Linux before 5.8 does not report write-back errors to
//     syncfs.
//   - Opening validates the whole file: 0.2-0.4 s per 100 MiB; a writer's
//     open, which also checks every record, about 0.5 s per 100 MiB
//     (BenchmarkOpenLarge). A reader re-validates only when the file changed.
//   - bbolt keeps no checksums of data pages; cgx's records carry their own
//     (CRC-32C, format 3), but index values (study_names, trial_ids), keys
//     and bucket counters have none: check finds their damage by cross
//     checking (a name indexed to the wrong study, an id above its counter).
//   - Where flock is unavailable (Windows), the file is validated before
//     bbolt takes its lock, so a writer starting at that moment can make a
//     reader see a file in mid-commit (refused as damaged; retry).
//   - Copying the database file alone (without "<db>.commit") disables the
//     lost-commit check for the copy; restoring an older copy next to a
//     newer commit record is refused until --accept-loss.
package bolt
