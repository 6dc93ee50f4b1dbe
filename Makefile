GO ?= go
BIN := bin/cgx
# The demo: a real built-in experiment (all seven manipulations fitted CG to
# real, default profile: minutes on two cores) and its HTML report.
DEMO_SPEC ?= style/all
DEMO_REPORT ?= out/demo-report

.PHONY: build test demo bench bench-ml vet

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/cgx

test:
	$(GO) vet ./...
	$(GO) test -timeout 30m ./...

demo: build
	./$(BIN) run $(DEMO_SPEC) --report $(DEMO_REPORT)

vet:
	$(GO) vet ./...

# Go benchmarks of every package (storage, renderer, layers, fitting, search,
# reports); docs/PERFORMANCE.md records the figures against their peers.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The discriminator against PyTorch on this CPU (needs Debian python3-torch).
bench-ml: build
	./$(BIN) bench ml --peer
