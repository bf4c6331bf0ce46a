#include "saml/saml_schema.h"

// saml_common.h first in this file's own includes: it brings glib and libxml2 before lasso.
#include "saml/saml_common.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include <memory>
#include <mutex>
#include <string_view>

namespace volmacht::saml {
namespace {

constexpr std::string_view kSamlNs = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr std::string_view kSamlpNs = "urn:oasis:names:tc:SAML:2.0:protocol";
constexpr std::string_view kSoapNs = "http://schemas.xmlsoap.org/soap/envelope/";

// The schema that pulls in all others; imports are answered from the embedded copies.
constexpr char kDriver[] =
    "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
    "targetNamespace=\"urn:volmacht:saml-schema-driver\">"
    "<xs:import namespace=\"http://schemas.xmlsoap.org/soap/envelope/\" "
    "schemaLocation=\"soap-envelope-1.1.xsd\"/>"
    "<xs:import namespace=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
    "schemaLocation=\"saml-schema-protocol-2.0.xsd\"/>"
    "</xs:schema>";

void Silent(void*, const char*, ...) {}
void SilentStructured(void*, xmlErrorPtr) {}

// Answers every import by the last path segment of its location from the embedded schemas
// and refuses everything else (no file, no network).
xmlParserInputPtr EmbeddedOnly(const char* url, const char*, xmlParserCtxtPtr ctxt) {
  if (url == nullptr) return nullptr;
  std::string_view u(url);
  std::string_view base = u.substr(u.find_last_of('/') == std::string_view::npos
                                       ? 0
                                       : u.find_last_of('/') + 1);
  for (const auto& s : internal::EmbeddedSchemas()) {
    if (base == s.name) {
      return xmlNewStringInputStream(ctxt, reinterpret_cast<const xmlChar*>(s.text));
    }
  }
  return nullptr;
}

struct SchemaDeleter {
  void operator()(xmlSchema* s) const { xmlSchemaFree(s); }
};

// Compiled once, in whichever thread first validates; the entity loader is swapped only for
// the duration of the compile (libxml2's loader is process-wide).
xmlSchema* Compiled() {
  static std::once_flag once;
  static std::unique_ptr<xmlSchema, SchemaDeleter> schema;
  std::call_once(once, [] {
    xmlExternalEntityLoader previous = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(EmbeddedOnly);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt(kDriver, sizeof kDriver - 1);
    if (pc != nullptr) {
      xmlSchemaSetParserErrors(pc, Silent, Silent, nullptr);
      schema.reset(xmlSchemaParse(pc));
      xmlSchemaFreeParserCtxt(pc);
    }
    xmlSetExternalEntityLoader(previous);
  });
  return schema.get();
}

bool IsProtocolMessage(const xmlNode* n) {
  return InNs(n, kSamlpNs) && (NameIs(n, "AuthnRequest") || NameIs(n, "ArtifactResolve") ||
                               NameIs(n, "Response") || NameIs(n, "ArtifactResponse"));
}

// Text with at least one non-blank character and no element inside (the schema allows an
// empty xs:string; lasso takes an empty Issuer or Artifact for a missing one).
bool HasText(const xmlNode* n) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return false;
    if (c->type != XML_TEXT_NODE || c->content == nullptr) continue;
    for (const xmlChar* p = c->content; *p != 0; ++p) {
      if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') return true;
    }
  }
  return false;
}

const xmlNode* Child(const xmlNode* n, std::string_view ns, const char* name) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && InNs(c, ns) && NameIs(c, name)) return c;
  }
  return nullptr;
}

// The profile's rules over a schema-valid protocol message.
bool ProfileAllows(const xmlNode* message) {
  const xmlNode* issuer = Child(message, kSamlNs, "Issuer");
  if (issuer == nullptr || !HasText(issuer)) return false;
  if (NameIs(message, "ArtifactResolve")) {
    const xmlNode* artifact = Child(message, kSamlpNs, "Artifact");
    return artifact != nullptr && HasText(artifact);
  }
  return true;
}

// Depth is bounded by the strict parser's check (saml_common) before this runs.
bool EveryMessageFollowsProfile(const xmlNode* n) {
  for (; n != nullptr; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (IsProtocolMessage(n) && !ProfileAllows(n)) return false;
    if (!EveryMessageFollowsProfile(n->children)) return false;
  }
  return true;
}

// A SOAP envelope carries exactly one SAML protocol message in its Body (SAML bindings
// 3.2.3.1); lasso loses the document of an envelope whose Body is empty and crashes on it.
bool EnvelopeAllows(const xmlNode* root) {
  if (!InNs(root, kSoapNs)) return true;
  const xmlNode* body = Child(root, kSoapNs, "Body");
  if (body == nullptr) return false;
  int messages = 0;
  for (const xmlNode* c = body->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (!IsProtocolMessage(c)) return false;
    ++messages;
  }
  return messages == 1;
}

}  // namespace

Result<void> ValidateSamlStructure(const xmlDoc* doc) {
  xmlSchema* schema = Compiled();
  if (schema == nullptr) return Fail(Error::Internal("embedded SAML schemas do not compile"));
  std::unique_ptr<xmlSchemaValidCtxt, decltype(&xmlSchemaFreeValidCtxt)> vc(
      xmlSchemaNewValidCtxt(schema), &xmlSchemaFreeValidCtxt);
  if (!vc) return Fail(Error::Internal("no schema validation context"));
  xmlSchemaSetValidStructuredErrors(vc.get(), SilentStructured, nullptr);
  // libxml2 takes a non-const document but does not change it during validation.
  int rc = xmlSchemaValidateDoc(vc.get(), const_cast<xmlDoc*>(doc));
  if (rc != 0) return Fail(Error::Invalid("SAML message does not match the schema"));
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (!EnvelopeAllows(root)) {
    return Fail(Error::Invalid("SOAP Body must hold exactly one SAML protocol message"));
  }
  if (!EveryMessageFollowsProfile(root)) {
    return Fail(Error::Invalid("SAML protocol message without an Issuer or Artifact text"));
  }
  return {};
}

}  // namespace volmacht::saml
