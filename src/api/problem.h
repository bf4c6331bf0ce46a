// Error -> HTTP for the REST API: the ONE place that maps an ErrorCode to a status and an
// application/problem+json body (RFC 9457: type, title, status, detail, instance, and the
// Dutch API Design Rules' invalidParams [{name, code, reason}]).
//
//   if (!r) return api::ErrorResponse(req, r.error());
//
// The problem's `instance` is the request's id (http::Request::id), which the server also
// writes in the request's log line; the answer carries Error::Reason() for that line
// (http::Response::error_reason). Details of kInternal errors are replaced by a generic text
// (they may say how we work inside); every other message is passed on, and never contains a
// BSN (Error's contract).
// Every response carries the API-Version header. Pure; thread-safe.
#pragma once

#include <string_view>

#include "common/result.h"
#include "http/server.h"

namespace volmacht::api {

inline constexpr std::string_view kApiVersion = "1.0.0";

// ErrorCode -> HTTP status: kInvalidArgument 400, kRuleViolation 422, kNotFound 404,
// kForbidden 403, kConflict 409, kTooLarge 413, kLocked 423, kUnavailable 503,
// kBadGateway 502, kInternal 500.
int HttpStatus(ErrorCode code);

// The problem+json response to `req` for an error of the service or of a request parser.
http::Response ErrorResponse(const http::Request& req, const Error& e);

// A problem+json response for protocol-level refusals that have no ErrorCode (401, 415);
// `reason` goes to the log line.
http::Response ProblemResponse(const http::Request& req, int status, std::string_view title,
                               std::string_view detail, std::string_view reason);

}  // namespace volmacht::api
