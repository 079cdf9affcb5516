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
#include <unordered_map>

#include "hsk/bytes.hpp"

namespace hsk::capture {
class CaptureReader;
}
namespace hsk::crypto {
struct PrivateKey;
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

// KeyLog: the secrets of an NSS key log file (the format of SSLKEYLOGFILE, OpenSSL's
// -keylogfile, Wireshark's tls.keylog_file), by client random (64 lowercase hex digits).
struct KeyLog {
  std::unordered_map<std::string, Bytes> master_secrets;      // CLIENT_RANDOM lines
  std::unordered_map<std::string, Bytes> pre_master_secrets;  // PMS_CLIENT_RANDOM lines
};

// parse_keylog reads an NSS key log: "CLIENT_RANDOM <client_random> <master_secret>" (32 and
// 48 bytes in hex) and "PMS_CLIENT_RANDOM <client_random> <pre_master_secret>" (any non-empty
// length) lines. Blank lines, lines starting with '#' and lines with any other label (the TLS
// 1.3 secrets, "RSA ...") are skipped; a later line for the same client random wins. A
// CLIENT_RANDOM or PMS_CLIENT_RANDOM line with a wrong field count, bad hex or a wrong length
// throws hsk::Error(usage) "NAME:LINE: ..." naming the file, the line number and the fault (a
// bad --keylog is a bad argument, exit status 2).
KeyLog parse_keylog(ByteView text, const std::string& name);

inline constexpr std::size_t kMaxDecodeThreads = 8;

struct CaptureDecodeOptions {
  // --port: decode only connections with this TCP port on either side (unset: every port).
  std::optional<std::uint16_t> port;
  bool json = false;     // JSON Lines (one object per connection) instead of text
  bool offsets = false;  // text: show stream offsets
  // --keylog: master secrets (or pre-master secrets) by client random; --key: the server's
  // RSA private key, for connections with RSA key exchange. Either one turns decryption on:
  // see decode_capture. Not owned; must outlive the call.
  const KeyLog* keylog = nullptr;
  const crypto::PrivateKey* rsa_key = nullptr;
  // --app-data: show decrypted application data whole (default: length and a short preview).
  bool app_data = false;
  // --threads: decode connections on this many worker threads while this thread reads the
  // capture and reassembles TCP (capture::ParallelSink); 1: everything on this thread; 0: one
  // worker per CPU (at most kMaxDecodeThreads; none on a machine with one CPU). The output is
  // the same either way.
  std::size_t threads = 1;
};

// CaptureDecodeSummary counts what decode_capture saw.
struct CaptureDecodeSummary {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;                    // captured bytes
  std::uint64_t tcp_connections = 0;          // TCP connections (after --port)
  std::uint64_t tls_connections = 0;          // of those, decoded as TLS (printed)
  std::uint64_t connections_with_errors = 0;  // TLS connections with a malformed record
  // With a keylog or key: connections whose records were decrypted, and those where
  // decryption failed a check (bad record MAC, Finished mismatch, the RSA key does not
  // decrypt the pre-master secret).
  std::uint64_t connections_decrypted = 0;
  std::uint64_t connections_failing_checks = 0;
  std::string stop_note;  // the capture file was cut or corrupt part-way
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
//
// Decryption (options.keylog or options.rsa_key; TLS 1.0-1.2): the master secret of a
// connection comes from the key log's CLIENT_RANDOM line for its client random, else from
// its PMS_CLIENT_RANDOM line, else — RSA key exchange — from the ClientKeyExchange decrypted
// with options.rsa_key (RFC 5246 §7.4.7.1); a pre-master secret becomes the master secret by
// RFC 5246 §8.1, or RFC 7627 §4 when both hellos carried extended_master_secret. The key
// block (RFC 5246 §6.3) keys one crypto::RecordProtection per direction (encrypt_then_mac
// when both hellos carried it, RFC 7366), which opens every record after that direction's
// ChangeCipherSpec: handshake messages and alerts are decoded as plaintext ones, each
// Finished is checked against the PRF over the transcript (RFC 5246 §7.4.9), application
// data is shown by length and preview (whole with options.app_data). The connection's
// "decryption" object says what happened. A record that fails to authenticate or a Finished
// that does not match is an error of that connection (decryption of that direction stops;
// later records are listed as encrypted); a missing secret or an unsupported suite is a
// "decryption" status, not an error. TLS 1.3 records stay encrypted. The transcript is kept
// only until both Finished are checked.
CaptureDecodeSummary decode_capture(capture::CaptureReader& reader,
                                    const CaptureDecodeOptions& options,
                                    const std::function<void(std::string_view)>& emit);

// ---- splitting a capture into step files (capture_split.cpp) --------------------------------

struct CaptureSplitOptions {
  // --port: split only connections with this TCP port on either side (unset: every port).
  std::optional<std::uint16_t> port;
  bool json = false;  // JSON Lines (one object per connection) instead of one text line
};

// CaptureSplitSummary counts what split_capture did.
struct CaptureSplitSummary {
  std::uint64_t packets = 0;
  std::uint64_t tcp_connections = 0;          // TCP connections (after --port)
  std::uint64_t tls_connections = 0;          // of those, TLS: one subdirectory each
  std::uint64_t connections_with_errors = 0;  // TLS connections with a malformed record
  std::string stop_note;                      // the capture file was cut or corrupt part-way
};

// split_capture writes each TLS connection of `reader` (found as decode_capture finds them:
// capture::looks_like_tls on the first bytes, any port unless options.port) as step files in
// a subdirectory of `dir` named "NNN-CLIENTADDR.PORT-SERVERADDR.PORT" (NNN: the connection's
// number in decode_capture's output, at least 3 digits; in an IPv6 address ':' becomes '_'):
// the exact records of each direction, cut at flight boundaries (man/hsk-decode.1, SPLIT):
// 1-client-hello.tls, 2-server-flight.tls, 3-client-flight.tls, 4-server-finished.tls, and
// 5-client-data.tls / 6-server-data.tls for what follows, plus connection.json (endpoints,
// version, suite, files, the hsk commands that re-check the handshake, notes and errors).
// A connection's files are written (io::write_new_file, 0644; directories 0755) when it
// closes, into "<name>.partial", renamed to <name> once connection.json is in it; one
// io::sync_filesystem at the end. A direction keeps at most 1 MiB of records after its
// Finished (from its first byte without one; a note says what was dropped), so memory is
// bounded by the connections open at once. After each connection
// `emit` gets one summary line (or one JSON object and a newline with options.json); after
// the last, one capture summary line. `dir` is created when missing (with its parents); when
// it exists and is not an empty directory split_capture throws hsk::Error(usage) before
// writing anything. Per-connection problems (gaps, malformed records) do not throw: what is
// complete is written and the problem goes to the connection's notes or errors. Throws
// hsk::Error(io) when a file cannot be written, and what `emit` throws.
CaptureSplitSummary split_capture(capture::CaptureReader& reader, const std::string& dir,
                                  const CaptureSplitOptions& options,
                                  const std::function<void(std::string_view)>& emit);

namespace detail {
// render_text turns a document produced by decode_json into the text tree. Internal: shared
// by the inspect/*.cpp files so that nlohmann::json stays out of every header.
std::string render_text(std::string_view json_text, bool offsets);
}  // namespace detail

}  // namespace hsk::inspect
