// fuzz_tls_crypto — libFuzzer target for the peer-facing entry points of crypto/tls_crypto.hpp.
//
// The first input byte picks what the rest feeds:
//   0  the RSA pre-master secret countermeasure, differentially: an encoded message EM is
//      built from the input (a well-formed 00 02 PS 00 03 03 ... by default, then mutated at
//      input-chosen places), encrypted with the bare public function, and decrypted with
//      rsa_decrypt_pms; the result must equal what a plain, branching reference check of EM
//      predicts (M or the Rng's fallback), and nothing may throw;
//   1  rsa_decrypt_pms on the raw input as ciphertext: never throws, always 48 bytes;
//   2-4  ecdh_agree(secp256r1 | secp384r1 | x25519, fixed key, input): only hsk::Error of kind
//      malformed or check_failed may come out; a result has the group's secret length (and is
//      not all zero for X25519);
//   5  dh_agree on ffdhe2048 with q: only check_failed may come out;
//   6  the PRF: output length, and a shorter output is a prefix of a longer one.
// Anything else aborts.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "crypto/crypto.hpp"
#include "crypto/tls_crypto.hpp"
#include "dh/groups.hpp"
#include "hsk/error.hpp"

namespace {

using hsk::Bytes;
using hsk::ByteView;
using namespace hsk::crypto;

struct Fixture {
  PrivateKey rsa;
  Bytes p256, p384, x25519;
  DhParams dh;
  Bytes dh_x;
  Fixture() {
    auto rng = seeded_rng("fuzz_tls_crypto keys");
    rsa = generate_rsa(*rng, 1024);  // small for speed; the logic does not depend on |n|
    p256 = ecdh_generate(EcdhGroup::secp256r1, *rng).private_key;
    p384 = ecdh_generate(EcdhGroup::secp384r1, *rng).private_key;
    x25519 = ecdh_generate(EcdhGroup::x25519, *rng).private_key;
    dh = hsk::dh::group_params(*hsk::dh::find_group("ffdhe2048"), true);
    dh_x = dh_generate(dh.p, dh.g, dh.q, *rng).private_key;
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// reference_pms: what RFC 5246 §7.4.7.1 with a random fallback gives for EM, written the
// obvious (branching) way.
Bytes reference_pms(const Bytes& em, const Bytes& fallback) {
  const std::size_t k = em.size();
  if (em[0] != 0 || em[1] != 2) {
    return fallback;
  }
  std::size_t sep = 2;
  while (sep < k && em[sep] != 0) {
    ++sep;
  }
  if (sep == k || sep - 2 < 8 || k - sep - 1 != 48) {
    return fallback;
  }
  if (em[sep + 1] != fallback[0] || em[sep + 2] != fallback[1]) {
    return fallback;
  }
  return Bytes(em.begin() + static_cast<std::ptrdiff_t>(sep + 1), em.end());
}

void fuzz_rsa_differential(ByteView in) {
  const PrivateKey& key = fixture().rsa;
  const std::size_t k = key.pub.rsa.n.size();
  Bytes em(k, 0);
  em[1] = 2;
  for (std::size_t i = 2; i < k - 49; ++i) {
    em[i] = static_cast<std::uint8_t>(1 + (i * 37) % 255);
  }
  em[k - 48] = 3;
  em[k - 47] = 3;
  for (std::size_t i = k - 46; i < k; ++i) {
    em[i] = static_cast<std::uint8_t>(i);
  }
  // Mutations: (position, value) pairs.
  for (std::size_t i = 0; i + 1 < in.size(); i += 2) {
    em[in[i] % k] = in[i + 1];
  }
  if (compare_int(em, key.pub.rsa.n) >= 0) {
    return;  // not an RSA plaintext
  }
  Bytes c = left_pad(mod_exp(em, key.pub.rsa.e, key.pub.rsa.n), k);
  auto rng = seeded_rng("fuzz");
  Bytes fallback = make_rsa_pms(0x0303, *seeded_rng("fuzz"));
  Bytes got;
  try {
    got = rsa_decrypt_pms(key, c, 0x0303, *rng);
  } catch (...) {
    std::abort();
  }
  if (got != reference_pms(em, fallback)) {
    std::abort();
  }
}

void fuzz_rsa_raw(ByteView in) {
  auto rng = seeded_rng("fuzz");
  try {
    if (rsa_decrypt_pms(fixture().rsa, in, 0x0303, *rng).size() != 48) {
      std::abort();
    }
  } catch (...) {
    std::abort();
  }
}

void fuzz_ecdh(EcdhGroup g, const Bytes& priv, ByteView in) {
  try {
    Bytes z = ecdh_agree(g, priv, in);
    if (z.size() != ecdh_secret_length(g) || (g == EcdhGroup::x25519 && z == Bytes(32, 0))) {
      std::abort();
    }
  } catch (const hsk::Error& e) {
    if (e.kind() != hsk::ErrorKind::malformed && e.kind() != hsk::ErrorKind::check_failed) {
      std::abort();
    }
  }
}

void fuzz_dh(ByteView in) {
  const Fixture& f = fixture();
  try {
    Bytes z = dh_agree(f.dh.p, f.dh_x, in, f.dh.q);
    if (z.empty() || z[0] == 0 || compare_int(z, f.dh.p) >= 0) {
      std::abort();
    }
  } catch (const hsk::Error& e) {
    if (e.kind() != hsk::ErrorKind::check_failed) {
      std::abort();
    }
  }
}

void fuzz_prf(ByteView in) {
  if (in.size() < 2) {
    return;
  }
  PrfKind kind = static_cast<PrfKind>(in[0] % 3);
  std::size_t len = in[1];
  ByteView rest = in.subspan(2);
  ByteView secret = rest.first(rest.size() / 2);
  ByteView seed = rest.subspan(rest.size() / 2);
  Bytes a = prf(kind, secret, "fuzz", seed, len);
  Bytes b = prf(kind, secret, "fuzz", seed, len + 33);
  if (a.size() != len || b.size() != len + 33 || !std::equal(a.begin(), a.end(), b.begin())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  ByteView in(data + 1, size - 1);
  const Fixture& f = fixture();
  switch (data[0] % 7) {
    case 0:
      fuzz_rsa_differential(in);
      break;
    case 1:
      fuzz_rsa_raw(in);
      break;
    case 2:
      fuzz_ecdh(EcdhGroup::secp256r1, f.p256, in);
      break;
    case 3:
      fuzz_ecdh(EcdhGroup::secp384r1, f.p384, in);
      break;
    case 4:
      fuzz_ecdh(EcdhGroup::x25519, f.x25519, in);
      break;
    case 5:
      fuzz_dh(in);
      break;
    case 6:
      fuzz_prf(in);
      break;
  }
  return 0;
}
