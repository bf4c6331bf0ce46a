// Replays a fuzz target's corpus in the normal build, so every saved input (seeds and any
// crash found by fuzzing) is a regression test. With AFL++ (scripts/fuzz.sh) the same target
// is linked with libAFLDriver instead of this file.
//
//   <target>_replay <corpus dir or file>...
//   <target>_replay --mutate <seconds> [--seed N] [--crash-dir D] <corpus dir or file>...
//
// --mutate is the fallback fuzzer of scripts/fuzz.sh where AFL++ cannot build (its gcc plugin
// must match the installed gcc exactly, and clang 14 cannot compile libstdc++ 12's
// <expected>): blind, seeded mutation of the corpus (byte changes, inserts, deletes,
// splices of pieces of other inputs), no coverage guidance. Run it in the ASan+UBSan build:
// an input that crashes, aborts or trips a sanitizer is written to the crash directory
// before the process dies (for UBSan with UBSAN_OPTIONS=abort_on_error=1, as fuzz.sh sets).
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// Present when linked with a sanitizer runtime: called before a sanitizer ends the process.
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace {

namespace fs = std::filesystem;

// The input being tried, for the crash handlers.
std::string g_current;
char g_crash_path[4096] = "crash-input";
volatile bool g_armed = false;  // only while mutating

void SaveCurrent() {
  if (!g_armed) return;
  g_armed = false;
  FILE* f = std::fopen(g_crash_path, "wb");
  if (f == nullptr) return;
  std::fwrite(g_current.data(), 1, g_current.size(), f);
  std::fclose(f);
}

extern "C" void OnFatalSignal(int sig) {
  SaveCurrent();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::vector<std::string> ReadInputs(const std::vector<fs::path>& paths) {
  std::vector<fs::path> files;
  for (const fs::path& p : paths) {
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.push_back(p);
    }
  }
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  return out;
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

constexpr std::string_view kStructural = "{}[]<>\"'=&%:,;/\\ \n\t0a-+.";

std::string Mutate(const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  std::string s = corpus[rng() % corpus.size()];
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    size_t at = rng() % (s.size() + 1);
    const std::string& other = corpus[rng() % corpus.size()];
    switch (rng() % 6) {
      case 0:  // change a byte
        if (!s.empty()) s[at % s.size()] = static_cast<char>(rng());
        break;
      case 1:  // insert a byte, often a structural one
        s.insert(at, 1, kStructural[rng() % kStructural.size()]);
        break;
      case 2:  // delete a run
        if (!s.empty()) s.erase(at % s.size(), 1 + rng() % 16);
        break;
      case 3:  // repeat a piece of itself
        if (!s.empty()) s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 64));
        break;
      case 4:  // splice in a piece of another input
        if (!other.empty()) s.insert(at, other.substr(rng() % other.size(), 1 + rng() % 64));
        break;
      default:  // interesting numbers as text
        s.insert(at, std::to_string(static_cast<int64_t>(rng() % 3 == 0 ? -1 : 1) *
                                    static_cast<int64_t>(rng() >> (rng() % 64))));
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  long mutate_seconds = -1;
  uint64_t seed = static_cast<uint64_t>(std::time(nullptr));
  std::string crash_dir = ".";
  std::vector<fs::path> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mutate" && i + 1 < argc) {
      mutate_seconds = std::atol(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--crash-dir" && i + 1 < argc) {
      crash_dir = argv[++i];
    } else {
      paths.emplace_back(a);
    }
  }
  std::vector<std::string> corpus = ReadInputs(paths);
  if (corpus.empty()) {
    std::fprintf(stderr, "replay: no inputs\n");
    return 1;
  }
  for (const std::string& input : corpus) Run(input);
  std::printf("replayed %zu inputs\n", corpus.size());
  if (mutate_seconds < 0) return 0;

  std::snprintf(g_crash_path, sizeof(g_crash_path), "%s/crash-seed-%llu", crash_dir.c_str(),
                static_cast<unsigned long long>(seed));
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, OnFatalSignal);
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(SaveCurrent);
  g_armed = true;
  std::mt19937_64 rng(seed);
  const auto until = std::time(nullptr) + mutate_seconds;
  unsigned long long runs = 0;
  while (std::time(nullptr) < until) {
    for (int i = 0; i < 1000; ++i, ++runs) {
      g_current = Mutate(corpus, rng);
      Run(g_current);
    }
  }
  g_armed = false;
  std::printf("mutated %llu inputs in %ld s (seed %llu), no failure\n", runs, mutate_seconds,
              static_cast<unsigned long long>(seed));
  return 0;
}
