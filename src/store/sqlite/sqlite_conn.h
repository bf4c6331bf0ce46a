// Internal to the SQLite store: a thin RAII layer over one sqlite3 connection with a cache of
// prepared statements, and the one place where SQLite result codes become Errors.
//
//   auto st = conn.Prepare("SELECT version FROM mandates WHERE id = ?1");
//   if (!st) return Fail(st.error());
//   st->BindText(1, id);
//   Result<bool> row = st->Step();
//
// Error mapping (SqlError): constraint violations -> kConflict (UNIQUE / PRIMARY KEY) or
// kInvalidArgument (FOREIGN KEY, CHECK, NOT NULL, trigger); busy, I/O, disk full, out of
// memory, read-only -> kUnavailable; corruption and everything else -> kInternal. Messages
// carry SQLite's text, which names columns but never values (no personal data).
//
// Thread-safety: a SqliteConn and its statements are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace volmacht::store_internal {

Error SqlError(sqlite3* db, int rc, std::string_view what);

// A lease on a cached prepared statement: reset and unbound when the lease ends.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Binding never fails for valid indices with SQLITE_TRANSIENT copies except out of memory;
  // such failures surface at Step.
  Stmt& BindText(int i, std::string_view v);
  Stmt& BindBlob(int i, std::string_view v);
  Stmt& BindInt(int i, int64_t v);
  Stmt& BindNull(int i);

  // true: a row is available; false: done.
  [[nodiscard]] Result<bool> Step();
  // Steps to completion of a statement that returns no rows.
  [[nodiscard]] Result<void> Run();

  bool IsNull(int col) const;
  int64_t Int(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

class SqliteConn {
 public:
  // Opens (creating when `create`) the database and applies the per-connection pragmas:
  // foreign_keys=ON, busy_timeout, synchronous=FULL. `vfs` empty = SQLite's default.
  [[nodiscard]] static Result<std::unique_ptr<SqliteConn>> Open(const std::string& path,
                                                                bool create,
                                                                const std::string& vfs);
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  sqlite3* db() const { return db_; }
  // Runs one or more statements without results.
  [[nodiscard]] Result<void> Exec(const char* sql);
  // A cached prepared statement for `sql` (prepared on first use).
  [[nodiscard]] Result<Stmt> Prepare(const char* sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_); }
  // Rolls back the open transaction, if any; ignores errors (used on failure paths).
  void RollbackQuietly();

 private:
  explicit SqliteConn(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// A read transaction (one consistent snapshot in WAL mode); rolls back when it ends.
class ReadTxn {
 public:
  explicit ReadTxn(SqliteConn& c) : c_(c) {}
  [[nodiscard]] Result<void> Begin();
  ~ReadTxn();

 private:
  SqliteConn& c_;
  bool open_ = false;
};

}  // namespace volmacht::store_internal
