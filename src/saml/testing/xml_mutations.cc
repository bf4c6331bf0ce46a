#include "saml/testing/xml_mutations.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zlib.h>

#include <functional>
#include <memory>

namespace volmacht::saml::testing {
namespace {

struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocDeleter>;

Doc Parse(std::string_view xml) {
  return Doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "m.xml", nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

std::string Serialise(xmlDoc* doc) {
  xmlChar* out = nullptr;
  int len = 0;
  xmlDocDumpMemory(doc, &out, &len);
  std::string s(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  xmlFree(out);
  return s;
}

void Elements(xmlNode* n, std::vector<xmlNode*>* out) {
  for (; n != nullptr; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    out->push_back(n);
    Elements(n->children, out);
  }
}

std::string Name(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

std::string Path(const xmlNode* n) {
  std::string path = Name(n);
  for (const xmlNode* p = n->parent; p != nullptr && p->type == XML_ELEMENT_NODE; p = p->parent) {
    path = Name(p) + "/" + path;
  }
  return path;
}

}  // namespace

std::vector<Mutation> StructuralMutations(std::string_view xml) {
  std::vector<Mutation> out;
  Doc probe = Parse(xml);
  if (!probe) return out;
  const std::string baseline = Serialise(probe.get());
  std::vector<xmlNode*> probe_elements;
  Elements(xmlDocGetRootElement(probe.get()), &probe_elements);

  // Applies `edit` to element #i of a fresh copy and records the result.
  auto mutate = [&](size_t i, const std::string& what, const std::function<void(xmlNode*)>& edit) {
    Doc doc = Parse(xml);
    std::vector<xmlNode*> elements;
    Elements(xmlDocGetRootElement(doc.get()), &elements);
    edit(elements[i]);
    std::string mutated = Serialise(doc.get());
    // Some edits change nothing once written out (dropping the namespace of an element that
    // declares it as its own default namespace): those are no mutation.
    Doc again = Parse(mutated);
    if (again && Serialise(again.get()) == baseline) return;
    out.push_back({what + " #" + std::to_string(i) + " " + Name(probe_elements[i]),
                   Path(probe_elements[i]), std::move(mutated)});
  };

  for (size_t i = 0; i < probe_elements.size(); ++i) {
    const xmlNode* p = probe_elements[i];
    bool root = i == 0;
    if (!root) {
      mutate(i, "remove element", [](xmlNode* n) {
        xmlUnlinkNode(n);
        xmlFreeNode(n);
      });
      mutate(i, "duplicate element", [](xmlNode* n) {
        xmlAddNextSibling(n, xmlCopyNode(n, 1));
      });
    }
    mutate(i, "empty element", [](xmlNode* n) {
      while (n->children != nullptr) {
        xmlNode* c = n->children;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
      }
    });
    mutate(i, "child element in", [](xmlNode* n) {
      xmlNewChild(n, n->ns, reinterpret_cast<const xmlChar*>("Extra"), nullptr);
    });
    if (p->ns != nullptr) {
      mutate(i, "drop namespace of", [](xmlNode* n) { xmlSetNs(n, nullptr); });
    }
    int a = 0;
    for (const xmlAttr* at = p->properties; at != nullptr; at = at->next, ++a) {
      std::string an = reinterpret_cast<const char*>(at->name);
      auto nth = [a](xmlNode* n) {
        xmlAttr* x = n->properties;
        for (int k = 0; k < a; ++k) x = x->next;
        return x;
      };
      mutate(i, "remove attribute " + an + " of", [nth](xmlNode* n) { xmlRemoveProp(nth(n)); });
      mutate(i, "empty attribute " + an + " of", [nth](xmlNode* n) {
        xmlAttr* x = nth(n);
        xmlSetNsProp(n, x->ns, x->name, reinterpret_cast<const xmlChar*>(""));
      });
    }
    int d = 0;
    for (const xmlNs* ns = p->nsDef; ns != nullptr; ns = ns->next, ++d) {
      std::string prefix = ns->prefix != nullptr ? reinterpret_cast<const char*>(ns->prefix) : "";
      mutate(i, "remove xmlns:" + prefix + " of", [d](xmlNode* n) {
        xmlNs** link = &n->nsDef;
        for (int k = 0; k < d; ++k) link = &(*link)->next;
        xmlNs* gone = *link;
        *link = gone->next;
        gone->next = nullptr;
        // Elements and attributes still pointing at it now serialise with an undeclared
        // prefix (not well-formed: the parser refuses) or, for the default namespace, land
        // in no namespace. Keep it alive until the document is serialised.
        xmlNs** keep = &n->doc->oldNs;
        while (*keep != nullptr) keep = &(*keep)->next;
        *keep = gone;
      });
    }
  }
  return out;
}

std::string RawDeflate(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace volmacht::saml::testing
