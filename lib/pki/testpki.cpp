#include "pki/testpki.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "dh/groups.hpp"
#include "dh/params.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"
#include "pki/keys.hpp"

namespace hsk::pki {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += lower(c);
  }
  return out;
}

unsigned parse_unsigned(std::string_view s, std::string_view whole) {
  if (s.empty() || s.size() > 6) {
    throw_usage("key type \"" + std::string(whole) + "\": bad size");
  }
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      throw_usage("key type \"" + std::string(whole) + "\": bad size \"" + std::string(s) + "\"");
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

KeySpec parse_key_spec(std::string_view text) {
  KeySpec k;
  std::string t = lowered(text);
  std::string_view s(t);
  std::size_t colon = s.find(':');
  std::string_view kind = s.substr(0, colon);
  std::string_view arg = colon == std::string_view::npos ? std::string_view() : s.substr(colon + 1);
  if (kind == "rsa") {
    k.type = crypto::KeyType::rsa;
    k.bits = arg.empty() ? 2048 : parse_unsigned(arg, text);
    if (k.bits != 1024 && k.bits != 2048 && k.bits != 3072 && k.bits != 4096) {
      throw_usage("key type \"" + std::string(text) +
                  "\": RSA sizes are 1024 (tests only), 2048, 3072, 4096");
    }
  } else if (kind == "dsa") {
    k.type = crypto::KeyType::dsa;
    std::size_t slash = arg.find('/');
    k.bits = arg.empty() ? 2048 : parse_unsigned(arg.substr(0, slash), text);
    k.q_bits = slash == std::string_view::npos ? (k.bits == 1024   ? 160
                                                  : k.bits == 2048 ? 224
                                                                   : 256)
                                               : parse_unsigned(arg.substr(slash + 1), text);
    bool ok = (k.bits == 1024 && k.q_bits == 160) ||
              (k.bits == 2048 && (k.q_bits == 224 || k.q_bits == 256)) ||
              (k.bits == 3072 && k.q_bits == 256);
    if (!ok) {
      throw_usage("key type \"" + std::string(text) +
                  "\": DSA sizes are 1024/160, 2048/224, 2048/256, 3072/256");
    }
  } else if (kind == "ec" || kind == "ecdsa") {
    k.type = crypto::KeyType::ec;
    if (arg.empty() || arg == "p-256" || arg == "p256" || arg == "prime256v1" ||
        arg == "secp256r1") {
      k.curve = crypto::Curve::p256;
    } else if (arg == "p-384" || arg == "p384" || arg == "secp384r1") {
      k.curve = crypto::Curve::p384;
    } else {
      throw_usage("key type \"" + std::string(text) + "\": curves are P-256 and P-384");
    }
  } else if (kind == "dh" && arg.empty()) {
    k.type = crypto::KeyType::dh;
  } else {
    throw_usage("key type \"" + std::string(text) +
                "\" is not rsa:BITS, dsa:BITS[/QBITS], ec:P-256|P-384 or dh");
  }
  return k;
}

crypto::PrivateKey generate_key(const KeySpec& spec, crypto::Rng& rng,
                                const crypto::DhParams* dh_params, crypto::DhOid dh_oid) {
  switch (spec.type) {
    case crypto::KeyType::rsa:
      return crypto::generate_rsa(rng, spec.bits);
    case crypto::KeyType::dsa:
      return crypto::generate_dsa(rng, spec.bits, spec.q_bits);
    case crypto::KeyType::ec:
      return crypto::generate_ec(rng, spec.curve);
    case crypto::KeyType::dh:
      if (!dh_params) {
        throw_usage("a DH key needs DH parameters (--dh-params FILE)");
      }
      return crypto::generate_dh(rng, *dh_params, dh_oid);
  }
  throw Error(ErrorKind::internal, "unknown key type");
}

crypto::PrivateKey dsa_key_on(const crypto::PublicKey& domain, crypto::Rng& rng) {
  if (domain.type != crypto::KeyType::dsa) {
    throw_usage("dsa_key_on needs a DSA key");
  }
  const auto& d = domain.dsa;
  Bytes one{1};
  Bytes q_minus_1 = d.q;
  for (std::size_t i = q_minus_1.size(); i-- > 0;) {
    if (q_minus_1[i]-- != 0) {
      break;
    }
  }
  crypto::PrivateKey k;
  k.pub.type = crypto::KeyType::dsa;
  k.pub.dsa.p = d.p;
  k.pub.dsa.q = d.q;
  k.pub.dsa.g = d.g;
  k.x = crypto::random_range(rng, one, crypto::minimal(q_minus_1));
  k.pub.dsa.y = crypto::mod_exp(d.g, k.x, d.p);
  return k;
}

std::vector<TestPkiFile> make_test_pki(const std::string& dir, crypto::Rng& rng,
                                       const TestPkiOptions& options) {
  static const char* const kFiles[] = {
      "ca.pem",
      "ca.key",
      "dsa-ca.pem",
      "dsa-ca.key",
      "server-rsa.pem",
      "server-rsa.key",
      "server-dsa.pem",
      "server-dsa.key",
      "server-ecdsa.pem",
      "server-ecdsa.key",
      "dh.pem",
      "dhx.pem",
      "server-dh-rsa.pem",
      "server-dh-rsa.key",
      "server-dh-dss.pem",
      "server-dh-dss.key",
      "client.pem",
      "client.key",
      "client-ecdsa.pem",
      "client-ecdsa.key",
      "client-dsa.pem",
      "client-dsa.key",
      "client-dh.pem",
      "client-dh.key",
  };
  std::string base = dir;
  while (base.size() > 1 && base.back() == '/') {
    base.pop_back();
  }
  auto path = [&base](const std::string& name) { return base + "/" + name; };
  std::error_code dir_error;
  std::filesystem::create_directories(dir, dir_error);
  if (dir_error || !std::filesystem::is_directory(dir)) {
    throw Error(ErrorKind::io, dir + ": cannot create directory" +
                                   (dir_error ? ": " + dir_error.message() : std::string()));
  }
  if (!options.force) {
    for (const char* f : kFiles) {
      if (exists(path(f))) {
        throw_usage(path(f) + ": exists; use --force to overwrite");
      }
    }
  }
  std::vector<TestPkiFile> written;
  auto write_key = [&](const std::string& name, const crypto::PrivateKey& key, std::string what) {
    write_private_key(path(name), key, KeyFormat::pem, options.force);
    written.push_back({name, std::move(what)});
  };
  auto write_cert = [&](const std::string& name, const Certificate& cert, std::string what) {
    io::write_atomic(path(name), as_bytes(certificate_pem(cert)), 0644);
    written.push_back({name, std::move(what)});
  };
  auto spec = [&](std::string_view subject, bool ca, Purpose purpose, bool san) {
    CertificateSpec s;
    s.subject = parse_name(subject);
    s.ca = ca;
    s.purpose = purpose;
    s.not_before = options.not_before;
    s.not_after = options.not_after;
    if (san) {
      s.subject_alt_names = parse_general_names("DNS:localhost,IP:127.0.0.1");
    }
    return s;
  };

  // The RSA CA.
  crypto::PrivateKey ca_key = crypto::generate_rsa(rng, 2048);
  Certificate ca = build_certificate(spec("CN=hsk test CA,O=hsk,C=XX", true, Purpose::any, false),
                                     ca_key.pub, nullptr, ca_key, rng);
  write_key("ca.key", ca_key, "RSA 2048 key of ca.pem");
  write_cert("ca.pem", ca, "RSA 2048 self-signed CA, sha256WithRSAEncryption");

  // The DSA CA; server-dsa shares its domain parameters (one parameter generation, not two).
  crypto::PrivateKey dsa_ca_key = crypto::generate_dsa(rng, 2048, 256);
  Certificate dsa_ca =
      build_certificate(spec("CN=hsk test DSA CA,O=hsk,C=XX", true, Purpose::any, false),
                        dsa_ca_key.pub, nullptr, dsa_ca_key, rng);
  write_key("dsa-ca.key", dsa_ca_key, "DSA 2048/256 key of dsa-ca.pem");
  write_cert("dsa-ca.pem", dsa_ca, "DSA 2048/256 self-signed CA, dsa-with-SHA256");

  crypto::PrivateKey rsa_key = crypto::generate_rsa(rng, 2048);
  Certificate rsa =
      build_certificate(spec("CN=localhost,OU=RSA server,O=hsk,C=XX", false, Purpose::server, true),
                        rsa_key.pub, &ca, ca_key, rng);
  write_key("server-rsa.key", rsa_key, "RSA 2048 key of server-rsa.pem");
  write_cert("server-rsa.pem", rsa, "RSA 2048 server certificate, issued by ca.pem");

  crypto::PrivateKey dsa_key = dsa_key_on(dsa_ca_key.pub, rng);
  Certificate dsa =
      build_certificate(spec("CN=localhost,OU=DSA server,O=hsk,C=XX", false, Purpose::server, true),
                        dsa_key.pub, &ca, ca_key, rng);
  write_key("server-dsa.key", dsa_key, "DSA 2048/256 key of server-dsa.pem");
  write_cert("server-dsa.pem", dsa, "DSA 2048/256 server certificate, issued by ca.pem");

  crypto::PrivateKey ec_key = crypto::generate_ec(rng, crypto::Curve::p256);
  Certificate ec = build_certificate(
      spec("CN=localhost,OU=ECDSA server,O=hsk,C=XX", false, Purpose::server, true), ec_key.pub,
      &ca, ca_key, rng);
  write_key("server-ecdsa.key", ec_key, "EC P-256 key of server-ecdsa.pem");
  write_cert("server-ecdsa.pem", ec, "EC P-256 server certificate, issued by ca.pem");

  const dh::NamedGroup* group = dh::find_group("ffdhe2048");
  if (!group) {
    throw Error(ErrorKind::internal, "ffdhe2048 missing from the group table");
  }
  dh::DhParameters pkcs3{
      dh::ParamsFormat::pkcs3, dh::group_params(*group, false), {}, std::nullopt};
  dh::DhParameters x942{dh::ParamsFormat::x942, dh::group_params(*group, true), {}, std::nullopt};
  io::write_atomic(path("dh.pem"), as_bytes(dh::to_pem(pkcs3)), 0644);
  written.push_back({"dh.pem", "RFC 7919 ffdhe2048, PKCS#3 DH PARAMETERS"});
  io::write_atomic(path("dhx.pem"), as_bytes(dh::to_pem(x942)), 0644);
  written.push_back({"dhx.pem", "RFC 7919 ffdhe2048 with q, X9.42 DH PARAMETERS"});

  crypto::PrivateKey dh_rsa_key =
      crypto::generate_dh(rng, pkcs3.numbers, crypto::DhOid::dh_key_agreement);
  Certificate dh_rsa = build_certificate(
      spec("CN=localhost,OU=DH server (RSA-signed),O=hsk,C=XX", false, Purpose::server, true),
      dh_rsa_key.pub, &ca, ca_key, rng);
  write_key("server-dh-rsa.key", dh_rsa_key, "DH key on dh.pem of server-dh-rsa.pem");
  write_cert("server-dh-rsa.pem", dh_rsa,
             "fixed-DH server certificate (dhKeyAgreement), issued by ca.pem");

  crypto::PrivateKey dh_dss_key =
      crypto::generate_dh(rng, x942.numbers, crypto::DhOid::dh_public_number);
  Certificate dh_dss = build_certificate(
      spec("CN=localhost,OU=DH server (DSA-signed),O=hsk,C=XX", false, Purpose::server, true),
      dh_dss_key.pub, &dsa_ca, dsa_ca_key, rng);
  write_key("server-dh-dss.key", dh_dss_key, "DH key on dhx.pem of server-dh-dss.pem");
  write_cert("server-dh-dss.pem", dh_dss,
             "fixed-DH server certificate (dhpublicnumber), issued by dsa-ca.pem");

  crypto::PrivateKey client_key = crypto::generate_rsa(rng, 2048);
  Certificate client =
      build_certificate(spec("CN=hsk test client,O=hsk,C=XX", false, Purpose::client, false),
                        client_key.pub, &ca, ca_key, rng);
  write_key("client.key", client_key, "RSA 2048 key of client.pem");
  write_cert("client.pem", client, "RSA 2048 client certificate, issued by ca.pem");

  // More client certificates, for client authentication with every kind of key (drawn after
  // the files above, so that a seed gives those the same bytes as before they existed).
  crypto::PrivateKey client_ec_key = crypto::generate_ec(rng, crypto::Curve::p256);
  Certificate client_ec = build_certificate(
      spec("CN=hsk test client,OU=ECDSA,O=hsk,C=XX", false, Purpose::client, false),
      client_ec_key.pub, &ca, ca_key, rng);
  write_key("client-ecdsa.key", client_ec_key, "EC P-256 key of client-ecdsa.pem");
  write_cert("client-ecdsa.pem", client_ec, "EC P-256 client certificate, issued by ca.pem");

  crypto::PrivateKey client_dsa_key = dsa_key_on(dsa_ca_key.pub, rng);
  Certificate client_dsa =
      build_certificate(spec("CN=hsk test client,OU=DSA,O=hsk,C=XX", false, Purpose::client, false),
                        client_dsa_key.pub, &ca, ca_key, rng);
  write_key("client-dsa.key", client_dsa_key, "DSA 2048/256 key of client-dsa.pem");
  write_cert("client-dsa.pem", client_dsa, "DSA 2048/256 client certificate, issued by ca.pem");

  // Fixed-DH client authentication (rsa_fixed_dh, RFC 5246 §7.4.6): a DH key on the group of
  // the fixed-DH server certificates (dh.pem; dhx.pem is the same p and g).
  crypto::PrivateKey client_dh_key =
      crypto::generate_dh(rng, pkcs3.numbers, crypto::DhOid::dh_key_agreement);
  Certificate client_dh = build_certificate(
      spec("CN=hsk test client,OU=fixed DH,O=hsk,C=XX", false, Purpose::client, false),
      client_dh_key.pub, &ca, ca_key, rng);
  write_key("client-dh.key", client_dh_key, "DH key on dh.pem of client-dh.pem");
  write_cert("client-dh.pem", client_dh,
             "fixed-DH client certificate (dhKeyAgreement, rsa_fixed_dh), issued by ca.pem");
  return written;
}

}  // namespace hsk::pki
