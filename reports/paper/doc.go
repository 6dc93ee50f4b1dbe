// Package paper sets the published findings of the method cgx reproduces
// (the numbers of ../shared/METHOD.md) beside what a rerun of the built-in
// experiments measured, and writes the page 'cgx reproduce' opens with.
//
// # Vocabulary
//
//   - Finding: one published claim ("the discriminator reaches 99.7% held-out
//     accuracy", "HSV shifts mostly fail"), with the published number where
//     there is one, the built-in specs whose runs measure it (preferred
//     first) and its verdict rule in words. Findings lists them.
//   - Row: a finding evaluated on a set of runs: the rerun's value in words,
//     its headline number, the run it was read from, a Verdict and the
//     reason for it.
//   - Verdict: Reproduced, NotReproduced, or NotComparable (the runs do not
//     record the metric, the spec was not run, or the rerun is too small for
//     the rule to decide: "smoke profile: 8 images, not comparable").
//   - Settings: the resolved spec settings of a run (dotted keys such as
//     datasets.cg.count), supplied by the caller (experiments.ResolvedSettings
//     in cmd/cgx); reports never import experiments.
//
// # Contracts
//
//   - Evaluate is a pure function of the runs and the settings they resolve
//     to: every verdict is computed from the runs' stored metrics and tables
//     (package reports) by the rule its Finding states, with the thresholds
//     of docs/REPRODUCE.md (the constants in rules.go). Nothing is
//     hard-coded per profile: a profile is comparable or not through the
//     sizes it records.
//   - A finding whose metric no run records is NotComparable with that
//     reason, never guessed.
//   - WritePage renders a Page with reports.PageTemplate; everything from
//     the database is escaped by html/template.
//
// # Caveats
//
//   - "Comparable" means the rerun is large enough for the rule to decide,
//     not that it matches the published sizes: only the paper profile does.
//     Rows say the profile in their reason.
package paper
