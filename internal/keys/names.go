package keys

// Manipulations returns the manipulation names a style study may record in
// AttrManipulation, in the order docs/METHOD.md lists them (reports sort by
// it). ml/manip's registry defines the manipulations; a test in package
// experiments fails when the two differ.
func Manipulations() []string {
	return []string{"brightness-contrast", "patch-brightness-contrast", "hsv", "blur", "channel-blur", "noise", "exposure", "blur-brightness-contrast"}
}

// Samplers returns the sampler names a content study may record in
// AttrSampler, in documentation order. Package study defines the samplers; a
// test in package experiments fails when the two differ.
func Samplers() []string { return []string{"tpe", "cmaes", "random"} }
