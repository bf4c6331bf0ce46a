// libFuzzer target over the OIDC provider's parsers of outside input (src/oidc): the
// authorize query string, the token request (Authorization header + form body) and the
// userinfo Authorization header. Every input must get a value or an Error within the
// protocol's answers (never a crash, a hang, a redirect to an unregistered URI, or an
// oversized input accepted).
//
// Input: the whole input is tried as an authorize query and as a form; split at the first
// '\n' it is also "<Authorization header>\n<token form body>".
//   Build: wired by fuzz/CMakeLists.txt (volmacht_fuzz oidc_request), links volmacht_oidc.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/clock.h"
#include "common/crypto.h"
#include "http/form.h"
#include "oidc/oidc_provider.h"

namespace {

using volmacht::oidc::AuthorizeErrorRedirect;
using volmacht::oidc::AuthorizeRequest;
using volmacht::oidc::HttpAnswer;

constexpr char kRedirect[] = "https://rp.example/cb";

struct Fixture {
  Fixture() : clock(volmacht::Timestamp(std::chrono::seconds(1'800'000'000))) {
    std::string t = (std::filesystem::temp_directory_path() / "volmacht-oidc-fuzz-XXXXXX");
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    dir = t;
    volmacht::oidc::OidcConfig c;
    c.issuer = "https://localhost:8444/oidc";
    c.signing_key_file = dir + "/key.pem";
    c.max_codes = 64;
    auto p = volmacht::oidc::OidcProvider::Create(c,
                                                  {{"fuzz-rp",
                                                    volmacht::ToHex(volmacht::Sha256("s")),
                                                    {kRedirect},
                                                    *volmacht::Oin::Parse("00000003123456780000")}},
                                                  clock);
    if (!p) std::abort();
    provider = std::move(*p);
  }
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  volmacht::ManualClock clock;
  std::string dir;
  std::unique_ptr<volmacht::oidc::OidcProvider> provider;
};

bool HasHeader(const HttpAnswer& a, std::string_view name) {
  for (const auto& [k, v] : a.headers) {
    if (k == name && !v.empty()) return true;
  }
  return false;
}

void CheckAuthorize(volmacht::oidc::OidcProvider& p, std::string_view in) {
  auto r = p.ParseAuthorize(in);
  if (!r) {
    auto code = r.error().code;
    if (code != volmacht::ErrorCode::kInvalidArgument && code != volmacht::ErrorCode::kTooLarge &&
        code != volmacht::ErrorCode::kNotFound) {
      std::abort();
    }
    if (r.error().message.empty()) std::abort();
    return;
  }
  if (in.size() > volmacht::http::kMaxFormBytes) std::abort();
  if (const auto* e = std::get_if<AuthorizeErrorRedirect>(&*r)) {
    // Only ever back to the registered URI, with an error.
    if (e->url.rfind(std::string(kRedirect) + "?error=", 0) != 0) std::abort();
    return;
  }
  const auto& req = std::get<AuthorizeRequest>(*r);
  if (req.redirect_uri != kRedirect || req.code_challenge.size() != 43 || req.service.empty()) {
    std::abort();
  }
  // A valid request leads to a code in a redirect to the registered URI.
  std::optional<volmacht::Bsn> legal;
  if (req.representation != AuthorizeRequest::Representation::kNone) {
    legal = *volmacht::Bsn::Parse("111222333");
  }
  std::string url =
      p.IssueCode(req, *volmacht::Bsn::Parse("999993653"), legal, volmacht::Loa::kHoog);
  if (url.rfind(std::string(kRedirect) + "?code=", 0) != 0) std::abort();
}

void CheckToken(volmacht::oidc::OidcProvider& p, std::string_view header, std::string_view body) {
  HttpAnswer a = p.Token(body, header);
  if (a.status != 400 && a.status != 401) std::abort();  // no fuzz input knows a live code
  if (a.status == 401 && !HasHeader(a, "WWW-Authenticate")) std::abort();
  if (a.body.find("\"error\"") == std::string::npos) std::abort();
  HttpAnswer u = p.UserInfo(header);
  if (u.status != 401 || !HasHeader(u, "WWW-Authenticate")) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();  // one key for the whole run
  static struct Remover {
    ~Remover() { delete fixture; }
  } remover;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto form = volmacht::http::ParseForm(in, volmacht::http::kMaxFormBytes);
  if (form && in.size() > volmacht::http::kMaxFormBytes) std::abort();
  if (form) {
    for (const auto& [k, v] : form->pairs()) {  // OIDC parameters never hold control bytes
      if (k.empty()) std::abort();
      for (char c : k + v) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
      }
    }
  }
  CheckAuthorize(*fixture->provider, in);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) {
    CheckToken(*fixture->provider, "", in);
  } else {
    CheckToken(*fixture->provider, in.substr(0, nl), in.substr(nl + 1));
  }
  return 0;
}
