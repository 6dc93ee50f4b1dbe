// Package storagetest is the conformance suite for cgx database backends:
// every tracker.DB (the bbolt file in tracker/bolt, PostgreSQL in
// tracker/postgres) must pass it unchanged.
//
// RunDB checks the whole contract on databases made by a DBFactory (a fresh,
// empty database per call):
//
//   - Storage: goptuna.Storage, by Run below.
//   - Studies: AddFinishedTrials (every field, in order, all or nothing),
//     Study/Studies/FindStudy, stale trials, nanosecond trial times.
//   - Runs: ids from 1 never handed out again, every field round trips
//     (metrics keep NaN, ±Inf and -0), atomic UpdateRun under concurrent
//     updaters, no aliasing, tag and note limits, DeleteRun keeping stages
//     and studies other runs still use.
//   - Stages: the stage cache by key, replacing puts, listing by run.
//   - Artifacts: content addressing by SHA-256, deduplication keeping the
//     first metadata, listing by kind, streaming a multi-MiB artifact in and
//     out, a failing reader storing nothing, ErrNotFound; PutArtifacts
//     storing what one-by-one puts store (repeats within the batch and of
//     stored bytes, empty bytes, empty batches), all or nothing when its
//     context is canceled at any point, and concurrent overlapping batches.
//   - WorkQueue: idempotent enqueue, ordered listing, exclusive claims from
//     many goroutines, run and stage filters, lease expiry, ErrLeaseLost for
//     a worker that lost its lease, first completion wins (ErrWorkConflict
//     for a different result). RunWorkQueue runs this part alone.
//   - Maintenance: Check clean with the right counts, GC removing only what
//     nothing references (runs, stages, attributes, JSON artifacts naming
//     others; unowned artifacts only when asked), Info without a password
//     (a factory may put Secret in its connection string to prove it).
//
// RunShared adds what a database shared by several machines must do, on
// two handles to one database (a SharedFactory): writes seen through the
// other handle at once, unique and dense ids and trial numbers under
// concurrent writers, atomic updates and exclusive claims across handles,
// and the RUNNING trials of a handle that closed being stale to the other.
//
// A backend that lacks a part answers its calls with an error matching
// errors.ErrUnsupported, and that part's subtests are skipped with a message
// saying so; nothing is passed that was not checked.
//
// Run drives three kinds of checks of goptuna.Storage through a storage
// made by a Factory:
//
//   - Compare: identical scenarios run on goptuna.InMemoryStorage (the
//     reference, which holds one study) and on the subject; the transcripts
//     of results and error classes must be equal under go-cmp. Trial ids are
//     compared by creation order, timestamps by whether they are set.
//   - Strict: behaviour the reference gets wrong or cannot show (many
//     studies, unknown ids on setters, returned values that alias stored
//     state, goptuna's == comparison of ErrTrialCannotBeUpdated, duplicate
//     study names), checked on the subject alone against goptuna's rdb.v2
//     storage semantics.
//   - Samplers: whole seeded studies with the random, TPE and CMA-ES
//     samplers (and a pruner) run on both storages and must produce the same
//     trials.
//
// Vocabulary: the reference is goptuna.InMemoryStorage; the subject is the
// storage under test; an error class is the goptuna sentinel an error
// matches ("invalid-study", "invalid-trial", "cannot-update",
// "no-completed"), "error" for any other error, "ok" for none. Where the
// reference fails with a plain error the subject may fail with any class.
//
// Caveats: goptuna's TPE sampler draws from the global math/rand source,
// which Go 1.24+ seeds randomly and whose Seed is a no-op unless the test
// binary runs with GODEBUG randseednop=0. The test file that calls Run (or
// RunDB) must carry the line
//
//	//go:debug randseednop=0
//
// or the sampler checks fail with a message saying so. Run calls rand.Seed,
// so subtests must not run in parallel with other users of the global
// source. The lease expiry test waits (polling, up to 30 s) for a 200 ms
// lease to run out, by the backend's clock. Times are compared as instants
// at microsecond resolution, except in the test that asks for nanoseconds.
package storagetest
