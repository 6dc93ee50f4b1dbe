// Package postgres is cgx's shared database: the whole tracker.DB contract
// (goptuna.Storage, studies, runs, stages, metrics, content-addressed
// artifacts, the work queue, Check and GC) on a PostgreSQL server, through
// pgx, for many processes on many machines at once. tracker/bolt is the
// embedded default; both pass the same suite (tracker/storagetest.RunDB).
// docs/FORMAT.md describes the schema table by table.
//
// # Vocabulary
//
//   - schema version: the row of table schema_version with the highest
//     version. Open brings an older schema up to SchemaVersion with the
//     migrations in schema.go, in one transaction under an advisory lock
//     (two machines opening a fresh database at once: one migrates, the
//     other waits and finds it done), and refuses a newer one with
//     tracker.ErrNewerFormat naming the version needed. A ReadOnly Store
//     never migrates (tracker.ErrOldFormat).
//   - session: one open writing Store, a row of table sessions ("host/pid/
//     random", a heartbeat on the server's clock, refreshed every
//     StaleAfter/4). A RUNNING trial records the session that runs it.
//   - stale trial: a RUNNING trial whose session closed, stopped
//     heartbeating for StaleAfter (its process was killed or its machine
//     vanished) or is unknown. FailStaleTrials marks them FAIL. A process
//     paused longer than StaleAfter loses its RUNNING trials that way.
//   - own trial: a RUNNING trial this Store created or resumed. Setters of
//     its value and attributes are pending in memory until its state
//     changes (own.go).
//   - chunk: at most ChunkSize (1 MiB) bytes of an artifact, a row named by
//     its own SHA-256; an artifact (named by the SHA-256 of all its bytes)
//     is a list of chunks, so equal bytes are stored once.
//   - lease: a worker's claim on a work item until lease_until, on the
//     server's clock; an expired lease may be claimed by any worker.
//
// # Contracts
//
//   - Trial numbers are dense and unique per study under any number of
//     concurrent creators: creating trials locks the study row (its
//     counter n_trials). Ids of studies, trials and runs come from
//     sequences: unique in the database, never handed out again.
//   - SetTrialState returns goptuna.ErrTrialCannotBeUpdated unwrapped, as
//     goptuna's loop compares it with ==; setters of finished or unknown
//     trials fail as bbolt's do. Guarded writes lock the trial row, so a
//     setter racing a state change either lands before it or is refused.
//   - UpdateRun (and tags, notes) read and write a run under its row lock
//     (SELECT ... FOR UPDATE): updaters on several machines apply one after
//     another, none lost. DeleteRun is one transaction; it drops the
//     run's work items, whose results would otherwise keep artifacts
//     from GC.
//   - PutStage replaces the stage under its key: several workers finishing
//     the same deterministic stage may all put it.
//   - PutArtifactFrom and OpenArtifact hold at most one chunk (plus the
//     driver's buffers) in memory whatever the artifact's size;
//     GetArtifact and PutArtifact hold it whole. Every read re-hashes:
//     damage is an error matching tracker.ErrCorruptArtifact.
//   - ClaimWork takes the first claimable item in (run, stage, index) order
//     with SELECT ... FOR UPDATE SKIP LOCKED; RenewLease and CompleteWork
//     succeed only for the item's current owner (tracker.ErrLeaseLost
//     otherwise); completing a done item is nil with the same result and
//     tracker.ErrWorkConflict with another. CompleteWorkResult stores the
//     result artifact and completes the item in one transaction, with
//     CompleteWork's answers, and CompleteWorkResultAndClaim also claims
//     the stage's next item in that transaction; WorkResults reads a
//     stage's results in one query, re-hashed as GetArtifact does. The
//     experiments runner uses them where it finds them: an item costs one
//     commit and one round trip where it took three of each.
//   - No password leaves the package: Info().Location and every error
//     name the database with Redact, and errors are scrubbed of the
//     password in case a driver message quotes it. TLS and other settings
//     are passed to pgx as written (sslmode, sslrootcert, ...).
//
// # Durability
//
// Every call that writes commits before it returns, with the server's
// synchronous_commit (on by default: the commit is on disk). PutArtifact
// and CompleteWorkResult send their statements as one pgx batch outside an
// explicit transaction: PostgreSQL runs it as one implicit transaction
// (all or none) in one round trip instead of three. The exceptions:
//
//   - Creating a RUNNING trial (CreateNewTrial, CloneTrial of a RUNNING
//     trial) commits with synchronous_commit off for that transaction: it
//     is visible to every session at once and reaches disk with the next
//     durable commit of any session (at the latest its own state change)
//     or the WAL writer's flush (a fraction of a second). A server crash in
//     between loses it, as a crash within bbolt's RunningCheckpoint loses a
//     new trial; such a trial would have been stale. Options.DurableRunning
//     makes these commits wait too.
//   - Setters of an own trial's value and attributes are committed with
//     its next state change (so finishing a trial is one commit) or at
//     Close; a crash of the process loses them with the RUNNING trial they
//     belong to. Other setters (parameters, intermediate values) commit at
//     once.
//   - FinishTrials finishes a batch of unfinished trials (state, value,
//     attributes, pending setters included) in one statement, so one
//     durable commit, all or none, as tracker/bolt's does: cgx's search
//     loop (study.Run) stores a batch's results with it.
//   - PutArtifacts stores a batch of artifacts in one transaction, so one
//     durable commit for the batch, all or none: its chunks first, in
//     SHA-256 order, then the artifact rows and chunk lists, in id order
//     (concurrent batches lock rows in one order), sent in pgx batches of
//     at most 16 MiB of chunk bytes (batchBytes). Dataset generation
//     stores each batch of 128 images with it.
//
// A commit that returned survives a crash of the cgx process, of its
// machine, and (with synchronous_commit on) of the server. Replication and
// backups are the server's business.
//
// # Least privilege
//
// A role that runs and works needs SELECT, INSERT, UPDATE and DELETE on
// every table and USAGE on the sequences; only the first Open of a new
// schema version needs CREATE on the schema (an owner can migrate once,
// then others run). A read-only role (SELECT only) opens with ReadOnly:
// it registers no session and writes nothing. docs/FORMAT.md has the
// GRANT statements.
//
// # Caveats
//
//   - Reads through one Store see its own pending setters; other Stores see
//     an own trial's value and attributes only after its state changes.
//   - The next GetTrial of a trial a Store just finished is answered once
//     from what that Store wrote (a finished trial never changes): a study
//     deleted by another machine in between is noticed one read later, and
//     a setter another process applied to this Store's RUNNING trial is
//     missing from that one answer.
//   - GC keeps unreferenced artifacts that another live session wrote (it
//     may be about to name them): collect them once that writer closed.
//   - Trial times keep nanoseconds (a timestamptz column plus the
//     nanoseconds below its microsecond); run, stage and artifact records
//     are JSON (type json, kept as written). Names, attribute keys and
//     values are bytea: any Go string round-trips. Stage keys, artifact
//     kinds and work stages and kinds are text, so they must be UTF-8
//     without NUL bytes.
//   - Each Store holds a pool of connections (pgxpool's default size unless
//     Options.MaxConns): mind max_connections when many workers share a
//     server.
package postgres
