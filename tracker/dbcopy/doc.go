// Package dbcopy copies a whole cgx database into an empty one, between any
// two backends (a bbolt file, a PostgreSQL database): 'cgx db copy'.
//
// # What it copies
//
// Every study (name, direction, user and system attributes) with every
// trial (state, value, parameters with their distributions, intermediate
// values, attributes, start and completion times), every run, every stage,
// every artifact (streamed: never held whole in memory) and, when both
// databases have a shared work queue, the work items of queued runs.
//
// # Ids
//
// Ids are kept. Run ids appear in study names ("run-3/fit/...") and in
// attributes (cgx.run, cgx.deleted_run) and artifact metadata, so a run
// whose id cannot be kept stops the copy with an error. Study and trial ids
// are kept too: where the source has gaps (deleted runs took their studies
// with them), Copy uses the destination's ids up with placeholders that it
// deletes again. A destination that cannot give a study or trial its id
// (one that was written to and emptied before) gets the next free ids
// instead; Run.Studies and Stage.Studies are remapped to them and the
// Report lists them. Nothing else refers to a study or trial id.
//
// # Vocabulary
//
//   - source, destination: the database read and the database written.
//   - placeholder: a study, trial or run created only to use up an id, and
//     deleted (trials: with their placeholder study) before Copy returns.
//
// # Caveats
//
//   - Memory: artifacts stream; a study's trials are held while trials of
//     it remain to be added in id order, so a copy holds the studies that
//     were written at the same time (at worst, every study).
//   - The destination must be empty: no study, run, stage or artifact.
//   - Nothing may write either database while Copy runs; open the source
//     read-only.
//   - The contract has no way to set a study's creation time: a copied
//     study was created when it was copied (its trials keep their times).
//   - Work items: a done item keeps its result; a leased one is pending in
//     the copy (its worker holds a lease on the source, not the copy);
//     attempts count from the copy. A bbolt file's work queue lives in its
//     writer's memory, so a bbolt source has none to copy.
//   - A placeholder left by a copy that failed half way is ordinary data
//     named "cgx-db-copy-placeholder..."; delete the half-made copy and
//     copy again.
package dbcopy
