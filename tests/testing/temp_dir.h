#ifndef MOTCUA_TESTS_TESTING_TEMP_DIR_H_
#define MOTCUA_TESTS_TESTING_TEMP_DIR_H_

// A fresh temporary directory per test, removed with everything in it when
// the test ends: the one helper every test that writes files uses.

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

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
  const std::string& path() const { return path_; }
  // `name` inside it.
  std::string File(const std::string& name) const {
    return (std::filesystem::path(path_) / name).string();
  }

 private:
  std::string path_;
};

}  // namespace motcua::test_support

#endif  // MOTCUA_TESTS_TESTING_TEMP_DIR_H_
