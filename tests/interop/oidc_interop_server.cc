// oidc_interop_server: a test-only HTTPS server around OidcProvider, so an independent client
// (openid-client, tests/interop/openid_client/run.mjs) can run the whole code + PKCE flow.
// The "login" is fake: every authorize request is answered at once as if the person with
// --acting had logged in at --loa and (when the request asks for representation) chosen to
// act for --legal. Never part of the product.
//
//   oidc_interop_server [--acting BSN] [--legal BSN] [--loa 10|20|25|30] [-- CMD ARGS...]
//
// With a command: starts the server, runs CMD with "{url}" and "{ca}" in its arguments
// replaced by the issuer URL and the CA file (NODE_EXTRA_CA_CERTS is set to it too), stops
// and exits with the command's exit status. Without one: prints the issuer URL and CA file
// and serves until standard input closes. Client: id "interop-rp", secret "interop-secret",
// redirect URI "http://127.0.0.1/interop-callback".
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "dev_certs.h"
#include "http/server.h"
#include "oidc/oidc_provider.h"

namespace {

using volmacht::Bsn;
using volmacht::Loa;
namespace http = volmacht::http;
namespace oidc = volmacht::oidc;

constexpr char kClientId[] = "interop-rp";
constexpr char kClientSecret[] = "interop-secret";
constexpr char kRedirectUri[] = "http://127.0.0.1/interop-callback";

http::Response ToResponse(const oidc::HttpAnswer& a) {
  http::Response r;
  r.status = a.status;
  r.body = a.body;
  r.content_type.clear();
  for (const auto& [k, v] : a.headers) {
    if (k == "Content-Type") {
      r.content_type = v;
    } else {
      r.headers.emplace_back(k, v);
    }
  }
  return r;
}

http::Response Redirect(const std::string& location) {
  http::Response r;
  r.status = 302;
  r.content_type.clear();
  r.headers.emplace_back("Location", location);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

int Usage() {
  std::fprintf(stderr,
               "usage: oidc_interop_server [--acting BSN] [--legal BSN] [--loa N] "
               "[-- CMD ARGS...]\n");
  return 2;
}

int RunChild(std::vector<std::string> args, const std::string& url, const std::string& ca) {
  for (std::string& a : args) {
    if (a == "{url}") a = url;
    if (a == "{ca}") a = ca;
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    ::setenv("NODE_EXTRA_CA_CERTS", ca.c_str(), 1);
    ::execvp(argv[0], argv.data());
    std::perror("exec");
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string acting_text = "999993653";
  std::string legal_text = "111222333";
  int loa_level = 25;
  std::vector<std::string> command;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      command.assign(argv + i + 1, argv + argc);
      break;
    }
    if (i + 1 >= argc) return Usage();
    if (a == "--acting") {
      acting_text = argv[++i];
    } else if (a == "--legal") {
      legal_text = argv[++i];
    } else if (a == "--loa") {
      loa_level = std::atoi(argv[++i]);
    } else {
      return Usage();
    }
  }
  auto acting = Bsn::Parse(acting_text);
  auto legal = Bsn::Parse(legal_text);
  auto loa = volmacht::ParseLoa(loa_level);
  if (!acting || !legal || !loa) {
    std::fprintf(stderr, "oidc_interop_server: invalid --acting, --legal or --loa\n");
    return 2;
  }

  std::string dir = (std::filesystem::temp_directory_path() / "volmacht-oidc-interop-XXXXXX");
  if (::mkdtemp(dir.data()) == nullptr) return 1;
  struct Cleanup {
    std::string d;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  } cleanup{dir};
  if (auto r = volmacht::devcerts::MakeDevCerts(dir, {"localhost"}, {}); !r) {
    std::fprintf(stderr, "oidc_interop_server: certificates: %s\n", r.error().message.c_str());
    return 1;
  }

  volmacht::SystemClock clock;
  std::unique_ptr<oidc::OidcProvider> provider;  // set before the URL is known to anyone
  http::ServerConfig cfg;
  cfg.tls = true;
  cfg.tls_config.cert_file = dir + "/server.pem";
  cfg.tls_config.key_file = dir + "/server-key.pem";
  http::HttpServer server(cfg);
  auto& p = provider;
  server.Route("GET", "/oidc/.well-known/openid-configuration", http::Mode::kInline,
               [&p](const http::Request&) {
                 http::Response r;
                 r.body = p->DiscoveryJson();
                 return r;
               });
  server.Route("GET", "/oidc/jwks", http::Mode::kInline, [&p](const http::Request&) {
    http::Response r;
    r.content_type = "application/jwk-set+json";
    r.body = p->JwksJson();
    return r;
  });
  Bsn agent = *acting;
  Bsn principal = *legal;
  Loa login_loa = *loa;
  server.Route("GET", "/oidc/authorize", http::Mode::kInline,
               [&p, agent, principal, login_loa](const http::Request& req) {
                 auto parsed = p->ParseAuthorize(req.query);
                 if (!parsed) {
                   return http::Problem(400, "Ongeldig verzoek", parsed.error().message);
                 }
                 if (auto* e = std::get_if<oidc::AuthorizeErrorRedirect>(&*parsed)) {
                   return Redirect(e->url);
                 }
                 const auto& ar = std::get<oidc::AuthorizeRequest>(*parsed);
                 if (login_loa < ar.min_loa) {
                   return Redirect(p->ErrorRedirect(ar, "access_denied", "LoA too low"));
                 }
                 std::optional<Bsn> for_whom;
                 if (ar.representation != oidc::AuthorizeRequest::Representation::kNone) {
                   for_whom = principal;
                 }
                 return Redirect(p->IssueCode(ar, agent, for_whom, login_loa));
               });
  server.Route("POST", "/oidc/token", http::Mode::kInline, [&p](const http::Request& req) {
    return ToResponse(p->Token(req.body, req.Header("authorization")));
  });
  for (const char* method : {"GET", "POST"}) {
    server.Route(method, "/oidc/userinfo", http::Mode::kInline, [&p](const http::Request& req) {
      return ToResponse(p->UserInfo(req.Header("authorization")));
    });
  }
  server.Start();

  std::string issuer = "https://127.0.0.1:" + std::to_string(server.port()) + "/oidc";
  oidc::OidcConfig oc;
  oc.issuer = issuer;
  oc.signing_key_file = dir + "/oidc-signing.pem";
  oidc::OidcClient client{kClientId,
                          volmacht::ToHex(volmacht::Sha256(kClientSecret)),
                          {kRedirectUri},
                          *volmacht::Oin::Parse("00000003123456780000")};
  auto created = oidc::OidcProvider::Create(oc, {client}, clock);
  if (!created) {
    std::fprintf(stderr, "oidc_interop_server: %s\n", created.error().message.c_str());
    server.Stop();
    return 1;
  }
  provider = std::move(*created);

  int rc = 0;
  std::string ca = dir + "/ca.pem";
  if (command.empty()) {
    std::cout << issuer << "\n" << ca << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
    }
  } else {
    rc = RunChild(command, issuer, ca);
  }
  server.Stop();
  return rc;
}
