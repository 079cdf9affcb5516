// Known-answer tests for hsk::crypto: hashes (FIPS 180-4, RFC 1321), HMAC (RFC 2202, RFC 4231,
// Wycheproof), randomness, integers, and signature verification against Wycheproof
// (RSA PKCS#1 v1.5, DSA, ECDSA) through the same verify() that verify-sig uses.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "crypto/crypto.hpp"
#include "hsk/error.hpp"
#include "pki/keys.hpp"

using hsk::Bytes;
using hsk::from_hex;
using hsk::to_hex;
using namespace hsk::crypto;

namespace {

Bytes str(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string hex_of(HashAlg alg, std::string_view msg) {
  return to_hex(hash(alg, hsk::as_bytes(msg)));
}

nlohmann::json load_vectors(const std::string& name) {
  std::ifstream in(std::string(HSK_VECTORS) + "/wycheproof/" + name);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("hashes match FIPS 180-4 and RFC 1321 examples", "[crypto]") {
  // "abc" (FIPS 180-4 examples; RFC 1321 A.5 for MD5).
  CHECK(hex_of(HashAlg::md5, "abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(hex_of(HashAlg::sha1, "abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hex_of(HashAlg::sha224, "abc") ==
        "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
  CHECK(hex_of(HashAlg::sha256, "abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_of(HashAlg::sha384, "abc") ==
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134"
        "c825a7");
  CHECK(hex_of(HashAlg::sha512, "abc") ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3"
        "feebbd"
        "454d4423643ce80e2a9ac94fa54ca49f");
  CHECK(hex_of(HashAlg::sha256, "") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_of(HashAlg::sha256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex_of(HashAlg::md5, "") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(hex_of(HashAlg::md5_sha1, "abc") ==
        "900150983cd24fb0d6963f7d28e17f72a9993e364706816aba3e25717850c26c9cd0d89d");
  for (HashAlg a : {HashAlg::md5, HashAlg::sha1, HashAlg::sha224, HashAlg::sha256, HashAlg::sha384,
                    HashAlg::sha512, HashAlg::md5_sha1}) {
    CHECK(hash(a, Bytes{}).size() == hash_size(a));
  }
}

TEST_CASE("SHA-256 of a million 'a's (FIPS 180-4)", "[crypto]") {
  Hash h(HashAlg::sha256);
  Bytes chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) {
    h.update(chunk);
  }
  CHECK(to_hex(h.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("Hash is incremental and copies mid-stream", "[crypto]") {
  Hash h(HashAlg::sha384);
  h.update(str("ab"));
  Hash copy = h;
  h.update(str("c"));
  CHECK(h.finish() == hash(HashAlg::sha384, str("abc")));
  CHECK(copy.finish() == hash(HashAlg::sha384, str("ab")));
  // finish resets.
  h.update(str("abc"));
  CHECK(h.finish() == hash(HashAlg::sha384, str("abc")));
  Hash moved = std::move(copy);
  moved.update(str("x"));
  CHECK(moved.finish() == hash(HashAlg::sha384, str("x")));
}

TEST_CASE("HMAC matches RFC 4231 and RFC 2202", "[crypto]") {
  // RFC 4231 test case 1.
  Bytes key1(20, 0x0b);
  Bytes data1 = str("Hi There");
  CHECK(to_hex(hmac(HashAlg::sha256, key1, data1)) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(to_hex(hmac(HashAlg::sha384, key1, data1)) ==
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2"
        "fa9cb6");
  CHECK(to_hex(hmac(HashAlg::sha512, key1, data1)) ==
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eae"
        "a3f4e4"
        "be9d914eeb61f1702e696c203a126854");
  CHECK(to_hex(hmac(HashAlg::sha224, key1, data1)) ==
        "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22");
  // RFC 4231 test case 2 ("Jefe").
  CHECK(to_hex(hmac(HashAlg::sha256, str("Jefe"), str("what do ya want for nothing?"))) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 6: a 131-byte key, longer than the block.
  Bytes key6(131, 0xaa);
  CHECK(to_hex(hmac(HashAlg::sha256, key6,
                    str("Test Using Larger Than Block-Size Key - Hash Key First"))) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // RFC 2202 test case 2 for HMAC-MD5 and HMAC-SHA-1.
  CHECK(to_hex(hmac(HashAlg::md5, str("Jefe"), str("what do ya want for nothing?"))) ==
        "750c783e6ab0b503eaa86e310a5db738");
  CHECK(to_hex(hmac(HashAlg::sha1, str("Jefe"), str("what do ya want for nothing?"))) ==
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  CHECK_THROWS_AS(hmac(HashAlg::md5_sha1, key1, data1), hsk::Error);
}

TEST_CASE("HMAC passes the Wycheproof HMAC-SHA1 and HMAC-SHA256 vectors", "[crypto]") {
  for (auto [file, alg] : {std::pair{"hmac_sha1_test.json", HashAlg::sha1},
                           std::pair{"hmac_sha256_test.json", HashAlg::sha256}}) {
    nlohmann::json j = load_vectors(file);
    int checked = 0;
    for (const auto& group : j["testGroups"]) {
      std::size_t tag_bytes = group["tagSize"].get<std::size_t>() / 8;
      for (const auto& t : group["tests"]) {
        Bytes mac =
            hmac(alg, from_hex(t["key"].get<std::string>()), from_hex(t["msg"].get<std::string>()));
        mac.resize(tag_bytes);
        bool ok = ct_equal(mac, from_hex(t["tag"].get<std::string>()));
        INFO(file << " tcId " << t["tcId"]);
        CHECK(ok == (t["result"] == "valid"));
        ++checked;
      }
    }
    CHECK(checked > 100);
  }
}

TEST_CASE("seeded_rng is reproducible and system_rng is not", "[crypto]") {
  auto a = seeded_rng("test seed");
  auto b = seeded_rng("test seed");
  auto c = seeded_rng("other seed");
  Bytes x = a->bytes(100);
  CHECK(x == b->bytes(100));
  CHECK(x != c->bytes(100));
  // The stream does not depend on how it is cut into requests.
  auto d = seeded_rng("test seed");
  Bytes y = d->bytes(33);
  Bytes rest = d->bytes(67);
  y.insert(y.end(), rest.begin(), rest.end());
  CHECK(x == y);
  // Children of equal parents are equal; children differ from each other.
  auto p1 = seeded_rng("parent");
  auto p2 = seeded_rng("parent");
  auto c1 = child_rng(*p1);
  auto c2 = child_rng(*p2);
  auto c3 = child_rng(*p1);
  Bytes k1 = c1->bytes(32);
  CHECK(k1 == c2->bytes(32));
  CHECK(k1 != c3->bytes(32));
  auto s1 = system_rng();
  auto s2 = system_rng();
  CHECK(s1->bytes(32) != s2->bytes(32));
}

TEST_CASE("integer helpers", "[crypto]") {
  CHECK(mod_exp(Bytes{4}, Bytes{13}, Bytes{0x01, 0xf1}) ==
        Bytes{0x01, 0xbd});  // 4^13 mod 497 = 445
  CHECK(mod_exp(Bytes{7}, Bytes{0}, Bytes{13}) == Bytes{1});
  CHECK(mod_exp(Bytes{13}, Bytes{1}, Bytes{13}) == Bytes{0});
  CHECK_THROWS_AS(mod_exp(Bytes{2}, Bytes{2}, Bytes{0}), hsk::Error);
  CHECK(is_probable_prime(Bytes{2}));
  CHECK(is_probable_prime(Bytes{0x7f, 0xff, 0xff, 0xff}));  // 2^31 - 1
  CHECK_FALSE(is_probable_prime(Bytes{1}));
  CHECK_FALSE(is_probable_prime(Bytes{0}));
  CHECK_FALSE(is_probable_prime(Bytes{0x02, 0x31}));  // 561, a Carmichael number
  // RFC 3526 group 14 (2048-bit MODP) prime, and it times a small prime.
  Bytes p14 = from_hex(
      "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E34"
      "04DD"
      "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406"
      "B7ED"
      "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24"
      "CF5F"
      "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36"
      "CE3B"
      "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA"
      "0510"
      "15728E5A8AACAA68FFFFFFFFFFFFFFFF");
  CHECK(is_probable_prime(p14, 8));
  Bytes composite = p14;
  composite.push_back(0xff);  // p * 256 + 255
  CHECK_FALSE(is_probable_prime(composite, 8));
  CHECK(bit_length(p14) == 2048);
  CHECK(bit_length(Bytes{0, 0, 1}) == 1);
  CHECK(bit_length(Bytes{0}) == 0);
  CHECK(minimal(Bytes{0, 0, 5}) == Bytes{5});
  CHECK(minimal(Bytes{0, 0}) == Bytes{0});
  CHECK(left_pad(Bytes{0, 5}, 3) == Bytes{0, 0, 5});
  CHECK_THROWS_AS(left_pad(Bytes{1, 2, 3}, 2), hsk::Error);
  CHECK(compare_int(Bytes{0, 2}, Bytes{2}) == 0);
  CHECK(compare_int(Bytes{1, 0}, Bytes{0xff}) > 0);
  auto rng = seeded_rng("range");
  std::set<Bytes> seen;
  for (int i = 0; i < 200; ++i) {
    Bytes v = random_range(*rng, Bytes{10}, Bytes{13});
    CHECK(compare_int(v, Bytes{10}) >= 0);
    CHECK(compare_int(v, Bytes{13}) <= 0);
    seen.insert(v);
  }
  CHECK(seen.size() == 4);
  CHECK(random_range(*rng, Bytes{7}, Bytes{7}) == Bytes{7});
  CHECK_THROWS_AS(random_range(*rng, Bytes{8}, Bytes{7}), hsk::Error);
}

// ---- Wycheproof signature verification ------------------------------------------------------

namespace {

SignatureAlgorithm alg_for(const std::string& family, const std::string& sha) {
  if (family == "rsa") {
    if (sha == "SHA-256") {
      return SignatureAlgorithm::rsa_pkcs1_sha256;
    }
    if (sha == "SHA-384") {
      return SignatureAlgorithm::rsa_pkcs1_sha384;
    }
    if (sha == "SHA-512") {
      return SignatureAlgorithm::rsa_pkcs1_sha512;
    }
    return SignatureAlgorithm::rsa_pkcs1_sha1;
  }
  if (family == "dsa") {
    return sha == "SHA-1" ? SignatureAlgorithm::dsa_sha1 : SignatureAlgorithm::dsa_sha256;
  }
  if (sha == "SHA-384") {
    return SignatureAlgorithm::ecdsa_sha384;
  }
  if (sha == "SHA-512") {
    return SignatureAlgorithm::ecdsa_sha512;
  }
  return sha == "SHA-1" ? SignatureAlgorithm::ecdsa_sha1 : SignatureAlgorithm::ecdsa_sha256;
}

// Decisions on Wycheproof's "acceptable" cases, each deliberate, keyed by flag. A case whose
// flags have no decision here fails the test, so a new kind of case gets a decision too.
//  - MissingNull (RSA PKCS#1 v1.5 DigestInfo without the NULL parameters): rejected.
//    verify() compares the whole re-encoded EM (RFC 8017 §8.2.2 step 4) with NULL present,
//    as OpenSSL 3 does; no TLS or X.509 signer omits it.
//  - MissingZero (DSA/ECDSA r or s encoded as a negative INTEGER): rejected; X.509 and TLS
//    require DER, and OpenSSL 3 rejects them too.
// (The ECDSA files here have no acceptable cases.)
const std::map<std::string, bool> kAcceptableDecisions = {{"MissingNull", false},
                                                          {"MissingZero", false}};

struct WycheproofTally {
  int valid = 0;
  int invalid = 0;
  int acceptable = 0;
};

// run_wycheproof checks every test of a signature file: valid must verify, invalid must not,
// acceptable ones as kAcceptableDecisions says.
WycheproofTally run_wycheproof(const std::string& file, const std::string& family) {
  nlohmann::json j = load_vectors(file);
  WycheproofTally tally;
  for (const auto& group : j["testGroups"]) {
    PublicKey key = hsk::pki::decode_spki(from_hex(group["publicKeyDer"].get<std::string>()));
    SignatureAlgorithm alg = alg_for(family, group["sha"].get<std::string>());
    for (const auto& t : group["tests"]) {
      Bytes msg = from_hex(t["msg"].get<std::string>());
      Bytes sig = from_hex(t["sig"].get<std::string>());
      bool ok = verify(key, alg, msg, sig);
      std::string result = t["result"];
      INFO(file << " tcId " << t["tcId"] << " " << t["comment"].get<std::string>());
      if (result == "valid") {
        CHECK(ok);
        ++tally.valid;
      } else if (result == "invalid") {
        CHECK_FALSE(ok);
        ++tally.invalid;
      } else {
        ++tally.acceptable;
        bool decided = false;
        for (const auto& f : t["flags"]) {
          auto it = kAcceptableDecisions.find(f.get<std::string>());
          if (it != kAcceptableDecisions.end()) {
            CHECK(ok == it->second);
            decided = true;
          }
        }
        CHECK(decided);
      }
    }
  }
  return tally;
}

}  // namespace

TEST_CASE("Wycheproof RSA PKCS#1 v1.5 signatures", "[crypto][wycheproof]") {
  for (const char* f :
       {"rsa_signature_2048_sha256_test.json", "rsa_signature_2048_sha384_test.json",
        "rsa_signature_3072_sha256_test.json"}) {
    WycheproofTally t = run_wycheproof(f, "rsa");
    CHECK(t.valid > 0);
    CHECK(t.invalid > 100);
  }
}

TEST_CASE("Wycheproof DSA signatures", "[crypto][wycheproof]") {
  for (const char* f : {"dsa_2048_224_sha256_test.json", "dsa_2048_256_sha256_test.json"}) {
    WycheproofTally t = run_wycheproof(f, "dsa");
    CHECK(t.valid > 0);
    CHECK(t.invalid > 100);
  }
}

TEST_CASE("Wycheproof ECDSA signatures", "[crypto][wycheproof]") {
  for (const char* f : {"ecdsa_secp256r1_sha256_test.json", "ecdsa_secp384r1_sha384_test.json"}) {
    WycheproofTally t = run_wycheproof(f, "ecdsa");
    CHECK(t.valid > 0);
    CHECK(t.invalid > 100);
  }
}

// ---- Keys and signatures without OpenSSL -----------------------------------------------------

TEST_CASE("seeded key generation is reproducible", "[crypto][keys]") {
  auto r1 = seeded_rng("keys-1");
  auto r2 = seeded_rng("keys-1");
  auto r3 = seeded_rng("keys-2");
  PrivateKey a = generate_rsa(*r1, 2048);
  PrivateKey b = generate_rsa(*r2, 2048);
  PrivateKey c = generate_rsa(*r3, 2048);
  CHECK(a == b);
  CHECK(a.pub.rsa.n != c.pub.rsa.n);
  CHECK(a.pub.rsa.e == Bytes{0x01, 0x00, 0x01});
  CHECK(bit_length(a.pub.rsa.n) == 2048);
  check_private_key(a);

  PrivateKey e1 = generate_ec(*r1, Curve::p256);
  PrivateKey e2 = generate_ec(*r2, Curve::p256);
  PrivateKey e3 = generate_ec(*r3, Curve::p256);
  CHECK(e1 == e2);
  CHECK(e1.x != e3.x);
  CHECK(e1.pub.ec.point.size() == 65);
  CHECK(e1.x.size() == 32);
  check_private_key(e1);

  PrivateKey d1 = generate_dsa(*r1, 2048, 256);
  PrivateKey d2 = generate_dsa(*r2, 2048, 256);
  CHECK(d1 == d2);
  CHECK(bit_length(d1.pub.dsa.p) == 2048);
  CHECK(bit_length(d1.pub.dsa.q) == 256);
  check_private_key(d1);
}

TEST_CASE("key generation sizes", "[crypto][keys]") {
  auto rng = seeded_rng("sizes");
  PrivateKey d = generate_dsa(*rng, 2048, 224);
  CHECK(bit_length(d.pub.dsa.p) == 2048);
  CHECK(bit_length(d.pub.dsa.q) == 224);
  check_private_key(d);
  PrivateKey e = generate_ec(*rng, Curve::p384);
  CHECK(e.pub.ec.point.size() == 97);
  CHECK(key_bits(e.pub) == 384);
  check_private_key(e);
  PrivateKey r = generate_rsa(*rng, 3072);
  CHECK(key_bits(r.pub) == 3072);
  CHECK_THROWS_AS(generate_rsa(*rng, 1000), hsk::Error);
  CHECK_THROWS_AS(generate_dsa(*rng, 2048, 160), hsk::Error);
}

TEST_CASE("DH keys on given parameters", "[crypto][keys]") {
  auto rng = seeded_rng("dh");
  // RFC 3526 group 14 has no q: x gets 2 * 112 bits.
  DhParams g14;
  g14.p = from_hex(
      "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E34"
      "04DD"
      "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406"
      "B7ED"
      "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24"
      "CF5F"
      "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36"
      "CE3B"
      "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA"
      "0510"
      "15728E5A8AACAA68FFFFFFFFFFFFFFFF");
  g14.g = Bytes{2};
  PrivateKey k = generate_dh(*rng, g14, DhOid::dh_key_agreement);
  CHECK(bit_length(k.x) == 224);
  CHECK(k.pub.dh.y == mod_exp(g14.g, k.x, g14.p));
  check_private_key(k);
  // With q (q = (p-1)/2 for this safe prime): x in [2, q-2].
  DhParams withq = g14;
  Bytes q = g14.p;
  q.back() ^= 1;  // p - 1 (p is odd)
  // shift right by one bit
  std::uint8_t carry = 0;
  for (auto& b : q) {
    std::uint8_t next = static_cast<std::uint8_t>(b & 1);
    b = static_cast<std::uint8_t>((b >> 1) | (carry << 7));
    carry = next;
  }
  withq.q = minimal(q);
  PrivateKey kq = generate_dh(*rng, withq, DhOid::dh_public_number);
  CHECK(compare_int(kq.x, withq.q) < 0);
  CHECK(kq.pub.dh.oid == DhOid::dh_public_number);
  check_private_key(kq);
  DhParams bad = g14;
  bad.g = Bytes{1};
  CHECK_THROWS_AS(generate_dh(*rng, bad, DhOid::dh_key_agreement), hsk::Error);
}

TEST_CASE("sign and verify round trips for every algorithm", "[crypto][keys]") {
  auto rng = seeded_rng("sign");
  PrivateKey rsa = generate_rsa(*rng, 2048);
  PrivateKey dsa = generate_dsa(*rng, 2048, 256);
  PrivateKey ec = generate_ec(*rng, Curve::p256);
  PrivateKey ec384 = generate_ec(*rng, Curve::p384);
  Bytes msg = str("the bytes a handshake signs");
  struct Case {
    const PrivateKey* key;
    SignatureAlgorithm alg;
  };
  for (Case c :
       {Case{&rsa, SignatureAlgorithm::rsa_pkcs1_md5_sha1},
        Case{&rsa, SignatureAlgorithm::rsa_pkcs1_sha1},
        Case{&rsa, SignatureAlgorithm::rsa_pkcs1_sha256},
        Case{&rsa, SignatureAlgorithm::rsa_pkcs1_sha384},
        Case{&rsa, SignatureAlgorithm::rsa_pkcs1_sha512},
        Case{&rsa, SignatureAlgorithm::rsa_pss_sha256},
        Case{&rsa, SignatureAlgorithm::rsa_pss_sha384},
        Case{&rsa, SignatureAlgorithm::rsa_pss_sha512}, Case{&dsa, SignatureAlgorithm::dsa_sha1},
        Case{&dsa, SignatureAlgorithm::dsa_sha256}, Case{&ec, SignatureAlgorithm::ecdsa_sha1},
        Case{&ec, SignatureAlgorithm::ecdsa_sha256}, Case{&ec384, SignatureAlgorithm::ecdsa_sha384},
        Case{&ec384, SignatureAlgorithm::ecdsa_sha512}}) {
    INFO(signature_algorithm_name(c.alg));
    Bytes sig = sign(*c.key, c.alg, msg, *rng);
    CHECK(verify(c.key->pub, c.alg, msg, sig));
    Bytes other = msg;
    other[0] ^= 1;
    CHECK_FALSE(verify(c.key->pub, c.alg, other, sig));
    Bytes bad = sig;
    bad[bad.size() / 2] ^= 0x10;
    CHECK_FALSE(verify(c.key->pub, c.alg, msg, bad));
    Bytes longer = sig;
    longer.push_back(0);
    CHECK_FALSE(verify(c.key->pub, c.alg, msg, longer));
    CHECK_FALSE(verify(c.key->pub, c.alg, msg, Bytes{}));
  }
  // PKCS#1 v1.5 is deterministic: a known shape for the TLS 1.0 form.
  CHECK(sign(rsa, SignatureAlgorithm::rsa_pkcs1_md5_sha1, msg, *rng).size() == 256);
  // A key of the wrong type is a usage error, not a false.
  CHECK_THROWS_AS(sign(ec, SignatureAlgorithm::rsa_pkcs1_sha256, msg, *rng), hsk::Error);
  CHECK_THROWS_AS(verify(rsa.pub, SignatureAlgorithm::ecdsa_sha256, msg, Bytes{1}), hsk::Error);
}

TEST_CASE("key checks find inconsistent keys", "[crypto][keys]") {
  auto rng = seeded_rng("checks");
  PrivateKey rsa = generate_rsa(*rng, 1024);
  PrivateKey bad = rsa;
  bad.rsa.dp.back() ^= 2;
  CHECK_THROWS_AS(check_private_key(bad), hsk::Error);
  bad = rsa;
  bad.pub.rsa.n.back() ^= 2;
  CHECK_THROWS_AS(check_private_key(bad), hsk::Error);
  PrivateKey ec = generate_ec(*rng, Curve::p256);
  PrivateKey ec2 = generate_ec(*rng, Curve::p256);
  bad = ec;
  bad.pub.ec.point = ec2.pub.ec.point;
  CHECK_THROWS_AS(check_private_key(bad), hsk::Error);
  Bytes off = ec.pub.ec.point;
  off.back() ^= 1;
  CHECK_THROWS_AS(ec_decode_point(Curve::p256, off), hsk::Error);
  // Compressed points decompress to the same point.
  Bytes compressed(ec.pub.ec.point.begin(), ec.pub.ec.point.begin() + 33);
  compressed[0] = static_cast<std::uint8_t>(2 + (ec.pub.ec.point.back() & 1));
  CHECK(ec_decode_point(Curve::p256, compressed) == ec.pub.ec.point);
  try {
    bad = rsa;
    bad.rsa.qinv.back() ^= 1;
    check_private_key(bad);
    FAIL("no error");
  } catch (const hsk::Error& e) {
    CHECK(e.kind() == hsk::ErrorKind::check_failed);
    CHECK(std::string(e.what()).find("qinv") != std::string::npos);
  }
}
