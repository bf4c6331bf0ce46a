// load_mandates: fills a volmacht data directory with N ACTIVE mandates for the verification
// benchmark, and writes request bodies for the load client.
//
//   load_mandates <db path> <service uuid> <count> <bodies out>
//
// Benchmark data only: the mandates are written straight through Store::Commit (each with an
// ACTIVATED event, so the event chain stays valid), not through the use cases, because a
// million register look-ups and letters would measure the wrong thing. Principals and agents
// are synthetic BSNs that pass the 11-proef; each agent holds five mandates.
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "domain/mandate.h"
#include "synthetic_bsns.h"
#include "store/sqlite/sqlite_store.h"

using namespace volmacht;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: load_mandates <db> <service uuid> <count> <bodies out>\n");
    return 2;
  }
  SystemClock clock;
  auto store = SqliteStore::Open(argv[1], clock);
  if (!store) return std::fprintf(stderr, "open: %s\n", store.error().message.c_str()), 1;
  auto service = Uuid::Parse(argv[2]);
  if (!service) return std::fprintf(stderr, "bad service uuid\n"), 1;
  size_t count = std::stoul(argv[3]);
  size_t agents_n = count / 5 + 1;
  std::vector<Bsn> principals = bench::SyntheticBsns(count, 100000000);
  std::vector<Bsn> agents = bench::SyntheticBsns(agents_n, 700000000);
  Date today = clock.Today();
  Date end = Date(std::chrono::sys_days(today) + std::chrono::days(4 * 365));
  Timestamp now = clock.Now();

  const size_t kBatch = 5000;
  for (size_t i = 0; i < count; i += kBatch) {
    WriteBatch batch;
    for (size_t j = i; j < std::min(count, i + kBatch); ++j) {
      Mandate m;
      m.id = Uuid::Random();
      m.kind = MandateKind::kVoluntary;
      m.principal = principals[j];
      m.agent = Party::Person(agents[j % agents_n]);
      m.services = {*service};
      m.start = today;
      m.end = end;
      m.state = MandateState::kActive;
      m.initiator = Initiator::kPrincipal;
      m.lapse_on = end;
      m.created = m.changed = now;
      m.version = 1;
      batch.events.push_back({m.id.str(), {EventKind::kActivated, "system", Channel::kSystem, "{}"}});
      batch.mandates.push_back({std::move(m), 0});
    }
    if (auto r = (*store)->Commit(std::move(batch)); !r) {
      std::fprintf(stderr, "commit: %s\n", r.error().message.c_str());
      return 1;
    }
    if ((i / kBatch) % 20 == 0) std::fprintf(stderr, "\r%zu / %zu", i, count);
  }
  std::fprintf(stderr, "\r%zu mandates loaded\n", count);

  // Bodies: 90 % existing pairs (allowed), 10 % a wrong pairing (denied).
  std::ofstream out(argv[4]);
  std::mt19937_64 rng(42);
  for (int k = 0; k < 20000; ++k) {
    size_t j = rng() % count;
    bool hit = rng() % 10 != 0;
    const Bsn& agent = agents[(hit ? j : j + 1) % agents_n];
    out << R"({"gemachtigde":{"bsn":")" << agent.str() << R"("},"vertegenwoordigde":{"bsn":")"
        << principals[j].str() << R"("},"dienst":")" << service->str()
        << R"(","betrouwbaarheidsniveau":20})" << "\n";
  }
  return 0;
}
