// Package workq is an in-memory tracker.WorkQueue: the work queue of a
// database that only one process opens (the bbolt file), and the queue the
// experiments runner falls back to when its database has none.
//
// # Vocabulary
//
// An item (tracker.WorkItem) is one unit of a run's work, named by its
// WorkKey (run, stage, index). It is pending until a worker claims it,
// leased while the worker holds it (until LeaseUntil, renewed with
// RenewLease), and done once CompleteWork records its result. A leased item
// whose lease has run out is claimable again: that is how work held by a
// worker that died is redone.
//
// # Contract
//
// Queue meets tracker.WorkQueue: EnqueueWork is idempotent per key; ClaimWork
// hands out the claimable item with the lowest (run, stage, index), so claims
// follow the order items were meant to run in; the first CompleteWork wins
// (a second with the same result is a no-op, with another result
// ErrWorkConflict). A worker whose lease ran out keeps the item until another
// worker claims it: RenewLease and CompleteWork still succeed for it then.
// ListWork with run 0 lists every run's items.
//
// Time comes from the clock given to New (time.Now by default), so tests
// expire leases without sleeping.
//
// # Caveats
//
// Items live in memory: they vanish with the process. That is what a
// single-process database needs (a resumed run enqueues its work again and
// recomputes the same bytes), not a queue for several processes: use the
// PostgreSQL backend for that. Payloads are copied in and out; the queue
// keeps no caller memory.
package workq
