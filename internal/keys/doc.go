// Package keys is the contract between the experiment runner, which records a
// run, and everything that reads one back (reports, the dashboard, diff and
// verify): the names of study and trial attributes, of stages and studies, and
// of metrics. docs/DATA.md describes the same contract for people.
//
// The writing side builds every name with a constructor here (FitStage,
// StudyName, Metric...) and the reading side takes names apart with the
// matching parser (ParseFitStage, ParseStudyName, SplitMetric...), so the two
// cannot drift apart: each parser inverts its constructor (tested, and
// fuzzed).
//
// # Vocabulary
//
//   - Stage name: one stage of a run, "<family>/<subject>", e.g.
//     "dataset/cg", "discriminator/main", "fit/blur/cg-to-real",
//     "search/exp2.1/round-1/cmaes/seed-2", "mix/round-1",
//     "segmentation/baseline".
//   - Style round: round k >= 2 of style.rounds fits in stage
//     "fit/<manipulation>/<direction>/round-<k>" (FitRoundStage) against the
//     discriminator "discriminator/<manipulation>/round-<k>"
//     (RoundDiscriminator); round 1 is the plain fit stage against
//     "discriminator/main".
//   - Distribution fit: "fit-distribution/<manipulation>/<direction>"
//     (FitDistributionStage), a mean and a spread per parameter and image
//     (trial params and TrialSpread).
//   - Segmentation seed: one training of a set with seed k (from 1, the short
//     spec seed), stage "segmentation/<set>/seed-<k>" (SegmentationSeedStage),
//     metrics "segmentation/<set>/seed-<k>/AP" (and AP50, AP75).
//   - Search round: "search/<experiment>/round-<k>", the stage prefix that all
//     samplers and seeds of round k share; round metrics are keyed by it.
//   - Trial block: trials a..b (1-based, slot order) of a search round,
//     "search/<experiment>/round-<k>/trials-<a>-<b>" (TrialBlock); exp1's
//     content truth metrics are recorded per block as well as per round.
//   - Study name: "run-<id>/<stage name>".
//   - Metric key: "<stage name>/<measure>", e.g. "fit/blur/cg-to-real/images";
//     the measure is the part after the last slash.
//   - Study attribute: a goptuna study user attribute, "cgx.<name>".
//   - Trial attribute: a goptuna trial user attribute ("success", "steps"...).
//
// # Caveats
//
//   - The package holds names only: no validation of values (a manipulation
//     that exists, a sampler that is known) happens here; the packages that
//     define them (ml/manip, study, blender) own those lists.
//   - Subjects may contain slashes where the family allows it (a
//     discriminator or segmentation set name, a search experiment), so parsers
//     split at the last separator the family defines, exactly as the readers'
//     former regular expressions did.
//   - The package imports nothing of cgx, so every layer may import it.
package keys
