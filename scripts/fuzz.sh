#!/usr/bin/env bash
# Fuzzes one target for a while: scripts/fuzz.sh <name> [seconds=300]
# Targets: see fuzz/CMakeLists.txt (volmacht_fuzz calls).
# With AFL++ (coverage-guided) where its compiler works: crashes land in
# build/afl-out/<name>/default/crashes. Otherwise (Debian's afl++ gcc plugin refuses a gcc of
# another Debian revision, and clang 14 cannot compile libstdc++ 12's <expected>) the target's
# ASan+UBSan replay binary mutates the corpus blindly (fuzz/replay_main.cc --mutate); a failing
# input lands in build/fuzz-crashes/<name>/. Copy each crash into fuzz/corpus/<name>/ so the
# replay test keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; secs=${2:-300}
command -v afl-fuzz >/dev/null || apt-get install -y -qq afl++ >/dev/null || true
if CXX=afl-g++-fast cmake -S . -B build/afl -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
     -DVOLMACHT_AFL=ON -DVOLMACHT_BUILD_TESTS=OFF -DVOLMACHT_BUILD_BENCH=OFF >/dev/null 2>&1 &&
   cmake --build build/afl --target "${name}_fuzz" >/dev/null; then
  mkdir -p build/afl-out
  AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
    timeout "$secs" afl-fuzz -i "fuzz/corpus/$name" -o "build/afl-out/$name" -- \
    "build/afl/fuzz/${name}_fuzz" || true
  ls "build/afl-out/$name/default/crashes" 2>/dev/null | grep -v README || echo "no crashes"
  exit 0
fi
echo "AFL++ cannot build here; blind mutation under ASan+UBSan instead"
rm -rf build/afl  # a failed configure must not be mistaken for a usable one next time
cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan --target "${name}_replay"
mkdir -p "build/fuzz-crashes/$name"
# abort_on_error: UBSan then ends with SIGABRT, whose handler saves the input (ASan's death
# callback does that for ASan).
LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1" \
  "build/asan/fuzz/${name}_replay" --mutate "$secs" --seed "${SEED:-$RANDOM}" \
  --crash-dir "build/fuzz-crashes/$name" "fuzz/corpus/$name"
