// Package reporttest provides an in-memory, read-only store that satisfies
// reports.Source, and deterministic fixtures shaped like what the runner
// writes (docs/DATA.md): style studies (brightness/contrast with green
// contrast negative, a patch grid, blur), content studies with several
// samplers and seeds, discriminator and segmentation metrics and image
// artifacts. It exists for tests (reports, reports/dashboard, the cgx
// report and serve verbs); CopyInto writes a fixture into a tracker database.
//
// Every value it hands out is a fresh copy, like the tracker's. Fixtures use
// a fixed clock and seeded generators: the same bytes on every machine.
package reporttest
