# goc — the two commands:
#
#   make run    build (Release) and run the examples, each introduced by a line
#   make test   install what the build needs (Debian 12), build, run every test
#               in every configuration (scripts/test.sh; .ci/run calls this)
#
# Also: make build | bench | format | format-check | clean | help
# The build itself is CMake; this file only drives it. Build trees go under
# build/. Extra CMake options: make build CMAKE_FLAGS='-DGOC_TEST_SCALE=10'

CMAKE       ?= cmake
BUILD       ?= build
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# Files `make format` rewrites in place (default: every C file of the project).
FILES       ?= $(wildcard src/*.c src/*.h src/arch/*.c src/arch/*.h include/*.h \
                          tests/*.c tests/*.h examples/*.c bench/*.c bench/*.h)
CHECKED     ?= $(FILES)

.PHONY: all run test build bench format format-check clean help deps

# No "Entering directory" noise from the makes that CMake generates.
MAKEFLAGS += --no-print-directory

all: build

help:
	@sed -n '3,11s/^# \{0,1\}//p' Makefile

deps:
	@scripts/deps.sh test

# Release build of the library and examples only, then the guided demo.
run:
	@scripts/deps.sh build
	$(CMAKE) -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=Release \
		-DGOC_BUILD_TESTS=OFF -DGOC_BUILD_BENCH=OFF -DGOC_BUILD_EXAMPLES=ON \
		$(CMAKE_FLAGS) >/dev/null
	$(CMAKE) --build $(BUILD)/release -j $(JOBS)
	@echo
	@examples/demo.sh $(BUILD)/release/examples

# STAGES="gcc asan" runs only those stages of the matrix.
test:
	@scripts/deps.sh test
	@scripts/test.sh $(STAGES)

# Everything (library, tests, examples, benchmarks), default build type.
build:
	@scripts/deps.sh build
	$(CMAKE) -S . -B $(BUILD)/dev $(CMAKE_FLAGS)
	$(CMAKE) --build $(BUILD)/dev -j $(JOBS)

# bench/run.sh builds what it needs; BENCH_ARGS='skynet spawn' picks workloads.
bench:
	@scripts/deps.sh bench
	bench/run.sh $(BENCH_ARGS)

format:
	@scripts/deps.sh format
	clang-format -i $(FILES)

# Lists the files clang-format would change, and fails if there are any
# (`make format FILES=file` fixes one; clang-format 14, as CI has).
format-check:
	@scripts/deps.sh format
	@n=0; changed=0; for f in $(CHECKED); do n=$$((n + 1)); \
		clang-format --dry-run --Werror $$f >/dev/null 2>&1 || { echo "$$f"; changed=$$((changed + 1)); }; \
	done; echo "format-check: $$changed of $$n files need clang-format"; [ $$changed -eq 0 ]

clean:
	rm -rf $(BUILD)
