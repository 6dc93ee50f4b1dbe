GO ?= go
BIN := bin/cgx

.PHONY: build test demo bench vet deps

build:
	$(GO) build -o $(BIN) ./cmd/cgx

test:
	$(GO) vet ./...
	$(GO) test -timeout 25m ./...

demo: build
	./$(BIN) version

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
