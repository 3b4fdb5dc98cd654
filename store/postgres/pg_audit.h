#ifndef MOTCUA_STORE_POSTGRES_PG_AUDIT_H_
#define MOTCUA_STORE_POSTGRES_PG_AUDIT_H_

// The offline audit's reads of a PostgreSQL database (store/audit.h
// dispatches here for a postgres:// location): each in one read-only
// snapshot, so a read-only role is enough.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/audit.h"
#include "store/types.h"

namespace motcua::store::pg {

// VerifyLog on PostgreSQL: the same checks (store/chain_check.h), the head
// and the events read in one snapshot, a page at a time.
absl::StatusOr<VerifyReport> VerifyPostgresLog(const std::string& url,
                                               const VerifyOptions& options);

// The events of one dossier, in version order.
absl::StatusOr<std::vector<StoredEvent>> ReadPostgresDossierEvents(
    const std::string& url, const std::string& dossier_code);

}  // namespace motcua::store::pg

#endif  // MOTCUA_STORE_POSTGRES_PG_AUDIT_H_
