// Test support: a PersonRegistry over a map, filled by the test (service, REST API and
// login-flow tests), that can also be made unreachable. Put by name gives every person the
// same plain address. Thread-safe.
//
//   MapRegistry r;
//   r.Put("999993653", "Alice de Vries", {1960, 5, 1});
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "registry/person_registry.h"

namespace volmacht::testing {

class MapRegistry final : public PersonRegistry {
 public:
  Result<std::optional<Person>> Find(const Bsn& b) override {
    std::lock_guard lock(mu_);
    if (down_) return Fail(Error::Unavailable("BRP niet bereikbaar"));
    auto it = people_.find(b.str());
    if (it == people_.end()) return std::optional<Person>();
    return std::optional<Person>(it->second);
  }
  // `bsn` must be valid (test data).
  void Put(const std::string& bsn, std::string name, PartialDate birth) {
    Person p;
    p.bsn = *Bsn::Parse(bsn);
    p.full_name = std::move(name);
    p.birth = birth;
    p.address = Address{{"Dorpsstraat 1", "1234 AB  Ons Dorp"}, false};
    Put(std::move(p));
  }
  void Put(Person p) {
    std::lock_guard lock(mu_);
    people_[p.bsn.str()] = std::move(p);
  }
  // Every Find answers kUnavailable while down.
  void SetDown(bool down) {
    std::lock_guard lock(mu_);
    down_ = down;
  }
  void Die(const Bsn& b, Date when) {
    std::lock_guard lock(mu_);
    people_[b.str()].deceased = true;
    people_[b.str()].death = when;
  }

 private:
  std::mutex mu_;
  bool down_ = false;
  std::map<std::string, Person> people_;
};

}  // namespace volmacht::testing
