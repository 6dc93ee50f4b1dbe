package fit

// Test helpers shared with the external test package (disc_test.go).
var (
	SmoothImages = smoothImages
	WithGain     = withGain
	Batch        = batch
)
