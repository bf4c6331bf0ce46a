#!/usr/bin/env bash
# Fuzzes one target with AFL++ for a while: scripts/fuzz.sh <name> [seconds=300]
# Targets: see fuzz/CMakeLists.txt (volmacht_fuzz calls). Crashes land in build/afl-out/<name>/
# default/crashes; copy each into fuzz/corpus/<name>/ so the replay test keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; secs=${2:-300}
command -v afl-fuzz >/dev/null || apt-get install -y -qq afl++
CXX=afl-g++-fast cmake -S . -B build/afl -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVOLMACHT_AFL=ON -DVOLMACHT_BUILD_TESTS=OFF -DVOLMACHT_BUILD_BENCH=OFF >/dev/null
cmake --build build/afl --target "${name}_fuzz"
mkdir -p build/afl-out
AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
  timeout "$secs" afl-fuzz -i "fuzz/corpus/$name" -o "build/afl-out/$name" -- \
  "build/afl/fuzz/${name}_fuzz" || true
ls "build/afl-out/$name/default/crashes" 2>/dev/null | grep -v README || echo "no crashes"
