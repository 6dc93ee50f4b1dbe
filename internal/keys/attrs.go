package keys

// Study user attributes written by the runner (docs/DATA.md).
const (
	AttrRun          = "cgx.run"          // run id, decimal
	AttrStage        = "cgx.stage"        // stage name
	AttrKind         = "cgx.kind"         // KindStyle or KindContent
	AttrManipulation = "cgx.manipulation" // style: manipulation name
	AttrDirection    = "cgx.direction"    // style: DirectionCGToReal or DirectionRealToCG
	AttrSampler      = "cgx.sampler"      // content: sampler name
	AttrSeed         = "cgx.seed"         // the study's seed, decimal
	AttrRound        = "cgx.round"        // content: round from 1, decimal
	AttrExperiment   = "cgx.experiment"   // content: "exp1" or "exp2"
	AttrThreshold    = "cgx.threshold"    // success confidence, decimal in (0,1)
	AttrGrid         = "cgx.grid"         // patch manipulation grid, "<rows>x<cols>"
	AttrPlanted      = "cgx.planted"      // JSON object parameter name -> planted value
)

// Study kinds (AttrKind).
const (
	KindStyle   = "style"   // one trial per image: a fitted manipulation
	KindContent = "content" // one trial per rendered scene: a search
)

// Fitting directions (AttrDirection and the last part of a fit stage name).
const (
	DirectionCGToReal = "cg-to-real"
	DirectionRealToCG = "real-to-cg"
)

// Directions returns the fitting directions in documentation order.
func Directions() []string { return []string{DirectionCGToReal, DirectionRealToCG} }

// Trial user attributes written by the runner.
const (
	TrialSuccess    = "success"    // "true" or "false": the target confidence was reached
	TrialConfidence = "confidence" // final target-class probability, decimal
	TrialSteps      = "steps"      // style: optimiser steps taken, decimal
	TrialSource     = "source"     // style: artifact id of the input image, hex
	TrialResult     = "result"     // artifact id of the manipulated or rendered image, hex
	TrialImage      = "image"      // style: index of the image in its dataset, decimal
	// TrialPlanted optionally holds the planted gap of the trial's own image
	// (JSON name -> value) when it differs per image.
	TrialPlanted = "cgx.planted"
	// TrialSlot is the system attribute (written by package study) holding a
	// search trial's logical index; after a resume trial numbers and slots
	// differ, so readers key content trials by slot.
	TrialSlot = "cgx.slot"
)
