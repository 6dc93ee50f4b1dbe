// Package tracker is cgx's database contract and the code every backend
// shares. It holds no storage of its own: tracker/bolt keeps a database in
// one embedded bbolt file, tracker/postgres in a shared PostgreSQL database,
// and tracker/backend opens either from a path or a postgres:// URL.
//
// # What it owns
//
//   - The contract (contract.go): DB and its parts, StudyStorage (goptuna's
//     Storage and what cgx adds), RunStorage, StageStorage, ArtifactStorage,
//     WorkQueue and Maintenance. Consumers ask for the smallest part they
//     need. Package storagetest proves a backend against it.
//   - The records every backend stores: Run, Stage, ArtifactMeta and its ID
//     (SHA-256) (ArtifactPut: one artifact of a PutArtifacts batch), StudyInfo and StudyStats, CheckReport, GCOptions and
//     GCReport, RunDeletion, and Info.
//   - The sentinel errors (errors.go), which every backend wraps, so that
//     callers compare with errors.Is whatever the backend.
//
// # Shared rules
//
// A backend must give the same answers as the others, so the rules live
// here, exported, and each backend calls them:
//
//   - NormalizeTrial validates a trial handed to CloneTrial or
//     AddFinishedTrials (ErrInvalidTrial) and returns a deep copy with
//     external values recomputed; CloneTrial deep-copies a trial;
//     ExternalValue and CopyDistribution are its parts.
//   - ComputeStats recomputes a study's StudyStats from its trials, the
//     best trial chosen as goptuna's storages do (BetterValue).
//   - StudyNotFound and TrialNotFound are the not-found errors goptuna's
//     Storage contract asks for (matching ErrNotFound and goptuna's
//     ErrInvalidStudyID or ErrInvalidTrialID); NotFound names any other
//     missing object; Tagf makes a one-sentence message that matches a
//     sentinel, and IsTagged recognises one.
//   - CheckTag, CheckTags and CheckNote validate what users attach to runs;
//     ApplyRunTags and ApplyRunNote change a run inside the backend's
//     update; TagRun and NoteRun are every backend's SetRunTags and
//     SetRunNote over its UpdateRun.
//   - PlanRunDeletion is DeleteRun's rule (which stages go, which stay
//     ownerless, which studies go); each backend applies the plan in its
//     own transaction.
//   - ReferencedArtifacts is GC's reference walk: which artifacts runs,
//     stages, attributes and JSON artifacts name, recursively.
//   - ToJSONFloats and FromJSONFloats carry metrics through JSON (JSONFloat
//     writes NaN and infinities as strings).
//
// # Vocabulary
//
//   - study, trial, number, internal/external parameter: goptuna's terms.
//   - finished: COMPLETE, PRUNED or FAIL; finished trials never change.
//   - stale trial: a RUNNING trial that no live process is running;
//     FailStaleTrials marks it FAIL with the system attribute StaleAttr.
//   - run: one execution of a spec; stage: a cached step keyed by the digest
//     of its inputs; artifact: bytes named by their SHA-256.
//   - target: what --db names, a file path or a connection string; only its
//     redacted form (backend.Redact, Info.Location) is ever shown.
//
// # Caveats
//
//   - goptuna compares ErrTrialCannotBeUpdated with ==: backends return it
//     unwrapped from SetTrialState.
//   - Every value a backend returns is a copy the caller may change.
package tracker
