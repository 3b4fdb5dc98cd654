#ifndef MOTCUA_STORE_DOSSIER_CACHE_H_
#define MOTCUA_STORE_DOSSIER_CACHE_H_

#include <list>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/dossier.h"
#include "store/projections.h"

namespace motcua::store {

// The current states of recently used dossiers, at most `capacity` of them
// (the least recently used go), in front of the `dossiers` table. Used by
// one thread: the writer, or a replay.
class DossierCache {
 public:
  // `projections` must outlive the cache. A capacity of zero keeps nothing.
  DossierCache(Projections& projections, size_t capacity);
  DossierCache(const DossierCache&) = delete;
  DossierCache& operator=(const DossierCache&) = delete;

  // The dossier's state, from memory or else from its stored snapshot; null
  // when no dossier has that code. The pointer is valid until the next call
  // on the cache. DATA_LOSS when the snapshot does not decode.
  absl::StatusOr<const Dossier*> Find(const std::string& code);

  // Records the state a command or a replayed event left.
  void Remember(Dossier dossier);

  // Forgets everything, e.g. after a transaction rolled back.
  void Clear();

  size_t size() const { return index_.size(); }

 private:
  using Entries = std::list<Dossier>;  // most recently used first

  Projections& projections_;
  const size_t capacity_;
  Entries entries_;
  absl::flat_hash_map<std::string, Entries::iterator> index_;
  // Holds a dossier read from the table when the capacity is zero.
  Dossier uncached_;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_DOSSIER_CACHE_H_
