// The reading use cases: the caller's own mandates as principal (ListGiven) or as agent
// (ListReceived), a principal's mandates as a clerk, provider or the citizen sees them
// (ListByPrincipal), and one mandate with its details or its event history.
//
// Contract: reads show the effective state (LAPSED/EXPIRED applied as of today, not
// persisted); a death the register reports is persisted on the way. Mandates the caller may
// not see are left out of lists and are kNotFound one by one.
#include <optional>
#include <utility>
#include <vector>

#include "service/internal/use_case.h"

namespace volmacht {

Result<std::vector<MandateView>> MandateService::Impl::List(const Caller& c, Side side,
                                                            const std::optional<Bsn>& principal) {
  std::optional<Party> me = ActingCitizen(c);
  return Retry([&](Attempt& a) -> Result<std::vector<MandateView>> {
    std::shared_ptr<const CatalogueSnapshot> cat = views->Cat();
    Result<std::vector<Mandate>> all = side == Side::kGiven ? store.MandatesOfPrincipal(*c.bsn)
                                       : side == Side::kByPrincipal
                                           ? store.MandatesOfPrincipal(*principal)
                                           : store.MandatesOfAgent(*me);
    if (!all) return Fail(all.error());
    People people(registry);
    std::vector<MandateView> out;
    for (Mandate& m : *all) {
      if (!CanSee(c, m, *cat)) continue;
      Result<Mandate> touched = Touch(std::move(m), people, a, /*persist_time=*/false);
      if (!touched) return Fail(touched.error());
      Result<MandateView> v = service_internal::MakeView(c, *touched, people, *cat, a.today);
      if (!v) return Fail(v.error());
      out.push_back(std::move(*v));
    }
    return out;
  });
}

Result<std::vector<MandateView>> MandateService::ListGiven(const Caller& c) {
  if (auto ok = Authorize(c, Action::kListOwn, *impl_->views->Cat()); !ok) return Fail(ok.error());
  return impl_->List(c, Impl::Side::kGiven);
}

Result<std::vector<MandateView>> MandateService::ListReceived(const Caller& c) {
  if (auto ok = Authorize(c, Action::kListOwn, *impl_->views->Cat()); !ok) return Fail(ok.error());
  return impl_->List(c, Impl::Side::kReceived);
}

Result<std::vector<MandateView>> MandateService::ListByPrincipal(const Caller& c,
                                                                 const Bsn& principal) {
  if (auto ok = Authorize(c, Action::kListByPrincipal, *impl_->views->Cat()); !ok)
    return Fail(ok.error());
  if (auto ok = MayListPrincipal(c, principal); !ok) return Fail(ok.error());
  return impl_->List(c, Impl::Side::kByPrincipal, principal);
}

Result<MandateView> MandateService::Details(const Caller& c, const Uuid& id) {
  Impl& I = *impl_;
  return I.Retry([&](Impl::Attempt& a) -> Result<MandateView> {
    std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
    Impl::People people(I.registry);
    Result<Mandate> m =
        I.LoadVisible(c, Action::kReadMandate, id, *cat, people, a, /*persist_time=*/false);
    if (!m) return Fail(m.error());
    return service_internal::MakeView(c, *m, people, *cat, a.today);
  });
}

Result<std::vector<HistoryEntry>> MandateService::History(const Caller& c, const Uuid& id) {
  Impl& I = *impl_;
  return I.Retry([&](Impl::Attempt& a) -> Result<std::vector<HistoryEntry>> {
    std::shared_ptr<const CatalogueSnapshot> cat = I.views->Cat();
    Impl::People people(I.registry);
    Result<Mandate> m =
        I.LoadVisible(c, Action::kReadMandate, id, *cat, people, a, /*persist_time=*/false);
    if (!m) return Fail(m.error());
    Result<std::vector<EventRecord>> events = I.store.EventsOfMandate(id);
    if (!events) return Fail(events.error());
    std::vector<HistoryEntry> out;
    for (const EventRecord& e : *events) {
      Result<EventKind> kind = ParseEventKind(e.type);
      Result<Channel> channel = ParseChannel(e.channel);
      // Only this program writes the log: a name it does not know is damage, not input.
      if (!kind || !channel) return Fail(Error::Internal("unknown event in the log"));
      out.push_back({e.seq, e.at, *kind, RoleOfActor(e.actor, *m), *channel});
    }
    return out;
  });
}

}  // namespace volmacht
