// The verification use cases, the hot path of the provider's systems: Verify (may this agent
// act for this principal for this service now?) and ForWhom (for whom may this agent act?),
// answered from the in-memory index; and the recording of uses they cause.
//
// Contract: only a provider, itself or for a logged-in citizen, verifies, and only its own
// services while it is active (else kForbidden). A service that is inactive today or asks a
// higher LoA is a plain "no". Never touches the store or the register; never blocks.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "service/internal/use_case.h"

namespace volmacht {
namespace {

// The checks shared by Verify and ForWhom: Ok(true) when the service may be used at this LoA
// today, Ok(false) when the answer is simply "no".
Result<bool> ServiceUsable(const Caller& c, const CatalogueSnapshot& cat, const Uuid& service,
                           Loa loa, Date today) {
  if (auto ok = Authorize(c, Action::kVerify); !ok) return Fail(ok.error());
  if (auto ok = MayVerify(c, service, cat); !ok) return Fail(ok.error());
  const Service* s = cat.FindService(service);
  return s->ActiveOn(today) && static_cast<int>(loa) >= static_cast<int>(s->min_loa);
}

// A service made for a one-shot command has no index: it must not answer "no" for everyone.
Error NoIndex() {
  return Error::Unavailable("Controleren kan hier niet: de machtigingen zijn niet geladen")
      .Because("service.no_index");
}

}  // namespace

Result<VerifyAnswer> MandateService::Verify(const Caller& c, const VerifyQuery& q) {
  Impl& I = *impl_;
  if (!I.cfg.verification) return Fail(NoIndex());
  if (q.min_seq > I.views->index.Seq()) {
    return Fail(Error::Unavailable("De gegevens zijn nog niet bijgewerkt; probeer het opnieuw"));
  }
  Timestamp now = I.clock.Now();
  Date today = AmsterdamDate(now);
  std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
  Result<bool> usable = ServiceUsable(c, *cat, q.service, q.loa, today);
  if (!usable) return Fail(usable.error());
  if (!*usable) return VerifyAnswer{};
  std::optional<Uuid> id = I.views->index.Find(q.agent, q.principal, q.service, today);
  if (!id) return VerifyAnswer{};
  RecordUse(MandateUse{*id, *c.provider, q.service, c.channel, now});
  return VerifyAnswer{true, id};
}

Result<std::vector<ForWhomEntry>> MandateService::ForWhom(const Caller& c, const Party& agent,
                                                          const Uuid& service, Loa loa) {
  Impl& I = *impl_;
  if (!I.cfg.verification) return Fail(NoIndex());
  Date today = I.clock.Today();
  std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
  Result<bool> usable = ServiceUsable(c, *cat, service, loa, today);
  if (!usable) return Fail(usable.error());
  std::vector<ForWhomEntry> out;
  if (!*usable) return out;
  for (auto& [principal, id] : I.views->index.ForWhom(agent, service, today)) {
    out.push_back({std::move(principal), std::move(id)});
  }
  return out;
}

void MandateService::RecordUse(const MandateUse& use) { impl_->uses.Record(use); }

void MandateService::FlushUses() { impl_->uses.Flush(); }

}  // namespace volmacht
