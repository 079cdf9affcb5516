// DH parameters: named groups, PKCS#3 / X9.42 encoding, checks, generation, and the math below.
// Known answers come from OpenSSL 3.0 (`openssl genpkey -genparam`, `openssl dhparam`); their
// commands are named next to each.
#include <catch2/catch.hpp>

#include <string>

#include "crypto/crypto.hpp"
#include "crypto/dh_math.hpp"
#include "dh/check.hpp"
#include "dh/generate.hpp"
#include "dh/groups.hpp"
#include "dh/params.hpp"
#include "hsk/error.hpp"
#include "pki/pem.hpp"

using hsk::Bytes;
using hsk::from_hex;
using namespace hsk::dh;
namespace crypto = hsk::crypto;

namespace {

DhParameters pem(const std::string& text) { return decode_dh_params(hsk::as_bytes(text)); }

bool has_finding(const CheckReport& r, Severity s, const std::string& fragment) {
  for (const auto& f : r.findings) {
    if (f.severity == s && f.message.find(fragment) != std::string::npos) {
      return true;
    }
  }
  return false;
}

CheckReport check(const DhParameters& params, CheckOptions options = {}) {
  auto rng = crypto::seeded_rng("test_dh check");
  options.threads = 2;
  return check_dh_params(params, *rng, options);
}

// `openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048`
const std::string kFfdhe2048Pem =
    "-----BEGIN DH PARAMETERS-----\n"
    "MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n"
    "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n"
    "87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7\n"
    "YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi\n"
    "7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD\n"
    "ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==\n"
    "-----END DH PARAMETERS-----\n";

// `openssl dhparam 512` (a safe prime, g = 2)
const std::string kSafe512Pem =
    "-----BEGIN DH PARAMETERS-----\n"
    "MEYCQQDoYLX75avSzLCeWKIHG0jedpBPP2dgc8xCJ5nSap7ZUbkrhjhQTqNhKXZI\n"
    "GR7saJ+RQVq2psbuUDltdapOXcznAgEC\n"
    "-----END DH PARAMETERS-----\n";
const char* kSafe512P =
    "e860b5fbe5abd2ccb09e58a2071b48de76904f3f676073cc422799d26a9ed951"
    "b92b8638504ea361297648191eec689f91415ab6a6c6ee50396d75aa4e5dcce7";

// `openssl genpkey -genparam -algorithm DHX -pkeyopt type:fips186_4
//  -pkeyopt dh_paramgen_prime_len:1024 -pkeyopt dh_paramgen_subprime_len:160` (seed, counter 1168)
const std::string kDhx186_4Pem =
    "-----BEGIN X9.42 DH PARAMETERS-----\n"
    "MIIBOwKBgQCpb1fivRDlNzjvpghzpv7MWM2hl6zpeKYiLuXzZ7ibpaLcNnMEN9f5\n"
    "8p/JPg8F053RpXuzdUV3TOuXfRZ9zXdrkK80KRyOly9fKlywaqtnuoMun5k1z7Jy\n"
    "QuPHuhTt8qIsuepiAb0YIXq26ocbFjjynhCV9BFUvoUYwtCoMi4iZQKBgBlKmgSo\n"
    "kgBdLi1UgF1DqfJZXs0x94CDT9TcoUoOICTHJ0SFxUvSvYrQmBRyukyvtZsp0tHM\n"
    "yXU1X94UfXUPg+ZcGg3synq5AmtaD3zfKjTh2Zs3HJPW5Ok/HUrfH5NverEuwnCC\n"
    "VTdfIz3ieS9P5lOIjgWhr9h/vDYlSmw15juxAhUApv5ukR9pu5Fv+KnUaQ8CT1nK\n"
    "3CUwGwMVAC9V5/mm62Sm1dv3Wm3LT9rbTrkjAgIEkA==\n"
    "-----END X9.42 DH PARAMETERS-----\n";

// `openssl genpkey -genparam -algorithm DHX -pkeyopt dh_paramgen_prime_len:1024
//  -pkeyopt dh_paramgen_subprime_len:160` (OpenSSL 3.0's default "fips186_2" type, counter 795)
const std::string kDhxLegacyPem =
    "-----BEGIN X9.42 DH PARAMETERS-----\n"
    "MIIBOwKBgQDMk42fg6JVLjzTemW/b9Pi/G89m4PQihnN3QWZwafZP1KBZy6iymLZ\n"
    "qiM/Uzx33gscrXAJvKSFXsXJJysHoUX1CdcejiugDmliqkPTujs3wk60amst0gRm\n"
    "lMhyD2BHzEWSlLqQJpvyj5mmZHGvDr3+OaTLhyky8yhPC0vijY/YZQKBgCuvd4li\n"
    "6pdayq/PR+WiISCYfRSDFQMAQ8m7YtTvik9m6powO1ieqgYPHOg049aPqy8BwRuc\n"
    "vWP7NuJKbWOTDP8rRZ39wQmo2j86O40nPRXh4e9bPjxG0wtd5ZrIDWxyohjFQDiz\n"
    "dg8DrMk3DH5VC4L3NCJARqMH+SU13Uj2cK3GAhUAwpnZHbF6PpWgh32jCTprt/GV\n"
    "cCUwGwMVAK0zj8KBtWGNfSm9KhufSWmmh8/zAgIDGw==\n"
    "-----END X9.42 DH PARAMETERS-----\n";

}  // namespace

TEST_CASE("The named-group table matches RFC 7919 and RFC 3526", "[dh]") {
  REQUIRE(named_groups().size() == 11);
  for (const auto& g : named_groups()) {
    INFO(g.name);
    auto params = group_params(g, true);
    CHECK(crypto::bit_length(params.p) == g.bits);
    // Both RFCs fix the top and bottom 64 bits to 1.
    CHECK(Bytes(params.p.begin(), params.p.begin() + 8) == Bytes(8, 0xff));
    CHECK(Bytes(params.p.end() - 8, params.p.end()) == Bytes(8, 0xff));
    CHECK(crypto::int_mod_word(params.p, 24) == 23);
    CHECK(params.g == Bytes{0x02});
    CHECK(params.q == crypto::int_shr(params.p, 1));
    CHECK(identify_group(params) == &g);
    CHECK(find_group(g.name) == &g);
    CHECK(find_group(g.openssl_name) == &g);
  }
  CHECK(find_group("FFDHE3072")->bits == 3072);
  CHECK(find_group("modp_2048")->ike_group == 14);
  CHECK(find_group("ffdhe2048")->tls_named_group == 0x0100);
  CHECK(find_group("ffdhe1024") == nullptr);
  // A q that is not (p-1)/2 makes it someone else's parameters.
  auto params = group_params(*find_group("ffdhe2048"), true);
  params.q = Bytes{0x05};
  CHECK(identify_group(params) == nullptr);
  params = group_params(*find_group("ffdhe2048"), false);
  params.g = Bytes{0x05};
  CHECK(identify_group(params) == nullptr);
}

TEST_CASE("OpenSSL's ffdhe2048 file reads as the group and re-encodes byte for byte", "[dh]") {
  DhParameters params = pem(kFfdhe2048Pem);
  CHECK(params.format == ParamsFormat::pkcs3);
  CHECK(identify_group(params.numbers) == find_group("ffdhe2048"));
  CHECK(to_pem(params) == kFfdhe2048Pem);
  CHECK(dh_params_text(params) == "    DH Parameters: (2048 bit)\n    GROUP: ffdhe2048\n");
  CHECK(dh_params_text(params, 0) == "DH Parameters: (2048 bit)\nGROUP: ffdhe2048\n");
  DhParameters from_table;
  from_table.numbers = group_params(*find_group("ffdhe2048"), false);
  CHECK(to_pem(from_table) == kFfdhe2048Pem);
}

TEST_CASE("PKCS#3 DHParameter encodes p, g and an optional privateValueLength", "[dh]") {
  crypto::DhParams n;
  n.p = Bytes{0x17};
  n.g = Bytes{0x05};
  CHECK(encode_pkcs3(n) == Bytes{0x30, 0x06, 0x02, 0x01, 0x17, 0x02, 0x01, 0x05});
  n.p = Bytes{0x8b};
  n.private_value_length = 3;
  Bytes der{0x30, 0x0a, 0x02, 0x02, 0x00, 0x8b, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03};
  CHECK(encode_pkcs3(n) == der);
  DhParameters back = decode_pkcs3(der);
  CHECK(back.format == ParamsFormat::pkcs3);
  CHECK(back.numbers == n);
  CHECK(decode_dh_params(der) == back);  // 3 <= |p|: privateValueLength, not q
  CHECK(encode_dh_params(back) == der);
}

TEST_CASE("X9.42 DomainParameters encode p, g, q, j and validationParms in that order", "[dh]") {
  DhParameters x;
  x.format = ParamsFormat::x942;
  x.numbers.p = Bytes{0x17};
  x.numbers.g = Bytes{0x04};
  x.numbers.q = Bytes{0x0b};
  Bytes plain{0x30, 0x09, 0x02, 0x01, 0x17, 0x02, 0x01, 0x04, 0x02, 0x01, 0x0b};
  CHECK(encode_x942(x) == plain);
  CHECK(decode_dh_params(plain) == x);  // 11 > |p| = 5 bits: a q
  x.numbers.j = Bytes{0x02};
  x.seed = Bytes{0xaa, 0xbb};
  x.pgen_counter = 7;
  Bytes full{0x30, 0x16, 0x02, 0x01, 0x17, 0x02, 0x01, 0x04, 0x02, 0x01, 0x0b, 0x02,
             0x01, 0x02, 0x30, 0x08, 0x03, 0x03, 0x00, 0xaa, 0xbb, 0x02, 0x01, 0x07};
  CHECK(encode_x942(x) == full);
  CHECK(decode_x942(full) == x);
  CHECK(decode_dh_params(full) == x);
  CHECK(pem(to_pem(x)) == x);
  CHECK(to_pem(x).rfind("-----BEGIN X9.42 DH PARAMETERS-----\n", 0) == 0);
  // X9.42 needs q.
  x.numbers.q.clear();
  CHECK_THROWS_AS(encode_x942(x), hsk::Error);
}

TEST_CASE("OpenSSL's X9.42 files round-trip with their seed and counter", "[dh]") {
  for (const auto* text : {&kDhx186_4Pem, &kDhxLegacyPem}) {
    DhParameters x = pem(*text);
    CHECK(x.format == ParamsFormat::x942);
    CHECK(crypto::bit_length(x.numbers.p) == 1024);
    CHECK(crypto::bit_length(x.numbers.q) == 160);
    CHECK(x.seed.size() == 20);
    CHECK(x.pgen_counter.has_value());
    CHECK(to_pem(x) == *text);
  }
  CHECK(*pem(kDhx186_4Pem).pgen_counter == 1168);
  CHECK(*pem(kDhxLegacyPem).pgen_counter == 795);
}

TEST_CASE("Malformed DH parameters are rejected with a malformed error", "[dh]") {
  auto malformed = [](const Bytes& der) {
    try {
      decode_dh_params(der);
    } catch (const hsk::Error& e) {
      return e.kind() == hsk::ErrorKind::malformed;
    }
    return false;
  };
  Bytes good{0x30, 0x06, 0x02, 0x01, 0x17, 0x02, 0x01, 0x05};
  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("prefix " << n);
    CHECK(malformed(Bytes(good.begin(), good.begin() + static_cast<long>(n))));
  }
  Bytes trailing = good;
  trailing.push_back(0x00);
  CHECK(malformed(trailing));
  CHECK(malformed(Bytes{0x30, 0x06, 0x02, 0x01, 0x97, 0x02, 0x01, 0x05}));        // negative p
  CHECK(malformed(Bytes{0x30, 0x07, 0x02, 0x02, 0x00, 0x17, 0x02, 0x01, 0x05}));  // non-minimal
  CHECK(malformed(Bytes{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x05}));        // p = 0
  CHECK(malformed(Bytes{0x30, 0x03, 0x02, 0x01, 0x17}));                          // no g
  CHECK(malformed(Bytes{0x30, 0x00}));
  CHECK(malformed(Bytes{0x04, 0x00}));
  // X9.42 with a bad validationParms.
  CHECK(malformed(Bytes{0x30, 0x0d, 0x02, 0x01, 0x17, 0x02, 0x01, 0x04, 0x02, 0x01, 0x0b, 0x30,
                        0x02, 0x03, 0x00}));
  // PEM without a DH block.
  std::string cert = hsk::pki::pem_encode("CERTIFICATE", good);
  CHECK_THROWS_AS(decode_dh_params(hsk::as_bytes(cert)), hsk::Error);
  // PEM with another block first: the DH block counts.
  CHECK(decode_dh_params(hsk::as_bytes(cert + kSafe512Pem)).numbers.p == from_hex(kSafe512P));
}

TEST_CASE("Text output matches openssl dhparam -text", "[dh]") {
  // `openssl dhparam -in safe512.pem -text -noout`
  CHECK(dh_params_text(pem(kSafe512Pem)) ==
        "    DH Parameters: (512 bit)\n"
        "    P:   \n"
        "        00:e8:60:b5:fb:e5:ab:d2:cc:b0:9e:58:a2:07:1b:\n"
        "        48:de:76:90:4f:3f:67:60:73:cc:42:27:99:d2:6a:\n"
        "        9e:d9:51:b9:2b:86:38:50:4e:a3:61:29:76:48:19:\n"
        "        1e:ec:68:9f:91:41:5a:b6:a6:c6:ee:50:39:6d:75:\n"
        "        aa:4e:5d:cc:e7\n"
        "    G:    2 (0x2)\n");
  // `openssl pkeyparam -in dhx.pem -text -noout`, last lines
  std::string text = dh_params_text(pem(kDhx186_4Pem), 0);
  CHECK(text.find("SEED:\n"
                  "    2f:55:e7:f9:a6:eb:64:a6:d5:db:f7:5a:6d:cb:4f:\n"
                  "    da:db:4e:b9:23\n"
                  "pcounter: 1168\n") != std::string::npos);
  CHECK(text.find("\nQ:   \n    00:a6:fe:6e:91:1f:69:bb:91:6f:f8:a9:d4:69:0f:\n    "
                  "02:4f:59:ca:dc:25\nG:   \n") != std::string::npos);
}

TEST_CASE("JSON description of DH parameters", "[dh]") {
  DhParameters x;
  x.format = ParamsFormat::x942;
  x.numbers.p = Bytes{0x17};
  x.numbers.g = Bytes{0x04};
  x.numbers.q = Bytes{0x00, 0x0b};
  x.seed = Bytes{0xaa};
  x.pgen_counter = 7;
  CHECK(
      dh_params_json(x) ==
      R"({"type":"X9.42 DH PARAMETERS","bits":5,"group":null,"p":"17","g":"04","q":"0b","j":null,)"
      R"("private_value_length":null,"seed":"aa","pgen_counter":7})");
  CHECK(dh_params_json(pem(kFfdhe2048Pem))
            .find(R"("bits":2048,"group":"ffdhe2048","p":"ffffffffffffffffadf8)") !=
        std::string::npos);
}

TEST_CASE("check_dh_params agrees with OpenSSL's DH_check on the basic cases", "[dh]") {
  DhParameters good = pem(kSafe512Pem);
  CheckReport r = check(good);
  CHECK(r.valid());
  CHECK(r.bits == 512);
  CHECK(has_finding(r, Severity::warning, "too small"));
  CHECK(has_finding(r, Severity::ok, "safe prime"));
  CHECK(has_finding(r, Severity::ok, "order q"));

  DhParameters bad = good;
  bad.numbers.g = Bytes{0x01};
  CHECK_FALSE(check(bad).valid());
  bad.numbers.g = crypto::int_sub_word(good.numbers.p, 1);
  CHECK_FALSE(check(bad).valid());
  bad.numbers.g = good.numbers.p;
  CHECK_FALSE(check(bad).valid());
  bad = good;
  bad.numbers.p = crypto::int_add_word(good.numbers.p, 2);
  r = check(bad);
  CHECK_FALSE(r.valid());
  CHECK(has_finding(r, Severity::error, "p is not prime"));

  // g = 5 is a non-residue here (p = 7 mod 8 makes 2 a residue, not 5): order p - 1 is
  // accepted with a warning, as OpenSSL 3 accepts it.
  bad = good;
  bad.numbers.g = Bytes{0x05};
  r = check(bad);
  if (crypto::jacobi(Bytes{0x05}, good.numbers.p) == -1) {
    CHECK(r.valid());
    CHECK(has_finding(r, Severity::warning, "whole group"));
  }
  // As X9.42 with q = (p-1)/2 the same g is an error (OpenSSL checks g^q = 1 when q is given).
  DhParameters x = with_format(good, ParamsFormat::x942);
  CHECK(check(x).valid());
  if (crypto::jacobi(Bytes{0x05}, good.numbers.p) == -1) {
    x.numbers.g = Bytes{0x05};
    r = check(x);
    CHECK_FALSE(r.valid());
    CHECK(has_finding(r, Severity::error, "order q"));
  }
  x = with_format(good, ParamsFormat::x942);
  x.numbers.q = Bytes{0x0b};  // prime, but does not divide p - 1
  CHECK_FALSE(check(x).valid());
  x.numbers.q = Bytes{0x0f};  // composite
  r = check(x);
  CHECK(has_finding(r, Severity::error, "q is not prime"));
}

TEST_CASE("check_dh_params verifies FIPS seeds and knows the named groups", "[dh]") {
  CheckReport r = check(pem(kDhx186_4Pem));
  CHECK(r.valid());
  CHECK(has_finding(r, Severity::ok, "FIPS 186-4 A.1.1.2 (SHA-1, counter 1168)"));
  r = check(pem(kDhxLegacyPem));
  CHECK(r.valid());
  CHECK(has_finding(r, Severity::ok, "FIPS 186-2-style generation (SHA-1, counter 795)"));
  DhParameters tampered = pem(kDhx186_4Pem);
  tampered.pgen_counter = 1167;
  r = check(tampered);
  CHECK(r.valid());
  CHECK(has_finding(r, Severity::warning, "do not derive"));

  r = check(pem(kFfdhe2048Pem));
  CHECK(r.valid());
  CHECK(r.group == find_group("ffdhe2048"));
  CheckOptions full;
  full.trust_named_groups = false;
  r = check(pem(kFfdhe2048Pem), full);
  CHECK(r.valid());
  CHECK(has_finding(r, Severity::ok, "safe prime"));
  CHECK(r.count(Severity::warning) == 0);

  // Too small and too large.
  DhParameters tiny;
  tiny.numbers.p = Bytes{0x17};
  tiny.numbers.g = Bytes{0x02};
  r = check(tiny);
  CHECK_FALSE(r.valid());
  CHECK(has_finding(r, Severity::error, "below the minimum"));
}

TEST_CASE("Safe-prime generation is reproducible whatever the thread count", "[dh]") {
  GenerateOptions options;
  options.bits = 256;
  auto run = [&](unsigned threads) {
    options.threads = threads;
    auto rng = crypto::seeded_rng("test_dh safe prime");
    return generate_safe_prime(*rng, options);
  };
  DhParameters one = run(1);
  DhParameters two = run(2);
  DhParameters three = run(3);
  CHECK(one == two);
  CHECK(one == three);
  const Bytes& p = one.numbers.p;
  CHECK(crypto::bit_length(p) == 256);
  CHECK(crypto::int_mod_word(p, 24) == 23);
  CHECK(one.numbers.g == Bytes{0x02});
  CHECK(one.numbers.q == crypto::int_shr(p, 1));
  CHECK(crypto::is_probable_prime_bpsw(p, 64, Bytes{1}));
  CHECK(crypto::is_probable_prime_bpsw(one.numbers.q, 64, Bytes{1}));
  CHECK(crypto::int_is_one(crypto::mod_exp(Bytes{0x02}, one.numbers.q, p)));
  // A different seed, different parameters.
  auto rng = crypto::seeded_rng("test_dh safe prime 2");
  options.threads = 2;
  CHECK(generate_safe_prime(*rng, options).numbers.p != p);
  // Tiny sizes wrap to fresh start points without looping forever.
  options.bits = 64;
  auto rng64 = crypto::seeded_rng("test_dh 64");
  DhParameters small = generate_safe_prime(*rng64, options);
  CHECK(crypto::bit_length(small.numbers.p) == 64);
  CHECK(crypto::is_probable_prime_bpsw(small.numbers.q, 64, Bytes{1}));
  options.bits = 63;
  CHECK_THROWS_AS(generate_safe_prime(*rng64, options), hsk::Error);
}

TEST_CASE("DSA-style generation follows FIPS 186-4 and is reproducible", "[dh]") {
  GenerateOptions options;
  options.bits = 1024;
  auto run = [&](unsigned threads) {
    options.threads = threads;
    auto rng = crypto::seeded_rng("test_dh dsa");
    return generate_dsa_style(*rng, 160, options);
  };
  DhParameters one = run(1);
  DhParameters two = run(2);
  CHECK(one == two);
  CHECK(one.format == ParamsFormat::x942);
  CHECK(crypto::bit_length(one.numbers.p) == 1024);
  CHECK(crypto::bit_length(one.numbers.q) == 160);
  CHECK(one.seed.size() == 20);
  CheckReport r = check(one);
  CHECK(r.valid());
  CHECK(has_finding(r, Severity::ok, "FIPS 186-4 A.1.1.2 (SHA-1"));
  // g comes from A.2.1 with the smallest h.
  std::uint32_t h = 0;
  CHECK(crypto::fips186_4_generator(one.numbers.p, one.numbers.q, &h) == one.numbers.g);
  CHECK(h == 2);
  CHECK_THROWS_AS(generate_dsa_style(*crypto::seeded_rng("x"), 192, options), hsk::Error);
}

TEST_CASE("with_format converts between PKCS#3 and X9.42", "[dh]") {
  DhParameters good = pem(kSafe512Pem);
  DhParameters x = with_format(good, ParamsFormat::x942);
  CHECK(x.numbers.q == crypto::int_shr(good.numbers.p, 1));
  CHECK(with_format(x, ParamsFormat::pkcs3) == good);
  DhParameters legacy = with_format(pem(kDhxLegacyPem), ParamsFormat::pkcs3);
  CHECK(legacy.numbers.q.empty());
  CHECK(legacy.seed.empty());
  CHECK_FALSE(legacy.pgen_counter.has_value());
}

TEST_CASE("DH math: primality, Jacobi symbols, generators", "[dh]") {
  auto n = [](const char* hex) { return from_hex(hex); };
  Bytes salt{0x42};
  CHECK_FALSE(crypto::is_probable_prime_bpsw(Bytes{0x00}, 8, salt));
  CHECK_FALSE(crypto::is_probable_prime_bpsw(Bytes{0x01}, 8, salt));
  CHECK(crypto::is_probable_prime_bpsw(Bytes{0x02}, 8, salt));
  CHECK(crypto::is_probable_prime_bpsw(Bytes{0x07, 0xcf}, 8, salt));    // 1999
  CHECK_FALSE(crypto::is_probable_prime_bpsw(n("0231"), 8, salt));      // 561, Carmichael
  CHECK_FALSE(crypto::is_probable_prime_bpsw(n("07ff"), 8, salt));      // 2047 = 23 * 89, spsp(2)
  CHECK_FALSE(crypto::is_probable_prime_bpsw(n("bfa1ecc7"), 8, salt));  // 3215031751, spsp(2,3,5,7)
  CHECK(crypto::is_probable_prime_bpsw(n("7fffffffffffffffffffffffffffffff"), 8, salt,
                                       3));  // 2^127 - 1
  CHECK_FALSE(crypto::is_probable_prime_bpsw(n("0100000000000000000000000000000001"), 8,
                                             salt));  // 2^128 + 1
  CHECK(crypto::miller_rabin_rounds(2048) == 64);
  CHECK(crypto::miller_rabin_rounds(2049) == 128);

  CHECK(crypto::jacobi(Bytes{0x02}, Bytes{0x07}) == 1);
  CHECK(crypto::jacobi(Bytes{0x02}, Bytes{0x0b}) == -1);
  CHECK(crypto::jacobi(Bytes{0x0f}, Bytes{0x0f}) == 0);
  CHECK_THROWS_AS(crypto::jacobi(Bytes{0x02}, Bytes{0x08}), hsk::Error);
  CHECK(crypto::smallest_quadratic_residue(Bytes{0x0b}) == 3);  // 11: residues 1, 3, 4, 5, 9
  CHECK(crypto::smallest_quadratic_residue(Bytes{0x17}) == 2);  // 23 = 7 mod 8
  CHECK(crypto::smallest_quadratic_residue(Bytes{0x13}) ==
        4);  // 19: residues 1, 4, 5, 6, 7, 9, ...

  std::uint32_t h = 0;
  CHECK(crypto::fips186_4_generator(Bytes{0x17}, Bytes{0x0b}, &h) == Bytes{0x04});
  CHECK(h == 2);
  CHECK_THROWS_AS(crypto::fips186_4_generator(Bytes{0x17}, Bytes{0x05}), hsk::Error);

  auto d = crypto::int_divide(Bytes{0x64}, Bytes{0x07});
  CHECK(d.quotient == Bytes{0x0e});
  CHECK(d.remainder == Bytes{0x02});
  CHECK(crypto::int_shr(Bytes{0x01, 0x00}, 1) == Bytes{0x80});
  CHECK(crypto::int_sub_word(Bytes{0x01, 0x00}, 1) == Bytes{0xff});
  CHECK_THROWS_AS(crypto::int_sub_word(Bytes{0x01}, 2), hsk::Error);
  CHECK(crypto::int_mod_word(Bytes{0x01, 0x00}, 24) == 16);
}
