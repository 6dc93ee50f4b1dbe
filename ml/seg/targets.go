package seg

// targets writes the two training maps of one instance id map (h x w,
// row-major) into fg and interior: fg is 1 on every pixel with a positive
// id; interior is 1 on the pixels whose every neighbour within border
// (chessboard distance) inside the image carries the same id. Pixels outside
// the image do not erode an instance, so objects cut by the frame keep their
// interior up to the edge.
func targets(labels []int32, h, w, border int, fg, interior []float32) {
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := y*w + x
			id := labels[p]
			fg[p], interior[p] = 0, 0
			if id <= 0 {
				continue
			}
			fg[p] = 1
			inner := true
			for dy := -border; dy <= border && inner; dy++ {
				yy := y + dy
				if yy < 0 || yy >= h {
					continue
				}
				for dx := -border; dx <= border; dx++ {
					xx := x + dx
					if xx >= 0 && xx < w && labels[yy*w+xx] != id {
						inner = false
						break
					}
				}
			}
			if inner {
				interior[p] = 1
			}
		}
	}
}
