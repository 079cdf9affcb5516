// Internal to lib/inspect/*.cpp (it includes nlohmann/json.hpp, so no other header may
// include it): the decoded document as a JSON value, shared by the JSON and text renderers
// so the text tree is drawn without serialising and re-parsing the document.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "hsk/bytes.hpp"
#include "inspect/inspect.hpp"

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

// input_records_json decodes one input of TLS records exactly as decode_json decodes it as the
// first input (no state carried from earlier inputs) and returns that input's "records" array,
// offsets counted from the input's first byte. decode_capture uses it to build each unit's
// records without serialising a whole document. Throws hsk::Error as decode_json does, but
// without the input's name attached.
nlohmann::ordered_json input_records_json(const Input& in, const DecodeOptions& options);

}  // namespace hsk::inspect::detail
