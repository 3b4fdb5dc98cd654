#ifndef MOTCUA_TESTS_TESTING_REWRITE_LOG_H_
#define MOTCUA_TESTS_TESTING_REWRITE_LOG_H_

// What an attacker with write access to the database file does to hide a
// change: alter one event, then recompute every later hash and the stored
// head, with sqlite3 alone (the hash layout is public: docs/audit.md).
// After it the chain verifies; only a checkpoint kept elsewhere tells.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "store/hash_chain.h"

namespace motcua_test {

// Changes the actor of event `sequence` to `actor` and re-chains the log
// from there. Returns false (with nothing promised) on any sqlite error.
inline bool RewriteEventAndRechain(const std::string& database,
                                   int64_t sequence, const std::string& actor) {
  sqlite3* db = nullptr;
  if (sqlite3_open(database.c_str(), &db) != SQLITE_OK) return false;
  auto exec = [&](const std::string& sql) {
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) ==
           SQLITE_OK;
  };
  bool ok =
      exec("BEGIN") && exec("UPDATE events SET actor = '" + actor +
                            "' WHERE sequence = " + std::to_string(sequence));
  struct Row {
    int64_t sequence;
    std::string previous_hash;
    std::string hash;
  };
  std::vector<Row> rows;
  std::string previous;
  sqlite3_stmt* before = nullptr;
  ok = ok && sqlite3_prepare_v2(db,
                                "SELECT hash FROM events WHERE sequence < ?1 "
                                "ORDER BY sequence DESC LIMIT 1",
                                -1, &before, nullptr) == SQLITE_OK;
  if (ok) {
    sqlite3_bind_int64(before, 1, sequence);
    previous =
        sqlite3_step(before) == SQLITE_ROW
            ? std::string(
                  static_cast<const char*>(sqlite3_column_blob(before, 0)),
                  sqlite3_column_bytes(before, 0))
            : motcua::store::GenesisHash();
  }
  sqlite3_finalize(before);
  sqlite3_stmt* select = nullptr;
  ok = ok &&
       sqlite3_prepare_v2(
           db,
           "SELECT sequence, dossier_code, dossier_version, type, occurred_at, "
           "recorded_at, actor, rule_version, payload FROM events "
           "WHERE sequence >= ?1 ORDER BY sequence",
           -1, &select, nullptr) == SQLITE_OK;
  if (ok) {
    sqlite3_bind_int64(select, 1, sequence);
    std::string scratch;
    auto text = [&](int column) {
      return std::string(
          reinterpret_cast<const char*>(sqlite3_column_text(select, column)),
          sqlite3_column_bytes(select, column));
    };
    while (sqlite3_step(select) == SQLITE_ROW) {
      const std::string code = text(1), type = text(3), who = text(6),
                        rules = text(7);
      const std::string payload(
          static_cast<const char*>(sqlite3_column_blob(select, 8)),
          sqlite3_column_bytes(select, 8));
      motcua::store::ChainedFields fields;
      fields.sequence = sqlite3_column_int64(select, 0);
      fields.dossier_code = code;
      fields.dossier_version = sqlite3_column_int64(select, 2);
      fields.type = type;
      fields.occurred_at_micros = sqlite3_column_int64(select, 4);
      fields.recorded_at_micros = sqlite3_column_int64(select, 5);
      fields.actor = who;
      fields.rule_version = rules;
      fields.payload = payload;
      Row row{fields.sequence, previous,
              motcua::store::ChainHash(previous, fields, scratch)};
      previous = row.hash;
      rows.push_back(row);
    }
  }
  sqlite3_finalize(select);
  sqlite3_stmt* update = nullptr;
  ok = ok && sqlite3_prepare_v2(db,
                                "UPDATE events SET previous_hash = ?1, "
                                "hash = ?2 WHERE sequence = ?3",
                                -1, &update, nullptr) == SQLITE_OK;
  for (const Row& row : rows) {
    if (!ok) break;
    sqlite3_reset(update);
    sqlite3_bind_blob(update, 1, row.previous_hash.data(),
                      static_cast<int>(row.previous_hash.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(update, 2, row.hash.data(),
                      static_cast<int>(row.hash.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(update, 3, row.sequence);
    ok = sqlite3_step(update) == SQLITE_DONE;
  }
  sqlite3_finalize(update);
  sqlite3_stmt* head = nullptr;
  ok = ok && sqlite3_prepare_v2(
                 db, "UPDATE meta SET value = ?1 WHERE key = 'head_hash'", -1,
                 &head, nullptr) == SQLITE_OK;
  if (ok) {
    sqlite3_bind_blob(head, 1, previous.data(),
                      static_cast<int>(previous.size()), SQLITE_TRANSIENT);
    ok = sqlite3_step(head) == SQLITE_DONE && sqlite3_changes(db) == 1;
  }
  sqlite3_finalize(head);
  ok = ok && exec("COMMIT");
  sqlite3_close(db);
  return ok;
}

}  // namespace motcua_test

#endif  // MOTCUA_TESTS_TESTING_REWRITE_LOG_H_
