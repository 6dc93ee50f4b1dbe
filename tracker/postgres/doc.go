// Package postgres is cgx's shared database: the tracker.DB contract on a
// PostgreSQL server, through pgx, for many processes on many machines.
// The full description (vocabulary, contracts, durability, caveats) grows
// with the package; docs/FORMAT.md describes the schema.
package postgres
