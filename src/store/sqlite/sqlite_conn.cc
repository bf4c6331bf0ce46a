#include "store/sqlite/sqlite_conn.h"

#include <string>

namespace volmacht::store_internal {

namespace {
constexpr int kBusyTimeoutMs = 5000;
}  // namespace

Error SqlError(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += (db != nullptr && sqlite3_errcode(db) == rc) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
          rc == SQLITE_CONSTRAINT_ROWID) {
        return Error::Conflict(std::move(msg));
      }
      return Error::Invalid(std::move(msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return Error::Unavailable(std::move(msg));
    default:
      return Error::Internal(std::move(msg));
  }
}

Stmt::~Stmt() {
  if (s_ != nullptr) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
}

Stmt& Stmt::BindText(int i, std::string_view v) {
  sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Stmt& Stmt::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindInt(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Fail(SqlError(db_, rc, "sqlite step"));
}

Result<void> Stmt::Run() {
  Result<bool> r = Step();
  if (!r) return Fail(r.error());
  if (*r) return Fail(Error::Internal("statement unexpectedly returned rows"));
  return {};
}

bool Stmt::IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(s_, col); }

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

std::string Stmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

Result<std::unique_ptr<SqliteConn>> SqliteConn::Open(const std::string& path, bool create,
                                                     const std::string& vfs) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is confined to one thread at a time by its owner.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    Error e = SqlError(db, rc, "cannot open database");
    sqlite3_close_v2(db);
    return Fail(std::move(e));
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<SqliteConn> c(new SqliteConn(db));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (auto r = c->Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"); !r) {
    return Fail(r.error());
  }
  return c;
}

SqliteConn::~SqliteConn() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

Result<void> SqliteConn::Exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Fail(SqlError(db_, rc, "sqlite exec"));
  return {};
}

Result<Stmt> SqliteConn::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) return Fail(SqlError(db_, rc, "sqlite prepare"));
    it = cache_.emplace(sql, s).first;
  }
  return Stmt(db_, it->second);
}

void SqliteConn::RollbackQuietly() {
  if (sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Result<void> ReadTxn::Begin() {
  if (auto r = c_.Exec("BEGIN"); !r) return r;
  open_ = true;
  return {};
}

ReadTxn::~ReadTxn() {
  if (open_) c_.RollbackQuietly();
}

}  // namespace volmacht::store_internal
