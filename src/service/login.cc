// The login with representation, as use cases: BeginLogin, LoginOptionsFor, CompleteLogin.
// The protocol adapters (SAML Combi-Connect, OpenID Connect, in src/web) only translate; which
// service may be asked for, which DigiD level, whom the person may act for, the re-check of
// the choice and the recording of the use are decided here.
//
// Contract: the caller is the provider's system (Action::kLogin), known and active; the
// service is its own. Never writes to the store; the use is queued like a verification's.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "service/internal/use_case.h"

namespace volmacht {
namespace {

Error ForeignService() {
  return Error::Forbidden("Deze dienst hoort niet bij uw organisatie")
      .Because(kReasonLoginForeignService);
}
Error NoMandate() {
  return Error::Forbidden("U mag voor niemand inloggen bij deze dienst")
      .Because(kReasonLoginNoMandate);
}

// The gate of every login step, and the service as the catalogue has it.
Result<const Service*> LoginService(const Caller& c, const LoginRequest& r,
                                    const CatalogueSnapshot& cat) {
  if (auto ok = Authorize(c, Action::kLogin, cat); !ok) return Fail(ok.error());
  if (!OwnsService(c, r.service, cat)) return Fail(ForeignService());
  return cat.FindService(r.service);
}

}  // namespace

Result<Loa> MandateService::BeginLogin(const Caller& c, const LoginRequest& r) {
  std::shared_ptr<const CatalogueSnapshot> cat = impl_->views->Cat();
  Result<const Service*> svc = LoginService(c, r, *cat);
  if (!svc) return Fail(svc.error());
  Loa ask = r.min_loa;
  if (r.representation == Representation::kMandatory &&
      static_cast<int>((*svc)->min_loa) > static_cast<int>(ask)) {
    ask = (*svc)->min_loa;
  }
  return ask;
}

Result<LoginOptions> MandateService::LoginOptionsFor(const Caller& c, const LoginRequest& r,
                                                     const Bsn& acting, Loa loa) {
  std::shared_ptr<const CatalogueSnapshot> cat = impl_->views->Cat();
  if (auto svc = LoginService(c, r, *cat); !svc) return Fail(svc.error());
  LoginOptions out;
  if (r.representation == Representation::kNone) return out;
  Result<std::vector<ForWhomEntry>> entries = ForWhom(c, Party::Person(acting), r.service, loa);
  if (!entries) return Fail(entries.error());
  Impl::People people(impl_->registry);
  for (ForWhomEntry& e : *entries) {
    if (e.principal == acting) continue;
    Result<std::optional<Person>> person = people.Get(e.principal);
    if (!person) return Fail(person.error());
    LoginCandidate cand{e.principal, e.mandate, service_internal::NameOf(*person), 0};
    if (*person) cand.birth_year = (*person)->birth.year;
    out.candidates.push_back(std::move(cand));
  }
  if (out.candidates.empty()) {
    if (r.representation == Representation::kMandatory) return Fail(NoMandate());
    return out;
  }
  out.choose = true;
  out.allow_myself = r.representation == Representation::kOptional;
  return out;
}

Result<std::optional<Uuid>> MandateService::CompleteLogin(
    const Caller& c, const LoginRequest& r, const Bsn& acting, Loa loa,
    const std::optional<Bsn>& principal, const std::function<Result<void>()>& answer) {
  std::shared_ptr<const CatalogueSnapshot> cat = impl_->views->Cat();
  if (auto svc = LoginService(c, r, *cat); !svc) return Fail(svc.error());
  std::optional<Uuid> mandate;
  if (!principal || *principal == acting) {
    if (r.representation == Representation::kMandatory) {
      return Fail(Error::Forbidden("Bij deze dienst logt u in voor een ander")
                      .Because(kReasonLoginRepresentationRequired));
    }
  } else {
    // Now, not when the page was shown: the mandate may have ended in between. ForWhom and
    // not Verify, because Verify records a use itself, before the answer exists.
    Result<std::vector<ForWhomEntry>> now = ForWhom(c, Party::Person(acting), r.service, loa);
    if (!now) return Fail(now.error());
    for (const ForWhomEntry& e : *now) {
      if (e.principal == *principal) mandate = e.mandate;
    }
    if (!mandate) return Fail(NoMandate());
  }
  if (auto sent = answer(); !sent) return Fail(sent.error());
  if (mandate) {
    RecordUse(MandateUse{*mandate, *c.provider, r.service, c.channel, impl_->clock.Now()});
  }
  return mandate;
}

}  // namespace volmacht
