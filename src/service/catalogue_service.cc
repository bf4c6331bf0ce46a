// The catalogue use cases: an admin saves providers, services and service sets (checked
// here, then committed with a catalogue event); anyone reads the current snapshot.
//
// Contract: Put* require Caller::kAdmin (else kForbidden) and answer kInvalidArgument with
// an InvalidParam for bad input; the reads see the snapshot the store's commit observer
// last delivered.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "service/internal/use_case.h"

namespace volmacht {
namespace {

using json = nlohmann::json;
using service_internal::kMaxRequestServices;
using service_internal::Param;

constexpr size_t kMaxText = 2000;

Result<void> CheckText(const std::string& s, const char* field, bool required, size_t max) {
  if (required && s.empty()) {
    return Param(ErrorCode::kInvalidArgument, field, "verplicht", "Dit veld is verplicht");
  }
  if (s.size() > max) {
    return Param(ErrorCode::kInvalidArgument, field, "te.lang", "Dit veld is te lang");
  }
  return {};
}

Result<void> CheckLoginRegistrations(const Provider& p) {
  if (auto r = CheckText(p.saml_metadata, "saml_metadata", false, 256 * 1024); !r) return r;
  std::set<std::string> ids;
  for (const OidcClientRegistration& c : p.oidc_clients) {
    if (auto r = CheckOidcClient(c); !r) return r;
    if (!ids.insert(c.client_id).second) {
      return Param(ErrorCode::kInvalidArgument, "client_id", "dubbel",
                   "client_id komt twee keer voor");
    }
  }
  return {};
}

NewEvent CatalogueEvent(EventKind kind, const json& detail) {
  return {"", DomainEvent{kind, "admin", Channel::kAdmin, detail.dump()}};
}

}  // namespace

Result<uint64_t> MandateService::PutProvider(const Caller& c, const Provider& p) {
  if (auto ok = Authorize(c, Action::kPutCatalogue); !ok) return Fail(ok.error());
  if (auto r = CheckText(p.name, "name", true, 200); !r) return Fail(r.error());
  if (auto r = CheckText(p.contact, "contact", false, 200); !r) return Fail(r.error());
  if (auto r = CheckText(p.certificate_pem, "certificate", false, 64 * 1024); !r) {
    return Fail(r.error());
  }
  if (auto r = CheckLoginRegistrations(p); !r) return Fail(r.error());
  WriteBatch b;
  b.providers.push_back(p);
  b.events.push_back(CatalogueEvent(EventKind::kProviderSaved, {{"oin", p.oin.str()}}));
  Result<CommitResult> r = impl_->store.Commit(std::move(b));
  if (!r) return Fail(r.error());
  return r->seq;
}

Result<uint64_t> MandateService::PutService(const Caller& c, const Service& s) {
  if (auto ok = Authorize(c, Action::kPutCatalogue); !ok) return Fail(ok.error());
  if (s.id.empty()) {
    return Param(ErrorCode::kInvalidArgument, "id", "verplicht", "Geef de dienst een UUID");
  }
  if (!FindProvider(s.provider)) {
    return Param(ErrorCode::kInvalidArgument, "provider", "aanbieder.onbekend",
                 "Onbekende dienstaanbieder");
  }
  for (auto [text, field, required] :
       {std::tuple{&s.name_nl, "name_nl", true}, std::tuple{&s.name_en, "name_en", false}}) {
    if (auto r = CheckText(*text, field, required, 200); !r) return Fail(r.error());
  }
  for (auto [text, field] : {std::pair{&s.description_nl, "description_nl"},
                             std::pair{&s.description_en, "description_en"}}) {
    if (auto r = CheckText(*text, field, false, kMaxText); !r) return Fail(r.error());
  }
  if (s.request_validity_days < 1 || s.request_validity_days > 365) {
    return Param(ErrorCode::kInvalidArgument, "request_validity_days", "buiten.bereik",
                 "Geldigheid van een verzoek: 1 tot en met 365 dagen");
  }
  if (s.max_mandate_years < 1 || s.max_mandate_years > 100) {
    return Param(ErrorCode::kInvalidArgument, "max_mandate_years", "buiten.bereik",
                 "Maximale duur: 1 tot en met 100 jaar");
  }
  if ((s.active_from && !s.active_from->ok()) || (s.active_until && !s.active_until->ok()) ||
      (s.active_from && s.active_until && *s.active_until < *s.active_from)) {
    return Param(ErrorCode::kInvalidArgument, "active_until", "periode.ongeldig",
                 "De einddatum van de dienst ligt voor de begindatum");
  }
  WriteBatch b;
  b.services.push_back(s);
  b.events.push_back(
      CatalogueEvent(EventKind::kServiceSaved, {{"service", s.id.str()}, {"provider", s.provider.str()}}));
  Result<CommitResult> r = impl_->store.Commit(std::move(b));
  if (!r) return Fail(r.error());
  return r->seq;
}

Result<uint64_t> MandateService::PutServiceSet(const Caller& c, const ServiceSet& s) {
  if (auto ok = Authorize(c, Action::kPutCatalogue); !ok) return Fail(ok.error());
  if (s.id.empty()) {
    return Param(ErrorCode::kInvalidArgument, "id", "verplicht", "Geef de dienstenset een UUID");
  }
  if (auto r = CheckText(s.name_nl, "name_nl", true, 200); !r) return Fail(r.error());
  if (auto r = CheckText(s.name_en, "name_en", false, 200); !r) return Fail(r.error());
  if (s.services.empty() || s.services.size() > kMaxRequestServices) {
    return Param(ErrorCode::kInvalidArgument, "services", "diensten.aantal",
                 "Een dienstenset bevat 1 tot 500 diensten");
  }
  ServiceSet clean = s;
  std::sort(clean.services.begin(), clean.services.end());
  clean.services.erase(std::unique(clean.services.begin(), clean.services.end()),
                       clean.services.end());
  std::shared_ptr<const CatalogueSnapshot> cat = impl_->views->Cat();
  for (const Uuid& id : clean.services) {
    if (!cat->FindService(id)) {
      return Param(ErrorCode::kInvalidArgument, "services", "dienst.onbekend", "Onbekende dienst");
    }
  }
  WriteBatch b;
  b.service_sets.push_back(clean);
  b.events.push_back(CatalogueEvent(EventKind::kServiceSetSaved, {{"service_set", s.id.str()}}));
  Result<CommitResult> r = impl_->store.Commit(std::move(b));
  if (!r) return Fail(r.error());
  return r->seq;
}

std::vector<Provider> MandateService::Providers() const {
  std::shared_ptr<const CatalogueSnapshot> cat = impl_->views->Cat();
  std::vector<Provider> out;
  for (const auto& [oin, p] : cat->providers) out.push_back(p);
  return out;
}

std::vector<Service> MandateService::Services() const {
  std::shared_ptr<const CatalogueSnapshot> cat = impl_->views->Cat();
  std::vector<Service> out;
  for (const auto& [id, s] : cat->services) out.push_back(s);
  std::sort(out.begin(), out.end(), [](const Service& a, const Service& b) {
    return std::tie(a.provider, a.position, a.id) < std::tie(b.provider, b.position, b.id);
  });
  return out;
}

std::vector<ServiceSet> MandateService::ServiceSets() const {
  std::shared_ptr<const CatalogueSnapshot> cat = impl_->views->Cat();
  std::vector<ServiceSet> out;
  for (const auto& [id, s] : cat->sets) out.push_back(s);
  return out;
}

std::optional<Provider> MandateService::FindProvider(const Oin& oin) const {
  std::shared_ptr<const CatalogueSnapshot> cat = impl_->views->Cat();
  const Provider* p = cat->FindProvider(oin);
  if (!p) return std::nullopt;
  return *p;
}

std::optional<Service> MandateService::FindService(const Uuid& id) const {
  std::shared_ptr<const CatalogueSnapshot> cat = impl_->views->Cat();
  const Service* s = cat->FindService(id);
  if (!s) return std::nullopt;
  return *s;
}

}  // namespace volmacht
