// hsk::handshake verify_steps — the signature checks of `hsk verify-sig STEP...`: the
// ServerKeyExchange signature (RFC 5246 §7.4.3; RFC 4346/2246 §7.4.3 below TLS 1.2), the
// client's CertificateVerify (RFC 5246 §7.4.8) and, given trust anchors, both certificate
// chains, all read from the step files of one connection.
//
// Every signature is checked over the bytes that crossed the wire (STYLE.md habit 5): the
// ServerKeyExchange params exactly as received (wire::server_params_bytes), the transcript as
// the concatenation of the handshake messages exactly as reassembled from the records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "hsk/bytes.hpp"
#include "pki/chain.hpp"
#include "pki/x509.hpp"

namespace hsk::handshake {

// StepInput is one step file: TLS records, binary or hex text (detected as `hsk decode`
// does: binary when empty or the first byte is a content type 0x14..0x18).
struct StepInput {
  std::string name;  // shown in output and errors
  Bytes data;
};

// VerifyStepsOptions: with `trusted` non-empty the certificate chains are checked too
// (pki::verify_chain; the server's for Purpose::server, the client's for Purpose::client).
struct VerifyStepsOptions {
  std::vector<pki::Certificate> trusted;
  std::vector<pki::Certificate> untrusted;  // extra intermediates, for both chains
  pki::UnixTime at = 0;                     // when the chains must be valid
  bool partial_chain = false;
};

enum class StepCheckKind : std::uint8_t {
  server_key_exchange,
  certificate_verify,
  server_chain,
  client_chain,
};

// step_check_id: "server_key_exchange", "certificate_verify", "server_chain", "client_chain".
// step_check_title: "ServerKeyExchange", "CertificateVerify", "server certificate chain",
// "client certificate chain".
std::string_view step_check_id(StepCheckKind kind);
std::string_view step_check_title(StepCheckKind kind);

// SignedPart is one named piece of the bytes a signature covers, for --explain: the
// ServerKeyExchange's client_random, server_random and params; the CertificateVerify's
// transcript messages (name = the message type, e.g. "ClientHello").
struct SignedPart {
  std::string name;
  Bytes bytes;
  std::string input;       // the step file it came from
  std::size_t offset = 0;  // absolute offset there: of the field (randoms, params) or of the
                           // message's handshake header (transcript messages)
};

// StepCheck is the outcome of one check.
struct StepCheck {
  StepCheckKind kind = StepCheckKind::server_key_exchange;
  bool valid = false;
  std::string reason;      // when !valid: one line, e.g. "signature does not verify"
  std::string input;       // the file the checked message is in
  std::size_t offset = 0;  // its absolute offset there (of the handshake header)

  // Signature checks (server_key_exchange, certificate_verify):
  std::string algorithm_name;           // e.g. "rsa_pss_rsae_sha256 (0x0804)"
  std::optional<std::uint16_t> scheme;  // the DigitallySigned algorithm field (TLS 1.2)
  std::optional<crypto::SignatureAlgorithm> algorithm;
  std::string signer;           // the subject of the certificate whose key was used (RFC 4514)
  std::string key_description;  // "RSA 2048", "EC P-256", "DSA 2048/256"
  std::vector<SignedPart> signed_parts;  // concatenated: the signed bytes
  std::size_t signed_length = 0;
  std::optional<crypto::HashAlg> hash;  // the algorithm's hash, when the algorithm is known
  Bytes digest;                         // hash(signed bytes)
  Bytes signature;                      // as received

  // Chain checks:
  std::optional<pki::ChainResult> chain;
  std::string verdict;  // pki::chain_verdict
};

// StepsReport is everything verify_steps found.
struct StepsReport {
  std::optional<std::uint16_t> version;       // ServerHello.server_version
  std::optional<std::uint16_t> cipher_suite;  // ServerHello.cipher_suite
  std::vector<StepCheck> checks;              // in the order the messages came
  // notes: facts that explain what was not checked, e.g. "RSA key exchange sends no
  // ServerKeyExchange", "the client sent no certificate".
  std::vector<std::string> notes;
  // valid: every check passed (true when there is none: see nothing_to_check).
  bool valid() const;
  // nothing_to_check: no check ran; the text says why ("no signed handshake messages: ...").
  std::optional<std::string> nothing_to_check;
};

// verify_steps reads the inputs in order as one connection: the ClientHello, the server's
// flight, optionally the client's flight and later files. Message direction follows the
// handshake order (RFC 5246 §7.3): ClientHello is the client's; ServerHello and everything up
// to ServerHelloDone the server's; after it Certificate, ClientKeyExchange and
// CertificateVerify are the client's. In each input the records after a ChangeCipherSpec are
// taken as encrypted and skipped; HelloRequest is not part of the transcript (RFC 5246
// §7.4.1.1). Checks:
//  - the ServerKeyExchange signature of a DHE/ECDHE (or RSA_EXPORT) suite over client_random ‖
//    server_random ‖ params with the server leaf certificate's key; the certificate's key must
//    fit the suite's authentication, and at TLS 1.2 the scheme must be one the ClientHello
//    offered in signature_algorithms (when it sent the extension);
//  - the client's CertificateVerify over every handshake message before it with the client
//    leaf certificate's key; at TLS 1.2 the scheme must be one the CertificateRequest listed;
//  - with options.trusted, the server chain and the client chain (when the client sent one).
// A bad signature or chain is a failed check in the report, not an exception. Throws
// hsk::Error(malformed) naming the input and offset for input that does not parse (records,
// messages, a message left incomplete at the end of an input), for input neither binary nor
// hex, and for a handshake out of order such that a check cannot be made (a ServerKeyExchange
// or CertificateVerify without the ClientHello / ServerHello before it: alert
// unexpected_message). Throws hsk::Error(usage) when `inputs` is empty.
StepsReport verify_steps(std::span<const StepInput> inputs, const VerifyStepsOptions& options);

// steps_report_text: one line per check, "ServerKeyExchange: ALGORITHM by SIGNER: valid" or
// "...: INVALID: REASON", "server certificate chain (SUBJECT): valid", then the notes as
// "note: ..." lines, or the one nothing_to_check line.
std::string steps_report_text(const StepsReport& report);

// steps_report_json: one JSON object (schema in hsk-verify-sig(1)) and a newline.
std::string steps_report_json(const StepsReport& report);

// steps_explain: what was hashed for each signature check (the parts in hex, or the
// transcript's messages with their lengths), the hash and the digest, the key used; for
// --explain on stderr.
std::string steps_explain(const StepsReport& report);

// steps_failure: the one-line reason of the first failed check, e.g. "ServerKeyExchange
// (2.tls, offset 1067): rsa_pss_rsae_sha256 (0x0804) by CN=localhost: signature does not
// verify"; "" when every check passed.
std::string steps_failure(const StepsReport& report);

}  // namespace hsk::handshake
