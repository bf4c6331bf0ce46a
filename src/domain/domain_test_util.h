// Test-only helpers for the domain tests: valid identifiers built from a number, dates,
// a small catalogue and persons. Not part of volmacht_domain.
#pragma once

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "domain/mandate.h"

namespace volmacht::testing {

inline Date D(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
}
using ::volmacht::AddDays;
inline Timestamp NoonOf(Date d) {
  return Timestamp(std::chrono::sys_days(d)) + std::chrono::hours(11);
}

// The 11-proef check digit for 8 leading digits, or -1 when none exists (would be 10).
inline int CheckDigit(const std::string& first8) {
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (first8[static_cast<size_t>(i)] - '0') * (9 - i);
  int d = sum % 11;
  return d == 10 ? -1 : d;
}

// The n-th valid 9-digit number (BSN/RSIN) counting up from `base` (8 digits).
inline std::string ElevenProofNumber(int n, int base = 10000000) {
  for (int prefix = base;; ++prefix) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08d", prefix);
    int cd = CheckDigit(buf);
    if (cd < 0) continue;
    if (n-- == 0) return std::string(buf) + static_cast<char>('0' + cd);
  }
}

inline Bsn MakeBsn(int n) {
  auto b = Bsn::Parse(ElevenProofNumber(n, 20000000));
  if (!b) throw std::logic_error("test BSN invalid");
  return *b;
}
inline Bsn ParseBsnOrDie(std::string_view s) {
  auto b = Bsn::Parse(s);
  if (!b) throw std::logic_error("test BSN invalid");
  return *b;
}
inline Oin MakeOin(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "00000001%012d", n);
  auto o = Oin::Parse(buf);
  if (!o) throw std::logic_error("test OIN invalid");
  return *o;
}
inline Kvk MakeKvk(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08d", 12340000 + n);
  auto k = Kvk::Parse(buf);
  if (!k) throw std::logic_error("test KvK invalid");
  return *k;
}
inline Uuid U(int n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  auto u = Uuid::Parse(buf);
  if (!u) throw std::logic_error("test UUID invalid");
  return *u;
}

// Identifiers written out in a test, which must be valid (else the test is wrong: throws).
inline Bsn B(std::string_view s) { return ParseBsnOrDie(s); }
inline Oin O(std::string_view s) {
  auto o = Oin::Parse(s);
  if (!o) throw std::logic_error("test OIN invalid");
  return *o;
}
inline Uuid U(std::string_view s) {
  auto u = Uuid::Parse(s);
  if (!u) throw std::logic_error("test UUID invalid");
  return *u;
}

inline Service MakeService(int n, const Oin& provider) {
  Service s;
  s.id = U(n);
  s.provider = provider;
  s.name_nl = "Dienst " + std::to_string(n);
  s.name_en = "Service " + std::to_string(n);
  return s;
}

inline Person MakePerson(const Bsn& bsn, PartialDate birth) {
  Person p;
  p.bsn = bsn;
  p.given_names = "Test";
  p.surname = "Persoon";
  p.full_name = "Test Persoon";
  p.birth = birth;
  return p;
}
inline PartialDate Born(Date d) {
  return {static_cast<int>(d.year()), static_cast<int>(static_cast<unsigned>(d.month())),
          static_cast<int>(static_cast<unsigned>(d.day()))};
}

// Field-by-field equality: Mandate has no operator== of its own.
inline bool SameEvidence(const std::optional<Evidence>& a, const std::optional<Evidence>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->document_type == b->document_type && a->document_number == b->document_number &&
         a->clerk == b->clerk;
}
inline bool SameMandate(const Mandate& a, const Mandate& b) {
  return a.id == b.id && a.kind == b.kind && a.principal == b.principal && a.agent == b.agent &&
         a.agent_birth == b.agent_birth && a.provider == b.provider &&
         a.services == b.services && a.start == b.start && a.end == b.end &&
         a.state == b.state && a.initiator == b.initiator && a.end_reason == b.end_reason &&
         SameEvidence(a.evidence, b.evidence) && a.lapse_on == b.lapse_on &&
         a.created == b.created && a.changed == b.changed && a.version == b.version;
}

}  // namespace volmacht::testing
