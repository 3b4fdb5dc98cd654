#ifndef MOTCUA_TESTS_TESTING_POSTGRES_H_
#define MOTCUA_TESTS_TESTING_POSTGRES_H_

// The tests' PostgreSQL: the private cluster that the ctest fixture
// `postgres` starts (tests/testing/postgres_cluster.sh), and a database of
// its own per test. A test without the cluster fails with the reason; it
// never skips.

#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "store/postgres/pq.h"

namespace motcua::test_support {

// The URL of the fixture's cluster (postgresql://motcua@127.0.0.1:PORT/
// postgres, its `postgres` database), read from
// $MOTCUA_BINARY_DIR/postgres-test/url.
inline absl::StatusOr<std::string> PostgresClusterUrl() {
  const char* binary_dir = std::getenv("MOTCUA_BINARY_DIR");
  if (binary_dir == nullptr) {
    return absl::FailedPreconditionError(
        "MOTCUA_BINARY_DIR is not set: run the PostgreSQL tests through "
        "ctest, whose fixture `postgres` starts the cluster");
  }
  const std::string path = absl::StrCat(binary_dir, "/postgres-test/url");
  std::ifstream file(path);
  std::string url;
  if (!std::getline(file, url) || url.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no PostgreSQL test cluster (", path,
        " is missing): run through ctest, whose fixture postgres_cluster_start "
        "starts it, with postgresql-15 installed"));
  }
  return url;
}

// The URL of the database named after `key` (made of
// letters, digits and '_' from it, with a hash so that different keys get
// different databases), created when missing.
inline absl::StatusOr<std::string> PostgresDatabase(const std::string& key) {
  absl::StatusOr<std::string> cluster = PostgresClusterUrl();
  if (!cluster.ok()) return cluster.status();
  std::string name = "t_";
  for (char c : key) {
    if (absl::ascii_isalnum(c)) name.push_back(absl::ascii_tolower(c));
  }
  if (name.size() > 40) name = name.substr(name.size() - 40);
  absl::StrAppend(&name, "_", std::hash<std::string>()(key) % 1000000007);
  absl::StatusOr<store::pg::Connection> admin =
      store::pg::Connection::Open(*cluster);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<store::pg::Result> exists =
      admin->Query("SELECT count(*) FROM pg_database WHERE datname = $1",
                   store::pg::Params().Text(name));
  if (!exists.ok()) return exists.status();
  if (exists->Int(0, 0) == 0) {
    if (absl::Status created =
            admin->Execute(absl::StrCat("CREATE DATABASE ", name));
        !created.ok()) {
      return created;
    }
  }
  return absl::StrCat(cluster->substr(0, cluster->rfind('/') + 1), name);
}

}  // namespace motcua::test_support

#endif  // MOTCUA_TESTS_TESTING_POSTGRES_H_
