// CatalogueSnapshot: the providers, services and service sets as of one commit, shared
// read-only by the use cases and replaced whole when an admin changes the catalogue (the
// service keeps it current from the store's commit observer).
//
// Contract: plain data, never changed once published; look-ups return nullptr when absent.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "common/uuid.h"
#include "domain/catalogue.h"
#include "domain/identifiers.h"

namespace volmacht {

struct CatalogueSnapshot {
  std::map<std::string, Provider> providers;  // by OIN
  std::unordered_map<Uuid, Service> services;
  std::map<std::string, ServiceSet> sets;  // by id

  const Service* FindService(const Uuid& id) const {
    auto it = services.find(id);
    return it == services.end() ? nullptr : &it->second;
  }
  const Provider* FindProvider(const Oin& oin) const {
    auto it = providers.find(oin.str());
    return it == providers.end() ? nullptr : &it->second;
  }
  void Put(const Provider& p) { providers[p.oin.str()] = p; }
  void Put(const Service& s) { services[s.id] = s; }
  void Put(const ServiceSet& s) { sets[s.id.str()] = s; }
};

}  // namespace volmacht
