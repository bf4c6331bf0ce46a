// saml_login_bench: full Combi-Connect SAML logins with representation per second and their
// latency, on this machine, in one process. Per login:
//   SP (lasso) builds a signed AuthnRequest (HTTP-Redirect, Scoping/IDPList naming us =
//   optional representation, ServiceUUID extension, RequestedAuthnContext)
//   -> CombiConnectIdp::ProcessAuthnRequest -> Succeed(acting, legal, LoA) -> artifact
//   -> SP builds a signed ArtifactResolve -> CombiConnectIdp::ResolveArtifact
//   -> SP processes the ArtifactResponse (signatures verified by lasso) and decrypts both
//      EncryptedIDs, which must hold the BSNs we put in.
// Not included: the DigiD leg (one more signature verification on our side) and HTTP/TLS
// (browser redirects and the mutual-TLS SOAP round trip).
//
// Usage: saml_login_bench [--threads N (4)] [--seconds S (10)] [--warmup W (2)] [--bits B (3072)]
// Prints one key=value line per configuration; exits 1 if any login failed.
#include "saml/combi_connect.h"
#include "saml/saml_common.h"
#include "saml/testing/lasso_sp.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace volmacht::saml {
namespace {

namespace fs = std::filesystem;
using Idp = CombiConnectIdp;
using SteadyClock = std::chrono::steady_clock;

constexpr char kIdpEntity[] = "urn:nl-eid-gdi:1.0:BVD:00000001999999999000:entities:9000";
constexpr char kSso[] = "https://volmacht.test/saml/sso";
constexpr char kArs[] = "https://volmacht.test/saml/ars";
constexpr char kService[] = "5d2a4f6e-8c1b-4e3a-9f7d-2b6c8e0a1d34";
constexpr char kSuccess[] = "urn:oasis:names:tc:SAML:2.0:status:Success";
constexpr char kSpEntity[] = "urn:nl-eid-gdi:1.0:DV:00000001444444444000:entities:9004";
constexpr char kSpOin[] = "00000001444444444000";
constexpr char kSpAcs[] = "https://lasso-sp.test/acs";
// Test BSNs (11-proef valid, not real people).
constexpr char kActing[] = "999993653";
constexpr char kLegal[] = "999990019";

Timestamp WallNow() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

// CPU time of the calling thread: separates work from waiting for a core when threads > cores.
SteadyClock::duration ThreadCpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

double Ms(SteadyClock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Everything shared by all threads: the IdP under test and the SP's LassoServer (read-only).
struct World {
  std::unique_ptr<Idp> idp;
  ServerRef sp;
  Oin sp_oin = *Oin::Parse(kSpOin);
};

// One login's timings; ok == false when any step failed or the SP read something else.
struct Sample {
  bool ok = false;
  const char* failed_step = "";
  SteadyClock::duration process{}, succeed{}, resolve{}, full{};
  SteadyClock::duration idp_cpu{}, full_cpu{};  // thread CPU time
  SteadyClock::duration idp() const { return process + succeed + resolve; }
};

// The SP side of the artifact round trip; the IdP's ResolveArtifact is timed into *resolve.
// True when lasso accepted the signed ArtifactResponse, the status is Success and both
// EncryptedIDs decrypt to the BSNs that went in.
bool SpResolveAndConsume(World& w, const std::string& redirect_url,
                         SteadyClock::duration* resolve, SteadyClock::duration* resolve_cpu) {
  auto request = testing::BuildArtifactResolve(w.sp.get(), redirect_url);
  if (!request) return false;

  auto t0 = SteadyClock::now();
  auto c0 = ThreadCpu();
  auto envelope = w.idp->ResolveArtifact(request->soap, w.sp_oin, WallNow());
  *resolve_cpu = ThreadCpu() - c0;
  *resolve = SteadyClock::now() - t0;
  if (!envelope) return false;

  auto got = testing::ReadArtifactResponse(w.sp.get(), request->login.get(), *envelope);
  return got && got->lasso_rc == 0 && got->status == kSuccess && got->acting == kActing &&
         got->legal == kLegal;
}

Sample OneLogin(World& w, const Bsn& acting, const Bsn& legal) {
  Sample s;
  auto start = SteadyClock::now();
  auto cpu_start = ThreadCpu();
  // Signed by lasso (RSA-SHA256); optional representation: our entity id in Scoping/IDPList.
  auto request = testing::BuildAuthnRequest(
      w.sp.get(), {kIdpEntity, kService, testing::Scoping::kOptional, Loa::kMidden});
  if (!request) {
    s.failed_step = "sp_authn_request";
    return s;
  }
  auto t0 = SteadyClock::now();
  auto c0 = ThreadCpu();
  auto info = w.idp->ProcessAuthnRequest(request->binding, request->message, WallNow());
  auto t1 = SteadyClock::now();
  if (!info) {
    s.failed_step = "idp_process";
    return s;
  }
  auto reply = w.idp->Succeed(*info, acting, legal, Loa::kSubstantieel, WallNow());
  auto c2 = ThreadCpu();
  auto t2 = SteadyClock::now();
  if (!reply || reply->kind != Idp::SamlReply::kRedirect) {
    s.failed_step = "idp_succeed";
    return s;
  }
  s.process = t1 - t0;
  s.succeed = t2 - t1;
  SteadyClock::duration resolve_cpu{};
  if (!SpResolveAndConsume(w, reply->url, &s.resolve, &resolve_cpu)) {
    s.failed_step = "resolve_or_sp_consume";
    return s;
  }
  s.full = SteadyClock::now() - start;
  s.full_cpu = ThreadCpu() - cpu_start;
  s.idp_cpu = (c2 - c0) + resolve_cpu;
  s.ok = true;
  return s;
}

struct RunResult {
  std::vector<Sample> samples;
  long failures = 0;
  std::string first_failure;
  double seconds = 0;
};

RunResult Run(World& w, int threads, double warmup_s, double measure_s) {
  const Bsn acting = *Bsn::Parse(kActing);
  const Bsn legal = *Bsn::Parse(kLegal);
  std::atomic<int> phase{0};  // 0 warm-up, 1 measuring, 2 stop
  std::vector<std::vector<Sample>> per_thread(threads);
  std::vector<long> failures(threads, 0);
  std::vector<std::string> first_failure(threads);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      for (;;) {
        int p = phase.load(std::memory_order_acquire);
        if (p == 2) break;
        Sample s = OneLogin(w, acting, legal);
        if (!s.ok) {
          ++failures[i];
          if (first_failure[i].empty()) first_failure[i] = s.failed_step;
          continue;
        }
        // Only logins that started and ended inside the measuring window count.
        if (p == 1 && phase.load(std::memory_order_acquire) == 1) per_thread[i].push_back(s);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup_s));
  auto begin = SteadyClock::now();
  phase.store(1, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::duration<double>(measure_s));
  phase.store(2, std::memory_order_release);
  auto end = SteadyClock::now();
  for (auto& t : pool) t.join();

  RunResult r;
  r.seconds = std::chrono::duration<double>(end - begin).count();
  for (int i = 0; i < threads; ++i) {
    r.samples.insert(r.samples.end(), per_thread[i].begin(), per_thread[i].end());
    r.failures += failures[i];
    if (r.first_failure.empty()) r.first_failure = first_failure[i];
  }
  return r;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}
double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

int ParseIntArg(const char* text, const char* name) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v <= 0 || v > 100000) {
    std::fprintf(stderr, "invalid value for %s\n", name);
    std::exit(2);
  }
  return static_cast<int>(v);
}

int Main(int argc, char** argv) {
  int threads = 4, seconds = 10, warmup = 2, bits = 3072;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr,
                   "usage: saml_login_bench [--threads N] [--seconds S] [--warmup W] [--bits B]\n");
      return 2;
    }
    if (a == "--threads") {
      threads = ParseIntArg(argv[++i], "--threads");
    } else if (a == "--seconds") {
      seconds = ParseIntArg(argv[++i], "--seconds");
    } else if (a == "--warmup") {
      warmup = ParseIntArg(argv[++i], "--warmup");
    } else if (a == "--bits") {
      bits = ParseIntArg(argv[++i], "--bits");
    } else {
      std::fprintf(stderr, "unknown argument\n");
      return 2;
    }
  }

  InitLasso();
  char tmpl[] = "/tmp/saml-login-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};

  const std::string idp_key = dir + "/idp-key.pem", idp_cert = dir + "/idp.pem";
  const std::string sp_key = dir + "/sp-key.pem", sp_cert = dir + "/sp.pem";
  auto keygen_start = SteadyClock::now();
  if (!EnsureSigningKeyPair(idp_key, idp_cert, "idp", bits) ||
      !EnsureSigningKeyPair(sp_key, sp_cert, "sp", bits)) {
    std::fprintf(stderr, "key generation failed\n");
    return 1;
  }
  double keygen_ms = Ms(SteadyClock::now() - keygen_start);
  // Before any thread starts: otherwise every encryption reloads the system CA bundle.
  PinDefaultCaStore(idp_cert);

  World w;
  auto sp_md = testing::SpMetadata(kSpEntity, sp_cert, {{testing::kHttpArtifact, kSpAcs}});
  if (!sp_md) {
    std::fprintf(stderr, "SP metadata: %s\n", sp_md.error().message.c_str());
    return 1;
  }
  auto idp = Idp::Create({kIdpEntity, idp_key, idp_cert, kSso, kArs},
                         {{w.sp_oin, *sp_md, false}});
  if (!idp) {
    std::fprintf(stderr, "CombiConnectIdp::Create: %s\n", idp.error().message.c_str());
    return 1;
  }
  w.idp = std::move(*idp);
  auto sp = testing::MakeSpServer(*sp_md, sp_key, sp_cert, w.idp->Metadata());
  if (!sp) {
    std::fprintf(stderr, "SP server: %s\n", sp.error().message.c_str());
    return 1;
  }
  w.sp = std::move(*sp);

  std::printf("# saml_login_bench: in-process SP(lasso) + CombiConnectIdp, RSA-%d keys "
              "(generated in %.0f ms), signed Redirect AuthnRequest with optional representation, "
              "signed ArtifactResolve/Response, 2 EncryptedIDs decrypted by the SP. "
              "NOT included: DigiD leg (one more signature verification) and HTTP/TLS "
              "round trips. cpus=%u\n",
              bits, keygen_ms, std::thread::hardware_concurrency());
  std::fflush(stdout);

  RunResult r = Run(w, threads, warmup, seconds);
  std::vector<double> idp_ms, full_ms, process_ms, succeed_ms, resolve_ms, idp_cpu, full_cpu;
  for (const Sample& s : r.samples) {
    idp_ms.push_back(Ms(s.idp()));
    full_ms.push_back(Ms(s.full));
    process_ms.push_back(Ms(s.process));
    succeed_ms.push_back(Ms(s.succeed));
    resolve_ms.push_back(Ms(s.resolve));
    idp_cpu.push_back(Ms(s.idp_cpu));
    full_cpu.push_back(Ms(s.full_cpu));
  }
  // What the IdP alone could sustain if it had every core to itself (CPU-bound estimate).
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  double idp_only_est = Mean(idp_cpu) > 0 ? cpus * 1000.0 / Mean(idp_cpu) : 0;
  double rate = r.seconds > 0 ? static_cast<double>(r.samples.size()) / r.seconds : 0;
  std::printf(
      "threads=%d seconds=%d warmup=%d key_bits=%d logins=%zu failures=%ld "
      "logins_per_s=%.1f idp_p50_ms=%.2f idp_p99_ms=%.2f idp_mean_ms=%.2f "
      "full_p50_ms=%.2f full_p99_ms=%.2f full_mean_ms=%.2f process_mean_ms=%.2f "
      "succeed_mean_ms=%.2f resolve_mean_ms=%.2f idp_cpu_mean_ms=%.2f full_cpu_mean_ms=%.2f "
      "idp_only_est_logins_per_s=%.1f cpus=%u excluded=digid_leg,http_tls\n",
      threads, seconds, warmup, bits, r.samples.size(), r.failures, rate,
      Percentile(idp_ms, 0.50), Percentile(idp_ms, 0.99), Mean(idp_ms),
      Percentile(full_ms, 0.50), Percentile(full_ms, 0.99), Mean(full_ms), Mean(process_ms),
      Mean(succeed_ms), Mean(resolve_ms), Mean(idp_cpu), Mean(full_cpu), idp_only_est, cpus);
  if (r.failures > 0 || r.samples.empty()) {
    std::fprintf(stderr, "FAILED: %ld failed logins (first failing step: %s), %zu measured\n",
                 r.failures, r.first_failure.empty() ? "none" : r.first_failure.c_str(),
                 r.samples.size());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace volmacht::saml

int main(int argc, char** argv) { return volmacht::saml::Main(argc, argv); }
