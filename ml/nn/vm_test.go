package nn

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"weak"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// owner holds a machine and is the target of a Read in its graph: the cycle
// machine -> program -> read op -> owner -> machine.
type owner struct {
	vm  gorgonia.VM
	out gorgonia.Value
	buf []float32 // stands for the buffers a real graph's ops hold
}

func cycleOwner(t *testing.T, newVM func(*gorgonia.ExprGraph, ...gorgonia.VMOpt) gorgonia.VM) weak.Pointer[owner] {
	t.Helper()
	g := gorgonia.NewGraph()
	x := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(4), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(4), tensor.WithBacking([]float32{1, 2, 3, 4}))))
	s, err := gorgonia.Sum(x)
	if err != nil {
		t.Fatal(err)
	}
	o := &owner{buf: make([]float32, 1<<20)}
	gorgonia.Read(s, &o.out)
	o.vm = newVM(g)
	if err := o.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if err := o.vm.Close(); err != nil {
		t.Fatal(err)
	}
	return weak.Make(o)
}

// TestTapeMachineCycleIsCollected: a machine in a reference cycle is
// garbage once nothing outside the cycle holds it. With gorgonia's own
// constructor it is not (its finalizer pins the cycle): the control case
// shows the test can fail.
func TestTapeMachineCycleIsCollected(t *testing.T) {
	collected := func(p weak.Pointer[owner]) bool {
		for range 3 {
			runtime.GC()
		}
		return p.Value() == nil
	}
	if !collected(cycleOwner(t, NewTapeMachine)) {
		t.Error("a machine made by NewTapeMachine, in a cycle with its owner, was not collected")
	}
	stock := func(g *gorgonia.ExprGraph, opts ...gorgonia.VMOpt) gorgonia.VM {
		return gorgonia.NewTapeMachine(g, opts...)
	}
	if collected(cycleOwner(t, stock)) {
		t.Log("gorgonia.NewTapeMachine's cycle was collected too: gorgonia no longer pins it (NewTapeMachine's finalizer removal may be unneeded)")
	}
}

// TestNoStockTapeMachine: cgx code builds machines with NewTapeMachine only
// (gradcheck, a test tool that nn's own tests import, cannot import nn).
func TestNoStockTapeMachine(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			rel == filepath.Join("ml", "nn", "vm.go") || rel == filepath.Join("ml", "nn", "gradcheck", "gradcheck.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(src, []byte("gorgonia.NewTapeMachine(")) {
			t.Errorf("%s calls gorgonia.NewTapeMachine; use nn.NewTapeMachine (its finalizer pins reference cycles)", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
