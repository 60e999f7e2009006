#include "http/request_head.hpp"

#include <strings.h>

#include <algorithm>
#include <limits>

namespace wharf::host {

namespace {

bool isTchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool isToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return isTchar(static_cast<unsigned char>(c)); });
}

// field-value bytes: VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5); no NUL, CR, LF or other CTL.
bool isFieldValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(token) for each element of a comma-separated list, OWS trimmed, empty ones skipped.
template <typename Fn>
void forEachElement(std::string_view list, Fn fn) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trimOws(list.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

HeadParse error(int status, std::string message) {
  HeadParse p;
  p.state = HeadParse::State::Error;
  p.error = HeadError{status, std::move(message)};
  return p;
}

// "HTTP/1.1" -> minor 1; -1 when malformed, -2 when a major version other than 1.
int parseVersion(std::string_view v) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return -1;
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return -1;
  if (v[5] != '1') return -2;
  return v[7] - '0';
}

bool parseDecimal(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  out = v;
  return true;
}

}  // namespace

bool headMayBeComplete(std::string_view data, size_t from) {
  from = from > 2 ? from - 2 : 0;
  for (size_t nl = data.find('\n', from); nl != std::string_view::npos;
       nl = data.find('\n', nl + 1)) {
    if (nl == 0 || data[nl - 1] != '\r') return true;  // a bare LF: an error to report
    if (nl >= 3 && data.substr(nl - 3, 3) == "\r\n\r") return true;
  }
  return false;
}

const std::string* RequestHead::field(std::string_view name) const {
  for (auto& [k, v] : fields)
    if (iequals(k, name)) return &v;
  return nullptr;
}

HeadParse parseRequestHead(std::string_view data, const HeadLimits& limits) {
  size_t start = 0;
  while (data.substr(start, 2) == "\r\n") start += 2;
  if (start > limits.max_bytes) return error(431, "too many empty lines before the request");

  // Find the end of the head: the first empty line. Every line must end in CRLF.
  std::vector<std::string_view> lines;
  size_t line = start;
  size_t end = 0;
  for (;;) {
    size_t nl = data.find('\n', line);
    if (nl == std::string_view::npos) {
      if (data.size() - start > limits.max_bytes)
        return error(431, "request header too large: more than " +
                              std::to_string(limits.max_bytes) + " bytes, the limit is " +
                              std::to_string(limits.max_bytes));
      return HeadParse{};
    }
    if (nl == line || data[nl - 1] != '\r')
      return error(400, "malformed request: a line ends in a bare LF, not CRLF");
    if (nl + 1 - start > limits.max_bytes)
      return error(431, "request header too large: more than " + std::to_string(limits.max_bytes) +
                            " bytes, the limit is " + std::to_string(limits.max_bytes));
    if (nl - 1 == line) {
      end = nl + 1;
      break;
    }
    lines.push_back(data.substr(line, nl - 1 - line));
    line = nl + 1;
  }

  HeadParse p;
  RequestHead& h = p.head;

  // request-line = method SP request-target SP HTTP-version
  std::string_view rl = lines.front();
  size_t sp1 = rl.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos)
    return error(400, "malformed request line: expected 'METHOD target HTTP/1.1'");
  std::string_view method = rl.substr(0, sp1);
  std::string_view target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = rl.substr(sp2 + 1);
  if (!isToken(method)) return error(400, "malformed request line: bad method");
  if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
      }))
    return error(400, "malformed request line: bad request target");
  int minor = parseVersion(version);
  if (minor == -2)
    return error(505, "HTTP version " + std::string(version) + " is not supported; use HTTP/1.1");
  if (minor < 0) return error(400, "malformed request line: bad HTTP version");
  h.method = method;
  h.target = target;
  h.minor_version = minor;

  if (lines.size() - 1 > limits.max_fields)
    return error(431, "Too many header fields: " + std::to_string(lines.size() - 1) +
                          ", the limit is " + std::to_string(limits.max_fields));
  h.fields.reserve(lines.size() - 1);
  int hosts = 0, lengths = 0, codings = 0;
  bool close = false, keep_alive = false;
  std::string_view length_value, coding_value;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (l.front() == ' ' || l.front() == '\t')
      return error(400, "malformed header: obsolete line folding is not accepted");
    size_t colon = l.find(':');
    if (colon == std::string_view::npos)
      return error(400, "malformed header: a field line without a colon");
    std::string_view name = l.substr(0, colon);
    if (name.size() > kMaxFieldName) return error(431, "Field name too long");
    if (!isToken(name))
      return error(400, "malformed header: bad field name (no whitespace before the colon)");
    std::string_view value = trimOws(l.substr(colon + 1));
    if (value.size() > kMaxFieldValue)
      return error(431, "Field value too long: " + std::string(name));
    if (!isFieldValue(value))
      return error(400, "malformed header: control character in the value of " + std::string(name));
    if (iequals(name, "Host")) {
      ++hosts;
    } else if (iequals(name, "Content-Length")) {
      ++lengths;
      length_value = value;
    } else if (iequals(name, "Transfer-Encoding")) {
      ++codings;
      coding_value = value;
    } else if (iequals(name, "Connection")) {
      forEachElement(value, [&](std::string_view t) {
        if (iequals(t, "close")) close = true;
        if (iequals(t, "keep-alive")) keep_alive = true;
      });
    } else if (iequals(name, "Expect")) {
      if (iequals(value, "100-continue")) h.expect_continue = minor >= 1;
    }
    h.fields.emplace_back(name, value);
  }

  if (hosts > 1) return error(400, "malformed request: more than one Host field");
  if (hosts == 0 && minor >= 1) return error(400, "malformed request: HTTP/1.1 needs a Host field");
  // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes unless told to keep it.
  h.keep_alive = !close && (minor >= 1 || keep_alive);
  if (codings > 0) {
    if (codings > 1) return error(400, "malformed request: more than one Transfer-Encoding field");
    if (lengths > 0)
      return error(400, "malformed request: both Content-Length and Transfer-Encoding");
    if (minor == 0)
      return error(400, "malformed request: Transfer-Encoding in an HTTP/1.0 request");
    if (!iequals(coding_value, "chunked"))
      return error(400, "malformed request: Transfer-Encoding '" + std::string(coding_value) +
                            "' (only chunked is accepted)");
    h.body = RequestHead::Body::Chunked;
  } else if (lengths > 0) {
    if (lengths > 1) return error(400, "malformed request: more than one Content-Length field");
    if (!parseDecimal(length_value, h.content_length))
      return error(400, "malformed request: Content-Length '" + std::string(length_value) +
                            "' is not a decimal number of bytes");
    h.body = h.content_length > 0 ? RequestHead::Body::Length : RequestHead::Body::None;
  }
  p.state = HeadParse::State::Complete;
  p.consumed = end;
  return p;
}

}  // namespace wharf::host
