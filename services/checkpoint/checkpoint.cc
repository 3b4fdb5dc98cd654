#include "services/checkpoint/checkpoint.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/sha256.h"

namespace motcua::checkpoint {
namespace {

constexpr size_t kRawKeySize = 32;
constexpr size_t kSignatureSize = 64;
constexpr size_t kHashSize = 32;
constexpr size_t kMaxLogName = 128;
constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%SZ";

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;
struct MdContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdContext = std::unique_ptr<EVP_MD_CTX, MdContextDeleter>;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, length > 0 ? static_cast<size_t>(length) : 0);
}

absl::StatusOr<std::string> RawPublicKey(EVP_PKEY* key) {
  std::string raw(kRawKeySize, '\0');
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(
          key, reinterpret_cast<unsigned char*>(raw.data()), &length) != 1 ||
      length != kRawKeySize) {
    return absl::InternalError("cannot read the Ed25519 public key");
  }
  return raw;
}

absl::Status LineError(absl::string_view origin, int line,
                       absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(origin, ":", line, ": ", what));
}

}  // namespace

bool IsValidLogName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxLogName) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        std::strchr(".-_:/", c) == nullptr) {
      return false;
    }
  }
  return true;
}

std::string SignedBody(const Checkpoint& checkpoint) {
  return absl::StrCat(
      kHeader, "\n", "log: ", checkpoint.log, "\n", "key: ", checkpoint.key_id,
      "\n", "sequence: ", checkpoint.sequence, "\n",
      "head: ", absl::BytesToHexString(checkpoint.head_hash), "\n", "time: ",
      absl::FormatTime(kTimeFormat, checkpoint.time, absl::UTCTimeZone()),
      "\n");
}

std::string Format(const Checkpoint& checkpoint) {
  return absl::StrCat(SignedBody(checkpoint),
                      "signature: ", absl::Base64Escape(checkpoint.signature),
                      "\n");
}

absl::StatusOr<Checkpoint> Parse(absl::string_view text,
                                 absl::string_view origin) {
  if (!absl::EndsWith(text, "\n")) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": not a checkpoint: it must end with a line break"));
  }
  std::vector<absl::string_view> lines =
      absl::StrSplit(text.substr(0, text.size() - 1), '\n');
  static constexpr absl::string_view kKeys[] = {"log",  "key",  "sequence",
                                                "head", "time", "signature"};
  if (lines.empty() || lines[0] != kHeader) {
    return LineError(origin, 1,
                     absl::StrCat("not a checkpoint: the first line must be \"",
                                  kHeader, "\""));
  }
  if (lines.size() != 1 + std::size(kKeys)) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": a checkpoint has ", 1 + std::size(kKeys),
        " lines (header, log, key, sequence, head, time, signature); this "
        "has ",
        lines.size()));
  }
  std::vector<absl::string_view> values;
  for (size_t i = 0; i < std::size(kKeys); ++i) {
    const int line = static_cast<int>(i) + 2;
    absl::string_view value = lines[i + 1];
    if (!absl::ConsumePrefix(&value, absl::StrCat(kKeys[i], ": "))) {
      return LineError(origin, line,
                       absl::StrCat("expected \"", kKeys[i], ": ...\""));
    }
    values.push_back(value);
  }
  Checkpoint checkpoint;
  checkpoint.log = std::string(values[0]);
  if (!IsValidLogName(checkpoint.log)) {
    return LineError(origin, 2, "log: 1 to 128 letters, digits or \".-_:/\"");
  }
  checkpoint.key_id = std::string(values[1]);
  if (checkpoint.key_id.size() != 16 ||
      !std::all_of(
          checkpoint.key_id.begin(), checkpoint.key_id.end(), [](char c) {
            return absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
                   (c >= 'a' && c <= 'f');
          })) {
    return LineError(origin, 3, "key: 16 lower-case hex digits");
  }
  if (!absl::SimpleAtoi(values[2], &checkpoint.sequence) ||
      checkpoint.sequence < 0 ||
      absl::StrCat(checkpoint.sequence) != values[2]) {
    return LineError(origin, 4, "sequence: a whole number, 0 or more");
  }
  const bool hex =
      values[3].size() == 2 * kHashSize &&
      std::all_of(values[3].begin(), values[3].end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
               (c >= 'a' && c <= 'f');
      });
  if (!hex) return LineError(origin, 5, "head: 64 lower-case hex digits");
  checkpoint.head_hash = absl::HexStringToBytes(values[3]);
  std::string error;
  if (!absl::ParseTime(kTimeFormat, values[4], absl::UTCTimeZone(),
                       &checkpoint.time, &error) ||
      absl::FormatTime(kTimeFormat, checkpoint.time, absl::UTCTimeZone()) !=
          values[4]) {
    return LineError(origin, 6,
                     "time: RFC 3339 in UTC, e.g. 2026-12-06T18:00:00Z");
  }
  if (!absl::Base64Unescape(values[5], &checkpoint.signature) ||
      checkpoint.signature.size() != kSignatureSize) {
    return LineError(origin, 7,
                     "signature: the base64 of a 64-byte Ed25519 signature");
  }
  return checkpoint;
}

absl::StatusOr<PublicKey> PublicKey::FromRaw(absl::string_view raw) {
  if (raw.size() != kRawKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("an Ed25519 public key has 32 bytes, not ", raw.size()));
  }
  return PublicKey(std::string(raw));
}

absl::StatusOr<PublicKey> PublicKey::FromText(absl::string_view text,
                                              absl::string_view origin) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (absl::StartsWith(trimmed, "-----BEGIN PUBLIC KEY-----")) {
    Bio bio(BIO_new_mem_buf(trimmed.data(), static_cast<int>(trimmed.size())));
    Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (key == nullptr || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": not an Ed25519 public key in PEM"));
    }
    absl::StatusOr<std::string> raw = RawPublicKey(key.get());
    if (!raw.ok()) return raw.status();
    return PublicKey(*std::move(raw));
  }
  std::string raw;
  if (!absl::Base64Unescape(trimmed, &raw) || raw.size() != kRawKeySize) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin,
        ": not a public key: expected a PEM \"PUBLIC KEY\" block or the "
        "base64 of 32 bytes, as `motcuad checkpoint-key` prints"));
  }
  return PublicKey(std::move(raw));
}

std::string PublicKey::KeyId() const {
  const Sha256Digest digest = Sha256Of(raw_);
  return ToHex(digest).substr(0, 16);
}

std::string PublicKey::Pem() const {
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(raw_.data()), raw_.size()));
  Bio bio(BIO_new(BIO_s_mem()));
  if (key == nullptr || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    return std::string();
  }
  return BioText(bio.get());
}

absl::Status PublicKey::Verify(const Checkpoint& checkpoint) const {
  if (checkpoint.key_id != KeyId()) {
    return absl::PermissionDeniedError(
        absl::StrCat("signed by key ", checkpoint.key_id,
                     ", not by the key given (", KeyId(), ")"));
  }
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(raw_.data()), raw_.size()));
  MdContext context(EVP_MD_CTX_new());
  if (key == nullptr || context == nullptr ||
      EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr,
                           key.get()) != 1) {
    return absl::InternalError("cannot set up an Ed25519 verification");
  }
  const std::string body = SignedBody(checkpoint);
  if (EVP_DigestVerify(
          context.get(),
          reinterpret_cast<const unsigned char*>(checkpoint.signature.data()),
          checkpoint.signature.size(),
          reinterpret_cast<const unsigned char*>(body.data()),
          body.size()) != 1) {
    return absl::PermissionDeniedError(
        "the signature does not match the checkpoint's text: it was altered "
        "or not signed by this key");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::Load(
    const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return absl::NotFoundError(
        absl::StrCat("checkpoint_key_file: no key at ", path));
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint_key_file: ", path,
                     " is readable by others than its owner; chmod 600 it"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint_key_file: cannot read ", path));
  }
  const std::string text = content.str();
  Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint_key_file: ", path,
                     " does not hold an Ed25519 private key in PEM"));
  }
  absl::StatusOr<std::string> raw = RawPublicKey(key.get());
  if (!raw.ok()) return raw.status();
  return std::unique_ptr<SigningKey>(
      new SigningKey(key.release(), PublicKey(*std::move(raw))));
}

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::LoadOrCreate(
    const std::string& path) {
  absl::StatusOr<std::unique_ptr<SigningKey>> loaded = Load(path);
  if (!absl::IsNotFound(loaded.status())) return loaded;

  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    if (std::filesystem::create_directories(parent, error)) {
      chmod(parent.c_str(), S_IRWXU);
    }
    if (error) {
      return absl::UnavailableError(
          absl::StrCat("checkpoint_key_file: cannot create ", parent.string(),
                       ": ", error.message()));
    }
  }
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  Bio bio(BIO_new(BIO_s_mem()));
  if (key == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1) {
    return absl::InternalError("cannot generate an Ed25519 key");
  }
  const std::string pem = BioText(bio.get());
  // O_EXCL: two daemons starting at once never overwrite each other's key.
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                      S_IRUSR | S_IWUSR);
  if (fd < 0) {
    if (errno == EEXIST) return Load(path);
    return absl::UnavailableError(
        absl::StrCat("checkpoint_key_file: cannot create ", path, ": ",
                     std::strerror(errno)));
  }
  const bool written =
      write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) &&
      fsync(fd) == 0;
  close(fd);
  if (!written) {
    unlink(path.c_str());
    return absl::UnavailableError(
        absl::StrCat("checkpoint_key_file: cannot write ", path));
  }
  absl::StatusOr<std::string> raw = RawPublicKey(key.get());
  if (!raw.ok()) return raw.status();
  return std::unique_ptr<SigningKey>(
      new SigningKey(key.release(), PublicKey(*std::move(raw))));
}

SigningKey::~SigningKey() { EVP_PKEY_free(static_cast<EVP_PKEY*>(key_)); }

absl::StatusOr<Checkpoint> SigningKey::Sign(absl::string_view log,
                                            int64_t sequence,
                                            absl::string_view head_hash,
                                            absl::Time time) const {
  Checkpoint checkpoint;
  checkpoint.log = std::string(log);
  checkpoint.key_id = public_key_.KeyId();
  checkpoint.sequence = sequence;
  checkpoint.head_hash = std::string(head_hash);
  checkpoint.time = absl::FromUnixSeconds(absl::ToUnixSeconds(time));
  const std::string body = SignedBody(checkpoint);
  MdContext context(EVP_MD_CTX_new());
  std::string signature(kSignatureSize, '\0');
  size_t length = signature.size();
  if (context == nullptr ||
      EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr,
                         static_cast<EVP_PKEY*>(key_)) != 1 ||
      EVP_DigestSign(
          context.get(), reinterpret_cast<unsigned char*>(signature.data()),
          &length, reinterpret_cast<const unsigned char*>(body.data()),
          body.size()) != 1 ||
      length != kSignatureSize) {
    return absl::InternalError("cannot sign the checkpoint (OpenSSL)");
  }
  checkpoint.signature = std::move(signature);
  return checkpoint;
}

}  // namespace motcua::checkpoint
