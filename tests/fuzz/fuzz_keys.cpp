// fuzz_keys — libFuzzer target for the key readers (lib/pki/keys.cpp) and, through them, the
// DER reader, PEM armour and the key checks in lib/crypto.
//
// The input is handed to decode_key (PEM or DER, any format), to each DER decoder directly,
// and to decode_signature_algorithm. A decoder may only throw hsk::Error. Every key that
// decodes must re-encode as PKCS#8 / SPKI and decode again to an equal key; otherwise the
// target aborts.
#include <cstdint>
#include <cstdlib>

#include "hsk/error.hpp"
#include "pki/keys.hpp"

namespace {

using hsk::Bytes;
using hsk::ByteView;
using namespace hsk::pki;

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const hsk::Error&) {
  }
}

void round_trip(const PrivateKey& k) {
  // PKCS#8 carries no y for DSA (nor for DH): the reader recomputes it as g^x mod p, so a
  // traditional DSA key with an inconsistent y comes back with the consistent one.
  PrivateKey expect = k;
  if (k.pub.type == hsk::crypto::KeyType::dsa) {
    expect.pub.dsa.y = hsk::crypto::mod_exp(k.pub.dsa.g, k.x, k.pub.dsa.p);
  }
  if (decode_pkcs8(encode_pkcs8(k)) != expect) {
    std::abort();
  }
  if (decode_spki(encode_spki(k.pub)) != k.pub) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  guarded([&] {
    DecodedKey d = decode_key(in);
    if (d.priv) {
      round_trip(*d.priv);
    } else if (decode_spki(encode_spki(d.pub)) != d.pub) {
      std::abort();
    }
  });
  guarded([&] { round_trip(decode_pkcs8(in)); });
  guarded([&] { round_trip(decode_rsa_private_pkcs1(in)); });
  guarded([&] { round_trip(decode_dsa_private_traditional(in)); });
  guarded([&] { round_trip(decode_ec_private_sec1(in, hsk::crypto::Curve::p256)); });
  guarded([&] {
    PublicKey k = decode_spki(in);
    if (decode_spki(encode_spki(k)) != k) {
      std::abort();
    }
  });
  guarded([&] { decode_dh_domain(in, hsk::crypto::DhOid::dh_public_number); });
  guarded([&] {
    hsk::crypto::SignatureAlgorithm a = decode_signature_algorithm(in);
    if (decode_signature_algorithm(encode_signature_algorithm(a)) != a) {
      std::abort();
    }
  });
  return 0;
}
