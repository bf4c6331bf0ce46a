// Versioned schema migrations of the SQLite store.
//
// Migrations() is the ordered list of SQL scripts; script i (0-based) takes the schema from
// version i to version i + 1. Never edit a released script: append a new one.
// ApplyMigrations runs the missing scripts in one IMMEDIATE transaction and records the new
// version in schema_version; running it again is a no-op. It refuses (kInternal, nothing
// changed) a database whose version is newer than Migrations().size(), which means an older
// program is opening a newer database. Errors from SQLite as mapped by SqlError.
//
// Thread-safety: call on a connection no other thread uses.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/sqlite/sqlite_conn.h"

namespace volmacht::store_internal {

const std::vector<std::string_view>& Migrations();

// Returns the schema version after migrating.
[[nodiscard]] Result<int> ApplyMigrations(SqliteConn& conn);

// The version recorded in the database (0 for a fresh one).
[[nodiscard]] Result<int> SchemaVersion(SqliteConn& conn);

}  // namespace volmacht::store_internal
