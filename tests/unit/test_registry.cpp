// Tests for lib/wire/registry*.cpp: literal RFC values, the tables' invariants, and
// cross-checks against two independent implementations installed by scripts/deps:
// OpenSSL (`openssl ciphers -V -stdname`) and Wireshark (`tshark -G values`).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wire/registry.hpp"

using hsk::wire::Authentication;
using hsk::wire::CipherSuite;
using hsk::wire::CipherType;
using hsk::wire::KexShape;
using hsk::wire::KeyExchange;
using hsk::wire::PrfHash;
using hsk::wire::Registry;

namespace {

constexpr Registry kAllRegistries[] = {
    Registry::content_type,          Registry::protocol_version,
    Registry::handshake_type,        Registry::alert_level,
    Registry::alert_description,     Registry::extension_type,
    Registry::named_group,           Registry::ec_point_format,
    Registry::ec_curve_type,         Registry::signature_scheme,
    Registry::hash_algorithm,        Registry::signature_algorithm,
    Registry::compression_method,    Registry::client_certificate_type,
    Registry::server_name_type,      Registry::certificate_status_type,
    Registry::psk_key_exchange_mode, Registry::change_cipher_spec_type,
};

struct CommandOutput {
  std::string text;
  int status = -1;  // exit status of the command, -1 if it did not exit normally
};

// run executes `command` through /bin/sh and returns its standard output and exit status.
CommandOutput run(const std::string& command) {
  CommandOutput out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return out;
  }
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    out.text.append(buffer, n);
  }
  int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) {
    out.status = WEXITSTATUS(status);
  }
  return out;
}

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string w;
  while (in >> w) {
    words.push_back(w);
  }
  return words;
}

std::string hex4(std::uint32_t v) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%04x", static_cast<unsigned>(v));
  return buffer;
}

// to_snake lowercases ASCII letters and turns spaces into underscores ("Bad Record MAC" ->
// "bad_record_mac"), for Wireshark's human-readable names.
std::string to_snake(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ') {
      out += '_';
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

bool is_signalling(const CipherSuite& s) { return s.code == 0x00ff || s.code == 0x5600; }

// The suite attributes in the vocabulary of `openssl ciphers -V` (Kx=, Au=, Enc=, Mac=).
std::string openssl_kx(KeyExchange kx) {
  switch (kx) {
    case KeyExchange::rsa:
      return "RSA";
    case KeyExchange::dhe_rsa:
    case KeyExchange::dhe_dss:
    case KeyExchange::dh_anon:
      return "DH";
    case KeyExchange::ecdhe_rsa:
    case KeyExchange::ecdhe_ecdsa:
    case KeyExchange::ecdh_anon:
      return "ECDH";
    case KeyExchange::psk:
      return "PSK";
    case KeyExchange::dhe_psk:
      return "DHEPSK";
    case KeyExchange::rsa_psk:
      return "RSAPSK";
    case KeyExchange::ecdhe_psk:
      return "ECDHEPSK";
    case KeyExchange::srp_sha:
    case KeyExchange::srp_sha_rsa:
    case KeyExchange::srp_sha_dss:
      return "SRP";
    case KeyExchange::tls13:
      return "any";
    default:
      return "(not in OpenSSL 3.0)";
  }
}

std::string openssl_au(Authentication auth) {
  switch (auth) {
    case Authentication::none:
      return "None";
    case Authentication::rsa:
      return "RSA";
    case Authentication::dss:
      return "DSS";
    case Authentication::ecdsa:
      return "ECDSA";
    case Authentication::psk:
      return "PSK";
    case Authentication::srp:
      return "SRP";
    case Authentication::any:
      return "any";
    default:
      return "(not in OpenSSL 3.0)";
  }
}

std::string openssl_enc(const CipherSuite& s) {
  std::string_view c = s.cipher;
  std::string family;
  if (c == "NULL") {
    return "None";
  } else if (c == "CHACHA20_POLY1305") {
    family = "CHACHA20/POLY1305";
  } else if (c.substr(0, 4) == "AES_" && ends_with(c, "_CBC")) {
    family = "AES";
  } else if (c.substr(0, 4) == "AES_" && ends_with(c, "_GCM")) {
    family = "AESGCM";
  } else if (c.substr(0, 4) == "AES_" && ends_with(c, "_CCM_8")) {
    family = "AESCCM8";
  } else if (c.substr(0, 4) == "AES_" && ends_with(c, "_CCM")) {
    family = "AESCCM";
  } else if (c.substr(0, 9) == "CAMELLIA_" && ends_with(c, "_CBC")) {
    family = "Camellia";
  } else if (c.substr(0, 5) == "ARIA_" && ends_with(c, "_GCM")) {
    family = "ARIAGCM";
  } else {
    family = "(not in OpenSSL 3.0: " + std::string(c) + ")";
  }
  return family + "(" + std::to_string(s.key_length * 8) + ")";
}

std::string openssl_mac(std::string_view mac) {
  if (mac == "SHA") {
    return "SHA1";
  }
  return std::string(mac);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Cipher suites: literal values.

TEST_CASE("cipher suite 0xc02f carries its RFC 5289 values", "[registry]") {
  const CipherSuite* s = hsk::wire::find_cipher_suite(std::uint16_t{0xc02f});
  REQUIRE(s != nullptr);
  CHECK(s->code == 0xc02f);
  CHECK(s->iana == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  CHECK(s->openssl == "ECDHE-RSA-AES128-GCM-SHA256");
  CHECK(s->kx == KeyExchange::ecdhe_rsa);
  CHECK(s->auth == Authentication::rsa);
  CHECK(s->cipher == "AES_128_GCM");
  CHECK(s->mac == "AEAD");
  CHECK(s->prf == PrfHash::sha256);
  CHECK(s->cipher_type == CipherType::aead);
  CHECK(s->key_length == 16);
  CHECK(s->iv_length == 4);
  CHECK(s->mac_length == 0);
  CHECK(s->tls12_only);
}

TEST_CASE("cipher suites of each family carry their RFC values", "[registry]") {
  using hsk::wire::find_cipher_suite;

  const CipherSuite* dhe = find_cipher_suite(std::uint16_t{0x0033});
  REQUIRE(dhe != nullptr);
  CHECK(dhe->iana == "TLS_DHE_RSA_WITH_AES_128_CBC_SHA");
  CHECK(dhe->openssl == "DHE-RSA-AES128-SHA");
  CHECK(dhe->kx == KeyExchange::dhe_rsa);
  CHECK(dhe->cipher == "AES_128_CBC");
  CHECK(dhe->mac == "SHA");
  CHECK(dhe->cipher_type == CipherType::block);
  CHECK(dhe->key_length == 16);
  CHECK(dhe->iv_length == 16);
  CHECK(dhe->mac_length == 20);
  CHECK_FALSE(dhe->tls12_only);

  const CipherSuite* gcm384 = find_cipher_suite(std::uint16_t{0x009d});
  REQUIRE(gcm384 != nullptr);
  CHECK(gcm384->iana == "TLS_RSA_WITH_AES_256_GCM_SHA384");
  CHECK(gcm384->openssl == "AES256-GCM-SHA384");
  CHECK(gcm384->prf == PrfHash::sha384);
  CHECK(gcm384->key_length == 32);

  const CipherSuite* des3 = find_cipher_suite(std::uint16_t{0x000a});
  REQUIRE(des3 != nullptr);
  CHECK(des3->iana == "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  CHECK(des3->openssl == "DES-CBC3-SHA");
  CHECK(des3->kx == KeyExchange::rsa);
  CHECK(des3->cipher == "3DES_EDE_CBC");
  CHECK(des3->key_length == 24);
  CHECK(des3->iv_length == 8);

  const CipherSuite* rc4 = find_cipher_suite(std::uint16_t{0x0005});
  REQUIRE(rc4 != nullptr);
  CHECK(rc4->iana == "TLS_RSA_WITH_RC4_128_SHA");
  CHECK(rc4->openssl == "RC4-SHA");
  CHECK(rc4->cipher_type == CipherType::stream);
  CHECK(rc4->key_length == 16);
  CHECK(rc4->iv_length == 0);

  const CipherSuite* exp = find_cipher_suite(std::uint16_t{0x0003});
  REQUIRE(exp != nullptr);
  CHECK(exp->iana == "TLS_RSA_EXPORT_WITH_RC4_40_MD5");
  CHECK(exp->openssl == "EXP-RC4-MD5");
  CHECK(exp->kx == KeyExchange::rsa_export);
  CHECK(exp->key_length == 5);
  CHECK(exp->mac == "MD5");
  CHECK(exp->mac_length == 16);

  const CipherSuite* dh_dss = find_cipher_suite(std::uint16_t{0x0030});
  REQUIRE(dh_dss != nullptr);
  CHECK(dh_dss->iana == "TLS_DH_DSS_WITH_AES_128_CBC_SHA");
  CHECK(dh_dss->openssl == "DH-DSS-AES128-SHA");
  CHECK(dh_dss->kx == KeyExchange::dh_dss);
  CHECK(dh_dss->auth == Authentication::dss);

  const CipherSuite* adh = find_cipher_suite(std::uint16_t{0x0034});
  REQUIRE(adh != nullptr);
  CHECK(adh->iana == "TLS_DH_anon_WITH_AES_128_CBC_SHA");
  CHECK(adh->openssl == "ADH-AES128-SHA");
  CHECK(adh->kx == KeyExchange::dh_anon);
  CHECK(adh->auth == Authentication::none);

  const CipherSuite* ecdh = find_cipher_suite(std::uint16_t{0xc004});
  REQUIRE(ecdh != nullptr);
  CHECK(ecdh->iana == "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA");
  CHECK(ecdh->openssl == "ECDH-ECDSA-AES128-SHA");
  CHECK(ecdh->kx == KeyExchange::ecdh_ecdsa);

  const CipherSuite* aecdh = find_cipher_suite(std::uint16_t{0xc018});
  REQUIRE(aecdh != nullptr);
  CHECK(aecdh->iana == "TLS_ECDH_anon_WITH_AES_128_CBC_SHA");
  CHECK(aecdh->openssl == "AECDH-AES128-SHA");
  CHECK(aecdh->kx == KeyExchange::ecdh_anon);

  const CipherSuite* chacha = find_cipher_suite(std::uint16_t{0xcca9});
  REQUIRE(chacha != nullptr);
  CHECK(chacha->iana == "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  CHECK(chacha->openssl == "ECDHE-ECDSA-CHACHA20-POLY1305");
  CHECK(chacha->kx == KeyExchange::ecdhe_ecdsa);
  CHECK(chacha->key_length == 32);
  CHECK(chacha->iv_length == 12);

  const CipherSuite* psk_dhe = find_cipher_suite(std::uint16_t{0xc0aa});
  REQUIRE(psk_dhe != nullptr);
  CHECK(psk_dhe->iana == "TLS_PSK_DHE_WITH_AES_128_CCM_8");  // RFC 6655's spelling, kept by IANA
  CHECK(psk_dhe->kx == KeyExchange::dhe_psk);

  const CipherSuite* psk_cbc = find_cipher_suite(std::uint16_t{0x00ae});
  REQUIRE(psk_cbc != nullptr);
  CHECK(psk_cbc->iana == "TLS_PSK_WITH_AES_128_CBC_SHA256");
  CHECK_FALSE(psk_cbc->tls12_only);  // RFC 5487 allows it in TLS 1.0/1.1

  const CipherSuite* krb5 = find_cipher_suite(std::uint16_t{0x001e});
  REQUIRE(krb5 != nullptr);
  CHECK(krb5->iana == "TLS_KRB5_WITH_DES_CBC_SHA");
  CHECK(krb5->openssl.empty());
  CHECK(krb5->kx == KeyExchange::krb5);

  const CipherSuite* srp = find_cipher_suite(std::uint16_t{0xc01e});
  REQUIRE(srp != nullptr);
  CHECK(srp->iana == "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA");
  CHECK(srp->openssl == "SRP-RSA-AES-128-CBC-SHA");
  CHECK(srp->kx == KeyExchange::srp_sha_rsa);

  const CipherSuite* tls13 = find_cipher_suite(std::uint16_t{0x1302});
  REQUIRE(tls13 != nullptr);
  CHECK(tls13->iana == "TLS_AES_256_GCM_SHA384");
  CHECK(tls13->kx == KeyExchange::tls13);
  CHECK(tls13->prf == PrfHash::sha384);

  const CipherSuite* reneg = find_cipher_suite(std::uint16_t{0x00ff});
  REQUIRE(reneg != nullptr);
  CHECK(reneg->iana == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
  CHECK(reneg->cipher_type == CipherType::none);

  const CipherSuite* fallback = find_cipher_suite(std::uint16_t{0x5600});
  REQUIRE(fallback != nullptr);
  CHECK(fallback->iana == "TLS_FALLBACK_SCSV");

  CHECK(find_cipher_suite(std::uint16_t{0x0000})->iana == "TLS_NULL_WITH_NULL_NULL");
}

TEST_CASE("cipher suites outside the table are not found", "[registry]") {
  using hsk::wire::find_cipher_suite;
  CHECK(find_cipher_suite(std::uint16_t{0x0047}) == nullptr);  // IANA reserved
  CHECK(find_cipher_suite(std::uint16_t{0x0a0a}) == nullptr);  // GREASE
  CHECK(find_cipher_suite(std::uint16_t{0xcc13}) == nullptr);  // pre-RFC 7905 ChaCha, unregistered
  CHECK(find_cipher_suite(std::uint16_t{0xffff}) == nullptr);
}

TEST_CASE("find_cipher_suite matches IANA and OpenSSL names case-insensitively", "[registry]") {
  using hsk::wire::find_cipher_suite;
  const CipherSuite* a = find_cipher_suite("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
  REQUIRE(a != nullptr);
  CHECK(a->code == 0x009e);
  CHECK(find_cipher_suite("tls_dhe_rsa_with_aes_128_gcm_sha256") == a);
  CHECK(find_cipher_suite("DHE-RSA-AES128-GCM-SHA256") == a);
  CHECK(find_cipher_suite("dhe-rsa-aes128-gcm-sha256") == a);
  CHECK(find_cipher_suite("TLS_DH_anon_WITH_AES_128_CBC_SHA")->code == 0x0034);
  CHECK(find_cipher_suite("TLS_DH_ANON_WITH_AES_128_CBC_SHA")->code == 0x0034);
  CHECK(find_cipher_suite("EDH-RSA-DES-CBC3-SHA") == nullptr);  // OpenSSL's old alias: not kept
  CHECK(find_cipher_suite("DHE-RSA-DES-CBC3-SHA")->code == 0x0016);
  CHECK(find_cipher_suite("TLS_AES_128_GCM_SHA256")->code == 0x1301);
  CHECK(find_cipher_suite("") == nullptr);  // rows with no OpenSSL name must not match ""
  CHECK(find_cipher_suite(" AES128-SHA") == nullptr);
  CHECK(find_cipher_suite("AES128-SHA")->code == 0x002f);
  CHECK(find_cipher_suite("no such suite") == nullptr);
}

// ---------------------------------------------------------------------------------------------
// Cipher suites: invariants of the whole table.

TEST_CASE("cipher-suite table is sorted and its names are unambiguous", "[registry]") {
  auto suites = hsk::wire::cipher_suites();
  REQUIRE(suites.size() >= 342);
  std::set<std::string> names;  // lowercased IANA and OpenSSL names
  for (std::size_t i = 0; i < suites.size(); ++i) {
    const CipherSuite& s = suites[i];
    INFO(hex4(s.code) << " " << s.iana);
    if (i > 0) {
      CHECK(suites[i - 1].code < s.code);
    }
    CHECK(hsk::wire::find_cipher_suite(s.code) == &s);
    CHECK_FALSE(hsk::wire::is_grease(s.code));
    CHECK(names.insert(to_snake(s.iana)).second);
    if (!s.openssl.empty() && s.openssl != s.iana) {
      CHECK(names.insert(to_snake(s.openssl)).second);
    }
    CHECK(hsk::wire::find_cipher_suite(s.iana) == &s);
    if (!s.openssl.empty()) {
      CHECK(hsk::wire::find_cipher_suite(s.openssl) == &s);
    }
  }
}

TEST_CASE("every cipher-suite row agrees with its IANA name", "[registry]") {
  for (const CipherSuite& s : hsk::wire::cipher_suites()) {
    INFO(hex4(s.code) << " " << s.iana);
    std::string_view iana = s.iana;
    REQUIRE(iana.substr(0, 4) == "TLS_");
    if (is_signalling(s) || s.code == 0x0000) {
      CHECK(s.kx == KeyExchange::null);
      CHECK(s.cipher_type == CipherType::none);
      CHECK(s.key_length == 0);
      CHECK(s.mac_length == 0);
      continue;
    }
    if (s.kx == KeyExchange::tls13) {
      CHECK(iana.find("_WITH_") == std::string_view::npos);
      CHECK(s.auth == Authentication::any);
      CHECK(s.cipher_type == CipherType::aead);
      CHECK(s.iv_length == 12);
      CHECK(s.tls12_only);
      continue;
    }

    // TLS_<kx>[_EXPORT]_WITH_<cipher>[_<mac or prf hash>]
    auto with = iana.find("_WITH_");
    REQUIRE(with != std::string_view::npos);
    std::string kx(iana.substr(4, with - 4));
    if (ends_with(kx, "_EXPORT") && s.kx != KeyExchange::rsa_export) {
      kx.resize(kx.size() - 7);
    }
    if (kx == "PSK_DHE") {
      kx = "DHE_PSK";  // RFC 6655's TLS_PSK_DHE_WITH_AES_*_CCM_8
    }
    CHECK(kx == hsk::wire::to_string(s.kx));
    std::string_view rest = iana.substr(with + 6);
    CHECK(rest.substr(0, s.cipher.size()) == s.cipher);

    if (s.kx == KeyExchange::gostr341112_256) {
      CHECK(s.prf == PrfHash::gostr3411_2012_256);
      CHECK(s.auth == Authentication::gost);
      CHECK(s.key_length == 32);
      CHECK(s.tls12_only);
      continue;
    }
    CHECK((s.prf == PrfHash::sha384) == ends_with(iana, "_SHA384"));
    CHECK(s.prf != PrfHash::gostr3411_2012_256);

    bool aead =
        contains(s.cipher, "_GCM") || contains(s.cipher, "_CCM") || s.cipher == "CHACHA20_POLY1305";
    CHECK((s.cipher_type == CipherType::aead) == aead);
    CHECK((s.mac == "AEAD") == aead);
    if (aead) {
      CHECK(s.mac_length == 0);
      CHECK(s.tls12_only);
      CHECK(s.iv_length == (s.cipher == "CHACHA20_POLY1305" ? 4 + 8 : 4));
    } else {
      CHECK(ends_with(iana, "_" + std::string(s.mac)));
      std::map<std::string_view, int> mac_lengths = {
          {"MD5", 16}, {"SHA", 20}, {"SHA256", 32}, {"SHA384", 48}};
      REQUIRE(mac_lengths.count(s.mac) == 1);
      CHECK(s.mac_length == mac_lengths[s.mac]);
      if (s.mac == "SHA" || s.mac == "MD5") {
        CHECK_FALSE(s.tls12_only);
      }
    }
    if (s.cipher == "NULL") {
      CHECK(s.cipher_type == CipherType::stream);
      CHECK(s.key_length == 0);
      CHECK(s.iv_length == 0);
    } else if (contains(s.cipher, "_CBC")) {
      CHECK(s.cipher_type == CipherType::block);
      bool block16 = contains(s.cipher, "AES") || contains(s.cipher, "CAMELLIA") ||
                     contains(s.cipher, "ARIA") || contains(s.cipher, "SEED");
      CHECK(s.iv_length == (block16 ? 16 : 8));
    } else if (contains(s.cipher, "RC4")) {
      CHECK(s.cipher_type == CipherType::stream);
      CHECK(s.iv_length == 0);
    }
    if (contains(s.cipher, "_128")) {
      CHECK(s.key_length == 16);
    } else if (contains(s.cipher, "_256")) {
      CHECK(s.key_length == 32);
    } else if (ends_with(s.cipher, "_40") || contains(s.cipher, "40_")) {
      CHECK(s.key_length == 5);
      CHECK(contains(iana, "EXPORT"));
    }

    switch (s.kx) {
      case KeyExchange::rsa:
      case KeyExchange::rsa_export:
      case KeyExchange::dh_rsa:
      case KeyExchange::dhe_rsa:
      case KeyExchange::ecdh_rsa:
      case KeyExchange::ecdhe_rsa:
      case KeyExchange::rsa_psk:
      case KeyExchange::srp_sha_rsa:
        CHECK(s.auth == Authentication::rsa);
        break;
      case KeyExchange::dh_dss:
      case KeyExchange::dhe_dss:
      case KeyExchange::srp_sha_dss:
        CHECK(s.auth == Authentication::dss);
        break;
      case KeyExchange::ecdh_ecdsa:
      case KeyExchange::ecdhe_ecdsa:
        CHECK(s.auth == Authentication::ecdsa);
        break;
      case KeyExchange::dh_anon:
      case KeyExchange::ecdh_anon:
        CHECK(s.auth == Authentication::none);
        break;
      case KeyExchange::psk:
      case KeyExchange::dhe_psk:
      case KeyExchange::ecdhe_psk:
        CHECK(s.auth == Authentication::psk);
        break;
      case KeyExchange::srp_sha:
        CHECK(s.auth == Authentication::srp);
        break;
      case KeyExchange::krb5:
        CHECK(s.auth == Authentication::krb5);
        break;
      case KeyExchange::eccpwd:
        CHECK(s.auth == Authentication::eccpwd);
        break;
      default:
        FAIL("unexpected key exchange for a TLS <= 1.2 suite");
    }
  }
}

TEST_CASE("the required families are all present", "[registry]") {
  std::map<KeyExchange, int> per_kx;
  for (const CipherSuite& s : hsk::wire::cipher_suites()) {
    ++per_kx[s.kx];
  }
  for (KeyExchange kx :
       {KeyExchange::rsa,         KeyExchange::rsa_export,     KeyExchange::dh_dss,
        KeyExchange::dh_rsa,      KeyExchange::dhe_dss,        KeyExchange::dhe_rsa,
        KeyExchange::dh_anon,     KeyExchange::ecdh_ecdsa,     KeyExchange::ecdh_rsa,
        KeyExchange::ecdhe_ecdsa, KeyExchange::ecdhe_rsa,      KeyExchange::ecdh_anon,
        KeyExchange::psk,         KeyExchange::dhe_psk,        KeyExchange::rsa_psk,
        KeyExchange::ecdhe_psk,   KeyExchange::srp_sha,        KeyExchange::srp_sha_rsa,
        KeyExchange::srp_sha_dss, KeyExchange::krb5,           KeyExchange::eccpwd,
        KeyExchange::tls13,       KeyExchange::gostr341112_256}) {
    INFO(hsk::wire::to_string(kx));
    CHECK(per_kx[kx] > 0);
  }
  CHECK(per_kx[KeyExchange::tls13] == 5);
}

// ---------------------------------------------------------------------------------------------
// Key exchange names and shapes.

TEST_CASE("to_string names key exchanges and authentications", "[registry]") {
  using hsk::wire::to_string;
  CHECK(to_string(KeyExchange::dhe_rsa) == "DHE_RSA");
  CHECK(to_string(KeyExchange::ecdhe_ecdsa) == "ECDHE_ECDSA");
  CHECK(to_string(KeyExchange::rsa_export) == "RSA_EXPORT");
  CHECK(to_string(KeyExchange::dh_anon) == "DH_anon");
  CHECK(to_string(KeyExchange::ecdh_anon) == "ECDH_anon");
  CHECK(to_string(KeyExchange::srp_sha_dss) == "SRP_SHA_DSS");
  CHECK(to_string(KeyExchange::null) == "NULL");
  CHECK(to_string(static_cast<KeyExchange>(200)).empty());
  CHECK(to_string(Authentication::rsa) == "RSA");
  CHECK(to_string(Authentication::dss) == "DSS");
  CHECK(to_string(Authentication::ecdsa) == "ECDSA");
  CHECK(to_string(Authentication::none) == "anon");
  CHECK(to_string(static_cast<Authentication>(200)).empty());
}

TEST_CASE("kex_shape maps each key exchange family", "[registry]") {
  using hsk::wire::kex_shape;
  CHECK(kex_shape(KeyExchange::rsa) == KexShape::rsa);
  CHECK(kex_shape(KeyExchange::rsa_export) == KexShape::rsa_export);
  CHECK(kex_shape(KeyExchange::dh_dss) == KexShape::dh_fixed);
  CHECK(kex_shape(KeyExchange::dh_rsa) == KexShape::dh_fixed);
  CHECK(kex_shape(KeyExchange::dhe_dss) == KexShape::dhe);
  CHECK(kex_shape(KeyExchange::dhe_rsa) == KexShape::dhe);
  CHECK(kex_shape(KeyExchange::dh_anon) == KexShape::dh_anon);
  CHECK(kex_shape(KeyExchange::ecdh_ecdsa) == KexShape::ecdh_fixed);
  CHECK(kex_shape(KeyExchange::ecdh_rsa) == KexShape::ecdh_fixed);
  CHECK(kex_shape(KeyExchange::ecdhe_ecdsa) == KexShape::ecdhe);
  CHECK(kex_shape(KeyExchange::ecdhe_rsa) == KexShape::ecdhe);
  CHECK(kex_shape(KeyExchange::ecdh_anon) == KexShape::ecdh_anon);
  for (KeyExchange kx :
       {KeyExchange::null, KeyExchange::psk, KeyExchange::dhe_psk, KeyExchange::rsa_psk,
        KeyExchange::ecdhe_psk, KeyExchange::srp_sha, KeyExchange::srp_sha_rsa,
        KeyExchange::srp_sha_dss, KeyExchange::krb5, KeyExchange::eccpwd, KeyExchange::tls13,
        KeyExchange::gostr341112_256, static_cast<KeyExchange>(200)}) {
    INFO(static_cast<int>(kx));
    CHECK(kex_shape(kx) == KexShape::other);
  }
}

// ---------------------------------------------------------------------------------------------
// The small registries.

TEST_CASE("every small registry is sorted, named uniquely and round-trips", "[registry]") {
  for (Registry r : kAllRegistries) {
    INFO("registry " << static_cast<int>(r));
    auto table = hsk::wire::entries(r);
    REQUIRE_FALSE(table.empty());
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < table.size(); ++i) {
      INFO(hex4(table[i].code) << " " << table[i].name);
      if (i > 0) {
        CHECK(table[i - 1].code < table[i].code);
      }
      CHECK_FALSE(table[i].name.empty());
      CHECK(names.insert(table[i].name).second);
      CHECK(hsk::wire::name_of(r, table[i].code) == table[i].name);
      CHECK(hsk::wire::code_of(r, table[i].name) == table[i].code);
    }
  }
  CHECK(hsk::wire::entries(static_cast<Registry>(200)).empty());
  CHECK(hsk::wire::name_of(static_cast<Registry>(200), 0).empty());
}

TEST_CASE("small registries hold the RFC values", "[registry]") {
  using hsk::wire::code_of;
  using hsk::wire::name_of;

  CHECK(name_of(Registry::content_type, 20) == "change_cipher_spec");
  CHECK(name_of(Registry::content_type, 21) == "alert");
  CHECK(name_of(Registry::content_type, 22) == "handshake");
  CHECK(name_of(Registry::content_type, 23) == "application_data");
  CHECK(name_of(Registry::content_type, 24) == "heartbeat");

  CHECK(name_of(Registry::protocol_version, 0x0300) == "SSL 3.0");
  CHECK(name_of(Registry::protocol_version, 0x0301) == "TLS 1.0");
  CHECK(name_of(Registry::protocol_version, 0x0302) == "TLS 1.1");
  CHECK(name_of(Registry::protocol_version, 0x0303) == "TLS 1.2");
  CHECK(name_of(Registry::protocol_version, 0x0304) == "TLS 1.3");

  const std::pair<std::uint16_t, std::string_view> handshakes[] = {
      {0, "hello_request"},        {1, "client_hello"},       {2, "server_hello"},
      {3, "hello_verify_request"}, {4, "new_session_ticket"}, {5, "end_of_early_data"},
      {8, "encrypted_extensions"}, {11, "certificate"},       {12, "server_key_exchange"},
      {13, "certificate_request"}, {14, "server_hello_done"}, {15, "certificate_verify"},
      {16, "client_key_exchange"}, {20, "finished"},          {21, "certificate_url"},
      {22, "certificate_status"},  {23, "supplemental_data"}, {24, "key_update"},
      {254, "message_hash"},
  };
  for (const auto& [code, name] : handshakes) {
    CHECK(name_of(Registry::handshake_type, code) == name);
  }

  CHECK(name_of(Registry::alert_level, 1) == "warning");
  CHECK(name_of(Registry::alert_level, 2) == "fatal");

  const std::pair<std::uint16_t, std::string_view> alerts[] = {
      {0, "close_notify"},
      {10, "unexpected_message"},
      {20, "bad_record_mac"},
      {21, "decryption_failed"},
      {22, "record_overflow"},
      {30, "decompression_failure"},
      {40, "handshake_failure"},
      {41, "no_certificate"},
      {42, "bad_certificate"},
      {43, "unsupported_certificate"},
      {44, "certificate_revoked"},
      {45, "certificate_expired"},
      {46, "certificate_unknown"},
      {47, "illegal_parameter"},
      {48, "unknown_ca"},
      {49, "access_denied"},
      {50, "decode_error"},
      {51, "decrypt_error"},
      {60, "export_restriction"},
      {70, "protocol_version"},
      {71, "insufficient_security"},
      {80, "internal_error"},
      {86, "inappropriate_fallback"},
      {90, "user_canceled"},
      {100, "no_renegotiation"},
      {109, "missing_extension"},
      {110, "unsupported_extension"},
      {111, "certificate_unobtainable"},
      {112, "unrecognized_name"},
      {113, "bad_certificate_status_response"},
      {114, "bad_certificate_hash_value"},
      {115, "unknown_psk_identity"},
      {116, "certificate_required"},
      {120, "no_application_protocol"},
  };
  for (const auto& [code, name] : alerts) {
    CHECK(name_of(Registry::alert_description, code) == name);
  }
  CHECK(code_of(Registry::alert_description, "decode_error") == 50);

  const std::pair<std::uint16_t, std::string_view> extensions[] = {
      {0, "server_name"},
      {1, "max_fragment_length"},
      {5, "status_request"},
      {10, "supported_groups"},
      {11, "ec_point_formats"},
      {13, "signature_algorithms"},
      {14, "use_srtp"},
      {15, "heartbeat"},
      {16, "application_layer_protocol_negotiation"},
      {18, "signed_certificate_timestamp"},
      {21, "padding"},
      {22, "encrypt_then_mac"},
      {23, "extended_master_secret"},
      {28, "record_size_limit"},
      {35, "session_ticket"},
      {41, "pre_shared_key"},
      {42, "early_data"},
      {43, "supported_versions"},
      {44, "cookie"},
      {45, "psk_key_exchange_modes"},
      {47, "certificate_authorities"},
      {48, "oid_filters"},
      {49, "post_handshake_auth"},
      {50, "signature_algorithms_cert"},
      {51, "key_share"},
      {0xff01, "renegotiation_info"},
  };
  for (const auto& [code, name] : extensions) {
    CHECK(name_of(Registry::extension_type, code) == name);
  }
  CHECK(code_of(Registry::extension_type, "renegotiation_info") == 65281);

  const std::pair<std::uint16_t, std::string_view> groups[] = {
      {1, "sect163k1"},
      {23, "secp256r1"},
      {24, "secp384r1"},
      {25, "secp521r1"},
      {26, "brainpoolP256r1"},
      {27, "brainpoolP384r1"},
      {28, "brainpoolP512r1"},
      {29, "x25519"},
      {30, "x448"},
      {256, "ffdhe2048"},
      {257, "ffdhe3072"},
      {258, "ffdhe4096"},
      {259, "ffdhe6144"},
      {260, "ffdhe8192"},
      {0x11ec, "X25519MLKEM768"},
      {0xff01, "arbitrary_explicit_prime_curves"},
      {0xff02, "arbitrary_explicit_char2_curves"},
  };
  for (const auto& [code, name] : groups) {
    CHECK(name_of(Registry::named_group, code) == name);
  }
  CHECK(code_of(Registry::named_group, "x25519") == 29);

  CHECK(name_of(Registry::ec_point_format, 0) == "uncompressed");
  CHECK(name_of(Registry::ec_point_format, 1) == "ansiX962_compressed_prime");
  CHECK(name_of(Registry::ec_point_format, 2) == "ansiX962_compressed_char2");
  CHECK(name_of(Registry::ec_curve_type, 1) == "explicit_prime");
  CHECK(name_of(Registry::ec_curve_type, 2) == "explicit_char2");
  CHECK(name_of(Registry::ec_curve_type, 3) == "named_curve");

  const std::pair<std::uint16_t, std::string_view> schemes[] = {
      {0x0101, "rsa_pkcs1_md5"},
      {0x0201, "rsa_pkcs1_sha1"},
      {0x0202, "dsa_sha1"},
      {0x0203, "ecdsa_sha1"},
      {0x0301, "rsa_pkcs1_sha224"},
      {0x0302, "dsa_sha224"},
      {0x0303, "ecdsa_sha224"},
      {0x0401, "rsa_pkcs1_sha256"},
      {0x0402, "dsa_sha256"},
      {0x0403, "ecdsa_secp256r1_sha256"},
      {0x0501, "rsa_pkcs1_sha384"},
      {0x0502, "dsa_sha384"},
      {0x0503, "ecdsa_secp384r1_sha384"},
      {0x0601, "rsa_pkcs1_sha512"},
      {0x0602, "dsa_sha512"},
      {0x0603, "ecdsa_secp521r1_sha512"},
      {0x0804, "rsa_pss_rsae_sha256"},
      {0x0805, "rsa_pss_rsae_sha384"},
      {0x0806, "rsa_pss_rsae_sha512"},
      {0x0807, "ed25519"},
      {0x0808, "ed448"},
      {0x0809, "rsa_pss_pss_sha256"},
      {0x080a, "rsa_pss_pss_sha384"},
      {0x080b, "rsa_pss_pss_sha512"},
  };
  for (const auto& [code, name] : schemes) {
    CHECK(name_of(Registry::signature_scheme, code) == name);
  }

  const std::pair<std::uint16_t, std::string_view> hashes[] = {
      {0, "none"},   {1, "md5"},    {2, "sha1"},   {3, "sha224"},
      {4, "sha256"}, {5, "sha384"}, {6, "sha512"}, {8, "intrinsic"},
  };
  for (const auto& [code, name] : hashes) {
    CHECK(name_of(Registry::hash_algorithm, code) == name);
  }
  const std::pair<std::uint16_t, std::string_view> signatures[] = {
      {0, "anonymous"}, {1, "rsa"}, {2, "dsa"}, {3, "ecdsa"}, {7, "ed25519"}, {8, "ed448"},
  };
  for (const auto& [code, name] : signatures) {
    CHECK(name_of(Registry::signature_algorithm, code) == name);
  }

  CHECK(name_of(Registry::compression_method, 0) == "null");
  CHECK(name_of(Registry::compression_method, 1) == "DEFLATE");
  CHECK(name_of(Registry::compression_method, 64) == "LZS");

  const std::pair<std::uint16_t, std::string_view> cert_types[] = {
      {1, "rsa_sign"},         {2, "dss_sign"},          {3, "rsa_fixed_dh"},  {4, "dss_fixed_dh"},
      {5, "rsa_ephemeral_dh"}, {6, "dss_ephemeral_dh"},  {20, "fortezza_dms"}, {64, "ecdsa_sign"},
      {65, "rsa_fixed_ecdh"},  {66, "ecdsa_fixed_ecdh"},
  };
  for (const auto& [code, name] : cert_types) {
    CHECK(name_of(Registry::client_certificate_type, code) == name);
  }

  CHECK(name_of(Registry::server_name_type, 0) == "host_name");
  CHECK(name_of(Registry::certificate_status_type, 1) == "ocsp");
  CHECK(name_of(Registry::certificate_status_type, 2) == "ocsp_multi");
  CHECK(name_of(Registry::psk_key_exchange_mode, 0) == "psk_ke");
  CHECK(name_of(Registry::psk_key_exchange_mode, 1) == "psk_dhe_ke");
  CHECK(name_of(Registry::change_cipher_spec_type, 1) == "change_cipher_spec");
}

TEST_CASE("unregistered values stay open", "[registry]") {
  using hsk::wire::code_of;
  using hsk::wire::name_of;
  CHECK(name_of(Registry::alert_description, 255).empty());
  CHECK(name_of(Registry::extension_type, 0x0a0a).empty());
  CHECK(name_of(Registry::extension_type, 40).empty());
  CHECK(name_of(Registry::named_group, 0xfafa).empty());
  CHECK(name_of(Registry::content_type, 0).empty());
  CHECK_FALSE(code_of(Registry::alert_description, "Decode_Error").has_value());  // exact case
  CHECK_FALSE(code_of(Registry::alert_description, "no_such_alert").has_value());
  CHECK_FALSE(code_of(Registry::alert_description, "").has_value());
  CHECK_FALSE(code_of(Registry::named_group, "decode_error").has_value());  // per registry
}

TEST_CASE("is_grease recognises exactly the RFC 8701 values", "[registry]") {
  using hsk::wire::is_grease;
  int count = 0;
  for (std::uint32_t v = 0; v <= 0xffff; ++v) {
    if (is_grease(static_cast<std::uint16_t>(v))) {
      ++count;
      CHECK((v & 0xff) == (v >> 8));
      CHECK((v & 0x0f) == 0x0a);
    }
  }
  CHECK(count == 16);
  CHECK(is_grease(0x0a0a));
  CHECK(is_grease(0x1a1a));
  CHECK(is_grease(0xfafa));
  CHECK_FALSE(is_grease(0x0a1a));
  CHECK_FALSE(is_grease(0x1a0a));
  CHECK_FALSE(is_grease(0x0a0b));
  CHECK_FALSE(is_grease(0x0000));
}

// ---------------------------------------------------------------------------------------------
// Cross-checks against independent implementations. These fail (not skip) when the tool is
// missing: scripts/deps installs both.

TEST_CASE("cipher suites agree with OpenSSL", "[registry][interop]") {
  CommandOutput out =
      run("openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' 2>/dev/null");
  REQUIRE(out.status == 0);

  int compared = 0;
  std::istringstream lines(out.text);
  std::string line;
  while (std::getline(lines, line)) {
    // "0xC0,0x2F - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 - ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2
    //  Kx=ECDH Au=RSA Enc=AESGCM(128) Mac=AEAD"
    std::vector<std::string> w = split_words(line);
    if (w.empty()) {
      continue;
    }
    INFO(line);
    REQUIRE(w.size() == 10);
    REQUIRE(w[0].size() == 9);
    auto code = static_cast<std::uint16_t>(std::stoul(w[0].substr(2, 2), nullptr, 16) << 8 |
                                           std::stoul(w[0].substr(7, 2), nullptr, 16));
    const std::string& iana = w[2];
    const std::string& name = w[4];
    const std::string& version = w[5];

    const CipherSuite* s = hsk::wire::find_cipher_suite(code);
    REQUIRE(s != nullptr);
    CHECK(s->iana == iana);
    CHECK(s->openssl == name);
    CHECK(hsk::wire::find_cipher_suite(name) == s);
    CHECK("Kx=" + openssl_kx(s->kx) == w[6]);
    CHECK("Au=" + openssl_au(s->auth) == w[7]);
    CHECK("Enc=" + openssl_enc(*s) == w[8]);
    CHECK("Mac=" + openssl_mac(s->mac) == w[9]);
    CHECK(s->tls12_only == (version == "TLSv1.2" || version == "TLSv1.3"));
    CHECK((s->kx == KeyExchange::tls13) == (version == "TLSv1.3"));
    ++compared;
  }
  // OpenSSL 3.0 on Debian 12 lists 158 suites (no RC4, DES or 3DES: built without them).
  CHECK(compared >= 150);
}

TEST_CASE("OpenSSL names agree with OpenSSL's public headers", "[registry][interop]") {
  // scripts/deps installs libssl-dev for these headers; without them the test fails.
  std::string text;
  for (const char* path : {"/usr/include/openssl/tls1.h", "/usr/include/openssl/ssl3.h"}) {
    std::ifstream in(path);
    INFO("reading " << path << " (from libssl-dev, installed by scripts/deps)");
    REQUIRE(in.good());
    std::ostringstream all;
    all << in.rdbuf();
    text += all.str();
  }
  // #define {TLS1_3_,TLS1_,SSL3_}{CK_,TXT_,RFC_}<suffix> <value>
  std::map<std::string, std::uint16_t> codes;  // prefix + suffix -> code
  std::map<std::string, std::string> txt;      // prefix + suffix -> OpenSSL name
  std::map<std::string, std::string> rfc;      // prefix + suffix -> IANA name
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> w = split_words(line);
    if (w.size() >= 4 && w[0] == "#" && w[1] == "define") {
      w.erase(w.begin());  // "# define" as some headers indent it
    }
    if (w.size() < 3 || w[0] != "#define") {
      continue;
    }
    const std::string& macro = w[1];
    const std::string& value = w[2];
    for (std::string prefix : {"TLS1_3_", "TLS1_", "SSL3_"}) {
      if (macro.rfind(prefix, 0) != 0) {
        continue;
      }
      std::string rest = macro.substr(prefix.size());
      auto unquote = [](const std::string& v) { return v.substr(1, v.size() - 2); };
      if (rest.rfind("CK_", 0) == 0 && value.rfind("0x03", 0) == 0) {
        codes[prefix + rest.substr(3)] = static_cast<std::uint16_t>(std::stoul(value, nullptr, 16));
      } else if (rest.rfind("TXT_", 0) == 0 && value.front() == '"') {
        txt[prefix + rest.substr(4)] = unquote(value);
      } else if (rest.rfind("RFC_", 0) == 0 && value.front() == '"') {
        rfc[prefix + rest.substr(4)] = unquote(value);
      }
      break;
    }
  }
  REQUIRE(codes.size() > 200);

  std::set<std::uint16_t> named_by_header;
  for (const auto& [key, code] : codes) {
    INFO(key << " = " << hex4(code));
    const CipherSuite* s = hsk::wire::find_cipher_suite(code);
    REQUIRE(s != nullptr);  // every suite OpenSSL ever named is an IANA suite in our table
    if (txt.count(key) == 1) {
      CHECK(s->openssl == txt[key]);
      named_by_header.insert(code);
    }
    if (rfc.count(key) == 1) {
      CHECK(s->iana == rfc[key]);
    }
  }
  // And no OpenSSL name in the table that OpenSSL does not use (the TLS 1.3 suites have no
  // TXT_ macro: OpenSSL names them by their IANA names).
  for (const CipherSuite& s : hsk::wire::cipher_suites()) {
    INFO(hex4(s.code) << " " << s.iana);
    if (s.kx == KeyExchange::tls13) {
      CHECK(s.openssl == s.iana);
    } else if (!s.openssl.empty()) {
      CHECK(named_by_header.count(s.code) == 1);
    }
  }
}

namespace {

// WiresharkValues: field name -> code -> every name Wireshark gives that code (a field can
// merge several value_strings, e.g. SSLv2 and TLS handshake types).
using WiresharkValues = std::map<std::string, std::map<std::uint32_t, std::set<std::string>>>;

struct WiresharkCheck {
  Registry registry;
  const char* field;
  bool snake;  // compare to_snake(Wireshark name): Wireshark prints "Decode Error"
  // Codes where Wireshark 4.0 spells the name differently from the RFC, with the reason.
  std::map<std::uint32_t, const char*> renamed;
  // Codes Wireshark names that the table leaves out on purpose (besides GREASE), with the
  // reason; codes at or above `unchecked_from` are not checked for presence at all.
  std::map<std::uint32_t, const char*> left_out;
  std::uint32_t unchecked_from = 0x10000;
};

}  // namespace

TEST_CASE("names agree with Wireshark's tables", "[registry][interop]") {
  CommandOutput out = run("tshark -G values 2>/dev/null");
  REQUIRE(out.status == 0);

  const std::set<std::string> fields = {
      "tls.handshake.ciphersuite",
      "tls.record.content_type",
      "tls.handshake.version",
      "tls.handshake.type",
      "tls.alert_message.desc",
      "tls.handshake.extension.type",
      "tls.handshake.extensions_supported_group",
      "tls.handshake.extensions_ec_point_format",
      "tls.handshake.server_curve_type",
      "tls.handshake.sig_hash_alg",
      "tls.handshake.sig_hash_hash",
      "tls.handshake.sig_hash_sig",
      "tls.handshake.comp_method",
      "tls.handshake.cert_type",
  };
  WiresharkValues ws;
  std::istringstream lines(out.text);
  std::string line;
  while (std::getline(lines, line)) {
    // "V\t<field>\t<decimal value>\t<name>"
    if (line.rfind("V\ttls.", 0) != 0) {
      continue;
    }
    auto t1 = line.find('\t', 2);
    auto t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) {
      continue;
    }
    std::string field = line.substr(2, t1 - 2);
    if (fields.count(field) == 0) {
      continue;
    }
    std::string number = line.substr(t1 + 1, t2 - t1 - 1);  // decimal, or 0x.. for BASE_HEX
    int base = number.rfind("0x", 0) == 0 ? 16 : 10;
    auto value = static_cast<std::uint32_t>(std::stoul(number, nullptr, base));
    ws[field][value].insert(line.substr(t2 + 1));
  }
  for (const std::string& f : fields) {
    INFO(f);
    REQUIRE(ws[f].size() > 1);
  }

  // Cipher suites: every code both know has the same IANA name; every code Wireshark knows
  // and we lack is GREASE or in this list.
  const std::map<std::uint32_t, const char*> suites_left_out = {
      {0x001c, "SSL 3.0 FORTEZZA, IANA reserved"},
      {0x001d, "SSL 3.0 FORTEZZA, IANA reserved"},
      {0x0060, "EXPORT1024 draft, IANA reserved"},
      {0x0061, "EXPORT1024 draft, IANA reserved"},
      {0x0062, "EXPORT1024 draft, IANA reserved"},
      {0x0063, "EXPORT1024 draft, IANA reserved"},
      {0x0064, "EXPORT1024 draft, IANA reserved"},
      {0x0065, "EXPORT1024 draft, IANA reserved"},
      {0x0066, "draft DHE_DSS RC4, IANA reserved"},
      {0x0080, "GOST 2001 draft, unassigned"},
      {0x0081, "GOST 2001 draft, unassigned"},
      {0x0082, "GOST 2001 draft, unassigned"},
      {0x0083, "GOST 2001 draft, unassigned"},
      {0x00c6, "TLS 1.3 only (RFC 8998)"},
      {0x00c7, "TLS 1.3 only (RFC 8998)"},
      {0xc0b4, "TLS 1.3 only (RFC 9150)"},
      {0xc0b5, "TLS 1.3 only (RFC 9150)"},
      {0xc0ff, "ECJPAKE draft, unassigned"},
      {0xc103, "TLS 1.3 only (RFC 9367)"},
      {0xc104, "TLS 1.3 only (RFC 9367)"},
      {0xc105, "TLS 1.3 only (RFC 9367)"},
      {0xc106, "TLS 1.3 only (RFC 9367)"},
      {0xcc13, "pre-RFC 7905 ChaCha20 draft, unassigned"},
      {0xcc14, "pre-RFC 7905 ChaCha20 draft, unassigned"},
      {0xcc15, "pre-RFC 7905 ChaCha20 draft, unassigned"},
      {0xfefe, "Netscape FIPS, IANA reserved"},
      {0xfeff, "Netscape FIPS, IANA reserved"},
      {0xffe0, "Netscape FIPS, private use"},
      {0xffe1, "Netscape FIPS, private use"},
  };
  int compared = 0;
  for (const auto& [code, names] : ws["tls.handshake.ciphersuite"]) {
    INFO(hex4(code) << " " << *names.begin());
    const CipherSuite* s = hsk::wire::find_cipher_suite(static_cast<std::uint16_t>(code));
    if (s == nullptr) {
      bool explained = hsk::wire::is_grease(static_cast<std::uint16_t>(code)) ||
                       suites_left_out.count(code) == 1 ||
                       (code >= 0xe000 && code <= 0xe4ff);  // Chinese national / Salsa20 drafts
      CHECK(explained);
      continue;
    }
    CHECK(names.count(std::string(s->iana)) == 1);
    ++compared;
  }
  CHECK(compared >= 330);
  for (const CipherSuite& s : hsk::wire::cipher_suites()) {
    INFO(hex4(s.code) << " " << s.iana);
    CHECK(ws["tls.handshake.ciphersuite"].count(s.code) == 1);  // Wireshark 4.0 knows them all
  }

  const WiresharkCheck checks[] = {
      {Registry::content_type,
       "tls.record.content_type",
       true,
       {{25, "Wireshark: Connection ID; RFC 9146: tls12_cid"}},
       {}},
      {Registry::protocol_version,
       "tls.handshake.version",
       false,
       {},
       {},
       0},  // Wireshark also lists TLS 1.3 drafts and DTLS: presence is not checked
      {Registry::handshake_type,
       "tls.handshake.type",
       true,
       {{21, "Wireshark: Client Certificate URL; RFC 6066: certificate_url"}},
       {{6, "hello_retry_request draft value, IANA reserved"},
        {7, "SSLv2 REQUEST-CERTIFICATE"},
        {67, "TLS 1.3 draft encrypted_extensions"}}},
      {Registry::alert_description,
       "tls.alert_message.desc",
       true,
       {},
       {{1, "TLS 1.3 draft end_of_early_data alert, never registered"}}},
      {Registry::extension_type,
       "tls.handshake.extension.type",
       false,
       {{34, "Wireshark: delegated_credentials; RFC 9345: delegated_credential"}},
       {{40, "IANA reserved (TLS 1.3 draft key_share)"},
        {46, "IANA reserved (TLS 1.3 draft ticket_early_data_info)"},
        {53, "IANA: connection_id (deprecated), a draft code point"},
        {13172, "next_protocol_negotiation, never registered"},
        {17513, "application_settings, never registered"},
        {30031, "channel_id_old, never registered"},
        {30032, "channel_id, never registered"},
        {65445, "QUIC draft transport parameters, never registered"},
        {65486, "encrypted_server_name draft, never registered"}}},
      {Registry::named_group,
       "tls.handshake.extensions_supported_group",
       false,
       {{0x0200, "Wireshark 4.0: OQS frodo640aes; IANA: MLKEM512"},
        {0x0201, "Wireshark 4.0: OQS frodo640shake; IANA: MLKEM768"},
        {0x0202, "Wireshark 4.0: OQS frodo976aes; IANA: MLKEM1024"}},
       {},
       0x0200},  // Wireshark 4.0 lists OQS experimental code points from here on
      {Registry::ec_point_format, "tls.handshake.extensions_ec_point_format", false, {}, {}},
      {Registry::ec_curve_type, "tls.handshake.server_curve_type", false, {}, {}},
      {Registry::signature_scheme,
       "tls.handshake.sig_hash_alg",
       false,
       {},
       {},
       0xfe00},  // Wireshark 4.0 lists OQS private-use code points from here on
      {Registry::hash_algorithm,
       "tls.handshake.sig_hash_hash",
       true,
       {},
       {{7, "SM3: Wireshark only, IANA reserved"}}},
      {Registry::signature_algorithm,
       "tls.handshake.sig_hash_sig",
       true,
       {},
       {{4, "SM2: Wireshark only, IANA reserved"}}},
      {Registry::compression_method, "tls.handshake.comp_method", false, {}, {}},
      {Registry::client_certificate_type,
       "tls.handshake.cert_type",
       true,
       {},
       {{0, "Wireshark's N/A"},
        {21, "GOST R 34.10-94 (pre-RFC 9189 drafts): not in this table"},
        {22, "GOST R 34.10-2001 (pre-RFC 9189 drafts): not in this table"},
        {80, "ibc_params (IBC raw public key drafts): not in this table"}}},
  };
  for (const WiresharkCheck& check : checks) {
    INFO(check.field);
    const auto& known = ws[check.field];
    for (const auto& [code, reason] : check.renamed) {
      // Keep the exceptions honest: each one must still be a real difference.
      INFO(hex4(code) << ": " << reason);
      auto it = known.find(code);
      REQUIRE(it != known.end());
      std::string ours(hsk::wire::name_of(check.registry, static_cast<std::uint16_t>(code)));
      CHECK_FALSE(ours.empty());
      for (const std::string& n : it->second) {
        CHECK((check.snake ? to_snake(n) : n) != ours);
      }
    }
    int agreed = 0;
    for (const hsk::wire::NamedCode& e : hsk::wire::entries(check.registry)) {
      auto it = known.find(e.code);
      if (it == known.end() || check.renamed.count(e.code) == 1) {
        continue;
      }
      INFO(hex4(e.code) << " " << e.name);
      bool same = false;
      for (const std::string& n : it->second) {
        same = same || (check.snake ? to_snake(n) : n) == e.name;
      }
      CHECK(same);
      ++agreed;
    }
    CHECK(agreed > 0);
    for (const auto& [code, names] : known) {
      if (code >= check.unchecked_from || hsk::wire::is_grease(static_cast<std::uint16_t>(code)) ||
          check.left_out.count(code) == 1) {
        continue;
      }
      INFO(hex4(code) << " " << *names.begin());
      CHECK_FALSE(hsk::wire::name_of(check.registry, static_cast<std::uint16_t>(code)).empty());
    }
  }
}
