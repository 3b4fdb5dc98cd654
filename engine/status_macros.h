#ifndef MOTCUA_ENGINE_STATUS_MACROS_H_
#define MOTCUA_ENGINE_STATUS_MACROS_H_

// Propagating an error in one line, as SerenityOS's TRY and the macros that
// absl::Status's authors use inside Google do:
//
//   RETURN_IF_ERROR(statement.Run());
//   ASSIGN_OR_RETURN(Database db, Database::Open(path, mode));
//   ASSIGN_OR_RETURN(auto row, statement.Step());
//
// RETURN_IF_ERROR(expr): `expr` is an absl::Status; a failure is returned
// from the enclosing function (which returns absl::Status or any
// absl::StatusOr<T>) unchanged.
//
// ASSIGN_OR_RETURN(lhs, expr): `expr` is an absl::StatusOr<T>; on success its
// value is moved into `lhs` (a declaration or an existing variable), on
// failure its status is returned. `lhs` may not contain an unparenthesised
// comma.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MOTCUA_STATUS_CONCAT_INNER_(a, b) a##b
#define MOTCUA_STATUS_CONCAT_(a, b) MOTCUA_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                                         \
  do {                                                                \
    if (::absl::Status motcua_status_ = (expr); !motcua_status_.ok()) \
      return motcua_status_;                                          \
  } while (false)

#define MOTCUA_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  MOTCUA_ASSIGN_OR_RETURN_IMPL_(    \
      MOTCUA_STATUS_CONCAT_(motcua_statusor_, __LINE__), lhs, expr)

#endif  // MOTCUA_ENGINE_STATUS_MACROS_H_
