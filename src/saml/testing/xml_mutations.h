// Test support: every single-step structural mutation of an XML message, for the structural
// mutation tests of the SAML entry points (combi_connect_mutation_test.cc, digid_sp_test.cc).
//
//   for (const Mutation& m : StructuralMutations(valid_xml)) Feed(m.xml);  // each must fail
//
// For each element in document order: removed, emptied (all children removed), duplicated
// (a copy right after it), given a child element (same namespace, local name "Extra"), its
// namespace dropped; for each attribute: removed, emptied; for each namespace declaration:
// removed. The root is never removed or duplicated (that is not a document); an edit that
// changes nothing once serialised and parsed again is left out. Deterministic:
// the same input gives the same list in the same order.
// Errors: none; XML that does not parse gives an empty list (callers assert it is not empty).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace volmacht::saml::testing {

struct Mutation {
  std::string what;  // e.g. "remove element #3 Issuer", for the failure message
  std::string path;  // local names from the root to the element changed, e.g. "Envelope/Body"
  std::string xml;
};

std::vector<Mutation> StructuralMutations(std::string_view xml);

// Raw DEFLATE (RFC 1951), as the HTTP-Redirect binding encodes a message before base64.
std::string RawDeflate(const std::string& in);

}  // namespace volmacht::saml::testing
