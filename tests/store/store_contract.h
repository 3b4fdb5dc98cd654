#ifndef MOTCUA_TESTS_STORE_STORE_CONTRACT_H_
#define MOTCUA_TESTS_STORE_STORE_CONTRACT_H_

// The store's contract suite (store_contract_test.cc) runs once per backend.
// A backend joins it with one StoreBackend value:
//
//   1. Write a function that opens a fresh or existing store of the backend
//      on a test's temporary directory (the same directory must open the
//      same store again: reopening is part of the contract), and one that
//      marks that store's schema as newer than the build understands.
//   2. Add the value to the ::testing::Values of INSTANTIATE_TEST_SUITE_P
//      at the end of store_contract_test.cc, and link the backend's library
//      into store_contract_test (tests/store/CMakeLists.txt).
//
// Every test of the suite then runs against it; a backend passes when the
// whole suite does. The suite reaches the store only through EventStore's
// three roles (CommandSink, LogReader, ReadModel), never through SQL.

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/clock.h"
#include "engine/rules.h"
#include "store/event_store.h"

namespace motcua::store::testing {

struct StoreBackend {
  // The name the tests are instantiated under ("Sqlite").
  std::string name;
  // Opens the store kept in `directory` (created by the test, empty at
  // first), with the bounds of `options` (queue_capacity, max_batch,
  // state_cache_entries; the backend fills in where the store lives).
  std::function<absl::StatusOr<std::unique_ptr<EventStore>>(
      const std::string& directory, StoreOptions options, const Clock* clock,
      std::shared_ptr<const RuleSet> rules)>
      open;
  // Marks the (closed) store in `directory` as written by a newer build: the
  // next open must refuse it with FAILED_PRECONDITION.
  std::function<absl::Status(const std::string& directory)> mark_newer_schema;
};

// Names the backend in test output.
inline void PrintTo(const StoreBackend& backend, std::ostream* out) {
  *out << backend.name;
}

}  // namespace motcua::store::testing

#endif  // MOTCUA_TESTS_STORE_STORE_CONTRACT_H_
