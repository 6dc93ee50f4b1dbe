package nn

import "runtime"

// runtimeGOARCH is runtime.GOARCH, a variable so tests can reason about it.
const runtimeGOARCH = runtime.GOARCH
