package nn

// planeKernels are the loops that dominate a training step outside the
// matrix products. Each has a Go implementation; cgo builds on CPUs with
// AVX2 replace them (unless CGX_SIMD=off) with C/AVX2 versions (kernels_cgo.go) that compute the
// same bits: they only compare, select, copy and add elementwise, and sum in
// the same order.
type planeKernels struct {
	name string
	// pool2 pools 2×2 windows of the 2·ph rows of x (row stride w) into y
	// (ph×pw) and records in arg the row-major offset of each window's
	// first maximum, in the total order of orderKey.
	pool2 func(x, y []float32, arg []uint8, w, ph, pw int)
	// preGrad2 writes the oh×ow plane of pre-activation gradients of a
	// conv+ReLU+2×2-pool block: the pooled gradient pd goes to the recorded
	// maximum pa of each window when the pooled output po is positive, zeros
	// everywhere else. It returns the sum of the passed gradients, added in
	// window order.
	preGrad2 func(po, pd []float32, pa []uint8, plane []float32, oh, ow, ph, pw int) float32
	// col2imSame is convGeom.col2imSame's loop.
	col2imSame func(g convGeom, col, dx []float32, r0, r1 int)
}

var goKernels = planeKernels{name: "Go", pool2: pool2Go, preGrad2: preGrad2Go, col2imSame: col2imSameGo}

// PlaneKernels names the implementation of the non-BLAS loops in use:
// "C/AVX2" (cgo build on a CPU with AVX2, CGX_SIMD not off) or "Go".
func PlaneKernels() string { return simd.planes.name }

func pool2Go(x, y []float32, arg []uint8, w, ph, pw int) {
	// Branch-free: each candidate becomes a key whose high bits order like
	// the float (orderKey) and whose low 2 bits favour the earlier position
	// on ties; the largest key names the first maximum and carries its value.
	for oy := 0; oy < ph; oy++ {
		dst := y[oy*pw : (oy+1)*pw]
		ar := arg[oy*pw : (oy+1)*pw]
		ar = ar[:len(dst)]
		r0 := x[2*oy*w : 2*oy*w+2*len(dst)]
		r1 := x[(2*oy+1)*w : (2*oy+1)*w+2*len(dst)]
		for ox := range dst {
			k0 := uint64(orderKey(r0[2*ox]))<<2 | 3
			k1 := uint64(orderKey(r0[2*ox+1]))<<2 | 2
			k2 := uint64(orderKey(r1[2*ox]))<<2 | 1
			k3 := uint64(orderKey(r1[2*ox+1])) << 2
			km := max(max(k0, k1), max(k2, k3))
			dst[ox] = fromOrderKey(uint32(km >> 2))
			ar[ox] = uint8(3 - km&3)
		}
	}
}

func preGrad2Go(po, pd []float32, pa []uint8, plane []float32, oh, ow, ph, pw int) float32 {
	pd, pa = pd[:len(po)], pa[:len(po)]
	var sum float32
	for oy := 0; oy < ph; oy++ {
		r0 := plane[2*oy*ow : (2*oy+1)*ow]
		r1 := plane[(2*oy+1)*ow : (2*oy+2)*ow]
		for ox := 0; ox < pw; ox++ {
			j := oy*pw + ox
			gv := passed(po[j], pd[j])
			sum += gv
			var v [4]float32
			v[pa[j]&3] = gv
			r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1] = v[0], v[1], v[2], v[3]
		}
		for j := 2 * pw; j < ow; j++ {
			r0[j], r1[j] = 0, 0
		}
	}
	clear(plane[2*ph*ow : oh*ow])
	return sum
}

func col2imSameGo(g convGeom, col, dx []float32, r0, r1 int) {
	w := g.w
	n := (r1 - r0) * w
	r := 0
	for c := 0; c < g.cin; c++ {
		plane := dx[c*g.h*w : (c+1)*g.h*w]
		for ky := 0; ky < g.kh; ky++ {
			oy0, oy1 := g.validRows(ky, r0, r1)
			for kx := 0; kx < g.kw; kx++ {
				row := col[r*n : (r+1)*n]
				r++
				lo, hi := g.validX(kx)
				if oy0 >= oy1 || lo >= hi {
					continue
				}
				for oy := oy0; oy < oy1; oy++ {
					rw := row[(oy-r0)*w : (oy-r0+1)*w]
					for j := 0; j < lo; j++ {
						rw[j] = 0
					}
					for j := hi; j < w; j++ {
						rw[j] = 0
					}
				}
				first, last := (oy0-r0)*w+lo, (oy1-1-r0)*w+hi
				dst := oy0*w + lo + (ky-g.pad)*w + kx - g.pad
				addTo(plane[dst:dst+last-first], row[first:last])
			}
		}
	}
}
