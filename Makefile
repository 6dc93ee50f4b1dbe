GO ?= go
BIN := bin/cgx
# The demo: a real built-in experiment (all seven manipulations fitted CG to
# real, default profile: minutes on two cores) and its HTML report.
DEMO_SPEC ?= style/all
DEMO_REPORT ?= out/demo-report

.PHONY: build test test-short test-race test-cross lint demo bench bench-ml bench-pg vet

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/cgx

test:
	$(GO) vet ./...
	$(GO) test -timeout 30m ./...

# The quick lane: skips the heavy built-in runs and the browser tests.
test-short:
	$(GO) vet ./...
	$(GO) test -short -timeout 15m ./...

# The race detector over the packages that run work concurrently.
test-race:
	$(GO) test -race -short -timeout 30m ./tracker/... ./study/... ./reports/dashboard/... ./ml/nn/...

# Same bits on every machine: builds cgx default, CGO_ENABLED=0 GOAMD64=v1,
# GOAMD64=v3 and arm64 (run under qemu-aarch64-static), runs every built-in
# smoke profile and compares every stored digest; also SIMD kernels off vs on.
# Under qemu the arm64 build (NEON SGEMM) runs some 14x slower per core than
# natively, so it runs one spec of each kind; segmentation's trains each set
# once for 2 epochs on 48 images (SPEC@KEY=VALUE: the smoke profile with
# cgx run --set overrides, which the default build reruns the same way and
# compares digest by digest).
QEMU_SPECS ?= style/blur,content/exp1,segmentation/baseline-vs-proposals@segmentation.seeds=1@segmentation.epochs=2@segmentation.images=48
test-cross:
	CGX_CROSSBUILD=1 $(GO) test -timeout 10m -run 'TestNoFusion' -v ./internal/crossbuild/
	CGX_CROSSBUILD=1 CGX_CROSSBUILD_QEMU_SPECS=$(QEMU_SPECS) $(GO) test -timeout 75m -run 'TestCrossBuild|TestSIMDSwitch' -v ./internal/crossbuild/

demo: build
	mkdir -p $(dir $(DEMO_REPORT))
	./$(BIN) run $(DEMO_SPEC) --report $(DEMO_REPORT)

vet:
	$(GO) vet ./...

# staticcheck over every package (.ci/run installs it from the module proxy).
STATICCHECK ?= staticcheck
lint:
	$(STATICCHECK) ./...

# Go benchmarks of every package (storage, renderer, layers, fitting, search,
# reports); docs/PERFORMANCE.md records the figures against their peers.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Durable trials/s of cgx's search loop on PostgreSQL beside Optuna 3.1's
# RDBStorage on the same server (CGX_TEST_POSTGRES names it; Debian
# python3-optuna and python3-psycopg2).
bench-pg:
	$(GO) test -run '^$$' -bench 'BenchmarkStudyRun/trials-1000' -benchtime 1x -count 3 ./tracker/postgres/
	/usr/bin/python3 bench/optuna_rdb_pg.py 300 3

# The discriminator against PyTorch on this CPU (needs Debian python3-torch).
bench-ml: build
	./$(BIN) bench ml --peer
