// fuzz_record — libFuzzer target for RecordProtection::open (crypto/record_protection.hpp), the
// record layer's peer-facing entry point.
//
// Input: byte 0 picks a configuration (low 4 bits: suite × version × encrypt_then_mac, see
// kConfigs) and a mode (bit 7); byte 1 is the content type; the rest is data.
//   mode 0: open(type, version, data) with fixed keys. Only hsk::Error of kind check_failed
//           (bad_record_mac, record_overflow) or malformed (decode_error) may come out; a
//           plaintext is at most 2^14 bytes.
//   mode 1: differential: the first half of the data is sealed (fixed keys, seeded Rng), the
//           second half is XORed over the sealed fragment from its start; open must return the
//           plaintext exactly when the mask is all zero and must fail with bad_record_mac
//           otherwise (or decode_error/record_overflow never: the length does not change).
// Anything else aborts.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "crypto/crypto.hpp"
#include "crypto/record_protection.hpp"
#include "crypto/tls_crypto.hpp"
#include "hsk/error.hpp"
#include "wire/registry.hpp"

namespace {

using hsk::Bytes;
using hsk::ByteView;
using namespace hsk::crypto;

struct Config {
  const char* suite;
  std::uint16_t version;
  bool etm;
};

constexpr Config kConfigs[16] = {
    {"AES128-SHA", 0x0301, false},
    {"AES128-SHA", 0x0301, true},
    {"AES128-SHA", 0x0302, false},
    {"AES256-SHA", 0x0302, true},
    {"AES128-SHA", 0x0303, false},
    {"AES128-SHA", 0x0303, true},
    {"AES256-SHA256", 0x0303, false},
    {"AES256-SHA256", 0x0303, true},
    {"ECDHE-RSA-AES256-SHA384", 0x0303, false},
    {"ECDHE-RSA-AES256-SHA384", 0x0303, true},
    {"AES128-GCM-SHA256", 0x0303, false},
    {"AES256-GCM-SHA384", 0x0303, false},
    {"ECDHE-RSA-CHACHA20-POLY1305", 0x0303, false},
    {"ECDHE-ECDSA-AES128-SHA256", 0x0303, false},
    {"DHE-RSA-AES256-SHA", 0x0301, true},
    {"ECDHE-ECDSA-CHACHA20-POLY1305", 0x0303, false},
};

RecordKeys keys_for(const Config& c) {
  const hsk::wire::CipherSuite* s = hsk::wire::find_cipher_suite(c.suite);
  if (s == nullptr) {
    std::abort();
  }
  Bytes block(key_block_length(*s, c.version));
  for (std::size_t i = 0; i < block.size(); ++i) {
    block[i] = static_cast<std::uint8_t>(i * 7 + 1);
  }
  return record_keys(*s, c.version, split_key_block(*s, c.version, block), true, c.etm);
}

const std::vector<RecordKeys>& all_keys() {
  static const std::vector<RecordKeys> keys = [] {
    std::vector<RecordKeys> k;
    for (const Config& c : kConfigs) {
      k.push_back(keys_for(c));
    }
    return k;
  }();
  return keys;
}

void check_error(const hsk::Error& e, bool tampered_only) {
  if (tampered_only) {
    if (e.kind() != hsk::ErrorKind::check_failed || e.alert() != 20) {
      std::abort();
    }
    return;
  }
  bool ok = (e.kind() == hsk::ErrorKind::check_failed && (e.alert() == 20 || e.alert() == 22)) ||
            (e.kind() == hsk::ErrorKind::malformed && e.alert() == 50);
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const RecordKeys& keys = all_keys()[data[0] & 0x0f];
  const bool differential = (data[0] & 0x80) != 0;
  const std::uint8_t type = data[1];
  ByteView rest(data + 2, size - 2);
  RecordProtection opener(keys, RecordProtection::Direction::open);
  if (!differential) {
    try {
      Bytes plain = opener.open(type, keys.version, rest);
      if (plain.size() > RecordProtection::kMaxPlaintext || opener.seq() != 1) {
        std::abort();
      }
    } catch (const hsk::Error& e) {
      check_error(e, false);
      if (opener.seq() != 0) {
        std::abort();
      }
    }
    return 0;
  }
  ByteView plaintext = rest.first(rest.size() / 2);
  ByteView mask = rest.subspan(rest.size() / 2);
  if (plaintext.size() > RecordProtection::kMaxPlaintext) {
    return 0;
  }
  RecordProtection sealer(keys, RecordProtection::Direction::seal);
  auto rng = seeded_rng("fuzz_record");
  Bytes fragment = sealer.seal(type, plaintext, *rng);
  bool changed = false;
  for (std::size_t i = 0; i < mask.size() && i < fragment.size(); ++i) {
    fragment[i] ^= mask[i];
    changed = changed || mask[i] != 0;
  }
  try {
    Bytes plain = opener.open(type, keys.version, fragment);
    if (changed || plain != Bytes(plaintext.begin(), plaintext.end())) {
      std::abort();
    }
  } catch (const hsk::Error& e) {
    if (!changed) {
      std::abort();
    }
    check_error(e, true);
  }
  return 0;
}
