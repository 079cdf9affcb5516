// hsk::inspect — JsonOut (json_out.hpp).
#include "inspect/json_out.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

namespace hsk::inspect {

namespace {

// plain: printable ASCII without a quote or backslash — written as is (hex, names).
bool plain(std::string_view v) {
  bool ok = true;
  for (char ch : v) {
    auto u = static_cast<unsigned char>(ch);
    ok &= u >= 0x20 && u < 0x7f && u != '"' && u != '\\';
  }
  return ok;
}

}  // namespace

void JsonOut::newline() {
  out_ += '\n';
  out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
}

void JsonOut::element() {
  if (out_.empty()) {
    return;
  }
  char last = out_.back();
  if (last == ':' || (pretty_ && last == ' ')) {
    return;  // the value of a member
  }
  if (last != '{' && last != '[') {
    out_ += ',';
  }
  if (pretty_) {
    newline();
  }
}

void JsonOut::open(char bracket) {
  element();
  out_ += bracket;
  ++depth_;
}

void JsonOut::close(char bracket) {
  --depth_;
  char last = out_.back();
  if (pretty_ && last != '{' && last != '[') {
    newline();
  }
  out_ += bracket;
}

void JsonOut::key(std::string_view name) {
  element();
  quoted(name);
  out_ += pretty_ ? ": " : ":";
}

void JsonOut::string(std::string_view v) {
  element();
  quoted(v);
}

void JsonOut::quoted(std::string_view v) {
  if (plain(v)) {
    std::size_t at = out_.size();
    out_.resize(at + v.size() + 2);
    char* p = out_.data() + at;
    *p++ = '"';
    p = std::copy(v.begin(), v.end(), p);
    *p = '"';
  } else {
    // Escapes and the U+FFFD replacement exactly as the document's nlohmann dump makes them.
    out_ += nlohmann::ordered_json(std::string(v))
                .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  }
}

void JsonOut::hex(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  element();
  std::size_t at = out_.size();
  out_.resize(at + b.size() * 2 + 2);
  char* p = out_.data() + at;
  *p++ = '"';
  for (std::uint8_t c : b) {
    *p++ = kDigits[c >> 4];
    *p++ = kDigits[c & 0x0f];
  }
  *p = '"';
}

void JsonOut::number(std::uint64_t v) {
  element();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, res.ptr);
}

void JsonOut::boolean(bool v) {
  element();
  out_ += v ? "true" : "false";
}

void JsonOut::code_name(std::uint64_t code, std::string_view name) {
  constexpr std::string_view kCode = R"({"code":)";
  constexpr std::string_view kName = R"(,"name":")";
  if (pretty_ || name.size() > 200 || !plain(name)) {
    open_object();
    key("code");
    number(code);
    key("name");
    string(name);
    close_object();
    return;
  }
  // Compact and plain: one append.
  element();
  char buf[256];
  char* p = std::copy(kCode.begin(), kCode.end(), buf);
  p = std::to_chars(p, p + 20, code).ptr;
  p = std::copy(kName.begin(), kName.end(), p);
  p = std::copy(name.begin(), name.end(), p);
  *p++ = '"';
  *p++ = '}';
  out_.append(buf, p);
}

void JsonOut::raw(std::string_view json) {
  element();
  out_ += json;
}

}  // namespace hsk::inspect
