#ifndef MOTCUA_ENGINE_UTF8_H_
#define MOTCUA_ENGINE_UTF8_H_

// UTF-8 as the engine accepts it: strict (no overlong forms, no surrogates,
// nothing past U+10FFFF), so that whatever reaches a protobuf string, the
// log or a reply can be read back by any client.

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace motcua {

// Decodes the code point at `*position` of `text` into `*code_point` and
// moves `*position` past it. False, leaving both unchanged, when the bytes
// there are not valid UTF-8 (or `*position` is at the end).
bool NextCodePoint(absl::string_view text, size_t* position,
                   char32_t* code_point);

// The offset of the first byte that does not start a valid UTF-8 sequence;
// nullopt when the whole text is valid.
std::optional<size_t> FirstInvalidUtf8(absl::string_view text);

inline bool IsValidUtf8(absl::string_view text) {
  return !FirstInvalidUtf8(text).has_value();
}

// `text` with every byte that is not part of a valid sequence replaced by
// U+FFFD: for messages that quote outside input back to a client.
std::string ToValidUtf8(absl::string_view text);

// Where `offset` lies in `text`, 1-based: the line, and the column counted
// in code points (a byte that is not valid UTF-8 counts as one).
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition PositionOf(absl::string_view text, size_t offset);

// A problem of a text file (rule file, configuration, tokens file): where the
// first byte that is not UTF-8, or the first control character other than
// tab, line feed and carriage return, stands, and what it is.
struct TextProblem {
  TextPosition at;
  std::string message;
};
// nullopt when `content` is UTF-8 text as above. yaml-cpp would pass other
// bytes through into names and values.
std::optional<TextProblem> CheckUtf8Text(absl::string_view content);

// Unicode general category Cf (format characters: U+200B zero-width space,
// U+202E right-to-left override, U+FEFF byte-order mark, ...): invisible
// characters that make two different strings look alike.
bool IsFormatCharacter(char32_t code_point);

// C0 and C1 control characters and DEL (category Cc).
inline bool IsControlCharacter(char32_t code_point) {
  return code_point < 0x20 || code_point == 0x7F ||
         (code_point >= 0x80 && code_point <= 0x9F);
}

}  // namespace motcua

#endif  // MOTCUA_ENGINE_UTF8_H_
