// fuzz_wire — libFuzzer target for the wire codecs (lib/wire: record.cpp, messages.cpp,
// extensions.cpp).
//
// The input is read twice:
//   1. as a stream of TLS records: each record is decoded, handshake records are reassembled
//      into messages, and each message body is decoded with its typed codec under several
//      negotiated versions and cipher suites (one per key-exchange shape); ChangeCipherSpec
//      and Alert records are decoded too, and every extension of a hello with its typed codec;
//   2. as a bare body: the first byte picks one message or extension decoder (and context),
//      the rest is its body. (One decoder per input: a thrown exception costs ~70 us under
//      ASan, so trying every decoder on every input would slow the fuzzer down 50-fold.)
// A decoder may only throw hsk::Error (anything else escapes and libFuzzer reports it). Every
// decode that succeeds must re-encode to exactly the bytes it read, and decode again to an
// equal value; otherwise the target aborts.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "hsk/error.hpp"
#include "wire/extensions.hpp"
#include "wire/messages.hpp"
#include "wire/reader.hpp"
#include "wire/record.hpp"
#include "wire/writer.hpp"

namespace {

using hsk::Bytes;
using hsk::ByteView;
using namespace hsk::wire;

constexpr std::uint16_t kVersions[] = {kTls10, kTls12};

// Contexts giving every ServerKeyExchange form: no suite (raw), DHE_RSA and ECDHE_RSA and
// RSA_EXPORT signed with and without the TLS 1.2 algorithm, DH_anon, ECDH_anon.
const KexContext kSkeContexts[] = {
    {},
    {kTls12, 0x0033},
    {kTls10, 0x0033},
    {kTls12, 0x0034},
    {kTls12, 0xc02f},
    {kTls10, 0xc02f},
    {kTls12, 0xc018},
    {kTls12, 0x0003},
    {kTls10, 0x0003},
};

// Contexts giving every ClientKeyExchange form: raw, RSA (TLS and SSL 3.0), fixed DH (DH_DSS),
// DHE_RSA, fixed ECDH (ECDH_ECDSA), ECDHE_RSA.
const KexContext kCkeContexts[] = {
    {},
    {kTls12, 0x002f},
    {kSsl30, 0x002f},
    {kTls12, 0x0030},
    {kTls12, 0x0033},
    {kTls12, 0xc004},
    {kTls12, 0xc02f},
};

[[noreturn]] void mismatch() { std::abort(); }

void same(ByteView a, ByteView b) {
  if (a.size() != b.size() || !std::equal(a.begin(), a.end(), b.begin())) {
    mismatch();
  }
}

// round_trip decodes `body` with `decode`, and on success checks encode(decode(b)) == b and
// decode(encode(m)) == m. hsk::Error from the first decode is the expected failure; after a
// successful decode, nothing may throw.
template <class Decode, class Encode>
void round_trip(ByteView body, std::size_t base, Decode decode, Encode encode) {
  using T = decltype(decode(std::declval<Reader&>()));
  std::optional<T> m;
  try {
    Reader r(body, base);
    m.emplace(decode(r));
    if (!r.empty()) {
      mismatch();  // decoders end with expect_end
    }
  } catch (const hsk::Error& e) {
    if (e.kind() != hsk::ErrorKind::malformed || !e.offset() || *e.offset() < base ||
        *e.offset() > base + body.size()) {
      mismatch();  // malformed input must say where, inside the input
    }
    return;
  }
  try {
    Writer w;
    encode(w, *m);
    same(w.data(), body);
    Reader again(w.data());
    if (!(decode(again) == *m)) {
      mismatch();
    }
  } catch (const hsk::Error&) {
    mismatch();  // a decoded value must encode and decode again
  }
}

void fuzz_extension(std::uint16_t type, ByteView data, std::size_t base) {
  switch (static_cast<ExtensionType>(type)) {
    case ExtensionType::server_name:
      round_trip(data, base, decode_server_name, encode_server_name);
      break;
    case ExtensionType::status_request:
      round_trip(data, base, decode_status_request, encode_status_request);
      break;
    case ExtensionType::supported_groups:
      round_trip(data, base, decode_supported_groups, encode_supported_groups);
      break;
    case ExtensionType::ec_point_formats:
      round_trip(data, base, decode_ec_point_formats, encode_ec_point_formats);
      break;
    case ExtensionType::signature_algorithms:
      round_trip(data, base, decode_signature_algorithms, encode_signature_algorithms);
      break;
    case ExtensionType::application_layer_protocol_negotiation:
      round_trip(data, base, decode_alpn, encode_alpn);
      break;
    case ExtensionType::padding:
      round_trip(data, base, decode_padding, encode_padding);
      break;
    case ExtensionType::encrypt_then_mac:
    case ExtensionType::extended_master_secret:
      round_trip(
          data, base,
          [](Reader& r) {
            decode_empty(r);
            return 0;
          },
          [](Writer&, int) {});
      break;
    case ExtensionType::record_size_limit:
      round_trip(data, base, decode_record_size_limit, encode_record_size_limit);
      break;
    case ExtensionType::session_ticket:
      round_trip(data, base, decode_session_ticket, encode_session_ticket);
      break;
    case ExtensionType::supported_versions:
      for (ExtensionOrigin o : {ExtensionOrigin::client_hello, ExtensionOrigin::server_hello}) {
        round_trip(
            data, base, [o](Reader& r) { return decode_supported_versions(r, o); },
            [o](Writer& w, const SupportedVersions& v) { encode_supported_versions(w, v, o); });
      }
      break;
    case ExtensionType::psk_key_exchange_modes:
      round_trip(data, base, decode_psk_key_exchange_modes, encode_psk_key_exchange_modes);
      break;
    case ExtensionType::key_share:
      for (ExtensionOrigin o : {ExtensionOrigin::client_hello, ExtensionOrigin::server_hello}) {
        round_trip(
            data, base, [o](Reader& r) { return decode_key_share(r, o); }, encode_key_share);
      }
      break;
    case ExtensionType::renegotiation_info:
      round_trip(data, base, decode_renegotiation_info, encode_renegotiation_info);
      break;
  }
}

void fuzz_extensions(const std::optional<std::vector<Extension>>& exts) {
  if (!exts) {
    return;
  }
  for (const Extension& e : *exts) {
    fuzz_extension(e.type, e.data, e.offset + 4);
  }
}

void fuzz_server_key_exchange(ByteView body, std::size_t base, const KexContext& ctx) {
  round_trip(
      body, base, [&ctx](Reader& r) { return decode_server_key_exchange(r, ctx); },
      encode_server_key_exchange);
  try {
    ByteView p = server_params_bytes(body, ctx);
    if (p.size() > body.size() || (!p.empty() && p.data() != body.data())) {
      mismatch();
    }
  } catch (const hsk::Error&) {
  }
}

void fuzz_client_key_exchange(ByteView body, std::size_t base, const KexContext& ctx) {
  round_trip(
      body, base, [&ctx](Reader& r) { return decode_client_key_exchange(r, ctx); },
      encode_client_key_exchange);
}

// fuzz_body decodes `body` as message `msg_type` under every context that shapes it.
void fuzz_body(std::uint8_t msg_type, ByteView body, std::size_t base) {
  switch (static_cast<HandshakeType>(msg_type)) {
    case HandshakeType::hello_request:
      round_trip(body, base, decode_hello_request, encode_hello_request);
      break;
    case HandshakeType::client_hello:
      round_trip(body, base, decode_client_hello, encode_client_hello);
      try {
        Reader r(body, base);
        fuzz_extensions(decode_client_hello(r).extensions);
      } catch (const hsk::Error&) {
      }
      break;
    case HandshakeType::server_hello:
      round_trip(body, base, decode_server_hello, encode_server_hello);
      try {
        Reader r(body, base);
        fuzz_extensions(decode_server_hello(r).extensions);
      } catch (const hsk::Error&) {
      }
      break;
    case HandshakeType::new_session_ticket:
      round_trip(body, base, decode_new_session_ticket, encode_new_session_ticket);
      break;
    case HandshakeType::certificate:
      round_trip(body, base, decode_certificate, encode_certificate);
      break;
    case HandshakeType::server_key_exchange:
      for (const KexContext& ctx : kSkeContexts) {
        fuzz_server_key_exchange(body, base, ctx);
      }
      break;
    case HandshakeType::client_key_exchange:
      for (const KexContext& ctx : kCkeContexts) {
        fuzz_client_key_exchange(body, base, ctx);
      }
      break;
    case HandshakeType::certificate_request:
    case HandshakeType::certificate_verify:
      for (std::uint16_t v : kVersions) {
        if (msg_type == static_cast<std::uint8_t>(HandshakeType::certificate_request)) {
          round_trip(
              body, base, [v](Reader& r) { return decode_certificate_request(r, v); },
              encode_certificate_request);
        } else {
          round_trip(
              body, base, [v](Reader& r) { return decode_certificate_verify(r, v); },
              encode_certificate_verify);
        }
      }
      break;
    case HandshakeType::server_hello_done:
      round_trip(body, base, decode_server_hello_done, encode_server_hello_done);
      break;
    case HandshakeType::finished:
      round_trip(body, base, decode_finished, encode_finished);
      break;
    case HandshakeType::certificate_status:
      round_trip(body, base, decode_certificate_status, encode_certificate_status);
      break;
  }
}

void fuzz_records(ByteView input) {
  Reader r(input);
  HandshakeAssembler assembler;
  try {
    while (!r.empty()) {
      std::size_t start = r.offset();
      Record rec = decode_record(r);
      same(encode_record(rec), input.subspan(start, r.offset() - start));
      switch (static_cast<ContentType>(rec.content_type)) {
        case ContentType::handshake:
          assembler.add(rec);
          for (const HandshakeMessage& m : assembler.take()) {
            Bytes framed = encode_handshake(m);
            if (framed.size() != 4 + m.body.size() || framed[0] != m.msg_type) {
              mismatch();
            }
            std::size_t split_total = 0;
            for (std::size_t part : m.record_split) {
              split_total += part;
            }
            if (!m.record_split.empty() && split_total != framed.size()) {
              mismatch();
            }
            // Offsets are exact only when the message sat in one record.
            std::size_t base = m.record_split.empty() ? m.offset + 4 : 0;
            if (!m.record_split.empty() && absolute_offset(m, framed.size() - 1) >= input.size()) {
              mismatch();
            }
            if (m.record_split.empty()) {
              fuzz_body(m.msg_type, m.body, base);
            } else {
              // Bodies spanning records: errors may point anywhere in the body copy.
              fuzz_body(m.msg_type, m.body, 0);
            }
          }
          break;
        case ContentType::change_cipher_spec:
          round_trip(rec.fragment, rec.offset + kRecordHeaderSize, decode_change_cipher_spec,
                     encode_change_cipher_spec);
          break;
        case ContentType::alert:
          round_trip(rec.fragment, rec.offset + kRecordHeaderSize, decode_alert, encode_alert);
          break;
        case ContentType::application_data:
        case ContentType::heartbeat:
          break;
      }
    }
  } catch (const hsk::Error&) {
  }
}

using Target = void (*)(ByteView body, std::size_t base);

template <std::uint8_t kType>
void message_target(ByteView body, std::size_t base) {
  fuzz_body(kType, body, base);
}
template <std::size_t kIndex>
void ske_target(ByteView body, std::size_t base) {
  fuzz_server_key_exchange(body, base, kSkeContexts[kIndex]);
}
template <std::size_t kIndex>
void cke_target(ByteView body, std::size_t base) {
  fuzz_client_key_exchange(body, base, kCkeContexts[kIndex]);
}
template <std::uint16_t kType>
void extension_target(ByteView body, std::size_t base) {
  fuzz_extension(kType, body, base);
}

// What the first byte of a bare input selects (modulo the table size).
constexpr Target kTargets[] = {
    message_target<0>,
    message_target<1>,
    message_target<2>,
    message_target<4>,
    message_target<11>,
    message_target<13>,
    message_target<14>,
    message_target<15>,
    message_target<20>,
    message_target<22>,
    ske_target<0>,
    ske_target<1>,
    ske_target<2>,
    ske_target<3>,
    ske_target<4>,
    ske_target<5>,
    ske_target<6>,
    ske_target<7>,
    ske_target<8>,
    cke_target<0>,
    cke_target<1>,
    cke_target<2>,
    cke_target<3>,
    cke_target<4>,
    cke_target<5>,
    cke_target<6>,
    extension_target<0>,
    extension_target<5>,
    extension_target<10>,
    extension_target<11>,
    extension_target<13>,
    extension_target<16>,
    extension_target<21>,
    extension_target<22>,
    extension_target<23>,
    extension_target<28>,
    extension_target<35>,
    extension_target<43>,
    extension_target<45>,
    extension_target<51>,
    extension_target<0xff01>,
    [](ByteView body, std::size_t base) {
      round_trip(body, base, decode_change_cipher_spec, encode_change_cipher_spec);
    },
    [](ByteView body, std::size_t base) { round_trip(body, base, decode_alert, encode_alert); },
    [](ByteView body, std::size_t base) {
      round_trip(
          body, base,
          [](Reader& r) {
            std::vector<Extension> e = decode_extensions(r);
            r.expect_end("");
            return e;
          },
          [](Writer& w, const std::vector<Extension>& e) { encode_extensions(w, e); });
    },
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView input(data, size);
  fuzz_records(input);
  if (size >= 1) {
    kTargets[data[0] % std::size(kTargets)](input.subspan(1), 1);
  }
  return 0;
}
