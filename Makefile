# The two commands of the README. Everything else is in scripts/ and CMakePresets.json.
.PHONY: run test setup build build-asan build-tsan clean

JOBS ?= $(shell nproc)

setup:
	scripts/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-asan: setup
	cmake --preset asan-ubsan >/dev/null
	cmake --build --preset asan-ubsan -j $(JOBS)

# Only the targets with concurrency tests (CMakePresets.json, preset tsan).
build-tsan: setup
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)

run: build
	scripts/run-demo.sh

test: build build-asan build-tsan
	JOBS=$(JOBS) scripts/run-tests.sh

clean:
	rm -rf build
