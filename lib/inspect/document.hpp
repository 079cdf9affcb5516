// Internal to lib/inspect/*.cpp (it includes nlohmann/json.hpp, so no other header may
// include it): the decoded document as a JSON value, shared by the JSON and text renderers
// so the text tree is drawn without serialising and re-parsing the document.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "hsk/bytes.hpp"
#include "inspect/inspect.hpp"
#include "inspect/json_out.hpp"

namespace hsk::inspect::detail {

// render_text_doc draws the text tree of a document built by decode_json.
std::string render_text_doc(const nlohmann::ordered_json& doc, bool offsets);

// pki_document (pki_doc.cpp) describes an input that is a PKI object: PEM text (every block:
// certificates, keys, DH and EC parameters) or DER starting with 0x30 (tried as a
// certificate, then a key, then DH parameters). Returns {"format": "pem"|"der", "objects":
// [...]} (schema in man/hsk-decode.1), or nullopt when the input is neither PEM nor 0x30 DER.
// Private key numbers appear only with show_secret. Throws hsk::Error(malformed) when the
// object does not parse (the caller names the input).
std::optional<nlohmann::ordered_json> pki_document(ByteView data, bool show_secret);

// render_document_text draws a whole document: inputs of TLS records with render_text_doc,
// inputs of PKI objects (pki_document) as a generic tree.
std::string render_document_text(const nlohmann::ordered_json& doc, bool offsets);

// write_json writes a nlohmann value with `out` (its style: compact or indented), as
// value.dump() would.
void write_json(JsonOut& out, const nlohmann::ordered_json& value);

// RecordStyle: how decode_capture wants an input's records written.
struct RecordStyle {
  // Added to every "offset": the stream offset of the input's first byte.
  std::uint64_t offset_base = 0;
  // One entry per record of the input, or fewer: a set entry marks the record as the plaintext
  // of a protected record at that stream offset with that fragment length. Its object then
  // holds the protected record's offset and length, "encrypted": true, "decrypted": true,
  // "plaintext_length", and what the plaintext decodes to without offsets.
  struct Protected {
    std::uint64_t offset = 0;
    std::size_t length = 0;
  };
  std::vector<std::optional<Protected>> decrypted;
  // Compact JSON members appended to the body of each Finished message, in order ("" for none).
  std::vector<std::string> finished_members;
};

// input_records_compact decodes one input of TLS records exactly as decode_json decodes it as
// the first input (no state carried from earlier inputs) and returns each record's object as
// compact JSON, styled by `style`. decode_capture uses it to write each unit's records without
// building a document. Throws hsk::Error as decode_json does, but without the input's name.
std::vector<std::string> input_records_compact(const Input& in, const DecodeOptions& options,
                                               const RecordStyle& style);

}  // namespace hsk::inspect::detail
