// Package study searches black-box parameters with goptuna studies whose stored
// trials are a pure function of the study's seed, its batch size, its search
// space and the objective — never of the number of workers, GOMAXPROCS or
// scheduling.
//
// # Vocabulary
//
//   - Space: the parameters searched, each a float (uniform or log-uniform), an
//     int or a categorical, with goptuna distributions.
//   - Slot: the logical index of a trial, 0, 1, 2, ... Slot k is stored with the
//     trial system attribute "cgx.slot" = k. A slot holds at most one COMPLETE
//     trial; failed attempts (an error, a cancellation, a dead process) stay in
//     the study as FAIL trials carrying the same slot and the reason in
//     "cgx.error". Trial numbers and ids are storage bookkeeping: a resumed
//     study has the same trials per slot as an uninterrupted one, but its
//     failed attempts shift the numbers of later trials.
//   - Batch: slots [b*BatchSize, (b+1)*BatchSize). Every slot of batch b is
//     sampled from the COMPLETE trials of the slots before b*BatchSize only, so
//     the batch size is part of the result and the worker count is not.
//   - Trial seed: DeriveSeed(study seed, "trial/<k>") (internal/seeds), stored as "cgx.seed".
//     The sampler's draws and the objective's seed are named children of it.
//   - Sampler: "tpe", "cmaes" or "random" (see Samplers). A proposal is a pure
//     function of the space, the history of earlier batches and the trial
//     seeds of its slot and of the earlier slots of its batch (TPE treats
//     those as pending, a "constant liar").
//
// # What Run writes
//
// For each slot, in slot order: one RUNNING trial holding the sampled
// parameters (with their distributions) and the system attributes cgx.slot,
// cgx.seed (and cgx.cmaes.generation for CMA-ES); then, once the objective
// returns and every earlier slot of the batch has been written, its value,
// the objective's attributes as user attributes, and the state COMPLETE (set
// last). The study carries system attributes cgx.format, cgx.sampler,
// cgx.seed, cgx.batch and cgx.space that a later Run checks before resuming,
// and the user attributes cgx.sampler and cgx.seed (docs/DATA.md).
//
// # Shared studies
//
// With Config.Work set, Run is one walker of a study that many goroutines,
// processes or machines run together (Work). Every walker proposes each
// batch from the same stored history, so they agree on its plans; the
// batch's slots are Work.Map items (each slot's objective runs on one
// walker, its Outcome stored as the item's result), and one Work.Once item
// per batch writes the batch's trials COMPLETE in slot order, in one commit
// (AddFinishedTrials where the storage has it). A walker learns the trials
// others committed from the commit's result (their ids), so history is
// still read incrementally. The stored COMPLETE trials are those of a plain
// Run, whichever walker computed what (TestSharedRunMatchesRun). A batch
// already complete in the history a walker starts from is skipped, but if
// its committer died before marking the commit done (Work.Unfinished), the
// walker finishes that item with the ids the commit returns, so no item is
// left behind.
//
// # Caveats
//
//   - A storage that also has FinishTrials (both tracker backends, bbolt and PostgreSQL) gets
//     each batch's successful trials in one call, so a batch costs one
//     durable commit; it finishes them as the per-trial writes would, still
//     in slot order and before Progress (TestGroupedFinishMatchesPerTrial).
//   - Only the goptuna.Storage interface is required, so goptuna.InMemoryStorage
//     and the tracker's bbolt store both work; InMemoryStorage holds a single
//     study per instance (Compare needs a storage that holds many).
//   - Run assumes it is the only writer of its study: trials it finds RUNNING
//     are taken to be left by a dead process and are marked failed.
//   - goptuna's own TPE and random samplers draw from the global math/rand
//     generator (which Go no longer lets a program seed) and its Parzen
//     estimator reorders its mixture centres, so the TPE here is a port of
//     Optuna's algorithm with explicit generators; CMA-ES is goptuna's
//     cmaes.Optimizer rewritten on plain slices (cmaOptimizer: fixed-order
//     sums, a Jacobi eigensolver, fmath, Box-Muller normals) because gonum's
//     assembly and LAPACK differ by architecture, rebuilt from the stored
//     history for every batch.
//   - Same bits everywhere: every float computation here uses fmath for
//     exp, log, pow and erf, rounds every product before adding it (no
//     fused multiply-add on arm64 or GOAMD64=v3) and sums in a fixed order
//     (docs/DETERMINISM.md).
//   - The objective is minimised; values must be finite.
//   - docs/SEARCH.md explains the design, with figures for batch size vs
//     sampler quality and the goptuna bugs that rule out its TPE.
package study
