// write_mix: benchmark (b), a mixed write workload with durability on. Threads run the real
// use cases on a real SqliteStore (WAL, synchronous=FULL, group commit): ask (flow B, with
// the register look-ups and the PDF letter), approve online, revoke. Prints transactions/s
// and latency percentiles per operation.
//
//   write_mix [threads=8] [seconds=10] [dir=/tmp/volmacht-bench-write]
//
// The register is a synthetic in-process stand-in (every valid BSN is a living adult born
// 1970-01-01), so the figures are of volmacht, not of a network register.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/mandate_service.h"
#include "synthetic_bsns.h"
#include "store/sqlite/sqlite_store.h"

using namespace volmacht;
using SteadyClock = std::chrono::steady_clock;

namespace {
class SyntheticRegistry : public PersonRegistry {
 public:
  Result<std::optional<Person>> Find(const Bsn& bsn) override {
    Person p;
    p.bsn = bsn;
    p.given_names = "Test";
    p.surname = "Persoon";
    p.full_name = "Test Persoon";
    p.birth = PartialDate{1970, 1, 1};
    p.address = Address{{"Teststraat 1", "1234 AB Teststad"}, false};
    return p;
  }
};

double Pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p / 100 * static_cast<double>(v.size() - 1))];
}
}  // namespace

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 8;
  double seconds = argc > 2 ? std::atof(argv[2]) : 10;
  std::string dir = argc > 3 ? argv[3] : "/tmp/volmacht-bench-write";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SystemClock clock;
  auto store = SqliteStore::Open(dir + "/volmacht.db", clock);
  if (!store) return std::fprintf(stderr, "open: %s\n", store.error().message.c_str()), 1;
  SyntheticRegistry registry;
  auto svc = MandateService::Create(**store, registry, clock, {std::string(32, 'k')});
  if (!svc) return std::fprintf(stderr, "service: %s\n", svc.error().message.c_str()), 1;
  MandateService& service = **svc;

  Oin oin = *Oin::Parse("00000001111222333000");
  Uuid sid = Uuid::Random();
  if (!service.PutProvider(Caller::Admin(), {oin, "Bench", "bench@example.org", "", false, true}))
    return 1;
  Service s;
  s.id = sid;
  s.provider = oin;
  s.name_nl = s.name_en = "Bench";
  if (!service.PutService(Caller::Admin(), s)) return 1;

  std::vector<Bsn> people = bench::SyntheticBsns(static_cast<size_t>(threads) * 20000, 100000000);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<double> ask_ms, approve_ms, revoke_ms;
  std::atomic<uint64_t> errors{0}, flows{0};
  Date end = Date(std::chrono::sys_days(clock.Today()) + std::chrono::days(365));

  auto worker = [&](int t) {
    std::vector<double> a, p, r;
    size_t base = static_cast<size_t>(t) * 20000;
    for (size_t i = 0; !stop && i + 1 < 20000; i += 2) {
      const Bsn& agent = people[base + i];
      const Bsn& principal = people[base + i + 1];
      auto t0 = SteadyClock::now();
      AskRequest ask{principal, Date(std::chrono::year(1970) / 1 / 1), {sid}, {}, {}, end};
      auto asked = service.Ask(Caller::Citizen(agent, Channel::kApi), ask);
      auto t1 = SteadyClock::now();
      if (!asked) { ++errors; continue; }
      auto approved =
          service.Approve(Caller::Citizen(principal, Channel::kApi), asked->mandate.mandate.id);
      auto t2 = SteadyClock::now();
      if (!approved) { ++errors; continue; }
      auto revoked =
          service.Revoke(Caller::Citizen(agent, Channel::kApi), asked->mandate.mandate.id);
      auto t3 = SteadyClock::now();
      if (!revoked) { ++errors; continue; }
      auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
      a.push_back(ms(t1 - t0));
      p.push_back(ms(t2 - t1));
      r.push_back(ms(t3 - t2));
      ++flows;
    }
    std::lock_guard<std::mutex> lock(mu);
    ask_ms.insert(ask_ms.end(), a.begin(), a.end());
    approve_ms.insert(approve_ms.end(), p.begin(), p.end());
    revoke_ms.insert(revoke_ms.end(), r.begin(), r.end());
  };
  auto t0 = SteadyClock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) ts.emplace_back(worker, t);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  double tx = static_cast<double>(flows.load()) * 3;
  std::printf("threads=%d seconds=%.1f transactions=%.0f tps=%.0f errors=%llu\n", threads,
              elapsed, tx, tx / elapsed, static_cast<unsigned long long>(errors.load()));
  std::printf("ask:     p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f\n", Pct(ask_ms, 50), Pct(ask_ms, 99),
              Pct(ask_ms, 99.9));
  std::printf("approve: p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f\n", Pct(approve_ms, 50),
              Pct(approve_ms, 99), Pct(approve_ms, 99.9));
  std::printf("revoke:  p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f\n", Pct(revoke_ms, 50),
              Pct(revoke_ms, 99), Pct(revoke_ms, 99.9));
  auto audit = (*store)->VerifyEventChain();
  std::printf("event chain after the run: %s\n", audit && audit->ok ? "intact" : "BROKEN");
  return errors > 0 ? 1 : 0;
}
