#include "store/sqlite/migrations.h"

#include <string>

namespace volmacht::store_internal {

namespace {

// V2 (login with representation): the provider's SAML SP metadata and its OIDC clients.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE providers ADD COLUMN saml_metadata TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN saml_post_response INTEGER NOT NULL DEFAULT 0;
CREATE TABLE oidc_clients (
  client_id     TEXT PRIMARY KEY,
  provider      TEXT NOT NULL REFERENCES providers(oin),
  secret_sha256 TEXT NOT NULL,
  redirect_uris TEXT NOT NULL  -- one URI per line
);
CREATE INDEX oidc_clients_by_provider ON oidc_clients(provider);
)sql";

// Dates are ISO-8601 text (YYYY-MM-DD, compares correctly as text); timestamps are integer
// microseconds since the Unix epoch (UTC). Enums are stored by their domain names.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE providers (
  oin              TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  contact          TEXT NOT NULL,
  certificate_pem  TEXT NOT NULL,
  counter_addendum INTEGER NOT NULL,
  active           INTEGER NOT NULL
);

CREATE TABLE services (
  id                     TEXT PRIMARY KEY,
  provider               TEXT NOT NULL REFERENCES providers(oin),
  name_nl                TEXT NOT NULL,
  name_en                TEXT NOT NULL,
  description_nl         TEXT NOT NULL,
  description_en         TEXT NOT NULL,
  agent_type             TEXT NOT NULL,
  min_loa                INTEGER NOT NULL,
  request_validity_days  INTEGER NOT NULL,
  max_mandate_years      INTEGER NOT NULL,
  counter_direct_allowed INTEGER NOT NULL,
  survivor_allowed       INTEGER NOT NULL,
  active_from            TEXT,
  active_until           TEXT,
  position               INTEGER NOT NULL
);
CREATE INDEX services_by_provider ON services(provider, position);

CREATE TABLE service_sets (
  id      TEXT PRIMARY KEY,
  name_nl TEXT NOT NULL,
  name_en TEXT NOT NULL
);

CREATE TABLE service_set_members (
  set_id     TEXT NOT NULL REFERENCES service_sets(id),
  position   INTEGER NOT NULL,
  service_id TEXT NOT NULL REFERENCES services(id),
  PRIMARY KEY (set_id, position)
) WITHOUT ROWID;

CREATE TABLE mandates (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  principal   TEXT NOT NULL,
  agent_kind  TEXT,
  agent_id    TEXT,
  agent_birth TEXT,
  provider    TEXT REFERENCES providers(oin),
  start_date  TEXT NOT NULL,
  end_date    TEXT NOT NULL,
  state       TEXT NOT NULL,
  initiator   TEXT NOT NULL,
  end_reason  TEXT NOT NULL,
  evidence_document_type   TEXT,
  evidence_document_number TEXT,
  evidence_clerk           TEXT,
  lapse_on    TEXT,
  created     INTEGER NOT NULL,
  changed     INTEGER NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 1),
  CHECK ((agent_kind IS NULL) = (agent_id IS NULL))
);
CREATE INDEX mandates_by_principal ON mandates(principal);
CREATE INDEX mandates_by_agent ON mandates(agent_kind, agent_id);
CREATE INDEX mandates_by_state_lapse ON mandates(state, lapse_on);
CREATE INDEX mandates_by_state_end ON mandates(state, end_date);

CREATE TABLE mandate_services (
  mandate_id TEXT NOT NULL REFERENCES mandates(id),
  service_id TEXT NOT NULL REFERENCES services(id),
  PRIMARY KEY (mandate_id, service_id)
) WITHOUT ROWID;

CREATE TABLE activation_codes (
  mandate_id      TEXT PRIMARY KEY REFERENCES mandates(id),
  hash_hex        TEXT NOT NULL,
  expires         INTEGER NOT NULL,
  failed_attempts INTEGER NOT NULL,
  used            INTEGER NOT NULL
);

-- The audit trail: append-only, hash-chained (see event_chain.h).
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  mandate_id  TEXT NOT NULL,
  type        TEXT NOT NULL,
  actor       TEXT NOT NULL,
  channel     TEXT NOT NULL,
  detail_json TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE INDEX events_by_mandate ON events(mandate_id, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;

-- Last seq and hash of the chain, written in the same transaction as the events, so that
-- cutting records off the tail of the log is detectable.
CREATE TABLE chain_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE letters (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  mandate_id TEXT NOT NULL,
  recipient  TEXT NOT NULL,
  created    INTEGER NOT NULL,
  pdf        BLOB NOT NULL
);
CREATE INDEX letters_by_created ON letters(created);

CREATE TABLE mandate_uses (
  id         INTEGER PRIMARY KEY,
  mandate_id TEXT NOT NULL,
  provider   TEXT NOT NULL,
  service    TEXT NOT NULL,
  channel    TEXT NOT NULL,
  at         INTEGER NOT NULL
);
CREATE INDEX mandate_uses_by_mandate ON mandate_uses(mandate_id, at);
)sql";

}  // namespace

// v3: use records name their channel as events do (ChannelName: "API", "SAML", "OIDC"); they
// were written in lower case.
constexpr std::string_view kV3 = R"sql(
UPDATE mandate_uses SET channel = upper(channel);
)sql";

const std::vector<std::string_view>& Migrations() {
  static const std::vector<std::string_view> kAll = {kV1, kV2, kV3};
  return kAll;
}

Result<int> SchemaVersion(SqliteConn& conn) {
  auto exists = conn.Prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!exists) return Fail(exists.error());
  if (auto r = exists->Step(); !r) return Fail(r.error());
  if (exists->Int(0) == 0) return 0;
  auto st = conn.Prepare("SELECT version FROM schema_version WHERE id = 1");
  if (!st) return Fail(st.error());
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return 0;
  return static_cast<int>(st->Int(0));
}

Result<int> ApplyMigrations(SqliteConn& conn) {
  // IMMEDIATE: two processes migrating at once serialise here instead of failing midway.
  if (auto r = conn.Exec("BEGIN IMMEDIATE"); !r) return Fail(r.error());
  auto fail = [&](Error e) -> Result<int> {
    conn.RollbackQuietly();
    return Fail(std::move(e));
  };
  if (auto r = conn.Exec("CREATE TABLE IF NOT EXISTS schema_version ("
                         "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
      !r) {
    return fail(r.error());
  }
  Result<int> current = SchemaVersion(conn);
  if (!current) return fail(current.error());
  const auto& all = Migrations();
  const int known = static_cast<int>(all.size());
  if (*current > known) {
    return fail(Error::Internal("database schema version " + std::to_string(*current) +
                                " is newer than this program knows (" + std::to_string(known) +
                                "); refusing to open it"));
  }
  if (*current < 0) return fail(Error::Internal("corrupt schema_version"));
  for (int v = *current; v < known; ++v) {
    std::string sql(all[static_cast<size_t>(v)]);
    if (auto r = conn.Exec(sql.c_str()); !r) {
      return fail(Error{r.error().code,
                        "migration " + std::to_string(v + 1) + " failed: " + r.error().message,
                        {}});
    }
  }
  if (*current < known) {
    auto st = conn.Prepare(
        "INSERT INTO schema_version (id, version) VALUES (1, ?1) "
        "ON CONFLICT (id) DO UPDATE SET version = excluded.version");
    if (!st) return fail(st.error());
    st->BindInt(1, known);
    if (auto r = st->Run(); !r) return fail(r.error());
  }
  if (auto r = conn.Exec("COMMIT"); !r) return fail(r.error());
  return known;
}

}  // namespace volmacht::store_internal
