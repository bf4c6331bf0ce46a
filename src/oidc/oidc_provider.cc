#include "oidc/oidc_provider.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_map>

#include "common/crypto.h"
#include "domain/catalogue.h"
#include "http/form.h"
#include "oidc/jose.h"

namespace volmacht::oidc {
namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kMaxStateLength = 2048;
constexpr size_t kMaxNonceLength = 512;
constexpr size_t kMaxTokenLength = 512;  // presented codes and access tokens
constexpr size_t kRandomTokenBytes = 32;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsBase64UrlChars(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// RFC 7636 section 4.1: 43..128 characters of [A-Za-z0-9-._~].
bool IsValidVerifier(std::string_view v) {
  if (v.size() < 43 || v.size() > 128) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
  });
}

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string DigestText(const Digest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

// Stored keys of codes and tokens: the SHA-256 of the secret value, so a memory dump or a
// debugger does not hand out live credentials.
std::string StoreKey(std::string_view secret) { return ToHex(Sha256(secret)); }

bool ParseHexDigest(std::string_view hex, Digest* out) {
  if (hex.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    int v = 0;
    for (size_t k = 0; k < 2; ++k) {
      char c = hex[2 * i + k];
      int n;
      if (c >= '0' && c <= '9') {
        n = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        n = c - 'a' + 10;
      } else {
        return false;
      }
      v = v * 16 + n;
    }
    (*out)[i] = static_cast<uint8_t>(v);
  }
  return true;
}

struct RegisteredClient {
  OidcClient client;
  Digest secret_digest{};
};

struct CodeEntry {
  std::string client_id, redirect_uri, code_challenge, nonce, scope;
  Bsn acting;
  std::optional<Bsn> legal;
  Uuid service;
  Loa loa = Loa::kBasis;
  Oin provider;
  Timestamp auth_time, expires, keep_until;
  bool used = false;
  std::string token_key;  // store key of the access token issued from this code
};

struct TokenEntry {
  std::string client_id, sub;
  Bsn acting;
  std::optional<Bsn> legal;
  Uuid service;
  Loa loa = Loa::kBasis;
  Timestamp expires;
};

// An expiring map, bounded: entries leave when their keep-until time has passed (swept on
// every insert) or, when full, oldest first. Not thread-safe; the provider's mutex guards it.
template <typename Entry>
class ExpiringStore {
 public:
  explicit ExpiringStore(size_t max) : max_(std::max<size_t>(max, 1)) {}

  Entry* Find(const std::string& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  void Erase(const std::string& key) { map_.erase(key); }
  void Insert(std::string key, Entry e, Timestamp keep_until, Timestamp now) {
    Sweep(now);
    while (map_.size() >= max_ && !order_.empty()) {
      map_.erase(order_.front().second);
      order_.pop_front();
    }
    order_.emplace_back(keep_until, key);
    map_.insert_or_assign(std::move(key), std::move(e));
  }
  // An entry now kept longer than first planned (a spent code that must be remembered for as
  // long as its token lives) goes to the back of the queue again.
  void Extend(const std::string& key, Timestamp keep_until) {
    order_.emplace_back(keep_until, key);
  }
  size_t size() const { return map_.size(); }

 private:
  void Sweep(Timestamp now) {
    while (!order_.empty() && order_.front().first <= now) {
      auto [when, key] = std::move(order_.front());
      order_.pop_front();
      auto it = map_.find(key);
      if (it != map_.end() && KeepUntil(it->second) <= now) map_.erase(it);
    }
  }
  static Timestamp KeepUntil(const CodeEntry& e) { return e.keep_until; }
  static Timestamp KeepUntil(const TokenEntry& e) { return e.expires; }

  size_t max_;
  std::unordered_map<std::string, Entry> map_;
  std::deque<std::pair<Timestamp, std::string>> order_;
};

int64_t EpochSeconds(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

HttpAnswer JsonAnswer(int status, const Json& body) {
  return HttpAnswer{status,
                    body.dump(),
                    {{"Content-Type", "application/json"},
                     {"Cache-Control", "no-store"},
                     {"Pragma", "no-cache"}}};
}

HttpAnswer OAuthError(int status, std::string_view error, std::string_view description) {
  Json body = {{"error", error}, {"error_description", description}};
  HttpAnswer a = JsonAnswer(status, body);
  if (status == 401) a.headers.emplace_back("WWW-Authenticate", "Basic realm=\"volmacht\"");
  return a;
}

}  // namespace

struct OidcProvider::Impl {
  Impl(OidcConfig c, const Clock& clk, EcSigningKey k, std::string pw)
      : config(std::move(c)),
        clock(clk),
        key(std::move(k)),
        pairwise_key(std::move(pw)),
        codes(config.max_codes),
        tokens(config.max_tokens) {}

  OidcConfig config;
  const Clock& clock;
  const EcSigningKey key;
  const std::string pairwise_key;

  mutable std::mutex mu;
  std::unordered_map<std::string, RegisteredClient> clients;  // guarded by mu
  ExpiringStore<CodeEntry> codes;                             // guarded by mu
  ExpiringStore<TokenEntry> tokens;                           // guarded by mu

  // OIDC Core 8.1 pairwise subject with the provider (organisation) as sector: stable for one
  // person across the provider's clients, unlinkable between providers, never the BSN.
  std::string PairwiseSubject(const Oin& provider, const Bsn& acting) const {
    std::string input = "oidc-sub-v1";
    input.push_back('\0');
    input += provider.str();
    input.push_back('\0');
    input += acting.str();
    return Base64UrlEncode(DigestText(HmacSha256(pairwise_key, input)));
  }

  std::string RedirectWith(const std::string& redirect_uri, std::string_view state,
                           std::vector<std::pair<std::string, std::string>> params) const {
    if (!state.empty()) params.emplace_back("state", std::string(state));
    params.emplace_back("iss", config.issuer);  // RFC 9207 mix-up defence
    return http::AppendQuery(redirect_uri, params);
  }
};

OidcProvider::OidcProvider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OidcProvider::~OidcProvider() = default;

const std::string& OidcProvider::issuer() const { return impl_->config.issuer; }

Result<std::unique_ptr<OidcProvider>> OidcProvider::Create(OidcConfig config,
                                                           std::vector<OidcClient> clients,
                                                           const Clock& clock) {
  const std::string& iss = config.issuer;
  if (!StartsWith(iss, "https://") || iss.size() <= 8 || iss.size() > 512 || iss.back() == '/' ||
      iss.find_first_of("?#") != std::string::npos) {
    return Fail(Error::Invalid(
        "issuer moet een https-URL zijn zonder query, fragment of '/' aan het eind"));
  }
  if (config.code_ttl <= std::chrono::seconds(0) || config.token_ttl <= std::chrono::seconds(0)) {
    return Fail(Error::Invalid("code_ttl en token_ttl moeten positief zijn"));
  }
  if (config.signing_key_file.empty()) return Fail(Error::Invalid("signing_key_file ontbreekt"));
  if (auto r = EnsureEs256KeyFile(config.signing_key_file); !r) return Fail(r.error());
  auto key = EcSigningKey::Load(config.signing_key_file);
  if (!key) return Fail(key.error());

  std::string pw_file = config.pairwise_key_file.empty() ? config.signing_key_file + ".pairwise"
                                                         : config.pairwise_key_file;
  if (auto r = WriteSecretFile(pw_file, ToHex(RandomBytes(32)) + "\n"); !r) {
    return Fail(r.error());
  }
  std::ifstream in(pw_file);
  std::string hex;
  if (!in || !std::getline(in, hex)) {
    return Fail(Error::Unavailable("Pairwise-sleutelbestand niet leesbaar"));
  }
  Digest pw{};
  if (!ParseHexDigest(hex, &pw)) {
    return Fail(Error::Invalid("Pairwise-sleutelbestand bevat geen 64 hexcijfers"));
  }
  auto impl = std::make_unique<Impl>(std::move(config), clock, std::move(*key), DigestText(pw));
  std::unique_ptr<OidcProvider> p(new OidcProvider(std::move(impl)));
  if (auto r = p->SetClients(std::move(clients)); !r) return Fail(r.error());
  return p;
}

Result<void> OidcProvider::SetClients(std::vector<OidcClient> clients) {
  std::unordered_map<std::string, RegisteredClient> next;
  for (OidcClient& c : clients) {
    // The same rules as the catalogue applies when the registration is saved.
    if (auto ok = CheckOidcClient({c.client_id, c.secret_sha256_hex, c.redirect_uris}); !ok) {
      return Fail(ok.error());
    }
    RegisteredClient rc;
    if (!ParseHexDigest(c.secret_sha256_hex, &rc.secret_digest)) {
      return Fail(Error::Invalid("secret_sha256_hex moet 64 kleine hexcijfers zijn"));
    }
    std::string id = c.client_id;
    rc.client = std::move(c);
    if (!next.emplace(id, std::move(rc)).second) {
      return Fail(Error::Invalid("client_id dubbel geregistreerd"));
    }
  }
  std::lock_guard lock(impl_->mu);
  impl_->clients = std::move(next);
  return {};
}

std::string OidcProvider::DiscoveryJson() const {
  const std::string& iss = impl_->config.issuer;
  Json acr = Json::array();
  for (Loa l : {Loa::kBasis, Loa::kMidden, Loa::kSubstantieel, Loa::kHoog}) {
    acr.push_back(LoaSamlClassRef(l));
  }
  Json doc = {
      {"issuer", iss},
      {"authorization_endpoint", iss + "/authorize"},
      {"token_endpoint", iss + "/token"},
      {"userinfo_endpoint", iss + "/userinfo"},
      {"jwks_uri", iss + "/jwks"},
      {"scopes_supported", {"openid"}},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported", {"authorization_code"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"subject_types_supported", {"pairwise"}},
      {"id_token_signing_alg_values_supported", {"ES256"}},
      {"token_endpoint_auth_methods_supported", {"client_secret_basic", "client_secret_post"}},
      {"claims_supported",
       {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", kClaimActing, kClaimLegal,
        kClaimService}},
      {"acr_values_supported", acr},
      {"claims_parameter_supported", false},
      {"request_parameter_supported", false},
      {"request_uri_parameter_supported", false},
      {"authorization_response_iss_parameter_supported", true},
  };
  return doc.dump();
}

std::string OidcProvider::JwksJson() const {
  return R"({"keys":[)" + impl_->key.public_jwk_json() + "]}";
}

Result<AuthorizeOutcome> OidcProvider::ParseAuthorize(std::string_view query) const {
  auto form = http::ParseForm(query, http::kMaxFormBytes);
  if (!form) return Fail(form.error());
  auto client_id = form->Get("client_id");
  if (!client_id || client_id->empty()) return Fail(Error::Invalid("client_id ontbreekt"));
  auto redirect_uri = form->Get("redirect_uri");
  if (!redirect_uri || redirect_uri->empty()) {
    return Fail(Error::Invalid("redirect_uri ontbreekt"));
  }
  AuthorizeRequest req;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->clients.find(*client_id);
    if (it == impl_->clients.end()) return Fail(Error::NotFound("Onbekende client"));
    const auto& uris = it->second.client.redirect_uris;
    if (std::find(uris.begin(), uris.end(), *redirect_uri) == uris.end()) {
      return Fail(Error::Invalid("redirect_uri is niet geregistreerd voor deze client"));
    }
    req.provider = it->second.client.provider;
  }
  req.client_id = *client_id;
  req.redirect_uri = *redirect_uri;
  req.state = form->Get("state").value_or("");

  // From here on the redirect URI is trusted: errors go back to the client.
  auto fail = [&](std::string_view error, std::string_view description) -> AuthorizeOutcome {
    return AuthorizeErrorRedirect{ErrorRedirect(req, error, description)};
  };
  if (req.state.size() > kMaxStateLength) return fail("invalid_request", "state too long");
  if (form->Get("request")) return fail("request_not_supported", "request objects not supported");
  if (form->Get("request_uri")) {
    return fail("request_uri_not_supported", "request_uri not supported");
  }
  auto response_type = form->Get("response_type");
  if (!response_type) return fail("invalid_request", "response_type missing");
  if (*response_type != "code") {
    return fail("unsupported_response_type", "only response_type=code is supported");
  }
  if (auto mode = form->Get("response_mode"); mode && *mode != "query") {
    return fail("invalid_request", "only response_mode=query is supported");
  }

  auto scope = form->Get("scope");
  if (!scope) return fail("invalid_scope", "scope missing");
  bool openid = false;
  int services = 0;
  for (std::string_view token : SplitSpaces(*scope)) {
    if (token == "openid") {
      openid = true;
    } else if (StartsWith(token, kServiceScopePrefix)) {
      auto uuid = Uuid::Parse(token.substr(kServiceScopePrefix.size()));
      if (!uuid) return fail("invalid_scope", "ServiceUUID scope is not a UUID");
      req.service = *uuid;
      ++services;
    } else {
      return fail("invalid_scope", "unknown scope value");
    }
  }
  if (!openid) return fail("invalid_scope", "scope must contain openid");
  if (services != 1) {
    return fail("invalid_scope", "scope must name exactly one urn:nl-eid-gdi:1.0:ServiceUUID");
  }
  req.scope = *scope;

  auto method = form->Get("code_challenge_method");
  auto challenge = form->Get("code_challenge");
  if (!challenge) return fail("invalid_request", "PKCE code_challenge required");
  if (!method || *method != "S256") {
    return fail("invalid_request", "code_challenge_method must be S256");
  }
  // BASE64URL(SHA-256(verifier)) is always 43 characters.
  if (challenge->size() != 43 || !IsBase64UrlChars(*challenge)) {
    return fail("invalid_request", "code_challenge malformed");
  }
  req.code_challenge = *challenge;

  req.nonce = form->Get("nonce").value_or("");
  if (req.nonce.size() > kMaxNonceLength) return fail("invalid_request", "nonce too long");

  if (auto acr = form->Get("acr_values")) {
    bool any = false;
    for (std::string_view ref : SplitSpaces(*acr)) {
      auto loa = LoaFromSamlClassRef(ref);
      if (!loa) return fail("invalid_request", "unknown acr value");
      if (!any || *loa < req.min_loa) req.min_loa = *loa;
      any = true;
    }
  }

  if (auto rep = form->Get("vertegenwoordiging")) {
    if (*rep == "optioneel") {
      req.representation = AuthorizeRequest::Representation::kOptional;
    } else if (*rep == "verplicht") {
      req.representation = AuthorizeRequest::Representation::kMandatory;
    } else {
      return fail("invalid_request", "vertegenwoordiging must be optioneel or verplicht");
    }
  }
  return AuthorizeOutcome(std::move(req));
}

std::string OidcProvider::IssueCode(const AuthorizeRequest& request, const Bsn& acting,
                                    const std::optional<Bsn>& legal, Loa loa) {
  using Rep = AuthorizeRequest::Representation;
  if (legal && request.representation == Rep::kNone) {
    throw std::invalid_argument("IssueCode: representation was not asked for");
  }
  if (!legal && request.representation == Rep::kMandatory) {
    throw std::invalid_argument("IssueCode: representation is mandatory");
  }
  if (loa < request.min_loa) throw std::invalid_argument("IssueCode: LoA below the minimum");
  Timestamp now = impl_->clock.Now();
  std::string code = Base64UrlEncode(RandomBytes(kRandomTokenBytes));
  CodeEntry e;
  e.client_id = request.client_id;
  e.redirect_uri = request.redirect_uri;
  e.code_challenge = request.code_challenge;
  e.nonce = request.nonce;
  e.scope = request.scope;
  e.acting = acting;
  e.legal = legal;
  e.service = request.service;
  e.loa = loa;
  e.provider = request.provider;
  e.auth_time = now;
  e.expires = now + impl_->config.code_ttl;
  e.keep_until = e.expires;
  {
    std::lock_guard lock(impl_->mu);
    impl_->codes.Insert(StoreKey(code), std::move(e), now + impl_->config.code_ttl, now);
  }
  return impl_->RedirectWith(request.redirect_uri, request.state, {{"code", code}});
}

std::string OidcProvider::ErrorRedirect(const AuthorizeRequest& request, std::string_view error,
                                        std::string_view description) const {
  std::vector<std::pair<std::string, std::string>> params{{"error", std::string(error)}};
  if (!description.empty()) params.emplace_back("error_description", std::string(description));
  return impl_->RedirectWith(request.redirect_uri, request.state, std::move(params));
}

HttpAnswer OidcProvider::Token(std::string_view form_body, std::string_view authorization_header) {
  if (form_body.size() > http::kMaxFormBytes ||
      authorization_header.size() > http::kMaxFormBytes) {
    return OAuthError(400, "invalid_request", "request too large");
  }
  auto form = http::ParseForm(form_body, http::kMaxFormBytes);
  if (!form) return OAuthError(400, "invalid_request", "malformed form body");

  // Client authentication: exactly one of client_secret_basic and client_secret_post.
  std::string client_id, secret;
  auto body_id = form->Get("client_id");
  auto body_secret = form->Get("client_secret");
  if (!authorization_header.empty()) {
    if (body_secret) return OAuthError(400, "invalid_request", "more than one authentication");
    constexpr std::string_view kBasic = "basic ";
    if (authorization_header.size() <= kBasic.size() ||
        !EqualsIgnoreCase(authorization_header.substr(0, kBasic.size()), kBasic)) {
      return OAuthError(401, "invalid_client", "unsupported authentication scheme");
    }
    auto decoded = Base64Decode(authorization_header.substr(kBasic.size()));
    size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) return OAuthError(401, "invalid_client", "malformed Basic");
    // RFC 6749 section 2.3.1: both parts are form-urlencoded before base64.
    auto id = http::FormDecode(std::string_view(*decoded).substr(0, colon));
    auto sec = http::FormDecode(std::string_view(*decoded).substr(colon + 1));
    if (!id || !sec) return OAuthError(401, "invalid_client", "malformed Basic");
    client_id = std::move(*id);
    secret = std::move(*sec);
    if (body_id && *body_id != client_id) {
      return OAuthError(400, "invalid_request", "client_id differs from Basic authentication");
    }
  } else if (body_id && body_secret) {
    client_id = *body_id;
    secret = *body_secret;
  } else {
    return OAuthError(401, "invalid_client", "client authentication required");
  }

  Digest presented = Sha256(secret);
  bool authenticated = false;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->clients.find(client_id);
    // Compare against something even for an unknown client, so timing tells nothing.
    static const Digest kNoSecret = Sha256("volmacht-oidc-no-such-client");
    const Digest& expected = it == impl_->clients.end() ? kNoSecret : it->second.secret_digest;
    authenticated = DigestEquals(presented, expected) && it != impl_->clients.end();
  }
  if (!authenticated) return OAuthError(401, "invalid_client", "client authentication failed");

  auto grant_type = form->Get("grant_type");
  if (!grant_type) return OAuthError(400, "invalid_request", "grant_type missing");
  if (*grant_type != "authorization_code") {
    return OAuthError(400, "unsupported_grant_type", "only authorization_code is supported");
  }
  auto code = form->Get("code");
  if (!code || code->empty()) return OAuthError(400, "invalid_request", "code missing");
  if (code->size() > kMaxTokenLength) return OAuthError(400, "invalid_grant", "unknown code");

  Timestamp now = impl_->clock.Now();
  CodeEntry grant;
  std::string code_key = StoreKey(*code);
  {
    std::lock_guard lock(impl_->mu);
    CodeEntry* e = impl_->codes.Find(code_key);
    if (e == nullptr) return OAuthError(400, "invalid_grant", "unknown or expired code");
    if (e->used) {
      // RFC 6749 section 4.1.2: a second use means the code leaked; revoke what it gave.
      if (!e->token_key.empty()) impl_->tokens.Erase(e->token_key);
      e->token_key.clear();
      return OAuthError(400, "invalid_grant", "code already used");
    }
    e->used = true;  // spent by this presentation, whatever its outcome
    grant = *e;
  }
  if (grant.client_id != client_id) {
    return OAuthError(400, "invalid_grant", "code of another client");
  }
  if (now >= grant.expires) return OAuthError(400, "invalid_grant", "code expired");
  if (form->Get("redirect_uri") != grant.redirect_uri) {
    return OAuthError(400, "invalid_grant", "redirect_uri differs from the authorization request");
  }
  auto verifier = form->Get("code_verifier");
  if (!verifier || !IsValidVerifier(*verifier)) {
    return OAuthError(400, "invalid_grant", "code_verifier missing or malformed");
  }
  std::string computed = Base64UrlEncode(DigestText(Sha256(*verifier)));
  if (computed.size() != grant.code_challenge.size() ||
      CRYPTO_memcmp(computed.data(), grant.code_challenge.data(), computed.size()) != 0) {
    return OAuthError(400, "invalid_grant", "code_verifier does not match code_challenge");
  }

  std::string sub = impl_->PairwiseSubject(grant.provider, grant.acting);
  Timestamp expires = now + impl_->config.token_ttl;
  Json claims = {{"iss", impl_->config.issuer},
                 {"sub", sub},
                 {"aud", client_id},
                 {"exp", EpochSeconds(expires)},
                 {"iat", EpochSeconds(now)},
                 {"auth_time", EpochSeconds(grant.auth_time)}};
  if (!grant.nonce.empty()) claims["nonce"] = grant.nonce;
  claims["acr"] = LoaSamlClassRef(grant.loa);
  claims[std::string(kClaimActing)] = grant.acting.str();
  if (grant.legal) claims[std::string(kClaimLegal)] = grant.legal->str();
  claims[std::string(kClaimService)] = grant.service.str();
  std::string id_token = impl_->key.SignJws(claims.dump());

  std::string access_token = Base64UrlEncode(RandomBytes(kRandomTokenBytes));
  std::string token_key = StoreKey(access_token);
  {
    std::lock_guard lock(impl_->mu);
    CodeEntry* e = impl_->codes.Find(code_key);
    if (e == nullptr || !e->token_key.empty() || !e->used) {
      // Swept or reused meanwhile: do not hand out a token the reuse could not revoke.
      return OAuthError(400, "invalid_grant", "code no longer valid");
    }
    e->token_key = token_key;
    if (expires > e->keep_until) {
      e->keep_until = expires;
      impl_->codes.Extend(code_key, expires);
    }
    TokenEntry t{client_id, sub, grant.acting, grant.legal, grant.service, grant.loa, expires};
    impl_->tokens.Insert(token_key, std::move(t), expires, now);
  }
  Json body = {{"access_token", access_token},
               {"token_type", "Bearer"},
               {"expires_in", impl_->config.token_ttl.count()},
               {"id_token", id_token},
               {"scope", grant.scope}};
  return JsonAnswer(200, body);
}

HttpAnswer OidcProvider::UserInfo(std::string_view authorization_header) const {
  auto unauthorized = [](std::string_view error) {
    HttpAnswer a = JsonAnswer(401, Json{{"error", error.empty() ? "invalid_request" : error}});
    a.headers.emplace_back("WWW-Authenticate",
                           error.empty()
                               ? std::string("Bearer realm=\"volmacht\"")
                               : "Bearer realm=\"volmacht\", error=\"" + std::string(error) + "\"");
    return a;
  };
  constexpr std::string_view kBearer = "bearer ";
  if (authorization_header.empty()) return unauthorized("");
  if (authorization_header.size() <= kBearer.size() ||
      !EqualsIgnoreCase(authorization_header.substr(0, kBearer.size()), kBearer)) {
    return unauthorized("invalid_token");
  }
  std::string_view token = authorization_header.substr(kBearer.size());
  if (token.size() > kMaxTokenLength || !IsBase64UrlChars(token)) {
    return unauthorized("invalid_token");
  }
  Timestamp now = impl_->clock.Now();
  TokenEntry t;
  {
    std::lock_guard lock(impl_->mu);
    TokenEntry* found = impl_->tokens.Find(StoreKey(token));
    if (found == nullptr || now >= found->expires) return unauthorized("invalid_token");
    t = *found;
  }
  Json body = {{"sub", t.sub}, {"acr", LoaSamlClassRef(t.loa)}};
  body[std::string(kClaimActing)] = t.acting.str();
  if (t.legal) body[std::string(kClaimLegal)] = t.legal->str();
  body[std::string(kClaimService)] = t.service.str();
  return JsonAnswer(200, body);
}

}  // namespace volmacht::oidc
