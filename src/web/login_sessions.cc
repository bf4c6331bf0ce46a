#include "web/login_sessions.h"

#include "common/crypto.h"

namespace volmacht::web {

namespace {
constexpr size_t kIdBytes = 32;  // 256 bits
}  // namespace

LoginSessionStore::LoginSessionStore(const Clock& clock, size_t max_sessions,
                                     std::chrono::seconds ttl)
    : clock_(clock), max_sessions_(max_sessions), ttl_(ttl) {}

std::string LoginSessionStore::Key(std::string_view id) const {
  if (id.size() != 2 * kIdBytes ||
      id.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return {};
  }
  return ToHex(Sha256(id));
}

bool LoginSessionStore::Live(const LoginSession& s) const {
  return clock_.Now() < s.created + ttl_;
}

void LoginSessionStore::PurgeLocked() {
  // Every session has the same lifetime, so creation order is expiry order. Entries of
  // sessions already taken stay in order_ until their time comes (bounded by the login
  // rate times the ttl); the creation time tells them from a live session.
  Timestamp now = clock_.Now();
  while (!order_.empty() && order_.front().first + ttl_ <= now) {
    auto it = sessions_.find(order_.front().second);
    if (it != sessions_.end() && it->second.created == order_.front().first) sessions_.erase(it);
    order_.pop_front();
  }
}

Result<std::string> LoginSessionStore::Create(LoginSession s) {
  std::string id = ToHex(RandomBytes(kIdBytes));
  std::string key = Key(id);
  std::lock_guard lock(mu_);
  PurgeLocked();
  if (sessions_.size() >= max_sessions_) {
    return Fail(Error::Unavailable("too many login sessions"));
  }
  s.created = clock_.Now();
  order_.emplace_back(s.created, key);
  sessions_.emplace(key, std::move(s));
  return id;
}

std::optional<LoginSession> LoginSessionStore::Get(std::string_view id) const {
  std::string key = Key(id);
  if (key.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end() || !Live(it->second)) return std::nullopt;
  return it->second;
}

bool LoginSessionStore::Update(std::string_view id, LoginStage expected, LoginSession s) {
  std::string key = Key(id);
  if (key.empty()) return false;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end() || !Live(it->second) || it->second.stage != expected) return false;
  s.created = it->second.created;
  it->second = std::move(s);
  return true;
}

std::optional<LoginSession> LoginSessionStore::Take(std::string_view id, LoginStage expected) {
  std::string key = Key(id);
  if (key.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end() || !Live(it->second) || it->second.stage != expected) {
    return std::nullopt;
  }
  LoginSession s = std::move(it->second);
  sessions_.erase(it);
  return s;
}

void LoginSessionStore::Erase(std::string_view id) {
  std::string key = Key(id);
  if (key.empty()) return;
  std::lock_guard lock(mu_);
  sessions_.erase(key);
}

size_t LoginSessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace volmacht::web
