#include "engine/utf8.h"

#include "absl/strings/str_format.h"

namespace motcua {

bool NextCodePoint(absl::string_view text, size_t* position,
                   char32_t* code_point) {
  const size_t start = *position;
  if (start >= text.size()) return false;
  const auto byte = static_cast<unsigned char>(text[start]);
  char32_t c = 0;
  size_t length = 0;
  char32_t minimum = 0;
  if (byte < 0x80) {
    c = byte;
    length = 1;
  } else if ((byte & 0xE0) == 0xC0) {
    c = byte & 0x1F;
    length = 2;
    minimum = 0x80;
  } else if ((byte & 0xF0) == 0xE0) {
    c = byte & 0x0F;
    length = 3;
    minimum = 0x800;
  } else if ((byte & 0xF8) == 0xF0) {
    c = byte & 0x07;
    length = 4;
    minimum = 0x10000;
  } else {
    return false;
  }
  if (length > text.size() - start) return false;
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[start + k]);
    if ((next & 0xC0) != 0x80) return false;
    c = (c << 6) | (next & 0x3F);
  }
  if (c < minimum || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    return false;
  }
  *code_point = c;
  *position = start + length;
  return true;
}

std::optional<size_t> FirstInvalidUtf8(absl::string_view text) {
  size_t position = 0;
  char32_t ignored = 0;
  while (position < text.size()) {
    if (!NextCodePoint(text, &position, &ignored)) return position;
  }
  return std::nullopt;
}

std::string ToValidUtf8(absl::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  size_t position = 0;
  char32_t ignored = 0;
  while (position < text.size()) {
    const size_t start = position;
    if (NextCodePoint(text, &position, &ignored)) {
      valid.append(text.data() + start, position - start);
    } else {
      valid.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      position = start + 1;
    }
  }
  return valid;
}

TextPosition PositionOf(absl::string_view text, size_t offset) {
  TextPosition where;
  size_t position = 0;
  char32_t c = 0;
  while (position < offset && position < text.size()) {
    if (!NextCodePoint(text, &position, &c)) {
      ++position;
      c = 0xFFFD;
    }
    if (c == '\n') {
      ++where.line;
      where.column = 1;
    } else {
      ++where.column;
    }
  }
  return where;
}

std::optional<TextProblem> CheckUtf8Text(absl::string_view content) {
  size_t position = 0;
  char32_t c = 0;
  while (position < content.size()) {
    const size_t start = position;
    if (!NextCodePoint(content, &position, &c)) {
      return TextProblem{
          PositionOf(content, start),
          absl::StrFormat("not UTF-8 text: byte 0x%02X (byte offset %d) does "
                          "not begin a valid UTF-8 character",
                          static_cast<unsigned char>(content[start]), start)};
    }
    if (IsControlCharacter(c) && c != '\t' && c != '\n' && c != '\r') {
      return TextProblem{
          PositionOf(content, start),
          absl::StrFormat("control character U+%04X is not allowed in the "
                          "file",
                          static_cast<uint32_t>(c))};
    }
  }
  return std::nullopt;
}

bool IsFormatCharacter(char32_t c) {
  // Unicode 15 general category Cf.
  struct Range {
    char32_t first;
    char32_t last;
  };
  static constexpr Range kFormat[] = {
      {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},
      {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},
      {0x08E2, 0x08E2},   {0x180E, 0x180E},   {0x200B, 0x200F},
      {0x202A, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},
      {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},
      {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
  };
  for (const Range& range : kFormat) {
    if (c < range.first) return false;
    if (c <= range.last) return true;
  }
  return false;
}

std::optional<std::string> SafeTextProblem(absl::string_view value) {
  // Bytes that are not UTF-8 are named first wherever they stand, then
  // control characters, then the first look-alike.
  if (!IsValidUtf8(value)) return "must be valid UTF-8";
  size_t position = 0;
  char32_t c = 0;
  bool control = false;
  std::optional<char32_t> look_alike;
  while (NextCodePoint(value, &position, &c)) {
    control = control || IsControlCharacter(c);
    if (!look_alike.has_value() &&
        (IsFormatCharacter(c) || IsOtherSeparator(c))) {
      look_alike = c;
    }
  }
  if (control) return "must not contain control characters";
  if (look_alike.has_value()) {
    return absl::StrFormat(
        "must not contain U+%04X (an invisible or look-alike character)",
        static_cast<uint32_t>(*look_alike));
  }
  // Read on paper and typed again: a space nobody sees at either end would
  // make two values that look the same.
  if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) {
    return "must not begin or end with a space";
  }
  return std::nullopt;
}

}  // namespace motcua
