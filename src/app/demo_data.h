// The demo catalogue and demo mandates that `serve --demo` and `demo-seed` create, through
// the same admin and use-case path an operator and citizens use (no back door into the
// store). Fictitious organisations and persons only (persons from data/brp-fixture.json).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "service/mandate_service.h"

namespace volmacht::app {

struct DemoProvider {
  std::string oin;
  std::string name;
  std::string cert_stem;  // client certificate file stem made by dev-certs
};

// The demo providers (for dev-certs and for printing).
const std::vector<DemoProvider>& DemoProviders();

struct DemoIdentity {
  std::string bsn;
  std::string name;
  std::string role;  // what the demo uses this person for
};
const std::vector<DemoIdentity>& DemoIdentities();

// Creates the demo catalogue (when no provider exists yet) and a few ACTIVE demo mandates.
// Idempotent: does nothing when the catalogue is already there.
[[nodiscard]] Result<void> SeedDemo(MandateService& service, const std::string& certs_dir);

}  // namespace volmacht::app
