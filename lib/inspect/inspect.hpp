// hsk::inspect — what `hsk decode` and `hsk encode` do, as library functions.
//
// Decoding walks each input's records in order, reassembles handshake messages, decodes each
// with the typed codecs in wire/, and renders one document: JSON (a stable schema, see
// man/hsk-decode.1) or a text tree generated from the same document. The negotiated version
// and suite carry across inputs (ServerHello in the second file decides how the
// ClientKeyExchange in the third decodes). Encoding reads that JSON back and writes the bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hsk/bytes.hpp"

namespace hsk::capture {
class CaptureReader;
}

namespace hsk::inspect {

struct Input {
  std::string name;  // shown in output and errors ("-" for stdin)
  Bytes data;        // binary records, or hex text (detected)
};

struct DecodeOptions {
  // --suite: the cipher suite that decides the forms of ServerKeyExchange and
  // ClientKeyExchange. When set it overrides the ServerHello's choice; when unset the
  // ServerHello's choice is used, and without a ServerHello those bodies stay hex.
  std::optional<std::uint16_t> suite;
  // --tls-version: the negotiated version (decides whether DigitallySigned and
  // CertificateRequest carry TLS 1.2's algorithm fields). Overrides the ServerHello's when
  // set; when unset: ServerHello.server_version, else ClientHello.client_version, else the
  // version of the record that carries the message.
  std::optional<std::uint16_t> version;
  bool offsets = false;  // text: show absolute offsets
  // --show-secret: include private key numbers when decoding PKI objects (default: the
  // public part only).
  bool show_secret = false;
};

// decode_json decodes every input and returns the JSON document (pretty, 2-space indent,
// ending in a newline; schema in man/hsk-decode.1). Each input is binary records (first
// byte 0x14..0x18) or hex text; anything else, a truncated record, a handshake message left
// incomplete at the end of an input, or a malformed message throws hsk::Error (malformed)
// naming the input, the absolute offset (into the decoded bytes for hex inputs), the
// structure and field, and the alert a TLS stack would send.
std::string decode_json(std::span<const Input> inputs, const DecodeOptions& options);

// decode_text returns the readable tree of the same document (same errors as decode_json).
std::string decode_text(std::span<const Input> inputs, const DecodeOptions& options);

struct EncodeOptions {
  bool fix_lengths = false;  // ignore every explicit "length" in the JSON and recompute
};

// encode_json reads a document produced by decode_json (possibly edited) and returns the
// wire bytes of every record of every input, in order. Explicit lengths that disagree with
// the content are written as given unless fix_lengths. Throws hsk::Error (malformed) naming
// the JSON path of a bad value ("inputs[0].records[2].messages[0].body.cipher_suites[3]: ...").
Bytes encode_json(std::string_view json_text, const EncodeOptions& options);

// ---- captures (capture_doc.cpp) -------------------------------------------------------------

struct CaptureDecodeOptions {
  // --port: decode only connections with this TCP port on either side (unset: every port).
  std::optional<std::uint16_t> port;
  bool json = false;     // JSON Lines (one object per connection) instead of text
  bool offsets = false;  // text: show stream offsets
};

// CaptureDecodeSummary counts what decode_capture saw.
struct CaptureDecodeSummary {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;                    // captured bytes
  std::uint64_t tcp_connections = 0;          // TCP connections (after --port)
  std::uint64_t tls_connections = 0;          // of those, decoded as TLS (printed)
  std::uint64_t connections_with_errors = 0;  // TLS connections with a malformed record
  std::string stop_note;                      // the capture file was cut or corrupt part-way
};

// decode_capture reads every packet of `reader`, reassembles TCP (capture::TcpReassembler) and
// decodes each connection whose first payload bytes look like TLS (capture::looks_like_tls, any
// port unless options.port): per direction, records are cut from the reassembled stream,
// handshake messages reassembled and decoded as decode_json does (the ServerHello's version
// and suite decide the ServerKeyExchange and ClientKeyExchange forms); records after
// ChangeCipherSpec (TLS 1.2 and below) or after a TLS 1.3 ServerHello are listed as encrypted
// (type, version, length). Each connection is handed to `emit` when it closes, then freed, so
// memory is bounded by the connections open at once: with options.json one JSON object and a
// newline per connection (JSON Lines, schema in man/hsk-decode.1, CAPTURES), else its text
// tree; after the last connection, one summary (a {"summary": ...} line, or a text line).
// Per connection problems do not throw: a malformed record goes to the connection's "errors"
// and stops that direction; gaps, conflicting retransmissions and records cut by the end of
// the capture go to its "notes" (a gap also stops that direction). Throws only what `emit`
// throws, and hsk::Error(malformed) when a decoded document cannot be built (a bug).
CaptureDecodeSummary decode_capture(capture::CaptureReader& reader,
                                    const CaptureDecodeOptions& options,
                                    const std::function<void(std::string_view)>& emit);

namespace detail {
// render_text turns a document produced by decode_json into the text tree. Internal: shared
// by the inspect/*.cpp files so that nlohmann::json stays out of every header.
std::string render_text(std::string_view json_text, bool offsets);
}  // namespace detail

}  // namespace hsk::inspect
