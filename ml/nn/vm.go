package nn

import (
	"runtime"

	"gorgonia.org/gorgonia"
)

// NewTapeMachine compiles g into gorgonia's TapeMachine, the VM every cgx
// graph runs on (LispMachine computes wrong gradients for max and min).
//
// gorgonia sets a finalizer on each TapeMachine (it frees CUDA contexts in
// CUDA builds and does nothing in others). Go never collects a cycle that
// holds an object with a finalizer, and a graph easily closes one: a struct
// holding the machine that is also the target of a gorgonia.Read in the
// graph, or an op that points back at its owner. Each such machine then
// stays in memory with every buffer its ops hold: tens of megabytes per
// batch, gigabytes over a paper-size fit. cgx never builds with CUDA, so
// the finalizer is removed here and the machine is collected like any
// other value; Close still releases what it holds at once.
func NewTapeMachine(g *gorgonia.ExprGraph, opts ...gorgonia.VMOpt) gorgonia.VM {
	vm := gorgonia.NewTapeMachine(g, opts...)
	runtime.SetFinalizer(vm, nil)
	return vm
}
