#ifndef MOTCUA_STORE_DOSSIER_CACHE_H_
#define MOTCUA_STORE_DOSSIER_CACHE_H_

#include <functional>
#include <list>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/dossier.h"

namespace motcua::store {

// The current states of recently used dossiers, at most `capacity` of them
// (the least recently used go), in front of the `dossiers` table of any
// backend. Used by one thread: the writer, or a replay.
class DossierCache {
 public:
  // Reads a dossier's stored snapshot: nullopt when absent, DATA_LOSS when
  // it does not decode.
  using Loader = std::function<absl::StatusOr<std::optional<Dossier>>(
      const std::string& code)>;

  // A capacity of zero keeps nothing.
  DossierCache(Loader load, size_t capacity);
  DossierCache(const DossierCache&) = delete;
  DossierCache& operator=(const DossierCache&) = delete;

  // The dossier's state, from memory or else from its stored snapshot; null
  // when no dossier has that code. The pointer is valid until the next call
  // on the cache. DATA_LOSS when the snapshot does not decode.
  absl::StatusOr<const Dossier*> Find(const std::string& code);

  // Records the state a command or a replayed event left.
  void Remember(Dossier dossier);

  // Whether the dossier's state is in memory (Find would not load it).
  bool Contains(const std::string& code) const { return index_.contains(code); }

  // Forgets everything, e.g. after a transaction rolled back.
  void Clear();

  size_t size() const { return index_.size(); }

 private:
  using Entries = std::list<Dossier>;  // most recently used first

  Loader load_;
  const size_t capacity_;
  Entries entries_;
  absl::flat_hash_map<std::string, Entries::iterator> index_;
  // Holds a dossier read from the table when the capacity is zero.
  Dossier uncached_;
};

}  // namespace motcua::store

#endif  // MOTCUA_STORE_DOSSIER_CACHE_H_
