package experiments

import (
	"context"
	"fmt"
)

// TEMPORARY while the packages below land; replaced by the real pipelines.

func (r *runner) runContent(ctx context.Context) error {
	return fmt.Errorf("content pipeline not wired")
}
