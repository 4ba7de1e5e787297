// The SQL of the SQLite store, in one place. Inline constants: their addresses key each
// connection's statement cache.
//
// Tables
//   kv       the latest state, one row per live key (fast Get/Range at the head).
//   history  one row per write (revision, key, value or tombstone, create_rev, version); the
//            prev value of an event is the key's previous history row. Compaction to R keeps
//            every row >= R and, per key, the newest row < R when it is a put, so Range at any
//            revision >= R and prev values of events >= R stay exact.
//   meta     'revision' (the head) and 'compacted' (the oldest readable revision).
#pragma once

namespace waygate::store::sqlite::sql {

inline constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY, value BLOB NOT NULL,"
    " create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL, version INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS history(rev INTEGER PRIMARY KEY, key BLOB NOT NULL,"
    " deleted INTEGER NOT NULL, value BLOB, create_rev INTEGER NOT NULL,"
    " version INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS history_key_rev ON history(key, rev);"
    "INSERT OR IGNORE INTO meta VALUES('revision', 1), ('compacted', 1);";

inline constexpr char kGetMeta[] = "SELECT value FROM meta WHERE name = ?1";
inline constexpr char kSetMeta[] = "UPDATE meta SET value = ?2 WHERE name = ?1";

inline constexpr char kGetKey[] =
    "SELECT key, value, create_rev, mod_rev, version FROM kv WHERE key = ?1";
inline constexpr char kInsertKey[] =
    "INSERT INTO kv(key, value, create_rev, mod_rev, version) VALUES(?1, ?2, ?3, ?4, ?5)";
inline constexpr char kUpdateKey[] =
    "UPDATE kv SET value = ?2, mod_rev = ?3, version = ?4 WHERE key = ?1";
inline constexpr char kDeleteKey[] = "DELETE FROM kv WHERE key = ?1";
inline constexpr char kAppendHistory[] =
    "INSERT INTO history(rev, key, deleted, value, create_rev, version)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)";

// Range at the head. ?1 prefix, ?2 start_after, ?3 limit (-1 = none), ?4 prefix end.
// Two variants each, because an "?4 IS NULL OR" bound would stop SQLite using the key index.
#define WAYGATE_HEAD_WHERE " FROM kv WHERE key >= ?1 AND key > ?2"
inline constexpr char kHeadRange[] =
    "SELECT key, value, create_rev, mod_rev, version" WAYGATE_HEAD_WHERE
    " AND key < ?4 ORDER BY key LIMIT ?3";
inline constexpr char kHeadRangeOpen[] =
    "SELECT key, value, create_rev, mod_rev, version" WAYGATE_HEAD_WHERE " ORDER BY key LIMIT ?3";
inline constexpr char kHeadCount[] = "SELECT count(*)" WAYGATE_HEAD_WHERE " AND key < ?4";
inline constexpr char kHeadCountOpen[] = "SELECT count(*)" WAYGATE_HEAD_WHERE;
#undef WAYGATE_HEAD_WHERE

// Range at a past revision ?5: per key, its newest history row <= ?5, if that row is a put.
#define WAYGATE_PAST_WHERE                                             \
  " FROM history h WHERE h.key >= ?1 AND h.key > ?2 AND h.deleted = 0" \
  " AND h.rev = (SELECT max(x.rev) FROM history x WHERE x.key = h.key AND x.rev <= ?5)"
inline constexpr char kPastRange[] =
    "SELECT h.key, h.value, h.create_rev, h.rev, h.version" WAYGATE_PAST_WHERE
    " AND h.key < ?4 ORDER BY h.key LIMIT ?3";
inline constexpr char kPastRangeOpen[] =
    "SELECT h.key, h.value, h.create_rev, h.rev, h.version" WAYGATE_PAST_WHERE
    " ORDER BY h.key LIMIT ?3";
inline constexpr char kPastCount[] = "SELECT count(*)" WAYGATE_PAST_WHERE " AND h.key < ?4";
inline constexpr char kPastCountOpen[] = "SELECT count(*)" WAYGATE_PAST_WHERE;
#undef WAYGATE_PAST_WHERE

// Events for a watcher: revisions in (?1, ?2] under the prefix ?3 [.. ?4), with each event's
// previous row for the same key (its prev_kv).
#define WAYGATE_EVENTS_SELECT                                          \
  "SELECT h.rev, h.key, h.deleted, h.value, h.create_rev, h.version,"  \
  " p.rev, p.deleted, p.value, p.create_rev, p.version FROM history h" \
  " LEFT JOIN history p ON p.rev = (SELECT max(x.rev) FROM history x"  \
  " WHERE x.key = h.key AND x.rev < h.rev)"                            \
  " WHERE h.rev > ?1 AND h.rev <= ?2 AND h.key >= ?3"
inline constexpr char kEvents[] = WAYGATE_EVENTS_SELECT " AND h.key < ?4 ORDER BY h.rev LIMIT ?5";
inline constexpr char kEventsOpen[] = WAYGATE_EVENTS_SELECT " ORDER BY h.rev LIMIT ?5";
#undef WAYGATE_EVENTS_SELECT

inline constexpr char kCompact[] =
    "DELETE FROM history WHERE rev < ?1 AND (deleted = 1 OR rev < (SELECT max(x.rev)"
    " FROM history x WHERE x.key = history.key AND x.rev < ?1))";

}  // namespace waygate::store::sqlite::sql
