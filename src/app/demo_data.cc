#include "app/demo_data.h"

#include <fstream>
#include <sstream>

namespace volmacht::app {
namespace {

// Fixed ids so that the README's curl lines work on every machine.
constexpr const char* kBdOin = "00000001111222333000";
constexpr const char* kGemOin = "00000003123456780000";
constexpr const char* kUwvOin = "00000001333444555000";
constexpr const char* kSvcAangifte = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e01";
constexpr const char* kSvcToeslagen = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e02";
constexpr const char* kSvcParkeren = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e03";
constexpr const char* kSvcWw = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e04";
constexpr const char* kSetFinancien = "5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4f01";

Uuid Id(const char* s) { return *Uuid::Parse(s); }
Oin OinOf(const char* s) { return *Oin::Parse(s); }
Bsn BsnOf(const std::string& s) { return *Bsn::Parse(s); }

std::string ReadPem(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Service MakeService(const char* id, const char* oin, std::string nl, std::string en,
                    AgentType agents, Loa loa, bool direct, bool survivor, int position) {
  Service s;
  s.id = Id(id);
  s.provider = OinOf(oin);
  s.name_nl = std::move(nl);
  s.name_en = std::move(en);
  s.description_nl = s.name_nl + " (demo)";
  s.description_en = s.name_en + " (demo)";
  s.agent_type = agents;
  s.min_loa = loa;
  s.counter_direct_allowed = direct;
  s.survivor_allowed = survivor;
  s.position = position;
  return s;
}

}  // namespace

const std::vector<DemoProvider>& DemoProviders() {
  static const std::vector<DemoProvider> kProviders = {
      {kBdOin, "Belastingdienst (demo)", "belastingdienst"},
      {kGemOin, "Gemeente Voorbeeldstad (demo)", "gemeente"},
      {kUwvOin, "UWV (demo)", "uwv"},
  };
  return kProviders;
}

const std::vector<DemoIdentity>& DemoIdentities() {
  static const std::vector<DemoIdentity> kIds = {
      {"999900043", "Willem Hendrik Visser", "principal: has given an ACTIVE mandate"},
      {"999900018", "Pieter Jan van den Berg", "agent: may act for Willem Visser"},
      {"999900006", "Anna Maria de Vries", "principal for flow B (ask, letter, activate)"},
      {"999900031", "Sophie Bakker", "agent for flow B"},
      {"999900080", "Noah de Vries", "a minor: refused as principal or agent"},
      {"999900134", "Cornelis de Jong", "deceased: for survivors' mandates"},
  };
  return kIds;
}

Result<void> SeedDemo(MandateService& service, const std::string& certs_dir) {
  if (!service.Providers().empty()) return {};
  Caller admin = Caller::Admin();
  for (const auto& p : DemoProviders()) {
    Provider prov{OinOf(p.oin.c_str()), p.name, "servicedesk@example.org",
                  ReadPem(certs_dir + "/" + p.cert_stem + ".pem"), p.cert_stem != "uwv", true};
    if (auto r = service.PutProvider(admin, prov); !r) return std::unexpected(r.error());
  }
  const std::vector<Service> services = {
      MakeService(kSvcAangifte, kBdOin, "Aangifte inkomstenbelasting", "Income tax return",
                  AgentType::kBoth, Loa::kMidden, false, true, 1),
      MakeService(kSvcToeslagen, kBdOin, "Toeslagen", "Benefits and allowances",
                  AgentType::kCitizen, Loa::kSubstantieel, true, true, 2),
      MakeService(kSvcParkeren, kGemOin, "Parkeervergunning", "Parking permit",
                  AgentType::kBoth, Loa::kBasis, true, false, 1),
      MakeService(kSvcWw, kUwvOin, "WW-uitkering", "Unemployment benefit", AgentType::kCitizen,
                  Loa::kSubstantieel, false, false, 1),
  };
  for (const auto& s : services) {
    if (auto r = service.PutService(admin, s); !r) return std::unexpected(r.error());
  }
  ServiceSet set{Id(kSetFinancien), "Financiële zaken", "Financial affairs",
                 {Id(kSvcAangifte), Id(kSvcToeslagen)}};
  if (auto r = service.PutServiceSet(admin, set); !r) return std::unexpected(r.error());

  // One ACTIVE mandate made the way citizens make it: the principal grants (flow A), the
  // agent activates with the code.
  Bsn principal = BsnOf(DemoIdentities()[0].bsn);
  Bsn agent = BsnOf(DemoIdentities()[1].bsn);
  GrantRequest grant;
  grant.service_set = Id(kSetFinancien);
  // Also the municipality's parking permit: the service tools/demo-provider logs in for.
  grant.services = {Id(kSvcParkeren)};
  grant.end = Date(std::chrono::year(2030) / 12 / 31);
  grant.agent = Party::Person(agent);
  grant.agent_birth = Date(std::chrono::year(1979) / 9 / 30);
  auto granted = service.Grant(Caller::Citizen(principal, Channel::kWeb), grant);
  if (!granted) return std::unexpected(granted.error());
  auto activated = service.Activate(Caller::Citizen(agent, Channel::kWeb), principal,
                                    granted->activation_code);
  if (!activated) return std::unexpected(activated.error());
  return {};
}

}  // namespace volmacht::app
