// MandateService's life cycle: building the catalogue snapshot and the verification index
// from the store, registering for the store's commits, and stopping the use recorder. The
// use cases live in the other .cc files of this directory (see CMakeLists.txt), all on the
// shared plumbing of internal/use_case.h.
#include "service/mandate_service.h"

#include <memory>
#include <utility>

#include "service/internal/use_case.h"

namespace volmacht {
namespace {

constexpr size_t kMinCodeKeyBytes = 32;

}  // namespace

MandateService::MandateService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// The use recorder, destroyed with the Impl, stops its thread and flushes what is queued.
MandateService::~MandateService() = default;

Result<std::unique_ptr<MandateService>> MandateService::Create(Store& store,
                                                               PersonRegistry& registry,
                                                               const Clock& clock,
                                                               ServiceConfig cfg) {
  if (cfg.code_key.size() < kMinCodeKeyBytes) {
    return Fail(Error::Invalid("De sleutel voor activeringscodes moet minstens 32 bytes zijn"));
  }
  auto impl = std::make_unique<Impl>(store, registry, clock, std::move(cfg));
  auto unavailable = [](const Error& e) {
    return Fail(Error::Unavailable("Opslag niet leesbaar: " + e.message));
  };
  auto cat = std::make_shared<CatalogueSnapshot>();
  Result<std::vector<Provider>> providers = store.ListProviders();
  if (!providers) return unavailable(providers.error());
  for (const Provider& p : *providers) cat->Put(p);
  Result<std::vector<Service>> services = store.ListServices();
  if (!services) return unavailable(services.error());
  for (const Service& s : *services) cat->Put(s);
  Result<std::vector<ServiceSet>> sets = store.ListServiceSets();
  if (!sets) return unavailable(sets.error());
  for (const ServiceSet& s : *sets) cat->Put(s);
  impl->views->cat = std::move(cat);

  if (impl->cfg.verification) {
    // Read the sequence first: a commit racing with the load can only make the index fresher
    // than it claims, never staler.
    Result<uint64_t> seq = store.LastSeq();
    if (!seq) return unavailable(seq.error());
    VerificationIndex& index = impl->views->index;
    Result<void> loaded = store.ForEachMandate([&](const Mandate& m) {
      if (m.state == MandateState::kActive) index.Apply(m);
      return true;
    });
    if (!loaded) return unavailable(loaded.error());
    index.SetSeq(*seq);
  }

  // Also without the index: the catalogue snapshot follows the commits.
  std::shared_ptr<service_internal::Views> views = impl->views;
  store.SetCommitObserver(
      [views](const WriteBatch& b, uint64_t last_seq) { views->OnCommit(b, last_seq); });
  if (impl->cfg.verification) impl->uses.Start();
  return std::unique_ptr<MandateService>(new MandateService(std::move(impl)));
}

uint64_t MandateService::IndexSeq() const { return impl_->views->index.Seq(); }

}  // namespace volmacht
