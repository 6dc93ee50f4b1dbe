package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/cgx-dev/cgx/internal/atomicfile"
	"github.com/cgx-dev/cgx/internal/optunafile"
)

// runExportOptuna writes study ref as an Optuna file (o.format is
// optuna-journal or optuna-sqlite).
func runExportOptuna(ctx context.Context, g *globals, o exportOptions, ref string) (err error) {
	st, err := openForReading(g)
	if err != nil {
		return err
	}
	info, trials, err := loadStudyTrials(st, ref)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		return err
	}
	study, err := optunafile.FromGoptuna(info.Name, info.Direction, info.UserAttrs, info.SystemAttrs, trials)
	if err != nil {
		return fmt.Errorf("export study %d as %s: %w", info.ID, o.format, err)
	}
	var buf bytes.Buffer
	switch o.format {
	case "optuna-journal":
		err = optunafile.WriteJournal(&buf, study)
	case "optuna-sqlite":
		err = optunafile.WriteSQLite(&buf, study)
	}
	if err != nil {
		return fmt.Errorf("export study %d as %s: %w", info.ID, o.format, err)
	}
	if o.out == "" {
		_, err := g.stdout.Write(buf.Bytes())
		return err
	}
	if err := atomicfile.WriteFile(ctx, o.out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("export study %d: %w", info.ID, err)
	}
	fmt.Fprintf(g.stderr, "wrote %d trials of study %d (%s) to %s as %s; open it with optuna.load_study(study_name=%q, storage=%s)\n",
		len(trials), info.ID, safeText(info.Name), safeText(o.out), o.format, info.Name, optunaStorageHint(o.format, o.out))
	return nil
}

// optunaStorageHint is the Python storage expression that opens path.
func optunaStorageHint(format, path string) string {
	if format == "optuna-sqlite" {
		return fmt.Sprintf("%q", "sqlite:///"+path)
	}
	return fmt.Sprintf("optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(%q))", path)
}
