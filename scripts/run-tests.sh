#!/usr/bin/env bash
# Runs every test suite of `make test` (release; the unit tests under ASan+UBSan; the
# concurrency tests under TSan), keeps
# going when one fails, and ends with the list of skipped tests and the failures, so that a
# test that could not run is seen, never silently gone. Exit status: 0 only when all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"
status=0
logs=()
for preset in release asan-ubsan tsan; do
  log="build/test-${preset}.log"
  logs+=("$log")
  ctest --preset "$preset" -j "$JOBS" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
echo
echo "== skipped tests (a skip names what was missing; CI installs everything) =="
skipped=$(grep -h -E '\*\*\*Skipped|Not Run' "${logs[@]}" | sed -E 's/^ *[0-9]+\/[0-9]+ //' || true)
if [ -n "$skipped" ]; then echo "$skipped"; else echo "none"; fi
echo "== result: $([ $status -eq 0 ] && echo 'all passed' || echo 'FAILURES above') =="
exit $status
