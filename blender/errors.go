package blender

import "errors"

// Sentinel errors; compare with errors.Is.
var (
	// ErrBlenderMissing marks a system without the blender executable.
	ErrBlenderMissing = errors.New(`blender not found on PATH: install the Debian package "blender" (apt-get install -y blender) or use the embedded backend`)
	// ErrBlender marks a failed Blender run.
	ErrBlender = errors.New("blender failed")
)
