#ifndef MOTCUA_TESTS_TESTING_TEMP_DIR_H_
#define MOTCUA_TESTS_TESTING_TEMP_DIR_H_

// A fresh temporary directory per test, removed with everything in it when
// the test ends: the one helper every test that writes files uses (the
// CLI's and the daemon's process tests too, through tests/cli/subprocess.h).

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace motcua::test_support {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "motcua-test-XXXXXX")
            .string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "cannot make a temporary directory";
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The directory itself.
  const std::filesystem::path& path() const { return path_; }
  // `name` inside it (a relative path: "data/motcua.db").
  std::string File(const std::string& name) const {
    return (path_ / name).string();
  }
  // Writes `content` to File(`name`), creating its directories; returns
  // the file's path.
  std::string Write(const std::string& name, absl::string_view content) const {
    const std::filesystem::path file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace motcua::test_support

#endif  // MOTCUA_TESTS_TESTING_TEMP_DIR_H_
