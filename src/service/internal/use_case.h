// The plumbing every use case of MandateService shares, for the .cc files of src/service
// only: the service's state (MandateService::Impl), the retry-on-conflict loop, the durable
// commit and the commit-and-answer step, loading a mandate as the caller may see it with the
// register's facts applied, and the views the use cases answer with.
//
// Contract: a use case runs its body in Impl::Retry; each try gathers facts (register,
// store, the catalogue snapshot), lets the domain decide and commits once. A commit that
// lost a version race retries the whole body with fresh facts (kCommitRetries times); every
// other error is returned as is. Register look-ups go through one People per try.
//
// Not a public interface: adapters include service/mandate_service.h only.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "service/authorization.h"
#include "service/catalogue_snapshot.h"
#include "service/mandate_service.h"
#include "service/use_recorder.h"

namespace volmacht {
namespace service_internal {

inline constexpr int kCommitRetries = 3;  // after a version conflict: reload and try again
inline constexpr size_t kMaxRequestServices = 500;

// ----- Small helpers -----

bool Intersects(const std::vector<Uuid>& a, const std::vector<Uuid>& b);
std::vector<Uuid> Ids(const std::vector<Service>& s);
// The person's name as the register has it; "" when not in the register.
std::string NameOf(const std::optional<Person>& p);
// The BSN of a party that is a person.
std::optional<Bsn> PersonBsn(const std::optional<Party>& p);
// An error with one InvalidParam.
std::unexpected<Error> Param(ErrorCode code, std::string name, std::string pcode,
                             std::string reason);

// ----- Shared state -----

// What the store's commit observer updates. Shared, because the store may outlive the
// service that registered the observer.
struct Views {
  VerificationIndex index;
  mutable std::mutex cat_mu;
  std::shared_ptr<const CatalogueSnapshot> cat = std::make_shared<CatalogueSnapshot>();

  std::shared_ptr<const CatalogueSnapshot> Cat() const {
    std::lock_guard lock(cat_mu);
    return cat;
  }
  void OnCommit(const WriteBatch& b, uint64_t seq);
};

// Register look-ups for one try of a use case, each person asked once.
class People {
 public:
  explicit People(PersonRegistry& r) : registry_(r) {}
  Result<std::optional<Person>> Get(const Bsn& b);

 private:
  PersonRegistry& registry_;
  std::map<std::string, std::optional<Person>> cache_;
};

// One try of a use case; a commit that lost a version race marks it for a retry.
struct Attempt {
  bool commit_conflict = false;
  Timestamp now;
  Date today;
};

// ----- Views answered to the caller -----

// The party with its name: from the register for a person, the catalogue for a provider.
Result<PartyView> ViewOf(const Party& p, People& people, const CatalogueSnapshot& cat);
// The catalogue entries of `ids` the caller may see (a provider acting for a citizen: its own).
std::vector<Service> VisibleServices(const Caller& c, const std::vector<Uuid>& ids,
                                     const CatalogueSnapshot& cat);
// The mandate as the caller may see it, in its effective state as of `today`.
Result<MandateView> MakeView(const Caller& c, const Mandate& m, People& people,
                             const CatalogueSnapshot& cat, Date today);

}  // namespace service_internal

struct MandateService::Impl {
  using Attempt = service_internal::Attempt;
  using People = service_internal::People;

  Impl(Store& s, PersonRegistry& r, const Clock& c, ServiceConfig config)
      : store(s), registry(r), clock(c), cfg(std::move(config)), uses(s) {}

  Store& store;
  PersonRegistry& registry;
  const Clock& clock;
  ServiceConfig cfg;
  std::shared_ptr<service_internal::Views> views = std::make_shared<service_internal::Views>();

  UseRecorder uses;

  // ----- Commits (use_case.cc) -----

  template <typename F>
  auto Retry(F&& body) -> decltype(body(std::declval<Attempt&>())) {
    for (int i = 0;; ++i) {
      Attempt a;
      a.now = clock.Now();
      a.today = AmsterdamDate(a.now);
      auto r = body(a);
      if (r || !a.commit_conflict || i >= service_internal::kCommitRetries) return r;
    }
  }

  Result<uint64_t> Commit(WriteBatch b, Attempt& a);
  Result<uint64_t> CommitTransition(const Transition& t, int64_t expected_version, Attempt& a);
  // The end of every write use case: commit the batch, then answer the mandate as the caller
  // may see it, with the sequence number the commit produced.
  Result<WriteResult> CommitAndAnswer(const Caller& c, WriteBatch b, Attempt& a, const Mandate& m,
                                      People& people, const CatalogueSnapshot& cat,
                                      std::string activation_code = "");

  // ----- Facts (use_case.cc) -----

  // Catalogue entries of the request (services plus an expanded set), each at most once.
  Result<std::vector<Service>> ResolveServices(const Caller& c, const std::vector<Uuid>& ids,
                                               const std::optional<Uuid>& set,
                                               const CatalogueSnapshot& cat);
  // An ACTIVE mandate (as of today) for the same principal and agent sharing a service.
  Result<bool> DuplicateActive(const Bsn& principal, const Party& agent,
                               const std::vector<Uuid>& services, Date today,
                               const std::optional<Uuid>& except = std::nullopt);
  // Requests `who` started that are still open today.
  Result<int> OpenRequestsBy(const Bsn& who, Date today);
  // The facts every new voluntary request needs: whether an ACTIVE mandate of the same
  // principal and agent shares a service (only when the agent is known), and how many open
  // requests the initiator has. Fills f->duplicate_active and f->open_requests_of_initiator.
  Result<void> VoluntaryRequestFacts(const Bsn& principal, const std::optional<Party>& agent,
                                     const std::vector<Uuid>& services, const Bsn& initiator,
                                     Date today, CreationFacts* f);

  // ----- Existing mandates (use_case.cc) -----

  // Re-reads both persons from the register. A death is persisted at once (any use case);
  // a due LAPSED/EXPIRED too when `persist_time` (writes). Register down: nothing written.
  Result<Mandate> Touch(Mandate m, People& people, Attempt& a, bool persist_time);
  // The mandate, when it exists and the caller may do `action` on it and see it (else
  // kNotFound, whichever the reason), touched.
  Result<Mandate> LoadVisible(const Caller& c, Action action, const Uuid& id,
                              const CatalogueSnapshot& cat, People& people, Attempt& a,
                              bool persist_time);

  // decide: applies the named authorisation rule and asks the domain; may add letters to the
  // batch.
  using Decide = std::function<Result<Transition>(const Mandate& m, const CatalogueSnapshot& cat,
                                                  People& people, Attempt& a, WriteBatch* extra)>;
  // A transition on an existing, visible mandate, committed and answered.
  Result<WriteResult> Change(const Caller& c, Action action, const Uuid& id, const Decide& decide);

  // ----- Activation codes (activation.cc) -----

  struct CodeMatch {
    Mandate mandate;
    CodeWrite used;  // the record marked used, conditional on the record as read
    std::optional<Person> principal;
    std::optional<Person> agent;
  };
  // Finds the caller's open request from `principal` that `code` belongs to. A wrong code
  // counts a try on every candidate (persisted, conditional on the records as read, checked
  // again when another writer came first) before it is answered; the fifth locks.
  Result<CodeMatch> MatchCode(const Caller& c, const Bsn& principal, std::string_view code,
                              const CatalogueSnapshot& cat, People& people, Attempt& a);

  // ----- Lists (queries.cc) -----

  enum class Side { kGiven, kReceived, kByPrincipal };
  // Reads show the effective state; only deaths are persisted on the way. The caller was
  // authorised for the side already.
  Result<std::vector<MandateView>> List(const Caller& c, Side side,
                                        const std::optional<Bsn>& principal = std::nullopt);
};

}  // namespace volmacht
