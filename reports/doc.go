// Package reports turns what a run stored in the tracker into documents:
// tables (Markdown, CSV, LaTeX, JSON, HTML), figures (PNG and SVG, drawn with
// gonum/plot), a self-contained static HTML report, and the pages the
// dashboard (package reports/dashboard) serves.
//
// Reports read; they never run experiments. Everything comes through Source,
// a small read-only view of the tracker, so a report can be rebuilt from the
// database alone at any later time (docs/DATA.md is the contract on what a run
// stores, docs/REPORTS.md defines every table, figure and statistic).
//
// # Vocabulary
//
//   - RunData: one run decoded once: the run record, its stages, its studies
//     (StudyData) with their cgx.* attributes parsed and their trials.
//   - Style study: one trial per image, a fitted manipulation; content study:
//     one trial per rendered scene, a black-box search round with one sampler
//     and one seed.
//   - Table: named columns and typed cells; written in any Format.
//   - Figure: a named drawing, rendered on demand to PNG or SVG bytes; figures
//     showing images read them from artifacts only when rendered.
//   - Parameter importance: the share of a search round's loss variance a
//     parameter's rank-binned marginal explains, corrected for chance
//     (Importance; docs/REPORTS.md states its limits). The analysis figures
//     (importance, parallel coordinates, slices, contour) are built on it.
//   - Curves: a fit's loss per step (trial intermediate values, Trial.Curve)
//     and a trained network's figures per epoch (stage attribute cgx.epochs,
//     RunData.Epochs); CompareFigures overlays them across runs.
//   - Planted gap: the parameter values a generated "real" domain was built
//     with (study attribute cgx.planted); the recovery tables score the fit
//     against them.
//   - Names: every attribute key, stage and study name and metric key read
//     here comes from package internal/keys, which the runner writes with;
//     parsing is keys' parsers, never a pattern of this package's own.
//
// # Determinism
//
// No wall clock, map order or goroutine schedule reaches an output: the same
// database gives the same table, figure and report bytes (tested, including
// under different GOMAXPROCS).
//
// # Caveats
//
//   - A study attribute that does not parse (a bad cgx.threshold, say) does
//     not fail the report: the default is used and RunData.Warnings says so;
//     the warnings are printed in the report.
//   - Statistics over trials use complete trials only (goptuna state
//     Complete); running, pruned and failed trials are counted nowhere but in
//     the studies table.
//   - Figures are rendered through gonum/plot's global font cache, which is
//     safe for concurrent use; nothing else is shared between renders.
package reports
