// Package backend opens a cgx database from a target: a file path opens
// the embedded bbolt store (package tracker/bolt), a postgres:// or
// postgresql:// URL the shared PostgreSQL database (package
// tracker/postgres). The CLI's --db flag and CGX_DB hold a target.
//
// # Vocabulary
//
//   - target: what the user typed: a path, or a connection string.
//   - redacted target: the target with any password removed (Redact); the
//     only form of a target that cgx prints, logs or stores.
//
// # Caveats
//
//   - A PostgreSQL connection string may also be written as key=value
//     pairs ("host=db user=cgx ..."), but Open takes only the URL form for
//     PostgreSQL: anything that does not start with postgres:// or
//     postgresql:// is a file path.
//   - Options that only the bbolt store has (NoSync, AcceptLoss) are
//     refused for PostgreSQL by Open, rather than ignored; LockTimeout, which
//     only bounds a wait that PostgreSQL never makes, is ignored there.
package backend
