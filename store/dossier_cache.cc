#include "store/dossier_cache.h"

#include <utility>

namespace motcua::store {

DossierCache::DossierCache(Loader load, size_t capacity)
    : load_(std::move(load)), capacity_(capacity) {}

absl::StatusOr<const Dossier*> DossierCache::Find(const std::string& code) {
  if (auto found = index_.find(code); found != index_.end()) {
    entries_.splice(entries_.begin(), entries_, found->second);
    return &*found->second;
  }
  absl::StatusOr<std::optional<Dossier>> loaded = load_(code);
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value()) return nullptr;
  if (capacity_ == 0) {
    uncached_ = std::move(**loaded);
    return &uncached_;
  }
  Remember(std::move(**loaded));
  return &entries_.front();
}

void DossierCache::Remember(Dossier dossier) {
  if (capacity_ == 0) return;
  if (auto found = index_.find(dossier.code); found != index_.end()) {
    *found->second = std::move(dossier);
    entries_.splice(entries_.begin(), entries_, found->second);
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(entries_.back().code);
    // Reuse the evicted node rather than free and allocate one.
    entries_.splice(entries_.begin(), entries_, std::prev(entries_.end()));
    entries_.front() = std::move(dossier);
  } else {
    entries_.push_front(std::move(dossier));
  }
  index_.emplace(entries_.front().code, entries_.begin());
}

void DossierCache::Clear() {
  index_.clear();
  entries_.clear();
}

}  // namespace motcua::store
