// hsk::crypto TLS core, part 1: the PRF, transcript hashes and the key schedule
// (see tls_crypto.hpp). P_hash runs over Crypto++'s HMAC; Crypto++ has no TLS PRF.
#include "crypto/tls_crypto.hpp"

#define CRYPTOPP_ENABLE_NAMESPACE_WEAK 1
#include <cryptopp/hmac.h>
#include <cryptopp/md5.h>
#include <cryptopp/secblock.h>
#include <cryptopp/sha.h>

#include <algorithm>
#include <string>

#include "hsk/error.hpp"

namespace hsk::crypto {

namespace {

constexpr std::uint16_t kTls10 = 0x0301;
constexpr std::uint16_t kTls11 = 0x0302;
constexpr std::uint16_t kTls12 = 0x0303;

// p_hash writes P_H(secret, seed)[0..n-1] into out, or XORs it in when `xor_into`.
// A(0) = seed, A(i) = HMAC(secret, A(i-1)); block i = HMAC(secret, A(i) ‖ seed).
template <class H>
void p_hash(ByteView secret, ByteView seed, std::uint8_t* out, std::size_t n, bool xor_into) {
  CryptoPP::HMAC<H> mac(secret.data(), secret.size());
  CryptoPP::SecByteBlock a(H::DIGESTSIZE);
  CryptoPP::SecByteBlock block(H::DIGESTSIZE);
  mac.CalculateDigest(a.data(), seed.data(), seed.size());
  std::size_t done = 0;
  while (done < n) {
    mac.Update(a.data(), a.size());
    mac.Update(seed.data(), seed.size());
    mac.Final(block.data());
    std::size_t take = std::min<std::size_t>(block.size(), n - done);
    for (std::size_t i = 0; i < take; ++i) {
      out[done + i] = xor_into ? static_cast<std::uint8_t>(out[done + i] ^ block[i]) : block[i];
    }
    done += take;
    if (done < n) {
      CryptoPP::SecByteBlock next(H::DIGESTSIZE);
      mac.CalculateDigest(next.data(), a.data(), a.size());
      a.swap(next);
    }
  }
}

void require_len(ByteView v, std::size_t n, std::string_view what) {
  if (v.size() != n) {
    throw_usage(std::string(what) + ": " + std::to_string(v.size()) + " bytes, expected " +
                std::to_string(n));
  }
}

Bytes concat(ByteView a, ByteView b) {
  Bytes out;
  out.reserve(a.size() + b.size());
  out.insert(out.end(), a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::string version_name(std::uint16_t v) {
  static const char* hex = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) {
    s += hex[(v >> shift) & 0xf];
  }
  return s;
}

// check_suite_version refuses what no TLS 1.0-1.2 key schedule covers.
void check_suite_version(const wire::CipherSuite& suite, std::uint16_t version) {
  if (version != kTls10 && version != kTls11 && version != kTls12) {
    throw_usage("TLS key schedule: version " + version_name(version) +
                " is not TLS 1.0, 1.1 or 1.2");
  }
  if (suite.kx == wire::KeyExchange::tls13) {
    throw_usage(std::string(suite.iana) + " is a TLS 1.3 suite");
  }
  if (suite.tls12_only && version != kTls12) {
    throw_usage(std::string(suite.iana) + " needs TLS 1.2");
  }
}

bool is_export(const wire::CipherSuite& suite) {
  return suite.kx == wire::KeyExchange::rsa_export ||
         suite.cipher.find("_40") != std::string_view::npos ||
         suite.cipher.find("40_") != std::string_view::npos;
}

struct PartLengths {
  std::size_t mac, key, iv;
};

PartLengths part_lengths(const wire::CipherSuite& suite, std::uint16_t version) {
  check_suite_version(suite, version);
  if (is_export(suite)) {
    throw_usage(std::string(suite.iana) +
                ": export key derivation (RFC 2246 §6.3) is not supported");
  }
  PartLengths l{suite.mac_length, suite.key_length, 0};
  switch (suite.cipher_type) {
    case wire::CipherType::block:
      l.iv = version == kTls10 ? suite.iv_length : 0;  // TLS 1.1+: explicit IV per record
      break;
    case wire::CipherType::aead:
      l.mac = 0;
      l.iv = suite.iv_length;  // the implicit nonce part
      break;
    case wire::CipherType::stream:
      break;
    case wire::CipherType::none:
      l = {0, 0, 0};
      break;
  }
  return l;
}

}  // namespace

// ---- Constant-time helpers -------------------------------------------------------------

Bytes ct_select_bytes(CtMask mask, ByteView a, ByteView b) {
  if (a.size() != b.size()) {
    throw_usage("ct_select_bytes: sizes differ");
  }
  Bytes out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    out[i] = ct_select_u8(mask, a[i], b[i]);
  }
  return out;
}

// ---- PRF -------------------------------------------------------------------------------

std::string_view prf_kind_name(PrfKind kind) {
  switch (kind) {
    case PrfKind::tls10:
      return "TLS 1.0/1.1 PRF (MD5 XOR SHA-1)";
    case PrfKind::tls12_sha256:
      return "TLS 1.2 PRF (SHA-256)";
    case PrfKind::tls12_sha384:
      return "TLS 1.2 PRF (SHA-384)";
  }
  return "?";
}

PrfKind prf_kind(std::uint16_t version, const wire::CipherSuite& suite) {
  check_suite_version(suite, version);
  if (version != kTls12) {
    return PrfKind::tls10;
  }
  switch (suite.prf) {
    case wire::PrfHash::sha256:
      return PrfKind::tls12_sha256;
    case wire::PrfHash::sha384:
      return PrfKind::tls12_sha384;
    case wire::PrfHash::gostr3411_2012_256:
      break;
  }
  throw_usage(std::string(suite.iana) + ": the GOST PRF (RFC 9189) is not supported");
}

Bytes prf(PrfKind kind, ByteView secret, std::string_view label, ByteView seed,
          std::size_t length) {
  Bytes label_seed = concat(as_bytes(label), seed);
  Bytes out(length);
  if (length == 0) {
    return out;
  }
  try {
    switch (kind) {
      case PrfKind::tls10: {
        // RFC 2246 §5: S1 is the first, S2 the last ceil(|secret| / 2) bytes.
        std::size_t half = (secret.size() + 1) / 2;
        ByteView s1 = secret.first(half);
        ByteView s2 = secret.last(half);
        p_hash<CryptoPP::Weak::MD5>(s1, label_seed, out.data(), length, false);
        p_hash<CryptoPP::SHA1>(s2, label_seed, out.data(), length, true);
        break;
      }
      case PrfKind::tls12_sha256:
        p_hash<CryptoPP::SHA256>(secret, label_seed, out.data(), length, false);
        break;
      case PrfKind::tls12_sha384:
        p_hash<CryptoPP::SHA384>(secret, label_seed, out.data(), length, false);
        break;
    }
  } catch (const CryptoPP::Exception& e) {
    throw Error(ErrorKind::internal, std::string("TLS PRF: Crypto++: ") + e.what());
  }
  return out;
}

// ---- Transcript ------------------------------------------------------------------------

HashAlg transcript_hash_alg(PrfKind kind) {
  switch (kind) {
    case PrfKind::tls10:
      return HashAlg::md5_sha1;
    case PrfKind::tls12_sha256:
      return HashAlg::sha256;
    case PrfKind::tls12_sha384:
      return HashAlg::sha384;
  }
  return HashAlg::sha256;
}

Bytes transcript_hash(PrfKind kind, ByteView handshake_messages) {
  return hash(transcript_hash_alg(kind), handshake_messages);
}

// ---- Key schedule ----------------------------------------------------------------------

Bytes master_secret(PrfKind kind, ByteView pre_master_secret, ByteView client_random,
                    ByteView server_random) {
  if (pre_master_secret.empty()) {
    throw_usage("master secret: empty pre-master secret");
  }
  require_len(client_random, kRandomLength, "master secret: client_random");
  require_len(server_random, kRandomLength, "master secret: server_random");
  return prf(kind, pre_master_secret, "master secret", concat(client_random, server_random),
             kMasterSecretLength);
}

Bytes extended_master_secret(PrfKind kind, ByteView pre_master_secret, ByteView session_hash) {
  if (pre_master_secret.empty()) {
    throw_usage("extended master secret: empty pre-master secret");
  }
  require_len(session_hash, hash_size(transcript_hash_alg(kind)),
              "extended master secret: session_hash");
  return prf(kind, pre_master_secret, "extended master secret", session_hash, kMasterSecretLength);
}

Bytes key_block(PrfKind kind, ByteView master, ByteView server_random, ByteView client_random,
                std::size_t length) {
  require_len(master, kMasterSecretLength, "key block: master secret");
  require_len(server_random, kRandomLength, "key block: server_random");
  require_len(client_random, kRandomLength, "key block: client_random");
  return prf(kind, master, "key expansion", concat(server_random, client_random), length);
}

std::size_t key_block_length(const wire::CipherSuite& suite, std::uint16_t version) {
  PartLengths l = part_lengths(suite, version);
  return 2 * (l.mac + l.key + l.iv);
}

KeyBlock split_key_block(const wire::CipherSuite& suite, std::uint16_t version, ByteView block) {
  PartLengths l = part_lengths(suite, version);
  require_len(block, 2 * (l.mac + l.key + l.iv), "key block");
  std::size_t at = 0;
  auto take = [&](std::size_t n) {
    Bytes part(block.begin() + static_cast<std::ptrdiff_t>(at),
               block.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return part;
  };
  KeyBlock kb;
  kb.client_write_mac_key = take(l.mac);
  kb.server_write_mac_key = take(l.mac);
  kb.client_write_key = take(l.key);
  kb.server_write_key = take(l.key);
  kb.client_write_iv = take(l.iv);
  kb.server_write_iv = take(l.iv);
  return kb;
}

Bytes verify_data(PrfKind kind, ByteView master, bool client, ByteView handshake_hash) {
  require_len(master, kMasterSecretLength, "verify_data: master secret");
  require_len(handshake_hash, hash_size(transcript_hash_alg(kind)), "verify_data: handshake hash");
  return prf(kind, master, client ? "client finished" : "server finished", handshake_hash,
             kVerifyDataLength);
}

std::string nss_keylog_line(ByteView client_random, ByteView master) {
  require_len(client_random, kRandomLength, "key log: client_random");
  require_len(master, kMasterSecretLength, "key log: master secret");
  return "CLIENT_RANDOM " + to_hex(client_random) + " " + to_hex(master);
}

}  // namespace hsk::crypto
