// The use cases that change or end an existing mandate on a party's word: Decline (the
// party who received a request refuses it), Withdraw (a party cancels a request), Revoke (a
// party, or the provider of a DIRECT/SURVIVOR mandate, ends it) and Restrict (a party
// narrows its services or end date).
//
// Contract: a mandate the caller may not see is kNotFound; one it may see but not change
// this way is kForbidden (authorization.h); a state that does not allow the change is the
// domain's kConflict. Each change is committed with its event (and for Revoke the
// confirmation letter) in one transaction.
#include <algorithm>
#include <utility>
#include <vector>

#include "service/internal/use_case.h"
#include "service/mandate_letters.h"

namespace volmacht {

Result<WriteResult> MandateService::Decline(const Caller& c, const Uuid& id) {
  return impl_->Change(c, Action::kDecline, id,
                       [&](const Mandate& m, const CatalogueSnapshot&, Impl::People&,
                           Impl::Attempt& a, WriteBatch*) -> Result<Transition> {
                         if (auto ok = MayDecline(c, m); !ok) return Fail(ok.error());
                         return volmacht::Reject(m, a.today, a.now, c.Actor(), c.channel);
                       });
}

Result<WriteResult> MandateService::Withdraw(const Caller& c, const Uuid& id) {
  return impl_->Change(c, Action::kWithdraw, id,
                       [&](const Mandate& m, const CatalogueSnapshot&, Impl::People&,
                           Impl::Attempt& a, WriteBatch*) -> Result<Transition> {
                         if (auto ok = MayWithdraw(c, m); !ok) return Fail(ok.error());
                         return volmacht::Withdraw(m, a.today, a.now, c.Actor(), c.channel);
                       });
}

Result<WriteResult> MandateService::Revoke(const Caller& c, const Uuid& id) {
  return impl_->Change(
      c, Action::kRevoke, id,
      [&](const Mandate& m, const CatalogueSnapshot& cat, Impl::People& people, Impl::Attempt& a,
          WriteBatch* extra) -> Result<Transition> {
        Result<EndReason> why = MayRevoke(c, m, cat);
        if (!why) return Fail(why.error());
        Result<Transition> t = volmacht::Revoke(m, *why, a.today, a.now, c.Actor(), c.channel);
        if (!t) return t;
        if (auto ok = service_internal::AddRevocationLetter(c, m, *why, cat, people, a, extra);
            !ok) {
          return Fail(ok.error());
        }
        return t;
      });
}

Result<WriteResult> MandateService::Restrict(const Caller& c, const Uuid& id,
                                             const RestrictRequest& r) {
  if (r.services.size() > service_internal::kMaxRequestServices) {
    return service_internal::Param(ErrorCode::kInvalidArgument, "services", "diensten.teveel",
                                   "Te veel diensten");
  }
  return impl_->Change(c, Action::kRestrict, id,
                       [&](const Mandate& m, const CatalogueSnapshot& cat, Impl::People&,
                           Impl::Attempt& a, WriteBatch*) -> Result<Transition> {
                         if (auto ok = MayRestrict(c, m); !ok) return Fail(ok.error());
                         for (const Uuid& s : r.services) {
                           if (auto ok = MayNameService(c, s, cat); !ok) return Fail(ok.error());
                         }
                         std::vector<Uuid> keep = r.services;
                         if (c.kind == Caller::Kind::kProviderForCitizen) {
                           // A provider narrows only its own services; the others stay as they are.
                           for (const Uuid& s : m.services) {
                             if (!OwnsService(c, s, cat)) keep.push_back(s);
                           }
                         }
                         std::sort(keep.begin(), keep.end());
                         keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
                         return volmacht::Restrict(m, std::move(keep), r.end, a.today, a.now,
                                                   c.Actor(), c.channel);
                       });
}

}  // namespace volmacht
