// Package storagetest is a conformance suite for goptuna.Storage
// implementations: the bbolt tracker today, a database server backend later.
//
// Run drives three kinds of checks through a storage made by a Factory:
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
// binary runs with GODEBUG randseednop=0. The test file that calls Run must
// carry the line
//
//	//go:debug randseednop=0
//
// or the sampler checks fail with a message saying so. Run calls rand.Seed,
// so subtests must not run in parallel with other users of the global source.
package storagetest
