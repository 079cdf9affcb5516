#include "pki/pem.hpp"

#include <array>

#include "hsk/error.hpp"

namespace hsk::pki {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

Bytes base64_decode(std::string_view text, std::size_t where, const std::string& label) {
  Bytes out;
  std::uint32_t acc = 0;
  int bits = 0;
  int pad = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      continue;
    }
    if (c == '=') {
      ++pad;
      continue;
    }
    int v = b64_value(c);
    if (v < 0 || pad > 0) {
      throw_malformed(where, "PEM " + label, "invalid base64");
    }
    acc = acc << 6 | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
  }
  if (pad > 2 || bits >= 6) {
    throw_malformed(where, "PEM " + label, "invalid base64 padding");
  }
  return out;
}
}  // namespace

bool is_pem(ByteView data) {
  std::string_view s(reinterpret_cast<const char*>(data.data()), data.size());
  return s.find("-----BEGIN ") != std::string_view::npos;
}

std::vector<PemBlock> pem_decode_all(std::string_view text) {
  std::vector<PemBlock> blocks;
  std::size_t pos = 0;
  for (;;) {
    std::size_t begin = text.find("-----BEGIN ", pos);
    if (begin == std::string_view::npos) {
      break;
    }
    std::size_t label_start = begin + 11;
    std::size_t label_end = text.find("-----", label_start);
    std::size_t line_end = text.find('\n', label_start);
    if (label_end == std::string_view::npos || (line_end != std::string_view::npos && label_end > line_end)) {
      throw_malformed(begin, "PEM", "malformed BEGIN line");
    }
    std::string label(text.substr(label_start, label_end - label_start));
    std::string end_line = "-----END " + label + "-----";
    std::size_t body_start = label_end + 5;
    std::size_t end = text.find(end_line, body_start);
    if (end == std::string_view::npos) {
      throw_malformed(begin, "PEM " + label, "no matching END line");
    }
    std::string_view body = text.substr(body_start, end - body_start);
    if (body.find("Proc-Type:") != std::string_view::npos || body.find("DEK-Info:") != std::string_view::npos) {
      throw Error(ErrorKind::malformed, begin, "PEM " + label,
                  "the key is encrypted; decrypt it first, e.g. `openssl pkey -in KEY -out PLAIN.pem`",
                  Error::kAlertDecodeError);
    }
    blocks.push_back({label, base64_decode(body, body_start, label)});
    pos = end + end_line.size();
  }
  return blocks;
}

std::string pem_encode(std::string_view label, ByteView der) {
  std::string b64;
  std::size_t i = 0;
  for (; i + 3 <= der.size(); i += 3) {
    std::uint32_t v = static_cast<std::uint32_t>(der[i]) << 16 | static_cast<std::uint32_t>(der[i + 1]) << 8 | der[i + 2];
    b64 += kAlphabet[v >> 18];
    b64 += kAlphabet[(v >> 12) & 63];
    b64 += kAlphabet[(v >> 6) & 63];
    b64 += kAlphabet[v & 63];
  }
  if (der.size() - i == 1) {
    std::uint32_t v = static_cast<std::uint32_t>(der[i]) << 16;
    b64 += kAlphabet[v >> 18];
    b64 += kAlphabet[(v >> 12) & 63];
    b64 += "==";
  } else if (der.size() - i == 2) {
    std::uint32_t v = static_cast<std::uint32_t>(der[i]) << 16 | static_cast<std::uint32_t>(der[i + 1]) << 8;
    b64 += kAlphabet[v >> 18];
    b64 += kAlphabet[(v >> 12) & 63];
    b64 += kAlphabet[(v >> 6) & 63];
    b64 += '=';
  }
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t j = 0; j < b64.size(); j += 64) {
    out += b64.substr(j, 64);
    out += '\n';
  }
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

}  // namespace hsk::pki
