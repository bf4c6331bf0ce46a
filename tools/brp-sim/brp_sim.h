// BrpSim: a stand-in for the BRP Personen v2 API (`POST /personen`, query type
// RaadpleegMetBurgerservicenummer only) serving persons from a JSON file that holds an array
// of Persoon objects in the API's own response format. Never linked into the product.
//
//   auto sim = BrpSim::FromFile("data/brp-fixture.json");   // Result<BrpSim>
//   HttpServer srv(cfg);
//   sim->Mount(srv);   // routes POST /personen to Handle; sim must outlive srv
//
// Requests are validated like the real API: content type, type, burgerservicenummer (array of
// 1..20 strings of 9 digits), fields (1..130 known paths, none of the automatically delivered
// ones), optional gemeenteVanInschrijving, no unknown parameters; every fault is reported once
// in a 400 problem+json with invalidParams. The answer holds each known requested person,
// cut down to the requested field paths plus the automatically delivered fields.
// FailMode::kDown answers 503 problem+json; kGarbage answers 200 with a body that is not JSON.
//
// Thread-safety: after loading and configuration, Handle is const and may run on many threads.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "http/server.h"

namespace volmacht::brpsim {

enum class FailMode { kNone, kDown, kGarbage };

inline constexpr std::size_t kMaxPersonsFileBytes = 16 * 1024 * 1024;

class BrpSim {
 public:
  // Errors: kInvalidArgument when the text is not a JSON array of Persoon objects with unique
  // 9-digit burgerservicenummer strings; kTooLarge over kMaxPersonsFileBytes.
  [[nodiscard]] static Result<BrpSim> FromJson(std::string_view text);
  // As FromJson; kNotFound when the file cannot be read.
  [[nodiscard]] static Result<BrpSim> FromFile(const std::string& path);

  // Configure before serving.
  void set_fail_mode(FailMode m) { fail_mode_ = m; }
  void set_api_key(std::string key) { api_key_ = std::move(key); }  // "" = no key required

  std::size_t size() const { return persons_.size(); }
  http::Response Handle(const http::Request& req) const;
  void Mount(http::HttpServer& srv) const;

 private:
  std::map<std::string, nlohmann::json> persons_;  // by burgerservicenummer
  FailMode fail_mode_ = FailMode::kNone;
  std::string api_key_;
};

// "none" | "down" | "garbage".
[[nodiscard]] Result<FailMode> ParseFailMode(std::string_view s);

}  // namespace volmacht::brpsim
