#ifndef MOTCUA_SERVICES_CHECKPOINT_CHECKPOINT_H_
#define MOTCUA_SERVICES_CHECKPOINT_CHECKPOINT_H_

// Signed checkpoints of the event log, as Certificate Transparency signs
// tree heads: the daemon signs (log, sequence, head hash, time) with an
// Ed25519 key kept apart from the database, and publishes the result
// outside the database. Whoever keeps a checkpoint can later prove that
// the log still extends it: the event at its sequence must still have its
// head hash, which depends on every event before it. Rewriting history
// and recomputing every hash after it needs the private key to forge a
// matching checkpoint.
//
// The text of a checkpoint (docs/audit.md), every line ending with "\n":
//
//   motcua checkpoint v1
//   log: <the log's name>
//   key: <key id: the first 8 bytes of SHA-256(raw public key), hex>
//   sequence: <the last sequence covered, decimal>
//   head: <that event's hash, 64 hex digits>
//   time: <when it was signed, RFC 3339 UTC, e.g. 2026-12-06T18:00:00Z>
//   signature: <base64 of the Ed25519 signature of the lines above>
//
// The signature covers the exact bytes of the six lines before it.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace motcua::checkpoint {

inline constexpr char kHeader[] = "motcua checkpoint v1";

struct Checkpoint {
  std::string log;        // the log's name; letters, digits, ".-_:/"
  std::string key_id;     // 16 hex digits
  int64_t sequence = 0;   // 0: the empty log
  std::string head_hash;  // 32 raw bytes
  absl::Time time;        // whole seconds
  std::string signature;  // 64 raw bytes
};

// The signed lines (everything but the signature line).
std::string SignedBody(const Checkpoint& checkpoint);
// The whole text: SignedBody and the signature line.
std::string Format(const Checkpoint& checkpoint);
// Reads the text. INVALID_ARGUMENT naming `origin` (a file name) and the
// line that is wrong: a missing, misplaced or unknown line, a value that
// does not parse, extra text. Does not check the signature.
absl::StatusOr<Checkpoint> Parse(absl::string_view text,
                                 absl::string_view origin);

// Whether a log name is acceptable: 1 to 128 characters of letters,
// digits and ".-_:/".
bool IsValidLogName(absl::string_view name);

// An Ed25519 public key, for checking checkpoints.
class PublicKey {
 public:
  // From its 32 raw bytes. INVALID_ARGUMENT when not 32 bytes.
  static absl::StatusOr<PublicKey> FromRaw(absl::string_view raw);
  // From text: a PEM "PUBLIC KEY" block (as `motcuad checkpoint-key`
  // prints) or the base64 of the 32 raw bytes. INVALID_ARGUMENT naming
  // `origin` when it is neither, or not an Ed25519 key.
  static absl::StatusOr<PublicKey> FromText(absl::string_view text,
                                            absl::string_view origin);

  const std::string& raw() const { return raw_; }
  // 16 hex digits: the first 8 bytes of SHA-256 of the raw key.
  std::string KeyId() const;
  // The PEM block (SubjectPublicKeyInfo), as `openssl pkey -pubout` prints.
  std::string Pem() const;

  // OK when `checkpoint` names this key and its signature is this key's
  // over its body; PERMISSION_DENIED saying which does not hold.
  absl::Status Verify(const Checkpoint& checkpoint) const;

 private:
  friend class SigningKey;
  explicit PublicKey(std::string raw) : raw_(std::move(raw)) {}
  std::string raw_;
};

// The daemon's Ed25519 private key.
class SigningKey {
 public:
  // Reads the PEM private key (PKCS#8) at `path`; when no file is there,
  // generates a key and writes it with permissions 0600, creating its
  // directory (0700). FAILED_PRECONDITION naming the file when it exists
  // but is not an Ed25519 private key or is readable by others than its
  // owner; UNAVAILABLE when it cannot be written.
  static absl::StatusOr<std::unique_ptr<SigningKey>> LoadOrCreate(
      const std::string& path);
  // As LoadOrCreate, but NOT_FOUND when there is no file.
  static absl::StatusOr<std::unique_ptr<SigningKey>> Load(
      const std::string& path);
  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  const PublicKey& public_key() const { return public_key_; }

  // A signed checkpoint. `head_hash` is 32 raw bytes; `time` is truncated
  // to whole seconds. INTERNAL if OpenSSL fails.
  absl::StatusOr<Checkpoint> Sign(absl::string_view log, int64_t sequence,
                                  absl::string_view head_hash,
                                  absl::Time time) const;

 private:
  SigningKey(void* key, PublicKey public_key)
      : key_(key), public_key_(std::move(public_key)) {}
  void* key_;  // EVP_PKEY*, owned
  PublicKey public_key_;
};

}  // namespace motcua::checkpoint

#endif  // MOTCUA_SERVICES_CHECKPOINT_CHECKPOINT_H_
