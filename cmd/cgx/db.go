package main

import (
	"context"
	"fmt"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

// openDB opens the database that --db or CGX_DB names: a bbolt file path or
// a postgres:// URL (package tracker/backend chooses).
func openDB(ctx context.Context, g *globals, o backend.Options) (backend.DB, error) {
	return backend.Open(ctx, g.dbPath(), o)
}

// dbName is the database target as cgx shows it: a path, or a connection
// string without its password. Output never holds g.dbPath() itself.
func dbName(target string) string { return backend.Redact(target) }

// dbName is the redacted form of the database that --db or CGX_DB names.
func (g *globals) dbName() string { return dbName(g.dbPath()) }

// bboltOnly refuses, in one line, a feature that exists only for bbolt
// database files when target is a PostgreSQL database; instead says what
// to do there. It returns nil for a file path.
func bboltOnly(target, feature, instead string) error {
	if !backend.IsPostgres(target) {
		return nil
	}
	return fmt.Errorf("%s works on bbolt database files only, and %s is a PostgreSQL database; %s", feature, dbName(target), instead)
}

// The parts of the tracker contract that helpers shared by several verbs
// use, so that each asks for no more than it needs.
type (
	// located is a database that says where it is, for messages.
	located interface{ Info() tracker.Info }
	// artifactLister resolves artifact id prefixes.
	artifactLister interface {
		tracker.ArtifactStorage
		located
	}
	// studyReader reads a study and its trials.
	studyReader interface {
		tracker.StudyStorage
		located
	}
	// importStore records an imported study and the run that made it.
	importStore interface {
		tracker.StudyStorage
		tracker.RunStorage
	}
)
