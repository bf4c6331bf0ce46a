#include "digid_sim.h"

#include "saml/saml_common.h"  // first: includes glib/libxml2 before lasso

#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_audience_restriction.h>
#include <lasso/xml/saml-2.0/saml2_conditions.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_strings.h>
#include <lasso/xml/saml-2.0/saml2_subject.h>
#include <lasso/xml/saml-2.0/saml2_subject_confirmation.h>
#include <lasso/xml/saml-2.0/saml2_subject_confirmation_data.h>
#include <lasso/xml/saml-2.0/samlp2_artifact_resolve.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_requested_authn_context.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>
#include <lasso/xml/saml-2.0/samlp2_status_response.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "domain/identifiers.h"
#include "dev_certs.h"
#include "http/form.h"
#include "http/server.h"

namespace volmacht::digidsim {
namespace {

using saml::HtmlEscape;

constexpr auto kArtifactLifetime = std::chrono::minutes(15);
constexpr auto kAssertionLifetime = std::chrono::minutes(5);
constexpr auto kPendingLifetime = std::chrono::minutes(30);
constexpr std::size_t kMaxPending = 10000;
constexpr std::size_t kMaxArtifacts = 10000;
constexpr std::string_view kSpClientStem = "sp-client";
constexpr std::string_view kSimOin = "00000001999999999000";

std::string_view Str(const char* s) { return s == nullptr ? std::string_view() : s; }

const std::vector<Loa>& AllLoas() {
  static const std::vector<Loa> k = {Loa::kBasis, Loa::kMidden, Loa::kSubstantieel, Loa::kHoog};
  return k;
}

struct SpInfo {
  std::string entity_id;
  std::vector<std::string> artifact_acs;  // allowed ACS URLs (HTTP-Artifact binding)
};

struct Pending {
  std::string query;  // the signed AuthnRequest query, re-verified when the form comes back
  std::string sp_id;
  Loa min_loa = Loa::kBasis;
  Timestamp expires;
};

struct StoredArtifact {
  std::string message;
  std::string sp_id;
  Timestamp expires;
};

// A verified AuthnRequest: a LassoLogin ready for validate_request_msg.
struct VerifiedRequest {
  saml::LoginRef login;
  std::string sp_id;
  std::string relay_state;
  Loa min_loa = Loa::kBasis;
};

http::Response Html(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers = {{"Cache-Control", "no-store"},
               {"Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"}};
  return r;
}

std::string Page(std::string_view title, std::string_view main_html) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  out += HtmlEscape(title);
  out +=
      " \xE2\x80\x94 DigiD-simulator</title>\n<style>\n"
      "body{font-family:system-ui,sans-serif;max-width:42rem;margin:1rem auto;padding:0 1rem;"
      "line-height:1.5;color:#1a1a1a;background:#fff}\n"
      ".sim{background:#fff3cd;border:3px solid #7a5c00;padding:.75rem 1rem;font-weight:bold}\n"
      "fieldset{margin:1rem 0;border:1px solid #555;padding:.5rem 1rem}\n"
      "legend{font-weight:bold}\n.fout{border-left:6px solid #b00020;padding:.5rem 1rem;"
      "background:#fde8ea}\n"
      "button{font-size:1rem;padding:.5rem 1.25rem;margin:.5rem 1rem .5rem 0}\n"
      "input[type=text]{font-size:1rem;padding:.25rem}\n"
      ":focus-visible{outline:3px solid #000;outline-offset:2px}\n</style>\n</head>\n<body>\n"
      "<header><p class=\"sim\" role=\"note\">DigiD-simulator \xE2\x80\x94 geen echte DigiD. "
      "Alleen voor ontwikkeling en tests.</p></header>\n<main>\n";
  out += main_html;
  out += "</main>\n</body>\n</html>\n";
  return out;
}

http::Response ErrorPage(int status, std::string_view text) {
  std::string main = "<h1>Er ging iets mis</h1>\n<p>" + HtmlEscape(text) + "</p>\n";
  return Html(status, Page("Fout", main));
}

}  // namespace

struct DigidSim::Impl {
  DigidSimConfig cfg;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  std::vector<SimPerson> persons;
  std::map<std::string, SpInfo> sps;  // by entity id
  std::string tls_dir;
  std::string key_file, cert_file;
  std::string metadata_path;
  std::string metadata_xml;
  std::string base_url;
  std::string entity_id;

  std::unique_ptr<http::HttpServer> browser;
  std::unique_ptr<http::HttpServer> backchannel;
  // Set once by Start after both servers are bound (the metadata needs their ports); read by
  // handlers, which answer 503 until then.
  std::mutex mu;
  saml::ServerRef lasso;  // guarded by mu for the pointer; the object is shared read-only
  std::map<std::string, Pending> pending;
  std::map<std::string, StoredArtifact> artifacts;

  std::string SsoUrl() const { return base_url + "/saml/idp/sso"; }

  saml::ServerRef Lasso() {
    std::lock_guard lock(mu);
    return saml::ServerRef::Share(lasso.get());
  }

  Result<void> LoadPersons();
  Result<void> LoadSps();
  std::string BuildMetadata(const std::string& resolve_url, const std::string& cert_b64) const;

  Result<VerifiedRequest> VerifyAuthnRequest(LassoServer* server, const std::string& query);
  std::string LoginPage(const std::string& txn, const Pending& p, std::string_view error) const;

  http::Response HandleMetadata(const http::Request&);
  http::Response HandleSso(const http::Request& req);
  http::Response HandleLogin(const http::Request& req);
  http::Response HandleResolve(const http::Request& req);
};

DigidSim::DigidSim(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DigidSim::~DigidSim() { Stop(); }

Result<void> DigidSim::Impl::LoadPersons() {
  auto text = saml::ReadFileLimited(cfg.persons_file, kMaxPersonsFileBytes);
  if (!text) return Fail(text.error());
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return Fail(Error::Invalid("persons file is not a JSON array"));
  }
  for (const auto& p : j) {
    if (!p.is_object() || !p.contains("burgerservicenummer") ||
        !p["burgerservicenummer"].is_string()) {
      return Fail(Error::Invalid("person without burgerservicenummer"));
    }
    SimPerson sp;
    sp.bsn = p["burgerservicenummer"].get<std::string>();
    if (!Bsn::Parse(sp.bsn)) return Fail(Error::Invalid("person with an invalid BSN"));
    if (p.contains("naam") && p["naam"].is_object()) {
      const auto& n = p["naam"];
      if (n.contains("volledigeNaam") && n["volledigeNaam"].is_string()) {
        sp.name = n["volledigeNaam"].get<std::string>();
      } else {
        for (const char* part : {"voornamen", "voorvoegsel", "geslachtsnaam"}) {
          if (n.contains(part) && n[part].is_string()) {
            if (!sp.name.empty()) sp.name += ' ';
            sp.name += n[part].get<std::string>();
          }
        }
      }
    }
    if (sp.name.empty()) sp.name = "(naam onbekend)";
    persons.push_back(std::move(sp));
  }
  return {};
}

Result<void> DigidSim::Impl::LoadSps() {
  if (cfg.sp_metadata_files.empty()) return Fail(Error::Invalid("no --sp-metadata given"));
  for (const auto& file : cfg.sp_metadata_files) {
    auto text = saml::ReadFileLimited(file, saml::kMaxDecodedMessageBytes);
    if (!text) return Fail(Error::NotFound("cannot read SP metadata " + file));
    auto id = saml::MetadataEntityId(*text);
    if (!id) return Fail(Error::Invalid("SP metadata " + file + ": " + id.error().message));
    auto acs = saml::MetadataEndpoints(*text, "AssertionConsumerService",
                                       LASSO_SAML2_METADATA_BINDING_ARTIFACT);
    if (!acs || acs->empty()) {
      return Fail(Error::Invalid("SP metadata " + file + " has no HTTP-Artifact ACS"));
    }
    sps[*id] = SpInfo{*id, *acs};
  }
  return {};
}

std::string DigidSim::Impl::BuildMetadata(const std::string& resolve_url,
                                          const std::string& cert_b64) const {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<!-- DigiD-simulator: geen echte DigiD -->\n"
         "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
         "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" +
         HtmlEscape(entity_id) +
         "\">\n"
         "  <md:IDPSSODescriptor WantAuthnRequestsSigned=\"true\" "
         "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
         "    <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
         cert_b64 +
         "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n"
         "    <md:ArtifactResolutionService "
         "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:SOAP\" Location=\"" +
         HtmlEscape(resolve_url) +
         "\" index=\"0\" isDefault=\"true\"/>\n"
         "    <md:SingleSignOnService "
         "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"" +
         HtmlEscape(SsoUrl()) +
         "\"/>\n"
         "  </md:IDPSSODescriptor>\n"
         "</md:EntityDescriptor>\n";
}

Result<std::unique_ptr<DigidSim>> DigidSim::Create(DigidSimConfig cfg) {
  saml::InitLasso();
  auto impl = std::make_unique<Impl>();
  impl->clock = cfg.clock != nullptr ? cfg.clock : &impl->system_clock;
  impl->cfg = std::move(cfg);
  if (impl->cfg.data_dir.empty()) return Fail(Error::Invalid("--data-dir is required"));
  std::error_code ec;
  std::filesystem::create_directories(impl->cfg.data_dir, ec);
  if (ec) return Fail(Error::Unavailable("cannot create data dir"));
  if (auto r = impl->LoadPersons(); !r) return Fail(r.error());
  if (auto r = impl->LoadSps(); !r) return Fail(r.error());
  impl->key_file = impl->cfg.data_dir + "/saml-key.pem";
  impl->cert_file = impl->cfg.data_dir + "/saml-cert.pem";
  if (auto r = saml::EnsureSigningKeyPair(impl->key_file, impl->cert_file,
                                          "DigiD-simulator (geen echte DigiD)",
                                          impl->cfg.key_bits);
      !r) {
    return Fail(r.error());
  }
  impl->tls_dir = impl->cfg.data_dir + "/tls";
  auto certs = devcerts::MakeDevCerts(
      impl->tls_dir, {"localhost"},
      {{std::string(kSpClientStem), "volmacht SP (test)", std::string(kSimOin)}});
  if (!certs) return Fail(certs.error());
  if (impl->cfg.client_ca_file.empty()) impl->cfg.client_ca_file = impl->tls_dir + "/ca.pem";
  impl->metadata_path = impl->cfg.data_dir + "/idp-metadata.xml";
  return std::unique_ptr<DigidSim>(new DigidSim(std::move(impl)));
}

Result<void> DigidSim::Start() {
  Impl& m = *impl_;
  auto make = [&](uint16_t port, bool mutual) {
    http::ServerConfig sc;
    sc.name = mutual ? "digid-resolve" : "digid-browser";
    sc.address = m.cfg.address;
    sc.port = port;
    sc.io_threads = 1;
    sc.worker_threads = 2;
    sc.max_body = saml::kMaxEncodedMessageBytes;
    sc.tls = true;
    sc.tls_config.cert_file = m.tls_dir + "/server.pem";
    sc.tls_config.key_file = m.tls_dir + "/server-key.pem";
    if (mutual) sc.tls_config.client_ca_file = m.cfg.client_ca_file;
    sc.server_header = "digid-sim";
    return std::make_unique<http::HttpServer>(sc);
  };
  m.browser = make(m.cfg.port, false);
  m.backchannel = make(m.cfg.resolve_port, true);
  auto metadata = [&m](const http::Request& r) { return m.HandleMetadata(r); };
  m.browser->Route("GET", "/saml/idp/metadata", http::Mode::kInline, metadata);
  m.browser->Route("GET", "/saml/idp/sso", http::Mode::kBlocking,
                   [&m](const http::Request& r) { return m.HandleSso(r); });
  m.browser->Route("POST", "/saml/idp/login", http::Mode::kBlocking,
                   [&m](const http::Request& r) { return m.HandleLogin(r); });
  m.backchannel->Route("GET", "/saml/idp/metadata", http::Mode::kInline, metadata);
  m.backchannel->Route("POST", "/saml/idp/resolve", http::Mode::kBlocking,
                       [&m](const http::Request& r) { return m.HandleResolve(r); });
  try {
    m.browser->Start();
    m.backchannel->Start();
  } catch (const std::exception& e) {
    Stop();
    return Fail(Error::Unavailable(std::string("digid-sim cannot listen: ") + e.what()));
  }
  m.base_url = m.cfg.base_url.empty()
                   ? "https://" + m.cfg.address + ":" + std::to_string(m.browser->port())
                   : m.cfg.base_url;
  while (m.base_url.ends_with('/')) m.base_url.pop_back();
  // The back channel lives on the same host name as the browser pages, on its own port.
  std::string scheme_host = m.base_url;
  if (size_t p = scheme_host.find("://"); p != std::string::npos) {
    size_t end = scheme_host.find_first_of(":/", p + 3);
    if (end != std::string::npos) scheme_host.resize(end);
  }
  std::string resolve_url =
      scheme_host + ":" + std::to_string(m.backchannel->port()) + "/saml/idp/resolve";
  m.entity_id = m.base_url + "/saml/idp/metadata";
  auto cert = saml::CertificateBase64(m.cert_file);
  if (!cert) {
    Stop();
    return Fail(cert.error());
  }
  m.metadata_xml = m.BuildMetadata(resolve_url, *cert);
  {
    std::string tmp = m.metadata_path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    bool ok = f != nullptr &&
              std::fwrite(m.metadata_xml.data(), 1, m.metadata_xml.size(), f) ==
                  m.metadata_xml.size();
    if (f != nullptr) ok = std::fclose(f) == 0 && ok;
    if (!ok || std::rename(tmp.c_str(), m.metadata_path.c_str()) != 0) {
      Stop();
      return Fail(Error::Unavailable("cannot write idp-metadata.xml"));
    }
  }
  auto server = saml::MakeServer(m.metadata_path, m.key_file, m.cert_file);
  if (!server) {
    Stop();
    return Fail(server.error());
  }
  for (const auto& file : m.cfg.sp_metadata_files) {
    auto id = saml::AddProvider(server->get(), LASSO_PROVIDER_ROLE_SP, file);
    if (!id) {
      Stop();
      return Fail(id.error());
    }
  }
  std::lock_guard lock(m.mu);
  m.lasso = std::move(*server);
  return {};
}

void DigidSim::Stop() {
  if (impl_->browser) impl_->browser->Stop();
  if (impl_->backchannel) impl_->backchannel->Stop();
}

uint16_t DigidSim::port() const { return impl_->browser ? impl_->browser->port() : 0; }
uint16_t DigidSim::resolve_port() const {
  return impl_->backchannel ? impl_->backchannel->port() : 0;
}
std::string DigidSim::base_url() const { return impl_->base_url; }
std::string DigidSim::entity_id() const { return impl_->entity_id; }
std::string DigidSim::metadata_file() const { return impl_->metadata_path; }
std::string DigidSim::tls_ca_file() const { return impl_->tls_dir + "/ca.pem"; }
std::string DigidSim::sp_client_cert_file() const {
  return impl_->tls_dir + "/" + std::string(kSpClientStem) + ".pem";
}
std::string DigidSim::sp_client_key_file() const {
  return impl_->tls_dir + "/" + std::string(kSpClientStem) + "-key.pem";
}
const std::vector<SimPerson>& DigidSim::persons() const { return impl_->persons; }

http::Response DigidSim::Impl::HandleMetadata(const http::Request&) {
  http::Response r;
  r.content_type = "application/samlmetadata+xml";
  r.body = metadata_xml;
  return r;
}

Result<VerifiedRequest> DigidSim::Impl::VerifyAuthnRequest(LassoServer* server,
                                                           const std::string& query) {
  // Our own checks first: lasso accepts SHA-1 and unsigned Redirect messages.
  if (auto r = saml::CheckRedirectSigAlg(query); !r) return Fail(r.error());
  if (auto r = saml::DecodeRedirectMessage(query, "SAMLRequest"); !r) return Fail(r.error());
  // As the Combi-Connect IdP: base64 values (Signature) may be broken into lines.
  auto params = http::ParseForm(query, saml::kMaxEncodedMessageBytes,
                                http::FormControls::kAllowLineBreaks);
  if (!params) return Fail(params.error());
  VerifiedRequest v;
  if (auto relay = params->Get("RelayState")) {
    if (relay->size() > saml::kMaxRelayStateBytes) {
      return Fail(Error::Invalid("RelayState too long"));
    }
    v.relay_state = std::move(*relay);
  }
  v.login = saml::LoginRef(lasso_login_new(server));
  LassoProfile* profile = LASSO_PROFILE(v.login.get());
  lasso_profile_set_signature_verify_hint(profile, LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
  int rc = lasso_login_process_authn_request_msg(v.login.get(), query.c_str());
  if (rc != 0 || profile->signature_status != 0) {
    return Fail(Error::Invalid("AuthnRequest refused: " + saml::LassoErrorText(rc)));
  }
  auto* req = LASSO_SAMLP2_AUTHN_REQUEST(profile->request);
  v.sp_id = Str(profile->remote_providerID);
  auto sp = sps.find(v.sp_id);
  if (sp == sps.end()) return Fail(Error::Invalid("unknown service provider"));
  if (req->ProtocolBinding != nullptr &&
      Str(req->ProtocolBinding) != LASSO_SAML2_METADATA_BINDING_ARTIFACT) {
    return Fail(Error::Invalid("only the HTTP-Artifact binding is offered"));
  }
  if (req->AssertionConsumerServiceURL != nullptr &&
      std::find(sp->second.artifact_acs.begin(), sp->second.artifact_acs.end(),
                Str(req->AssertionConsumerServiceURL)) == sp->second.artifact_acs.end()) {
    return Fail(Error::Invalid("AssertionConsumerServiceURL not in the SP metadata"));
  }
  auto* abstract = LASSO_SAMLP2_REQUEST_ABSTRACT(req);
  if (abstract->Destination != nullptr && Str(abstract->Destination) != SsoUrl()) {
    return Fail(Error::Invalid("Destination is not this IdP"));
  }
  if (req->RequestedAuthnContext != nullptr &&
      req->RequestedAuthnContext->AuthnContextClassRef != nullptr) {
    const char* ref =
        static_cast<const char*>(req->RequestedAuthnContext->AuthnContextClassRef->data);
    auto loa = LoaFromSamlClassRef(Str(ref));
    if (!loa) return Fail(Error::Invalid("unknown AuthnContextClassRef"));
    v.min_loa = *loa;
  }
  return v;
}

std::string DigidSim::Impl::LoginPage(const std::string& txn, const Pending& p,
                                      std::string_view error) const {
  std::string h = "<h1>Inloggen met de DigiD-simulator</h1>\n<p>U logt in bij <strong>" +
                  HtmlEscape(p.sp_id) +
                  "</strong>. Gevraagd betrouwbaarheidsniveau: minimaal <strong>" +
                  std::string(LoaName(p.min_loa)) + "</strong>.</p>\n";
  if (!error.empty()) {
    h += "<div class=\"fout\" role=\"alert\" id=\"fout\"><p>" + HtmlEscape(error) +
         "</p></div>\n";
  }
  h += "<form method=\"post\" action=\"/saml/idp/login\">\n<input type=\"hidden\" name=\"txn\" "
       "value=\"" +
       HtmlEscape(txn) + "\">\n<fieldset>\n<legend>Kies een testpersoon</legend>\n";
  for (size_t i = 0; i < persons.size(); ++i) {
    std::string id = "persoon-" + std::to_string(i);
    h += "<div><input type=\"radio\" name=\"persoon\" id=\"" + id + "\" value=\"" +
         HtmlEscape(persons[i].bsn) + "\"" + (i == 0 ? " checked" : "") + "> <label for=\"" +
         id + "\">" + HtmlEscape(persons[i].name) + " (BSN " + HtmlEscape(persons[i].bsn) +
         ")</label></div>\n";
  }
  h += "</fieldset>\n<p><label for=\"bsn\">Of vul zelf een BSN in (gaat voor de keuze "
       "hierboven)</label><br>\n<input type=\"text\" id=\"bsn\" name=\"bsn\" "
       "inputmode=\"numeric\" autocomplete=\"off\" maxlength=\"9\"" +
       std::string(error.empty() ? "" : " aria-describedby=\"fout\"") +
       "></p>\n<fieldset>\n<legend>Betrouwbaarheidsniveau</legend>\n";
  for (Loa l : AllLoas()) {
    std::string v = std::to_string(static_cast<int>(l));
    h += "<div><input type=\"radio\" name=\"loa\" id=\"loa-" + v + "\" value=\"" + v + "\"" +
         (l == p.min_loa ? " checked" : "") + "> <label for=\"loa-" + v + "\">" +
         std::string(LoaName(l)) + "</label></div>\n";
  }
  h += "</fieldset>\n<button type=\"submit\" name=\"actie\" value=\"inloggen\">Inloggen</button>"
       "\n<button type=\"submit\" name=\"actie\" value=\"annuleren\">Annuleren</button>\n"
       "</form>\n";
  return Page("Inloggen", h);
}

http::Response DigidSim::Impl::HandleSso(const http::Request& req) {
  saml::ServerRef server = Lasso();
  if (!server) return ErrorPage(503, "De simulator start nog.");
  auto v = VerifyAuthnRequest(server.get(), req.query);
  if (!v) return ErrorPage(400, "Ongeldig inlogverzoek van de dienst: " + v.error().message);
  Pending p{req.query, v->sp_id, v->min_loa, clock->Now() + kPendingLifetime};
  std::string txn = ToHex(RandomBytes(16));
  {
    std::lock_guard lock(mu);
    Timestamp now = clock->Now();
    std::erase_if(pending, [&](const auto& kv) { return kv.second.expires <= now; });
    if (pending.size() >= kMaxPending) return ErrorPage(503, "Te veel openstaande inlogpogingen.");
    pending[txn] = p;
  }
  return Html(200, LoginPage(txn, p, ""));
}

http::Response DigidSim::Impl::HandleLogin(const http::Request& req) {
  saml::ServerRef server = Lasso();
  if (!server) return ErrorPage(503, "De simulator start nog.");
  auto form = http::ParseForm(req.body, http::kMaxFormBytes);
  if (!form) return ErrorPage(400, "Ongeldig formulier.");
  auto get = [&](const char* k) { return form->Get(k).value_or(std::string()); };
  std::string txn = get("txn");
  std::optional<Pending> p;
  {
    std::lock_guard lock(mu);
    auto it = pending.find(txn);
    if (it != pending.end() && it->second.expires > clock->Now()) p = it->second;
  }
  if (!p) return ErrorPage(400, "Deze inlogpoging is onbekend of verlopen. Begin opnieuw.");
  std::string action = get("actie");
  bool cancel = action == "annuleren";
  if (!cancel && action != "inloggen") return ErrorPage(400, "Ongeldig formulier.");
  std::optional<Bsn> bsn;
  Loa loa = p->min_loa;
  if (!cancel) {
    std::string text = get("bsn");
    if (text.empty()) text = get("persoon");
    auto b = Bsn::Parse(text);
    if (!b) return Html(400, LoginPage(txn, *p, "Dit is geen geldig BSN (9 cijfers, 11-proef)."));
    bsn = *b;
    int level = 0;
    std::string lt = get("loa");
    if (lt.size() <= 2) {
      for (char c : lt) level = c >= '0' && c <= '9' ? level * 10 + (c - '0') : -1000;
    }
    auto l = ParseLoa(level);
    if (!l) return Html(400, LoginPage(txn, *p, "Kies een betrouwbaarheidsniveau."));
    loa = *l;
  }
  {
    std::lock_guard lock(mu);
    if (pending.erase(txn) == 0) {
      return ErrorPage(400, "Deze inlogpoging is al afgerond. Begin opnieuw.");
    }
  }
  // Re-verify the stored, signed request: the lasso state is rebuilt instead of kept.
  auto v = VerifyAuthnRequest(server.get(), p->query);
  if (!v) return ErrorPage(400, "Ongeldig inlogverzoek van de dienst.");
  LassoLogin* login = v->login.get();
  LassoProfile* profile = LASSO_PROFILE(login);
  Timestamp now = clock->Now();
  if (cancel) {
    lasso_login_validate_request_msg(login, FALSE, FALSE);  // status Responder/RequestDenied
    auto* sr = LASSO_SAMLP2_STATUS_RESPONSE(profile->response);
    if (sr->Status == nullptr || sr->Status->StatusCode == nullptr) {
      return ErrorPage(500, "Interne fout in de simulator.");
    }
    saml::SetGStr(&sr->Status->StatusCode->Value, LASSO_SAML2_STATUS_CODE_RESPONDER);
    auto* sub = LASSO_SAMLP2_STATUS_CODE(lasso_samlp2_status_code_new());
    sub->Value = g_strdup(LASSO_SAML2_STATUS_CODE_AUTHN_FAILED);
    if (sr->Status->StatusCode->StatusCode != nullptr) {
      g_object_unref(sr->Status->StatusCode->StatusCode);
    }
    sr->Status->StatusCode->StatusCode = sub;
  } else {
    int rc = lasso_login_validate_request_msg(login, TRUE, TRUE);
    if (rc != 0) return ErrorPage(500, "Interne fout in de simulator (validate).");
    std::string ref(LoaSamlClassRef(loa));
    std::string instant = saml::FormatSamlTime(now);
    std::string not_after = saml::FormatSamlTime(now + kAssertionLifetime);
    rc = lasso_login_build_assertion(login, ref.c_str(), instant.c_str(), nullptr,
                                     instant.c_str(), not_after.c_str());
    if (rc != 0) return ErrorPage(500, "Interne fout in de simulator (assertion).");
    saml::NodeRef anode(lasso_login_get_assertion(login));
    if (!anode || !LASSO_IS_SAML2_ASSERTION(anode.get())) {
      return ErrorPage(500, "Interne fout in de simulator (assertion).");
    }
    auto* a = LASSO_SAML2_ASSERTION(anode.get());
    if (a->Subject == nullptr) a->Subject = LASSO_SAML2_SUBJECT(lasso_saml2_subject_new());
    // DigiD's NameID: the BSN with sector code s00000000, format unspecified.
    auto* name_id = LASSO_SAML2_NAME_ID(lasso_saml2_name_id_new());
    name_id->Format = g_strdup(LASSO_SAML2_NAME_IDENTIFIER_FORMAT_UNSPECIFIED);
    std::string value = "s00000000:" + bsn->str();
    name_id->content = g_strdup(value.c_str());
    if (a->Subject->NameID != nullptr) g_object_unref(a->Subject->NameID);
    a->Subject->NameID = name_id;
    if (a->Subject->EncryptedID != nullptr) {
      g_object_unref(a->Subject->EncryptedID);
      a->Subject->EncryptedID = nullptr;
    }
    auto* scd = lasso_saml2_assertion_get_subject_confirmation_data(a, TRUE);
    saml::SetGStr(&scd->NotOnOrAfter, not_after);
    g_free(scd->NotBefore);
    scd->NotBefore = nullptr;
  }
  if (!v->relay_state.empty()) saml::SetGStr(&profile->msg_relayState, v->relay_state);
  int rc = lasso_login_build_artifact_msg(login, LASSO_HTTP_METHOD_ARTIFACT_GET);
  if (rc != 0 || profile->msg_url == nullptr) {
    return ErrorPage(500, "Interne fout in de simulator (artifact).");
  }
  std::string artifact = saml::TakeGStr(lasso_profile_get_artifact(profile));
  std::string message = saml::TakeGStr(lasso_profile_get_artifact_message(profile));
  if (artifact.empty() || message.empty()) {
    return ErrorPage(500, "Interne fout in de simulator (artifact).");
  }
  {
    std::lock_guard lock(mu);
    std::erase_if(artifacts, [&](const auto& kv) { return kv.second.expires <= now; });
    if (artifacts.size() >= kMaxArtifacts) return ErrorPage(503, "Te veel openstaande artifacts.");
    artifacts[artifact] = StoredArtifact{std::move(message), v->sp_id, now + kArtifactLifetime};
  }
  http::Response r = Html(303, Page("Doorsturen", "<p>U wordt teruggestuurd naar de dienst.</p>"));
  r.headers.emplace_back("Location", profile->msg_url);
  return r;
}

http::Response DigidSim::Impl::HandleResolve(const http::Request& req) {
  auto fault = [](int status) {
    http::Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "ArtifactResolve refused\n";
    return r;
  };
  saml::ServerRef server = Lasso();
  if (!server) return fault(503);
  if (req.body.size() > saml::kMaxEncodedMessageBytes) return fault(413);
  if (!saml::CheckXmlAlgorithms(req.body)) return fault(400);
  saml::LoginRef login(lasso_login_new(server.get()));
  LassoProfile* profile = LASSO_PROFILE(login.get());
  lasso_profile_set_signature_verify_hint(profile, LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
  std::string body = req.body;
  int rc = lasso_login_process_request_msg(login.get(), body.data());
  if (rc != 0 || profile->signature_status != 0 || profile->request == nullptr ||
      !LASSO_IS_SAMLP2_ARTIFACT_RESOLVE(profile->request)) {
    return fault(400);
  }
  std::string artifact(Str(LASSO_SAMLP2_ARTIFACT_RESOLVE(profile->request)->Artifact));
  std::string requester(Str(profile->remote_providerID));
  std::optional<StoredArtifact> found;
  {
    std::lock_guard lock(mu);
    auto it = artifacts.find(artifact);
    if (it != artifacts.end()) {
      // Once only, whatever the outcome: a wrong requester burns the artifact too.
      if (it->second.sp_id == requester && it->second.expires > clock->Now()) {
        found = std::move(it->second);
      }
      artifacts.erase(it);
    }
  }
  if (found) lasso_profile_set_artifact_message(profile, found->message.c_str());
  rc = lasso_login_build_response_msg(login.get(), nullptr);
  if (rc != 0 || profile->msg_body == nullptr) return fault(500);
  http::Response r;
  r.content_type = "text/xml; charset=utf-8";
  r.body = profile->msg_body;
  return r;
}

}  // namespace volmacht::digidsim
