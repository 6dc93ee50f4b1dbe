// Package experiments turns declarative TOML specs into runs: it owns the
// spec format (decoding, validation, profiles, the built-in specs), the staged
// and cached runner, and the verify and diff comparisons.
//
// Vocabulary:
//   - spec: one experiment as TOML (docs/SPEC.md); kinds style, content, segmentation.
//   - profile: a named overlay of spec values (smoke for CI, default for the demo,
//     paper for the published sizes); Resolve applies one.
//   - override: a --set KEY=VALUE applied on top of every profile
//     (File.WithOverrides); the run records the effective spec text and lists
//     the overrides in its attribute "overrides". A sweep is one run per value.
//   - run: one execution of a resolved spec with a seed, stored in the tracker.
//   - stage: a cached step of a run (dataset, discriminator, fit, search,
//     segmentation), keyed by the digest of its inputs, resolved config and
//     CodeVersion; a stage whose key is stored is reused, not recomputed. It
//     records the JSON of those inputs (attribute "inputs").
//   - environment: what a run records about the code and machine computing it
//     (code version, database format, GOOS/GOARCH, BLAS backend, machine-bound).
//   - run record: the comparable content of a run (stages in order with their
//     inputs, outputs, metrics and COMPLETE trials by slot); verify compares
//     two, says where they start to differ and names environment differences.
//   - bundle: one file (docs/BUNDLE.md) with a run's spec, settings,
//     environment, record and artifact digests (bytes optional), which
//     VerifyBundle re-executes elsewhere.
//
// # Work items and walkers
//
// Every process that works on a run is a walker: the 'cgx run' process (Run)
// and every 'cgx worker' (Walk) walk the same deterministic stage graph with
// the same runner. A stage already stored is reused. A stage not stored is
// shared through the database's work queue (tracker.WorkQueue: PostgreSQL's
// rows with FOR UPDATE SKIP LOCKED; for a bbolt file, which one process
// holds, the in-memory tracker/workq) as work items keyed (run, work stage,
// index), enqueued idempotently by every walker that reaches it:
//
//   - stage (stage_work.go): the whole computation is one exclusive item
//     ("<stage key>/stage"), the default for stages not split further
//     (discriminator training, mixing); fits are itemStage (WorkFitChunk
//     items) and segmentation trainings (set x seed) are stageJobs over
//     forEachWorkItem (stagejobs.go);
//     the other walkers wait for the stage record;
//   - itemStage: n items "<stage key>" #0..n-1 computed by any walker, then
//     one exclusive reduce item ("<stage key>/reduce") that assembles the stage
//     from the items' outputs in index order. Dataset render chunks
//     (WorkDatasetChunk: datasetChunk images each, assembled with
//     datasets.StoreManifest into the manifest Generate stores) work this way;
//   - sharedStage: every walker runs the computation, which shares its work
//     itself: the content search passes stageWork to study.Config.Work, so each
//     batch's slots are WorkTrialSlot items and one WorkBatchCommit item writes
//     the batch's trials in slot order (docs/SEARCH.md); one walker records
//     the stage ("<stage key>/record").
//
// forEachItem(ctx, workStage, kind, n, payload, compute) is the map step:
// r.workers goroutines claim items with a lease (Options.Lease, renewed at a
// third of it; a lost lease cancels the item's context and abandons it),
// compute item i from the run's spec, seed, i and what is stored — nothing
// else — store its output as a "work-result" artifact and complete it. When
// nothing is claimable but items are leased by others, they poll (5 ms
// growing by half to 1 s); an expired lease (kill -9, a vanished machine) makes the
// item claimable again and another walker computes the same bytes. once is
// forEachItem with one item, its attempt number telling a second reducer to
// expect partial writes. The walker that finds every stage done writes the
// final run record, once ("final", WorkRunFinal). In one process the same
// code runs, so one process with any --workers and many processes store the
// same bytes (TestWalkersShareARun; cmd/cgx TestWorkersKilledMidItemMatchOneProcess
// kills a worker process mid-item on PostgreSQL).
//
// Adopting items in a stage (segmentation training sets, per-image fits):
// replace r.stage(ctx, name, inputs, compute) by
//
//	r.itemStage(ctx, name, inputs, itemWork{
//		Kind:    "seg-set",                // or "fit-image"
//		N:       len(sets),
//		Payload: func(i int) []byte { ... }, // optional, small JSON for people
//		Compute: func(ctx context.Context, i int) ([]byte, error) {
//			// train set i / fit image i from the spec, seeds named by i and
//			// stored inputs; store big outputs as artifacts and return their
//			// ids (and any numbers the reduce needs) as JSON
//		},
//		Reduce: func(ctx context.Context, s *tracker.Stage, outs [][]byte) error {
//			// decode outs in index order; create the study by name (reuse it if a
//			// dead reducer made it: look it up first), AddFinishedTrials in index
//			// order, fill s.Outputs/Metrics/Studies/Attrs
//		},
//	})
//
// Compute must not write studies or trials (only artifacts, which are
// content-addressed and so idempotent), and must not read state another
// item writes; everything order-dependent goes in Reduce.
//
// Caveats: decoding is strict (unknown keys, wrong types and values out of
// range are errors naming file:line and the key), but BurntSushi/toml matches
// keys case-insensitively, so "Steps" is read as "steps". A bundle is refused
// by a cgx of another CodeVersion: results are comparable only under one.
// Work items of a bbolt database live in memory, so a bbolt run is shared only
// by the goroutines of the process holding the file. A stage's peak RSS
// attribute is the recording walker's. With --force, walkers that join a run
// later reuse stored stages (the force flag is not in the run record).
// A worker on another machine resolves a spec's folder datasets against the
// folder the run recorded (attribute spec_dir): the folders must be at the
// same path on every machine. A queued run's start time is when a walker
// first takes it up.
// Work results are small artifacts of kind "work-result" that nothing
// references once the stage is stored; gc may remove them.
package experiments
