// hsk::inspect — JsonOut: a streaming JSON writer for the decoder's document.
//
// Internal to lib/inspect. It writes exactly what nlohmann's dump() writes for the same
// document — compact (dump()) or indented by two spaces (dump(2)), strings with the same escapes
// and invalid UTF-8 replaced by U+FFFD — without building a DOM: the capture decoder writes
// tens of megabytes of records and the DOM's allocations were most of its time.
//
// Commas and line breaks come from the last byte written: a value or a key follows an
// opening bracket, a key, or a complete value, so no nesting stack is kept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hsk/bytes.hpp"

namespace hsk::inspect {

class JsonOut {
 public:
  // depth: the nesting level the first value is written at (indentation only).
  explicit JsonOut(bool pretty = false, int depth = 0) : pretty_(pretty), depth_(depth) {}

  void open_object() { open('{'); }
  void close_object() { close('}'); }
  void open_array() { open('['); }
  void close_array() { close(']'); }

  // key writes a member name; the next call writes its value.
  void key(std::string_view name);
  void string(std::string_view v);
  void hex(ByteView b);
  void number(std::uint64_t v);
  void boolean(bool v);
  // code_name writes {"code": code, "name": name}, the document's form of every enumerated
  // value.
  void code_name(std::uint64_t code, std::string_view name);
  // raw writes a complete value written by another JsonOut of the same style and depth.
  void raw(std::string_view json);

  // Offsets: every "offset" member goes through offset(), which adds offset_base, or writes
  // nothing while strip_offsets is set (a decrypted record's plaintext has no stream offsets).
  std::uint64_t offset_base = 0;
  bool strip_offsets = false;
  void offset(std::uint64_t v) {
    if (!strip_offsets) {
      key("offset");
      number(v + offset_base);
    }
  }

  void reserve(std::size_t n) { out_.reserve(n); }
  bool pretty() const { return pretty_; }
  int depth() const { return depth_; }
  bool empty() const { return out_.empty(); }
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void element();  // the separator before a key or a value
  void quoted(std::string_view v);
  void open(char bracket);
  void close(char bracket);
  void newline();

  std::string out_;
  bool pretty_;
  int depth_;
};

}  // namespace hsk::inspect
