// hsk::crypto record protection over Crypto++: AES-CBC + HMAC (MAC-then-encrypt with the
// Lucky13 countermeasure, or encrypt_then_mac), AES-GCM and ChaCha20-Poly1305. See
// record_protection.hpp for the contract. Crypto++ exceptions become hsk::Error here.
#include "crypto/record_protection.hpp"

#include <cryptopp/aes.h>
#include <cryptopp/chachapoly.h>
#include <cryptopp/gcm.h>
#include <cryptopp/hmac.h>
#include <cryptopp/modes.h>
#include <cryptopp/sha.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <string>

#include "hsk/error.hpp"

namespace hsk::crypto {

namespace {

constexpr std::uint16_t kTls10 = 0x0301;
constexpr std::uint16_t kTls11 = 0x0302;
constexpr std::uint16_t kTls12 = 0x0303;
constexpr std::size_t kAesBlock = 16;
constexpr std::size_t kGcmExplicitNonce = 8;
constexpr std::size_t kMaxMacLength = 48;  // HMAC-SHA384

// A pointer Crypto++ may read from even when a span is empty (its debug asserts dislike null).
const std::uint8_t kEmpty[1] = {0};
const std::uint8_t* ptr(ByteView v) { return v.empty() ? kEmpty : v.data(); }

[[noreturn]] void rethrow(const CryptoPP::Exception& e, std::string_view where) {
  throw Error(ErrorKind::internal, std::string(where) + ": Crypto++: " + e.what());
}

std::string version_name(std::uint16_t v) {
  switch (v) {
    case 0x0300:
      return "SSL 3.0";
    case kTls10:
      return "TLS 1.0";
    case kTls11:
      return "TLS 1.1";
    case kTls12:
      return "TLS 1.2";
    case 0x0304:
      return "TLS 1.3";
    default: {
      static const char* hex = "0123456789abcdef";
      std::string s = "version 0x";
      for (int shift = 12; shift >= 0; shift -= 4) {
        s += hex[(v >> shift) & 0xf];
      }
      return s;
    }
  }
}

enum class Mode { cbc, gcm, chacha };

struct SuiteShape {
  Mode mode;
  HashAlg mac = HashAlg::sha1;  // CBC only
};

// shape_of: the record scheme of `suite` at `version`, or an explanation of why none.
std::optional<SuiteShape> shape_of(const wire::CipherSuite& suite, std::uint16_t version,
                                   std::string* why) {
  auto no = [&](std::string reason) -> std::optional<SuiteShape> {
    if (why != nullptr) {
      *why = std::move(reason);
    }
    return std::nullopt;
  };
  if (version != kTls10 && version != kTls11 && version != kTls12) {
    return no(version_name(version) + " is not TLS 1.0, 1.1 or 1.2");
  }
  if (suite.kx == wire::KeyExchange::tls13) {
    return no("a TLS 1.3 suite");
  }
  if (suite.kx == wire::KeyExchange::gostr341112_256) {
    return no("GOST suites are not supported by hsk's record layer");
  }
  const std::string_view c = suite.cipher;
  const std::string_view m = suite.mac;
  std::optional<SuiteShape> shape;
  if ((c == "AES_128_CBC" || c == "AES_256_CBC") && suite.cipher_type == wire::CipherType::block) {
    if (m == "SHA") {
      shape = SuiteShape{Mode::cbc, HashAlg::sha1};
    } else if (m == "SHA256") {
      shape = SuiteShape{Mode::cbc, HashAlg::sha256};
    } else if (m == "SHA384") {
      shape = SuiteShape{Mode::cbc, HashAlg::sha384};
    } else {
      return no("AES-CBC with MAC " + std::string(m) + " is not supported");
    }
  } else if ((c == "AES_128_GCM" || c == "AES_256_GCM") &&
             suite.cipher_type == wire::CipherType::aead) {
    shape = SuiteShape{Mode::gcm};
  } else if (c == "CHACHA20_POLY1305" && suite.cipher_type == wire::CipherType::aead) {
    shape = SuiteShape{Mode::chacha};
  } else {
    return no("cipher " + std::string(c) +
              " is not supported by hsk's record layer (AES-CBC with HMAC-SHA1/SHA256/SHA384, "
              "AES-GCM and ChaCha20-Poly1305 are)");
  }
  if ((suite.tls12_only || shape->mode != Mode::cbc) && version != kTls12) {
    return no("needs TLS 1.2, not " + version_name(version));
  }
  return shape;
}

void put_u64(std::uint8_t* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

// mac_header: seq_num ‖ type ‖ version ‖ length (RFC 5246 §6.2.3.1, §6.2.3.3).
std::array<std::uint8_t, 13> mac_header(std::uint64_t seq, std::uint8_t type, std::uint16_t version,
                                        std::size_t length) {
  std::array<std::uint8_t, 13> h{};
  put_u64(h.data(), seq);
  h[8] = type;
  h[9] = static_cast<std::uint8_t>(version >> 8);
  h[10] = static_cast<std::uint8_t>(version);
  h[11] = static_cast<std::uint8_t>(length >> 8);
  h[12] = static_cast<std::uint8_t>(length);
  return h;
}

// ---- Constant-time HMAC over a secret-length message ------------------------------------
//
// CtSha keeps a Merkle-Damgård state over Crypto++'s static compression function, so that the
// final blocks can be computed for every possible length and the right one kept with masks
// (the approach of BoringSSL's EVP_sha1_final_with_secret_suffix).
template <class H, std::size_t kDigest>
class CtSha {
 public:
  using Word = typename H::HashWordType;
  static constexpr std::size_t kBlock = H::BLOCKSIZE;
  static constexpr std::size_t kWords = kBlock / sizeof(Word);
  static constexpr std::size_t kLengthField = 2 * sizeof(Word);  // 8 (SHA-1/256), 16 (SHA-384)

  CtSha() { H::InitState(state_.data()); }

  void update(const std::uint8_t* data, std::size_t n) {
    total_ += n;
    while (n > 0) {
      std::size_t take = std::min(n, kBlock - num_);
      std::memcpy(buf_.data() + num_, data, take);
      num_ += take;
      data += take;
      n -= take;
      if (num_ == kBlock) {
        compress(buf_.data());
        num_ = 0;
      }
    }
  }

  // finish: the digest of everything updated (public length).
  Bytes finish() {
    std::uint64_t bits = total_ * 8;
    std::uint8_t pad = 0x80;
    update(&pad, 1);
    std::uint8_t zero = 0;
    while (num_ != kBlock - kLengthField) {
      update(&zero, 1);
    }
    std::array<std::uint8_t, kLengthField> len{};
    put_u64(len.data() + kLengthField - 8, bits);
    update(len.data(), len.size());
    return digest(state_.data());
  }

  // finish_secret_suffix: the digest of everything updated so far followed by in[0..len),
  // where len is secret and at most max_len (public). Every block up to the one max_len would
  // end in is compressed; the state after the block len really ends in is kept with masks.
  Bytes finish_secret_suffix(const std::uint8_t* in, std::size_t len, std::size_t max_len) {
    const std::size_t num_blocks = (num_ + len + 1 + kLengthField + kBlock - 1) / kBlock;
    const std::size_t last_block = num_blocks - 1;
    const std::size_t max_blocks = (num_ + max_len + 1 + kLengthField + kBlock - 1) / kBlock;
    const std::uint64_t total_bits = (total_ + len) * 8;
    std::array<std::uint8_t, 8> length_bytes{};
    put_u64(length_bytes.data(), total_bits);

    std::array<std::uint8_t, kBlock> block{};
    alignas(16) std::array<Word, 16> result{};
    std::size_t input_idx = 0;
    for (std::size_t i = 0; i < max_blocks; ++i) {
      std::size_t block_start = 0;
      block.fill(0);
      if (i == 0) {
        std::memcpy(block.data(), buf_.data(), num_);
        block_start = num_;
      }
      if (input_idx < max_len) {
        std::size_t to_copy = std::min(kBlock - block_start, max_len - input_idx);
        std::memcpy(block.data() + block_start, in + input_idx, to_copy);
      }
      const std::size_t hidden_len = ct_value_barrier(len);
      for (std::size_t j = block_start; j < kBlock; ++j) {
        std::size_t idx = input_idx + j - block_start;
        CtMask in_bounds = ct_lt_mask(idx, hidden_len);
        CtMask is_padding_byte = ct_eq_mask(idx, hidden_len);
        block[j] = static_cast<std::uint8_t>((block[j] & in_bounds) | (0x80 & is_padding_byte));
      }
      input_idx += kBlock - block_start;
      CtMask is_last = ct_eq_mask(i, last_block);
      for (std::size_t j = 0; j < 8; ++j) {
        block[kBlock - 8 + j] =
            static_cast<std::uint8_t>(block[kBlock - 8 + j] | (is_last & length_bytes[j]));
      }
      compress(block.data());
      for (std::size_t j = 0; j < kWords && j < 16; ++j) {
        result[j] |= static_cast<Word>(is_last) & state_[j];
      }
    }
    return digest(result.data());
  }

 private:
  void compress(const std::uint8_t* block) {
    alignas(16) std::array<Word, kWords> w{};
    for (std::size_t i = 0; i < kWords; ++i) {
      Word v = 0;
      for (std::size_t b = 0; b < sizeof(Word); ++b) {
        v = static_cast<Word>((v << 8) | block[i * sizeof(Word) + b]);
      }
      w[i] = v;
    }
    H::Transform(state_.data(), w.data());
  }

  static Bytes digest(const Word* words) {
    Bytes out(kDigest);
    for (std::size_t i = 0; i < kDigest; ++i) {
      std::size_t word = i / sizeof(Word);
      std::size_t shift = 8 * (sizeof(Word) - 1 - i % sizeof(Word));
      out[i] = static_cast<std::uint8_t>(words[word] >> shift);
    }
    return out;
  }

  alignas(16) std::array<Word, 16> state_{};
  std::array<std::uint8_t, kBlock> buf_{};
  std::size_t num_ = 0;
  std::uint64_t total_ = 0;
};

template <class H, std::size_t kDigest>
Bytes ct_hmac(ByteView key, ByteView header, ByteView data, std::size_t data_length,
              std::size_t public_prefix) {
  using Sha = CtSha<H, kDigest>;
  std::array<std::uint8_t, Sha::kBlock> pad{};
  if (key.size() > Sha::kBlock) {
    Sha kh;
    kh.update(key.data(), key.size());
    Bytes hk = kh.finish();
    std::memcpy(pad.data(), hk.data(), hk.size());
  } else if (!key.empty()) {
    std::memcpy(pad.data(), key.data(), key.size());
  }
  for (auto& b : pad) {
    b ^= 0x36;
  }
  Sha inner;
  inner.update(pad.data(), pad.size());
  inner.update(ptr(header), header.size());
  inner.update(ptr(data), public_prefix);
  Bytes inner_digest = inner.finish_secret_suffix(
      ptr(data) + public_prefix, data_length - public_prefix, data.size() - public_prefix);
  for (auto& b : pad) {
    b ^= 0x36 ^ 0x5c;
  }
  Sha outer;
  outer.update(pad.data(), pad.size());
  outer.update(inner_digest.data(), inner_digest.size());
  return outer.finish();
}

Bytes ct_hmac_alg(HashAlg alg, ByteView key, ByteView header, ByteView data,
                  std::size_t data_length, std::size_t public_prefix) {
  switch (alg) {
    case HashAlg::sha1:
      return ct_hmac<CryptoPP::SHA1, 20>(key, header, data, data_length, public_prefix);
    case HashAlg::sha256:
      return ct_hmac<CryptoPP::SHA256, 32>(key, header, data, data_length, public_prefix);
    case HashAlg::sha384:
      return ct_hmac<CryptoPP::SHA384, 48>(key, header, data, data_length, public_prefix);
    default:
      throw_usage("hmac_secret_length: " + std::string(hash_name(alg)) +
                  " is not a record MAC hash (SHA-1, SHA-256, SHA-384)");
  }
}

void require_key(ByteView key, std::string_view what) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    throw_usage(std::string(what) + ": key must be 16, 24 or 32 bytes, not " +
                std::to_string(key.size()));
  }
}

void require_size(ByteView v, std::size_t n, std::string_view what) {
  if (v.size() != n) {
    throw_usage(std::string(what) + " must be " + std::to_string(n) + " bytes, not " +
                std::to_string(v.size()));
  }
}

[[noreturn]] void bad_record_mac() {
  throw Error(ErrorKind::check_failed, "record: bad record MAC (or padding)",
              Error::kAlertBadRecordMac);
}

[[noreturn]] void too_short(std::size_t size, std::size_t min, std::string_view suite) {
  throw Error(ErrorKind::malformed,
              "record: TLSCiphertext fragment of " + std::to_string(size) +
                  " bytes is shorter than the " + std::to_string(min) + " bytes a " +
                  std::string(suite) + " record needs",
              Error::kAlertDecodeError);
}

[[noreturn]] void overflow(std::string what) {
  throw Error(ErrorKind::check_failed, "record: " + what, Error::kAlertRecordOverflow);
}

// ---- Keyed Crypto++ objects -----------------------------------------------------------------
//
// Each class keys its Crypto++ object once (the AES key schedule, GCM's GHASH tables, the
// ChaCha20 key, HMAC's padded key) and then serves any number of calls. Every call starts from
// scratch — the AEADs and CBC resynchronize to the call's own nonce or IV, the MAC restarts —
// so nothing of one call, finished or abandoned half-way by an exception, reaches the next.
// The public primitives below are one object and one call (that is what the Wycheproof tests
// exercise); RecordProtection keeps one object per direction and makes one call per record.
// Key, nonce and IV lengths are checked here (hsk::Error(usage), the primitives' messages);
// Crypto++ exceptions pass through to the caller, which turns them into hsk::Error.

enum class AeadAlg { aes_gcm, chacha20_poly1305 };

constexpr std::size_t kAeadNonce = 12;

// AeadCipher: AES-GCM (16-, 24- or 32-byte key) or ChaCha20-Poly1305 (32-byte key), 12-byte
// nonces and 16-byte tags, keyed for sealing or for opening.
class AeadCipher {
 public:
  AeadCipher(AeadAlg alg, ByteView key, bool seal)
      : name_(alg == AeadAlg::aes_gcm ? "AES-GCM" : "ChaCha20-Poly1305"), seal_(seal) {
    if (alg == AeadAlg::aes_gcm) {
      require_key(key, name_);
      if (seal) {
        cipher_ = std::make_unique<CryptoPP::GCM<CryptoPP::AES>::Encryption>();
      } else {
        cipher_ = std::make_unique<CryptoPP::GCM<CryptoPP::AES>::Decryption>();
      }
    } else {
      require_size(key, 32, std::string(name_) + " key");
      if (seal) {
        cipher_ = std::make_unique<CryptoPP::ChaCha20Poly1305::Encryption>();
      } else {
        cipher_ = std::make_unique<CryptoPP::ChaCha20Poly1305::Decryption>();
      }
    }
    // Both refuse SetKey without an IV ("this object requires an IV"): key with a dummy nonce;
    // EncryptAndAuthenticate / DecryptAndVerify resynchronize to each call's real one.
    const std::uint8_t dummy[kAeadNonce] = {};
    cipher_->SetKeyWithIV(key.data(), key.size(), dummy, sizeof dummy);
  }

  // seal_to writes ciphertext ‖ tag (plaintext.size() + 16 bytes) to out.
  void seal_to(std::uint8_t* out, ByteView nonce, ByteView aad, ByteView plaintext) {
    require_nonce(nonce);
    if (!seal_) {
      throw Error(ErrorKind::internal, std::string(name_) + ": seal with an opening key");
    }
    cipher_->EncryptAndAuthenticate(out, out + plaintext.size(), kAeadTagLength, nonce.data(),
                                    static_cast<int>(nonce.size()), ptr(aad), aad.size(),
                                    ptr(plaintext), plaintext.size());
  }

  Bytes seal(ByteView nonce, ByteView aad, ByteView plaintext) {
    Bytes out(plaintext.size() + kAeadTagLength);
    seal_to(out.data(), nonce, aad, plaintext);
    return out;
  }

  // open: the plaintext of ciphertext ‖ tag, or nullopt when the tag does not verify or the
  // input is shorter than a tag.
  std::optional<Bytes> open(ByteView nonce, ByteView aad, ByteView ciphertext_and_tag) {
    require_nonce(nonce);
    if (seal_) {
      throw Error(ErrorKind::internal, std::string(name_) + ": open with a sealing key");
    }
    if (ciphertext_and_tag.size() < kAeadTagLength) {
      return std::nullopt;
    }
    const std::size_t n = ciphertext_and_tag.size() - kAeadTagLength;
    Bytes out(n);
    std::uint8_t scratch[1];
    bool ok = cipher_->DecryptAndVerify(
        n == 0 ? scratch : out.data(), ciphertext_and_tag.data() + n, kAeadTagLength, nonce.data(),
        static_cast<int>(nonce.size()), ptr(aad), aad.size(), ptr(ciphertext_and_tag), n);
    if (!ok) {
      return std::nullopt;
    }
    return out;
  }

 private:
  void require_nonce(ByteView nonce) const {
    require_size(nonce, kAeadNonce, std::string(name_) + " nonce");
  }

  const char* name_;
  bool seal_;
  std::unique_ptr<CryptoPP::AuthenticatedSymmetricCipher> cipher_;
};

// CbcCipher: raw AES-CBC without padding (16-, 24- or 32-byte key), keyed to encrypt or to
// decrypt; each call starts from its own 16-byte IV.
class CbcCipher {
 public:
  CbcCipher(ByteView key, bool encrypt) {
    require_key(key, "AES-CBC");
    if (encrypt) {
      cipher_ = std::make_unique<CryptoPP::CBC_Mode<CryptoPP::AES>::Encryption>();
    } else {
      cipher_ = std::make_unique<CryptoPP::CBC_Mode<CryptoPP::AES>::Decryption>();
    }
    const std::uint8_t dummy[kAesBlock] = {};
    cipher_->SetKeyWithIV(key.data(), key.size(), dummy, sizeof dummy);
  }

  // process_to runs CBC from `iv` over `data` (a multiple of 16 bytes, else hsk::Error(usage))
  // into out (data.size() bytes), which may be data itself (in place).
  void process_to(std::uint8_t* out, ByteView iv, ByteView data) {
    require_size(iv, kAesBlock, "AES-CBC IV");
    if (data.size() % kAesBlock != 0) {
      throw_usage("AES-CBC: data of " + std::to_string(data.size()) +
                  " bytes is not a multiple of 16");
    }
    cipher_->Resynchronize(iv.data(), static_cast<int>(iv.size()));
    if (!data.empty()) {
      cipher_->ProcessData(out, data.data(), data.size());
    }
  }

  Bytes process(ByteView iv, ByteView data) {
    Bytes out(data.size());
    process_to(out.data(), iv, data);
    return out;
  }

 private:
  std::unique_ptr<CryptoPP::SymmetricCipher> cipher_;
};

// RecordMac: HMAC-SHA1, -SHA256 or -SHA384 (else hsk::Error(usage)) keyed once; a record's MAC
// is the header and the data fed as two updates, with no copy of the record.
class RecordMac {
 public:
  RecordMac(HashAlg alg, ByteView key) {
    switch (alg) {
      case HashAlg::sha1:
        mac_ = std::make_unique<CryptoPP::HMAC<CryptoPP::SHA1>>();
        break;
      case HashAlg::sha256:
        mac_ = std::make_unique<CryptoPP::HMAC<CryptoPP::SHA256>>();
        break;
      case HashAlg::sha384:
        mac_ = std::make_unique<CryptoPP::HMAC<CryptoPP::SHA384>>();
        break;
      default:
        throw_usage("record MAC: " + std::string(hash_name(alg)) +
                    " is not a record MAC hash (SHA-1, SHA-256, SHA-384)");
    }
    mac_->SetKey(ptr(key), key.size());
  }

  std::size_t size() const { return mac_->DigestSize(); }

  // compute_to writes HMAC(key, header ‖ data) (size() bytes) to out.
  void compute_to(std::uint8_t* out, ByteView header, ByteView data) {
    mac_->Restart();  // a no-op after Final; drops whatever an abandoned call left
    mac_->Update(ptr(header), header.size());
    mac_->Update(ptr(data), data.size());
    mac_->Final(out);
  }

 private:
  std::unique_ptr<CryptoPP::MessageAuthenticationCode> mac_;
};

}  // namespace

// ---- Primitives ---------------------------------------------------------------------------
//
// One keyed object, one call: the classes RecordProtection uses, so the Wycheproof vectors
// test the record layer's own code.

Bytes aes_gcm_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  try {
    return AeadCipher(AeadAlg::aes_gcm, key, true).seal(nonce, aad, plaintext);
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "AES-GCM");
  }
}

std::optional<Bytes> aes_gcm_open(ByteView key, ByteView nonce, ByteView aad,
                                  ByteView ciphertext_and_tag) {
  try {
    return AeadCipher(AeadAlg::aes_gcm, key, false).open(nonce, aad, ciphertext_and_tag);
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "AES-GCM");
  }
}

Bytes chacha20_poly1305_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  try {
    return AeadCipher(AeadAlg::chacha20_poly1305, key, true).seal(nonce, aad, plaintext);
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "ChaCha20-Poly1305");
  }
}

std::optional<Bytes> chacha20_poly1305_open(ByteView key, ByteView nonce, ByteView aad,
                                            ByteView ciphertext_and_tag) {
  try {
    return AeadCipher(AeadAlg::chacha20_poly1305, key, false).open(nonce, aad, ciphertext_and_tag);
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "ChaCha20-Poly1305");
  }
}

Bytes aes_cbc_encrypt(ByteView key, ByteView iv, ByteView data) {
  try {
    return CbcCipher(key, true).process(iv, data);
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "AES-CBC");
  }
}

Bytes aes_cbc_decrypt(ByteView key, ByteView iv, ByteView data) {
  try {
    return CbcCipher(key, false).process(iv, data);
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "AES-CBC");
  }
}

Bytes hmac_secret_length(HashAlg alg, ByteView key, ByteView header, ByteView data,
                         std::size_t data_length) {
  if (data_length > data.size()) {
    throw_usage("hmac_secret_length: data_length beyond the data");
  }
  try {
    return ct_hmac_alg(alg, key, header, data, data_length, 0);
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "HMAC");
  }
}

// ---- Suites and keys ----------------------------------------------------------------------

bool record_protection_supported(const wire::CipherSuite& suite, std::uint16_t version) {
  return shape_of(suite, version, nullptr).has_value();
}

void require_record_protection(const wire::CipherSuite& suite, std::uint16_t version) {
  std::string why;
  if (!shape_of(suite, version, &why)) {
    throw_usage(std::string(suite.iana) + " at " + version_name(version) +
                ": no record protection: " + why);
  }
}

namespace {

// check_record_keys: the RecordProtection constructor's checks of `keys` (hsk::Error(usage):
// no suite, an unsupported suite or version, a key, MAC key or IV of the wrong length); returns
// the suite's record scheme.
SuiteShape check_record_keys(const RecordKeys& keys) {
  if (keys.suite == nullptr) {
    throw_usage("record protection: no cipher suite");
  }
  const wire::CipherSuite& suite = *keys.suite;
  require_record_protection(suite, keys.version);
  std::string what = std::string(suite.iana) + ": ";
  SuiteShape shape = *shape_of(suite, keys.version, nullptr);
  require_size(keys.enc_key, suite.key_length, what + "write key");
  if (shape.mode == Mode::cbc) {
    require_size(keys.mac_key, hash_size(shape.mac), what + "write MAC key");
    if (keys.version == kTls10) {
      require_size(keys.iv, kAesBlock, what + "TLS 1.0 IV");
    } else {
      require_size(keys.iv, 0, what + "TLS 1.1/1.2 CBC implicit IV");
    }
  } else {
    require_size(keys.mac_key, 0, what + "AEAD MAC key");
    require_size(keys.iv, shape.mode == Mode::gcm ? 4 : 12, what + "AEAD implicit IV");
  }
  return shape;
}

}  // namespace

RecordKeys record_keys(const wire::CipherSuite& suite, std::uint16_t version, const KeyBlock& keys,
                       bool client_write, bool encrypt_then_mac) {
  require_record_protection(suite, version);
  RecordKeys k;
  k.suite = &suite;
  k.version = version;
  k.mac_key = client_write ? keys.client_write_mac_key : keys.server_write_mac_key;
  k.enc_key = client_write ? keys.client_write_key : keys.server_write_key;
  k.iv = client_write ? keys.client_write_iv : keys.server_write_iv;
  k.encrypt_then_mac = encrypt_then_mac && suite.cipher_type == wire::CipherType::block;
  // The lengths are checked by the RecordProtection constructor; check them here too so that a
  // bad key block fails where it is cut (without keying any Crypto++ object).
  check_record_keys(k);
  return k;
}

// ---- RecordProtection -----------------------------------------------------------------------

struct RecordProtection::Impl {
  RecordKeys keys;
  Direction direction = Direction::seal;
  SuiteShape shape{Mode::cbc};
  std::size_t mac_length = 0;
  std::uint64_t seq = 0;
  Bytes chained_iv;  // TLS 1.0 CBC only

  // The Crypto++ objects of this direction, keyed once in the constructor (see "Keyed Crypto++
  // objects" above; the primitives the Wycheproof vectors test are built on the same classes).
  // Each record's call resynchronizes to that record's IV or nonce and restarts the MAC, so a
  // record that fails leaves nothing behind in them; the state that does carry over (seq,
  // chained_iv) changes only when a record succeeds.
  std::optional<AeadCipher> aead;  // AES-GCM, ChaCha20-Poly1305
  std::optional<CbcCipher> cbc;    // AES-CBC: encrypts when sealing, decrypts when opening
  std::optional<RecordMac> mac;    // AES-CBC (MAC-then-encrypt open uses ct_hmac_alg instead)

  bool tls10_cbc() const { return shape.mode == Mode::cbc && keys.version == kTls10; }
  std::size_t explicit_iv() const {
    return shape.mode == Mode::cbc && keys.version != kTls10 ? kAesBlock : 0;
  }

  std::array<std::uint8_t, kAeadNonce> aead_nonce(ByteView explicit_part) const {
    std::array<std::uint8_t, kAeadNonce> nonce{};
    if (shape.mode == Mode::gcm) {
      std::memcpy(nonce.data(), keys.iv.data(), 4);
      std::memcpy(nonce.data() + 4, explicit_part.data(), kGcmExplicitNonce);
    } else {
      std::uint8_t s[8];
      put_u64(s, seq);
      std::memcpy(nonce.data(), keys.iv.data(), 12);
      for (std::size_t i = 0; i < 8; ++i) {
        nonce[4 + i] ^= s[i];
      }
    }
    return nonce;
  }

  Bytes seal_cbc(std::uint8_t type, ByteView plaintext, Rng& rng);
  Bytes seal_aead(std::uint8_t type, ByteView plaintext);
  Bytes open_cbc(std::uint8_t type, std::uint16_t version, ByteView fragment);
  Bytes open_cbc_etm(std::uint8_t type, std::uint16_t version, ByteView fragment);
  Bytes open_aead(std::uint8_t type, std::uint16_t version, ByteView fragment);
};

RecordProtection::RecordProtection(const RecordKeys& keys, Direction direction)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.shape = check_record_keys(keys);
  m.keys = keys;
  m.direction = direction;
  if (m.shape.mode == Mode::cbc) {
    m.mac_length = hash_size(m.shape.mac);
    if (keys.version == kTls10) {
      m.chained_iv = keys.iv;
    }
  } else {
    m.keys.encrypt_then_mac = false;
  }
  const bool sealing = direction == Direction::seal;
  try {
    if (m.shape.mode == Mode::cbc) {
      m.cbc.emplace(keys.enc_key, sealing);
      m.mac.emplace(m.shape.mac, keys.mac_key);
    } else {
      m.aead.emplace(m.shape.mode == Mode::gcm ? AeadAlg::aes_gcm : AeadAlg::chacha20_poly1305,
                     keys.enc_key, sealing);
    }
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "record protection: keying");
  }
}

RecordProtection::RecordProtection(RecordProtection&&) noexcept = default;
RecordProtection& RecordProtection::operator=(RecordProtection&&) noexcept = default;
RecordProtection::~RecordProtection() = default;

const wire::CipherSuite& RecordProtection::suite() const { return *impl_->keys.suite; }
std::uint16_t RecordProtection::version() const { return impl_->keys.version; }
RecordProtection::Direction RecordProtection::direction() const { return impl_->direction; }
bool RecordProtection::encrypt_then_mac() const { return impl_->keys.encrypt_then_mac; }
std::uint64_t RecordProtection::seq() const { return impl_->seq; }
void RecordProtection::set_seq(std::uint64_t seq) { impl_->seq = seq; }
Bytes RecordProtection::cbc_iv() const { return impl_->chained_iv; }

void RecordProtection::set_cbc_iv(ByteView iv) {
  require_size(iv, impl_->tls10_cbc() ? kAesBlock : 0, "record protection: chained CBC IV");
  impl_->chained_iv.assign(iv.begin(), iv.end());
}

std::size_t RecordProtection::overhead() const {
  const Impl& m = *impl_;
  switch (m.shape.mode) {
    case Mode::cbc:
      return m.explicit_iv() + m.mac_length + kAesBlock;  // padding: 1 to 16 bytes (minimal)
    case Mode::gcm:
      return kGcmExplicitNonce + kAeadTagLength;
    case Mode::chacha:
      return kAeadTagLength;
  }
  return 0;
}

Bytes RecordProtection::seal(std::uint8_t content_type, ByteView plaintext, Rng& rng) {
  Impl& m = *impl_;
  if (m.direction != Direction::seal) {
    throw_usage("record protection: seal on an object that opens");
  }
  if (plaintext.size() > kMaxPlaintext) {
    throw_usage("record protection: plaintext of " + std::to_string(plaintext.size()) +
                " bytes exceeds 2^14 (RFC 5246 §6.2.1): fragment it");
  }
  if (m.seq == std::numeric_limits<std::uint64_t>::max()) {
    throw_usage("record protection: sequence number exhausted (RFC 5246 §6.1: renegotiate)");
  }
  Bytes out;
  try {
    out = m.shape.mode == Mode::cbc ? m.seal_cbc(content_type, plaintext, rng)
                                    : m.seal_aead(content_type, plaintext);
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "record protection: seal");
  }
  ++m.seq;
  return out;
}

Bytes RecordProtection::seal_records(std::uint8_t content_type, ByteView plaintext, Rng& rng) {
  Bytes out;
  std::size_t at = 0;
  do {
    std::size_t n = std::min(plaintext.size() - at, kMaxPlaintext);
    Bytes fragment = seal(content_type, plaintext.subspan(at, n), rng);
    const std::uint16_t v = version();
    out.push_back(content_type);
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(fragment.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(fragment.size()));
    out.insert(out.end(), fragment.begin(), fragment.end());
    at += n;
  } while (at < plaintext.size());
  return out;
}

Bytes RecordProtection::Impl::seal_cbc(std::uint8_t type, ByteView plaintext, Rng& rng) {
  const std::size_t ivl = explicit_iv();
  Bytes iv = keys.version == kTls10 ? chained_iv : rng.bytes(kAesBlock);
  // RFC 5246 §6.2.3.2: GenericBlockCipher = IV? ‖ E(content ‖ MAC ‖ padding ‖ length).
  // RFC 7366 §3 (encrypt_then_mac): IV? ‖ E(content ‖ padding ‖ length) ‖ MAC(seq ‖ header with
  // the length of IV + ciphertext ‖ IV ‖ ciphertext).
  // Built in place in `out`: [IV] ‖ content ‖ [MAC] ‖ padding, encrypted in place, [‖ MAC].
  const bool etm = keys.encrypt_then_mac;
  const std::size_t body = plaintext.size() + (etm ? 0 : mac_length);
  const std::size_t pad = (kAesBlock - (body + 1) % kAesBlock) % kAesBlock;
  const std::size_t enc_len = body + pad + 1;
  Bytes out(ivl + enc_len + (etm ? mac_length : 0));
  std::uint8_t* enc = out.data() + ivl;
  std::memcpy(out.data(), iv.data(), ivl);
  if (!plaintext.empty()) {
    std::memcpy(enc, plaintext.data(), plaintext.size());
  }
  if (!etm) {
    auto header = mac_header(seq, type, keys.version, plaintext.size());
    mac->compute_to(enc + plaintext.size(), header, plaintext);
  }
  std::memset(enc + body, static_cast<int>(pad), pad + 1);
  cbc->process_to(enc, iv, ByteView(enc, enc_len));
  if (keys.version == kTls10) {
    chained_iv.assign(enc + enc_len - kAesBlock, enc + enc_len);
  }
  if (etm) {
    auto header = mac_header(seq, type, keys.version, ivl + enc_len);
    mac->compute_to(enc + enc_len, header, ByteView(out).first(ivl + enc_len));
  }
  return out;
}

Bytes RecordProtection::Impl::seal_aead(std::uint8_t type, ByteView plaintext) {
  auto aad = mac_header(seq, type, keys.version, plaintext.size());
  const std::size_t explicit_len = shape.mode == Mode::gcm ? kGcmExplicitNonce : 0;
  Bytes out(explicit_len + plaintext.size() + kAeadTagLength);
  if (shape.mode == Mode::gcm) {
    put_u64(out.data(), seq);  // RFC 5288 §3: the explicit nonce may be the sequence number
  }
  auto nonce = aead_nonce(ByteView(out).first(explicit_len));
  aead->seal_to(out.data() + explicit_len, nonce, aad, plaintext);
  return out;
}

Bytes RecordProtection::open(std::uint8_t content_type, std::uint16_t record_version,
                             ByteView fragment) {
  Impl& m = *impl_;
  if (m.direction != Direction::open) {
    throw_usage("record protection: open on an object that seals");
  }
  if (m.seq == std::numeric_limits<std::uint64_t>::max()) {
    throw_usage("record protection: sequence number exhausted (RFC 5246 §6.1: renegotiate)");
  }
  if (fragment.size() > kMaxFragment) {
    overflow("fragment of " + std::to_string(fragment.size()) +
             " bytes exceeds 2^14 + 2048 (RFC 5246 §6.2.3)");
  }
  Bytes out;
  try {
    switch (m.shape.mode) {
      case Mode::cbc:
        out = m.keys.encrypt_then_mac ? m.open_cbc_etm(content_type, record_version, fragment)
                                      : m.open_cbc(content_type, record_version, fragment);
        break;
      case Mode::gcm:
      case Mode::chacha:
        out = m.open_aead(content_type, record_version, fragment);
        break;
    }
  } catch (const CryptoPP::Exception& e) {
    rethrow(e, "record protection: open");
  }
  ++m.seq;
  return out;
}

Bytes RecordProtection::Impl::open_aead(std::uint8_t type, std::uint16_t version,
                                        ByteView fragment) {
  const std::size_t explicit_len = shape.mode == Mode::gcm ? kGcmExplicitNonce : 0;
  const std::size_t min = explicit_len + kAeadTagLength;
  if (fragment.size() < min) {
    too_short(fragment.size(), min, keys.suite->iana);
  }
  const std::size_t n = fragment.size() - min;
  if (n > kMaxPlaintext) {
    overflow("plaintext of " + std::to_string(n) + " bytes exceeds 2^14 (RFC 5246 §6.2.3.3)");
  }
  auto nonce = aead_nonce(fragment.first(explicit_len));
  auto aad = mac_header(seq, type, version, n);
  std::optional<Bytes> out = aead->open(nonce, aad, fragment.subspan(explicit_len));
  if (!out) {
    bad_record_mac();
  }
  return std::move(*out);
}

Bytes RecordProtection::Impl::open_cbc_etm(std::uint8_t type, std::uint16_t version,
                                           ByteView fragment) {
  const std::size_t ivl = explicit_iv();
  const std::size_t min = ivl + kAesBlock + mac_length;
  if (fragment.size() < min) {
    too_short(fragment.size(), min, keys.suite->iana);
  }
  const std::size_t enc_len = fragment.size() - mac_length;  // IV + ciphertext
  if ((enc_len - ivl) % kAesBlock != 0) {
    bad_record_mac();
  }
  ByteView enc = fragment.first(enc_len);
  auto header = mac_header(seq, type, version, enc_len);
  std::array<std::uint8_t, kMaxMacLength> computed{};
  mac->compute_to(computed.data(), header, enc);
  if (!ct_equal(ByteView(computed).first(mac_length), fragment.subspan(enc_len))) {
    bad_record_mac();
  }
  // The MAC held: what follows works on authenticated data.
  ByteView ct = enc.subspan(ivl);
  ByteView iv = keys.version == kTls10 ? ByteView(chained_iv) : enc.first(ivl);
  Bytes plain = cbc->process(iv, ct);
  std::size_t pad = plain.back();
  bool ok = pad + 1 <= plain.size();
  for (std::size_t i = 0; ok && i <= pad; ++i) {
    ok = plain[plain.size() - 1 - i] == pad;
  }
  if (!ok) {
    bad_record_mac();  // RFC 7366 §3
  }
  plain.resize(plain.size() - pad - 1);
  if (plain.size() > kMaxPlaintext) {
    overflow("plaintext of " + std::to_string(plain.size()) + " bytes exceeds 2^14");
  }
  if (keys.version == kTls10) {
    chained_iv.assign(ct.end() - kAesBlock, ct.end());
  }
  return plain;
}

Bytes RecordProtection::Impl::open_cbc(std::uint8_t type, std::uint16_t version,
                                       ByteView fragment) {
  const std::size_t ivl = explicit_iv();
  // The smallest valid ciphertext holds the MAC and a padding length byte, in whole blocks.
  const std::size_t min = ivl + (mac_length + 1 + kAesBlock - 1) / kAesBlock * kAesBlock;
  if (fragment.size() < min) {
    too_short(fragment.size(), min, keys.suite->iana);
  }
  ByteView ct = fragment.subspan(ivl);
  if (ct.size() % kAesBlock != 0) {
    bad_record_mac();
  }
  ByteView iv = keys.version == kTls10 ? ByteView(chained_iv) : fragment.first(ivl);
  Bytes plain = cbc->process(iv, ct);

  // From here on: no branch and no memory address depends on the padding or the MAC, until
  // the one decision at the end (the Lucky13 countermeasure, see the header).
  const std::size_t len = plain.size();  // public, >= mac_length + 1
  const std::size_t pad = plain[len - 1];
  CtMask good = ct_ge_mask(len, pad + 1 + mac_length);
  const std::size_t to_check = std::min<std::size_t>(256, len);
  for (std::size_t i = 0; i < to_check; ++i) {
    CtMask in_padding = ct_ge_mask(pad, i);
    std::uint8_t b = plain[len - 1 - i];
    good &= ~(in_padding & static_cast<CtMask>(pad ^ b));
  }
  good = ct_eq_mask(good & 0xff, 0xff);
  const std::size_t pad_used = pad & good;  // bad padding: treat as none, do the same work
  const std::size_t data_len = len - pad_used - 1 - mac_length;

  // The MAC over the secret-length data; at most 256 bytes of it are secret in length.
  const std::size_t max_data = len - 1 - mac_length;
  const std::size_t prefix = max_data > 255 ? max_data - 255 : 0;
  auto header = mac_header(seq, type, version, data_len);
  Bytes computed = ct_hmac_alg(shape.mac, keys.mac_key, header, ByteView(plain).first(max_data),
                               data_len, prefix);

  // Copy the received MAC out of its secret position: scan every place it can start.
  Bytes received(mac_length, 0);
  const std::size_t scan_start = prefix;
  for (std::size_t j = scan_start; j < len - 1; ++j) {
    std::uint8_t b = plain[j];
    for (std::size_t k = 0; k < mac_length; ++k) {
      CtMask here = ct_eq_mask(j, data_len + k);
      received[k] = static_cast<std::uint8_t>(received[k] | (b & here));
    }
  }
  std::uint8_t diff = 0;
  for (std::size_t k = 0; k < mac_length; ++k) {
    diff = static_cast<std::uint8_t>(diff | (received[k] ^ computed[k]));
  }
  good &= ct_is_zero_mask(diff);
  if (ct_value_barrier(good) == 0) {
    bad_record_mac();
  }
  plain.resize(data_len);
  if (plain.size() > kMaxPlaintext) {
    overflow("plaintext of " + std::to_string(plain.size()) + " bytes exceeds 2^14");
  }
  if (keys.version == kTls10) {
    chained_iv.assign(ct.end() - kAesBlock, ct.end());
  }
  return plain;
}

}  // namespace hsk::crypto
