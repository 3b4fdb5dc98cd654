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

// Unicode separators other than U+0020 SPACE (categories Zs, Zl, Zp): a
// no-break or ideographic space looks like a space, or like nothing.
inline bool IsOtherSeparator(char32_t c) {
  return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// The safe-text rule of codes and names that people read on paper and type
// again (dossier codes, request ids, the units of rule files): why `value`
// breaks it, as the end of a message after the field's name ("must not
// contain U+202E (an invisible or look-alike character)"), or nullopt when
// it keeps it. The rule: valid UTF-8; no control character; no format
// character (U+202E right-to-left override, U+200B zero-width space, U+FEFF
// byte-order mark, ...) and no separator other than U+0020, which make two
// different values look alike; no space at either end. Emptiness and length
// are the caller's to check.
std::optional<std::string> SafeTextProblem(absl::string_view value);

}  // namespace motcua

#endif  // MOTCUA_ENGINE_UTF8_H_
