// ParseHttpUrl: a webhook's URL taken apart.

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "services/config/server_config.h"

namespace motcua::config {

absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url) {
  constexpr absl::string_view kExpected = "; expected http://host:port/path";
  if (absl::StartsWithIgnoreCase(url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "is \"", url,
        "\": https is not supported yet; use http:// to a local relay "
        "(for example a reverse proxy that adds TLS)"));
  }
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("is \"", url, "\"", kExpected));
  }
  for (unsigned char c : rest) {
    if (c <= 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("is \"", url, "\": has spaces or control characters"));
    }
  }
  HttpUrl parsed;
  const size_t slash = rest.find_first_of("/?");
  absl::string_view authority = rest.substr(0, slash);
  // No path is "/", and a query without a path ("http://host?x") is "/?x".
  const absl::string_view path = slash == absl::string_view::npos
                                     ? absl::string_view()
                                     : rest.substr(slash);
  parsed.target =
      absl::StrCat(path.empty() || path.front() == '?' ? "/" : "", path);
  if (absl::StrContains(authority, '@')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "is \"", url, "\": user information in the URL is not supported"));
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::ConsumePrefix(&host, "[")) {
    const size_t close = host.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "is \"", url, "\": has an unclosed IPv6 bracket", kExpected));
    }
    absl::string_view after = host.substr(close + 1);
    host = host.substr(0, close);
    if (!after.empty() && !absl::ConsumePrefix(&after, ":")) {
      return absl::InvalidArgumentError(
          absl::StrCat("is \"", url, "\"", kExpected));
    }
    port = after;
  } else if (const size_t colon = host.rfind(':');
             colon != absl::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (absl::StrContains(host, ':')) {
      return absl::InvalidArgumentError(
          absl::StrCat("is \"", url, "\": put an IPv6 address in brackets"));
    }
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("is \"", url, "\": has no host", kExpected));
  }
  parsed.host = std::string(host);
  if (absl::StrContains(authority, ':') &&
      !(authority.front() == '[' && authority.back() == ']')) {
    uint32_t number = 0;
    if (port.empty() ||
        !absl::ascii_isdigit(static_cast<unsigned char>(port[0])) ||
        !absl::SimpleAtoi(port, &number) || number == 0 || number > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          "is \"", url, "\": has no valid port (1 to 65535)", kExpected));
    }
    parsed.port = static_cast<uint16_t>(number);
  }
  return parsed;
}

}  // namespace motcua::config
