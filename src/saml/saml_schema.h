// Structural validation of incoming SAML messages, before lasso sees them.
//
//   XmlDocPtr doc = ...;                              // parsed by saml_common's strict parser
//   if (auto r = ValidateSamlStructure(doc.get()); !r) return Fail(r.error());
//
// Checks the document against the published schemas (SAML 2.0 protocol and assertion, XML
// Signature, XML Encryption, SOAP 1.1 envelope; embedded in the binary from src/saml/schemas,
// never fetched), then the profile rules the schemas leave optional but lasso relies on: every
// samlp:AuthnRequest, ArtifactResolve, Response and ArtifactResponse has a saml:Issuer with
// text (and an ArtifactResolve an Artifact with text), and a SOAP Body holds exactly one
// such message. Why:
// lasso 2.8 dereferences fields without checking them (an ArtifactResolve without an Issuer,
// with an element inside the Issuer, or without an Artifact crashed the whole process), so
// nothing that breaks the schema may reach it. Elements of other namespaces inside `any`
// slots (Extensions, AttributeValue) are checked where a schema for them is loaded (lax).
//
// Errors: kInvalidArgument (schema or profile rule broken); kInternal only when the embedded
// schemas cannot be compiled (a build defect).
// Thread-safety: the schemas are compiled once, on first use (thread-safe), and shared
// read-only; every call has its own validation context.
#pragma once

#include <libxml/tree.h>

#include <vector>

#include "common/result.h"

namespace volmacht::saml {

[[nodiscard]] Result<void> ValidateSamlStructure(const xmlDoc* doc);

namespace internal {
struct EmbeddedSchema {
  const char* name;  // file name, as schemaLocation attributes end
  const char* text;
};
// Generated from src/saml/schemas (saml_schemas.cc.in).
const std::vector<EmbeddedSchema>& EmbeddedSchemas();
}  // namespace internal

}  // namespace volmacht::saml
