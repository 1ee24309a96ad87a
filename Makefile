# Sextant: `make run` starts the server on embedded defaults, `make test` runs the tests.
# Both install what is missing first (scripts/install-deps.sh).
SWIFT ?= swift
ARGS ?=

.PHONY: deps deps-test build release run test bench clean

deps:
	@bash scripts/install-deps.sh

deps-test:
	@bash scripts/install-deps.sh --test

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product sextant

run: release
	./.build/release/sextant serve $(ARGS)

test: deps-test
	$(SWIFT) build --build-tests
	SEXTANT_BINARY="$$($(SWIFT) build --show-bin-path)/sextant" $(SWIFT) test --skip-build

bench: deps
	cd benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

clean:
	rm -rf .build
