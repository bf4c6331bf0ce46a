// Request bodies of the REST API v1 (src/api/openapi.json), parsed into typed values by pure
// functions: no I/O, no clock, no service. The handlers in rest_api.cc call these; the fuzz
// target fuzz/api_json_fuzz.cc and requests_test.cc call them without a server.
//
//   Result<VerifyBody> v = ParseVerifyBody(R"({"gemachtigde":{"bsn":"..."}, ...})");
//
// Rules (docs/adr/0004-rest-api-shape.md): the body is one JSON object (at most kMaxDepth
// levels deep, at most kMaxBodyBytes); every field has one JSON type and `null` is never a
// value; unknown fields, duplicate keys and wrong types are rejected, never ignored. All field
// errors of a body are reported together as kInvalidArgument with one InvalidParam per field,
// named by its JSON path ("vertegenwoordigde.bsn", "diensten[1]"). Error messages never
// contain the input (it may be a BSN). Rules that need facts (dates in the past, end before
// start, too long, service unknown) are the service's: the parsers only check the format.
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/uuid.h"
#include "domain/identifiers.h"
#include "service/mandate_service.h"

namespace volmacht::api {

inline constexpr size_t kMaxBodyBytes = 64 * 1024;  // the server enforces it too (413)
inline constexpr int kMaxDepth = 4;                 // our deepest body nests 2 levels
inline constexpr size_t kMaxServices = 50;          // diensten per request
inline constexpr size_t kMaxStringBytes = 64;       // longest string field we accept

// POST /verificaties (provider itself).
struct VerifyBody {
  Party agent;
  Bsn principal;
  Uuid service;
  Loa loa = Loa::kMidden;
  uint64_t min_seq = 0;
  bool operator==(const VerifyBody&) const = default;
};

// POST /vertegenwoordigden/_zoek (provider itself).
struct ForWhomBody {
  Party agent;
  Uuid service;
  Loa loa = Loa::kMidden;
};

// Bodies that only identify the citizen logged in at the provider: {"burger":{"bsn":...}}.
// Approve, decline, withdraw, details, history.
struct CitizenBody {
  Bsn citizen;
};

// Revoke: the citizen, or nobody when the provider revokes a DIRECT mandate itself.
struct RevokeBody {
  std::optional<Bsn> citizen;
};

struct GrantBody {  // flow A: the citizen is the principal
  Bsn citizen;
  GrantRequest request;
};

struct AskBody {  // flow B: the citizen is the agent
  Bsn citizen;
  AskRequest request;
};

struct DirectBody {  // IF-SI-10: the citizen gives the provider itself a mandate
  Bsn citizen;
  DirectRequest request;
};

struct ActivationBody {  // preview and confirm: the citizen is the agent
  Bsn citizen;
  Bsn principal;
  std::string code;  // as typed; the service normalises and checks it
};

struct RestrictBody {
  Bsn citizen;
  RestrictRequest request;
};

enum class ListRole { kGiven, kReceived };  // "VERTEGENWOORDIGDE" / "GEMACHTIGDE"
struct ListBody {
  Bsn citizen;
  ListRole role = ListRole::kGiven;
};

[[nodiscard]] Result<VerifyBody> ParseVerifyBody(std::string_view body);
// The two halves of ParseVerifyBody, public for the equivalence test and the fuzz target.
// ScanVerifyBody (verify_scan.cc) is the hot call's fast path: a value only for a plainly
// written valid body, std::nullopt for anything else (not "invalid": "ask the general
// parser"). Invariant: when it gives a value, ParseVerifyBodyGeneral gives the same value.
[[nodiscard]] std::optional<VerifyBody> ScanVerifyBody(std::string_view body);
[[nodiscard]] Result<VerifyBody> ParseVerifyBodyGeneral(std::string_view body);
[[nodiscard]] Result<ForWhomBody> ParseForWhomBody(std::string_view body);
[[nodiscard]] Result<CitizenBody> ParseCitizenBody(std::string_view body);
[[nodiscard]] Result<RevokeBody> ParseRevokeBody(std::string_view body);
[[nodiscard]] Result<GrantBody> ParseGrantBody(std::string_view body);
[[nodiscard]] Result<AskBody> ParseAskBody(std::string_view body);
[[nodiscard]] Result<DirectBody> ParseDirectBody(std::string_view body);
[[nodiscard]] Result<ActivationBody> ParseActivationBody(std::string_view body);
[[nodiscard]] Result<RestrictBody> ParseRestrictBody(std::string_view body);
[[nodiscard]] Result<ListBody> ParseListBody(std::string_view body);

}  // namespace volmacht::api
