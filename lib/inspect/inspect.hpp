// hsk::inspect — what `hsk decode` and `hsk encode` do, as library functions.
//
// Decoding walks each input's records in order, reassembles handshake messages, decodes each
// with the typed codecs in wire/, and renders one document: JSON (a stable schema, see
// man/hsk-decode.1) or a text tree generated from the same document. The negotiated version
// and suite carry across inputs (ServerHello in the second file decides how the
// ClientKeyExchange in the third decodes). Encoding reads that JSON back and writes the bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "hsk/bytes.hpp"

namespace hsk::inspect {

struct Input {
  std::string name;  // shown in output and errors ("-" for stdin)
  Bytes data;        // binary records, or hex text (detected)
};

struct DecodeOptions {
  std::optional<std::uint16_t> suite;    // --suite: forces the key-exchange form
  std::optional<std::uint16_t> version;  // --version: forces the negotiated version
  bool offsets = false;                  // text: show absolute offsets
};

// decode_json decodes every input and returns the JSON document (pretty, 2-space indent,
// ending in a newline). Throws hsk::Error (malformed) naming the input, offset and field.
std::string decode_json(std::span<const Input> inputs, const DecodeOptions& options);

// decode_text returns the readable tree of the same document.
std::string decode_text(std::span<const Input> inputs, const DecodeOptions& options);

struct EncodeOptions {
  bool fix_lengths = false;  // ignore every explicit "length" in the JSON and recompute
};

// encode_json reads a document produced by decode_json (possibly edited) and returns the
// wire bytes of every record of every input, in order. Explicit lengths that disagree with
// the content are written as given unless fix_lengths. Throws hsk::Error (malformed) naming
// the JSON path of a bad value.
Bytes encode_json(std::string_view json_text, const EncodeOptions& options);

}  // namespace hsk::inspect
