// Package reporttest provides an in-memory, read-only store that satisfies
// reports.Source, and deterministic fixtures shaped like what the runner
// writes (docs/DATA.md): style studies (brightness/contrast with green
// contrast negative, a patch grid, blur), content studies with several
// samplers and seeds, discriminator and segmentation metrics and image
// artifacts. It exists for the tests of reports and reports/dashboard.
//
// Every value it hands out is a fresh copy, like the tracker's.
package reporttest
