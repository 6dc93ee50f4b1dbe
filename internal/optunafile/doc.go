// Package optunafile reads and writes the two file formats in which Optuna
// 3.1 keeps studies, so that a cgx study opens in optuna.load_study,
// optuna-dashboard and Optuna's plots, and an Optuna study can be read back
// into cgx.
//
// # What it owns
//
//   - Study, Trial and Distribution: one study in Optuna's own terms
//     (attributes are JSON values, parameters are kept in their internal
//     representation, states and directions use Optuna's numbers).
//   - WriteJournal and ReadJournal: Optuna's JournalFileStorage, a file of
//     JSON lines, one operation each (journal.go).
//   - WriteSQLite and ReadSQLite: Optuna's RDBStorage schema (alembic
//     revision v3.0.0.d, the one Optuna 3.1 creates) in an SQLite database
//     file, written and read by a small codec of the SQLite file format of
//     our own (sqlite_*.go), so cgx needs neither cgo nor an SQL driver.
//   - FromGoptuna and ToGoptuna: the conversion to and from goptuna's model,
//     which the tracker stores.
//
// # Vocabulary
//
//   - internal representation: the float64 Optuna stores for a parameter:
//     the value itself for floats and integers, the index of the choice for
//     categorical parameters. Both formats and goptuna store it, so values
//     round-trip bit for bit.
//   - operation (journal): one JSON object with an "op_code" (0 create
//     study ... 9 set trial system attribute) and a "worker_id".
//
// # Contracts
//
//   - Write* produce what optuna.load_study(study_name=..., storage=...)
//     loads with the trials, states, values, parameters and distributions,
//     intermediate values and user and system attributes of the Study; a
//     test checks it against the real python3-optuna when it is installed.
//   - Read* never panic on any input (fuzzed); errors name the file's line or
//     table and say what is wrong.
//   - Times are written as Optuna writes them: naive ISO 8601 in the local
//     time zone, to the microsecond; read back as local time.
//
// # Caveats
//
//   - goptuna keeps attributes as strings: ToGoptuna stores an attribute
//     that is not a JSON string as its JSON text ("3", "true", "[1, 2]"),
//     and FromGoptuna writes every attribute as a JSON string.
//   - goptuna has no integer log-scale distribution and only string
//     categorical choices: ToGoptuna maps IntDistribution(log=True) to a
//     plain integer range and non-string choices to their JSON text, and
//     says so in its notes. Values are unchanged (they are internal
//     representations).
//   - Multi-objective studies are read (Trial.Values) but ToGoptuna refuses
//     them: cgx studies have one objective.
//   - SQLite: the writer makes a fresh file with Optuna's schema (tables,
//     the study-name index and the automatic indexes of its UNIQUE and
//     PRIMARY KEY constraints), which PRAGMA integrity_check accepts; it is
//     not a general SQLite writer. A NaN objective, which Optuna's schema
//     cannot hold, is written as a failed trial marked with NaNValueAttr,
//     which ReadSQLite undoes. The reader follows table b-trees and overflow
//     pages of any rollback-journal database; a database in WAL mode is
//     refused until checkpointed.
package optunafile
