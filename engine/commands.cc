#include "engine/commands.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "engine/sha256.h"

namespace motcua {

absl::Status DossierNotFoundError(absl::string_view code) {
  return absl::NotFoundError(absl::StrCat("dossier ", code, " not found"));
}

absl::Status DossierExistsError(absl::string_view code) {
  return absl::AlreadyExistsError(
      absl::StrCat("dossier ", code, " already exists with different content"));
}

std::string SubmissionFingerprint(const std::string& dossier_code,
                                  const SubmitAction& submit) {
  Sha256 hasher;
  for (const std::string& part :
       {dossier_code, submit.procedure_code, submit.agency,
        std::to_string(static_cast<int>(submit.channel)),
        std::to_string(absl::ToUnixMicros(submit.received_at)),
        submit.summary}) {
    hasher.Update(absl::StrCat(part.size(), ":"));
    hasher.Update(part);
  }
  return ToHex(hasher.Finish());
}

}  // namespace motcua
