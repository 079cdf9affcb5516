// hsk gen-cert — see man/hsk-gen-cert.1.
#include <fmt/core.h>
#include <sys/stat.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "crypto/crypto.hpp"
#include "dh/params.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"
#include "pki/keys.hpp"
#include "pki/testpki.hpp"
#include "pki/x509.hpp"

namespace hsk::cmd {

namespace {

struct Options {
  std::string test_pki;
  bool ca = false;
  std::string issuer_cert;
  std::string issuer_key;
  std::optional<std::string> subject;
  std::vector<std::string> san;
  std::optional<unsigned> days;
  std::string not_before;
  std::string not_after;
  std::string serial;
  std::string key_type;
  std::string key;
  std::string key_out;
  bool force = false;
  std::string dh_params;
  std::string dh_oid;
  std::optional<std::uint64_t> path_len;
  std::string key_usage;
  std::string purpose;
  std::string hash = "sha256";
  std::string out = "-";
  bool der = false;
  bool chain = false;
  std::optional<std::string> seed;
};

void warn(const std::string& what) { fmt::print(stderr, "hsk: warning: {}\n", what); }

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::unique_ptr<crypto::Rng> make_rng(const Options& o) {
  return o.seed ? crypto::seeded_rng(*o.seed) : crypto::system_rng();
}

// validity works out notBefore/notAfter from --days, --not-before and --not-after.
std::pair<pki::UnixTime, pki::UnixTime> validity(const Options& o) {
  if (o.days && !o.not_after.empty()) {
    throw_usage("--days and --not-after exclude each other");
  }
  pki::UnixTime nb =
      o.not_before.empty() ? pki::now_utc() : pki::parse_time(o.not_before, "--not-before");
  pki::UnixTime na = o.not_after.empty()
                         ? nb + static_cast<pki::UnixTime>(o.days.value_or(365)) * 86400
                         : pki::parse_time(o.not_after, "--not-after");
  if (na <= nb) {
    throw_usage("--not-after (" + pki::format_time(na) + ") must be later than --not-before (" +
                pki::format_time(nb) + ")");
  }
  return {nb, na};
}

pki::Purpose parse_purpose(const std::string& p) {
  if (p.empty()) {
    return pki::Purpose::any;
  }
  if (p == "server") {
    return pki::Purpose::server;
  }
  if (p == "client") {
    return pki::Purpose::client;
  }
  return pki::Purpose::both;
}

template <class F>
auto naming_input(const std::string& input, F f) {
  try {
    return f();
  } catch (Error& e) {
    e.with_input(input);
    throw;
  }
}

int test_pki(const Options& o) {
  auto [nb, na] = validity(o);
  auto rng = make_rng(o);
  pki::TestPkiOptions options;
  options.not_before = nb;
  options.not_after = na;
  options.force = o.force;
  std::vector<pki::TestPkiFile> files = pki::make_test_pki(o.test_pki, *rng, options);
  std::string dir = o.test_pki;
  while (dir.size() > 1 && dir.back() == '/') {
    dir.pop_back();
  }
  std::string out;
  for (const auto& f : files) {
    out += fmt::format("{}/{}: {}\n", dir, f.name, f.description);
  }
  fmt::print(stderr, "{}", out);
  return 0;
}

int gen_cert(const Options& o) {
  if (!o.subject) {
    throw_usage("--subject is required (an RFC 4514 name such as \"CN=localhost,O=example\")");
  }
  if (o.issuer_cert.empty() != o.issuer_key.empty()) {
    throw_usage("--issuer-cert and --issuer-key go together");
  }
  bool issued = !o.issuer_cert.empty();
  if (o.chain && !issued) {
    throw_usage("--chain needs an issuer (--issuer-cert)");
  }
  if (o.chain && o.der) {
    throw_usage("--chain writes several certificates: PEM only (drop --der)");
  }
  if (!o.key.empty() && !o.key_type.empty()) {
    throw_usage("--key and --key-type exclude each other");
  }
  bool generate = o.key.empty();
  if (generate && o.key_out.empty()) {
    throw_usage(
        "--key-out FILE is required when gen-cert generates the key (or certify an existing one "
        "with --key)");
  }
  if (!generate && !o.key_out.empty()) {
    throw_usage("--key-out is for a generated key; --key names an existing one");
  }
  if (generate && !o.force && o.key_out != "-" && exists(o.key_out)) {
    throw_usage(o.key_out + ": exists; use --force to overwrite");
  }
  std::optional<pki::KeySpec> spec;
  if (generate) {
    spec = pki::parse_key_spec(o.key_type.empty() ? "rsa:2048" : o.key_type);
  }
  bool dh_key = spec && spec->type == crypto::KeyType::dh;
  if (dh_key && o.dh_params.empty()) {
    throw_usage("--key-type dh needs --dh-params FILE (PKCS#3 or X9.42 parameters)");
  }
  if (!o.dh_params.empty() && !dh_key) {
    throw_usage("--dh-params is for --key-type dh");
  }
  if (dh_key && !issued) {
    throw_usage("a DH key cannot sign: a DH certificate needs --issuer-cert and --issuer-key");
  }

  pki::CertificateSpec cs;
  cs.subject = pki::parse_name(*o.subject);
  for (const auto& s : o.san) {
    auto names = pki::parse_general_names(s);
    cs.subject_alt_names.insert(cs.subject_alt_names.end(), names.begin(), names.end());
  }
  std::tie(cs.not_before, cs.not_after) = validity(o);
  if (!o.serial.empty()) {
    cs.serial = from_hex(o.serial, "--serial");
    if (cs.serial.empty() || cs.serial.size() > 20) {
      throw_usage("--serial: 1 to 20 bytes of hex (RFC 5280 §4.1.2.2)");
    }
  }
  cs.ca = o.ca;
  cs.path_len = o.path_len;
  if (o.path_len && !o.ca) {
    throw_usage("--path-len needs --ca");
  }
  if (!o.key_usage.empty()) {
    cs.key_usage = pki::parse_key_usage(o.key_usage);
  }
  cs.purpose = parse_purpose(o.purpose);
  cs.hash = o.hash == "sha384" ? crypto::HashAlg::sha384 : crypto::HashAlg::sha256;

  // The issuer (its file may hold a chain: the first certificate is the issuer).
  std::vector<pki::Certificate> issuer_chain;
  std::optional<crypto::PrivateKey> issuer_key;
  if (issued) {
    issuer_chain = pki::load_certificates(o.issuer_cert);
    issuer_key = pki::read_private_key(o.issuer_key);
    const pki::Certificate& ic = issuer_chain.front();
    if (!ic.basic_constraints || !ic.basic_constraints->ca) {
      warn(o.issuer_cert +
           ": the issuer is not a CA (no basicConstraints cA): verifiers will reject the result");
    } else if (ic.key_usage && !(*ic.key_usage & pki::key_usage::kKeyCertSign)) {
      warn(o.issuer_cert +
           ": the issuer's keyUsage lacks keyCertSign: verifiers will reject the result");
    }
  }

  // The subject key.
  auto rng = make_rng(o);
  std::optional<crypto::PrivateKey> new_key;
  crypto::PublicKey subject_key;
  if (generate) {
    std::optional<crypto::DhParams> dh_numbers;
    crypto::DhOid oid = crypto::DhOid::dh_public_number;
    if (dh_key) {
      dh::DhParameters params = naming_input(
          o.dh_params, [&] { return dh::decode_dh_params(io::read_all(o.dh_params)); });
      dh_numbers = params.numbers;
      bool has_q = !params.numbers.q.empty();
      if (o.dh_oid == "x942" || (o.dh_oid.empty() && has_q)) {
        if (!has_q) {
          throw_usage(
              o.dh_params +
              ": PKCS#3 parameters carry no q, which the X9.42 OID needs (--dh-oid pkcs3, or "
              "X9.42 parameters from hsk gen-dh-params --x942)");
        }
        oid = crypto::DhOid::dh_public_number;
        dh_numbers->private_value_length = 0;
      } else {
        oid = crypto::DhOid::dh_key_agreement;
        dh_numbers->q.clear();
        dh_numbers->j.clear();
      }
    }
    new_key = pki::generate_key(*spec, *rng, dh_numbers ? &*dh_numbers : nullptr, oid);
    subject_key = new_key->pub;
  } else {
    pki::DecodedKey k = naming_input(o.key, [&] { return pki::decode_key(io::read_all(o.key)); });
    subject_key = k.pub;
    if (k.priv) {
      new_key = k.priv;
    }
    if (subject_key.type == crypto::KeyType::dh && !o.dh_oid.empty()) {
      bool want_x942 = o.dh_oid == "x942";
      if (want_x942 && subject_key.dh.params.q.empty()) {
        throw_usage(o.key + ": the DH key's parameters carry no q, which the X9.42 OID needs");
      }
      subject_key.dh.oid =
          want_x942 ? crypto::DhOid::dh_public_number : crypto::DhOid::dh_key_agreement;
      if (!want_x942) {
        subject_key.dh.params.q.clear();
        subject_key.dh.params.j.clear();
      } else {
        subject_key.dh.params.private_value_length = 0;
      }
    }
    if (subject_key.type == crypto::KeyType::dh && !issued) {
      throw_usage("a DH key cannot sign: a DH certificate needs --issuer-cert and --issuer-key");
    }
  }
  if (!o.dh_oid.empty() && subject_key.type != crypto::KeyType::dh) {
    throw_usage("--dh-oid is for DH keys");
  }

  const crypto::PrivateKey* signer = nullptr;
  if (issued) {
    signer = &*issuer_key;
  } else if (new_key) {
    signer = &*new_key;
  } else {
    throw_usage(o.key +
                " holds a public key only: a self-signed certificate needs the private key (or "
                "give an issuer)");
  }
  pki::Certificate cert = pki::build_certificate(
      cs, subject_key, issued ? &issuer_chain.front() : nullptr, *signer, *rng);

  if (generate) {
    pki::write_private_key(o.key_out, *new_key, pki::KeyFormat::pem, o.force);
  }
  Bytes out;
  if (o.der) {
    out = cert.der;
  } else {
    std::string pem = pki::certificate_pem(cert);
    if (o.chain) {
      for (const auto& c : issuer_chain) {
        pem += pki::certificate_pem(c);
      }
    }
    out.assign(pem.begin(), pem.end());
  }
  io::write_atomic(o.out, out, 0644);
  return 0;
}

}  // namespace

Run setup_gen_cert(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.footer(
      "Exit status: 0 written, 2 usage, 3 malformed input (key, certificate or parameter file), 4 "
      "I/O.\n"
      "Examples:\n"
      "  hsk gen-cert --ca --subject 'CN=hsk test CA,O=hsk,C=XX' --key-type rsa:2048 --key-out "
      "ca.key -o ca.pem\n"
      "  hsk gen-cert --issuer-cert ca.pem --issuer-key ca.key --subject CN=localhost \\\n"
      "      --san DNS:localhost,IP:127.0.0.1 --purpose server --key-type ec:P-256 --key-out "
      "srv.key -o srv.pem\n"
      "  hsk gen-cert --test-pki pki/");
  sub.add_option("--test-pki", o->test_pki,
                 "Create a whole test PKI in DIR (CAs, RSA/DSA/ECDSA/DH servers, a "
                 "client; see hsk-gen-cert(1))")
      ->type_name("DIR");
  auto* ca =
      sub.add_flag("--ca", o->ca, "Make a CA certificate (self-signed unless an issuer is given)");
  auto* ic =
      sub.add_option(
             "--issuer-cert", o->issuer_cert,
             "Issuer certificate (PEM or DER; a PEM chain file: the first certificate issues)")
          ->type_name("FILE");
  auto* ik =
      sub.add_option("--issuer-key", o->issuer_key, "The issuer's private key")->type_name("FILE");
  auto* subj = sub.add_option("--subject", o->subject,
                              "Subject as an RFC 4514 string, e.g. \"CN=localhost,O=hsk,C=XX\"")
                   ->type_name("DN");
  auto* san =
      sub.add_option(
             "--san", o->san,
             "Subject alternative names: DNS:NAME, IP:ADDR (v4 or v6), email:ADDR, URI:URI; "
             "comma-separated, repeatable")
          ->type_name("LIST");
  sub.add_option("--days", o->days, "Validity in days from --not-before (default 365)")
      ->check(CLI::Range(1u, 3000000u));
  sub.add_option("--not-before", o->not_before,
                 "Start of validity: RFC 3339 (2030-01-31T00:00:00Z), YYYYMMDDHHMMSSZ, YYYY-MM-DD "
                 "or @SECONDS "
                 "(default now)")
      ->type_name("TIME");
  sub.add_option("--not-after", o->not_after, "End of validity (same forms; instead of --days)")
      ->type_name("TIME");
  auto* serial = sub.add_option("--serial", o->serial,
                                "Serial number in hex (default: 16 random bytes, positive)")
                     ->type_name("HEX");
  auto* kt =
      sub.add_option(
             "--key-type", o->key_type,
             "Generate the key: rsa:BITS, dsa:BITS[/QBITS], ec:P-256|P-384, dh (default rsa:2048)")
          ->type_name("TYPE");
  auto* key = sub.add_option("--key", o->key,
                             "Certify this existing key (private, or public when an issuer signs)")
                  ->type_name("FILE");
  auto* ko = sub.add_option("--key-out", o->key_out,
                            "Write the generated key here (PKCS#8 PEM, mode 0600)")
                 ->type_name("FILE");
  sub.add_flag("--force", o->force, "Overwrite existing key files");
  auto* dhp = sub.add_option("--dh-params", o->dh_params,
                             "DH parameters for --key-type dh (PKCS#3 or X9.42, PEM or DER)")
                  ->type_name("FILE");
  auto* dho =
      sub.add_option(
             "--dh-oid", o->dh_oid,
             "DH key OID: x942 (dhpublicnumber, needs q; the default when the parameters have q) "
             "or pkcs3 (dhKeyAgreement)")
          ->check(CLI::IsMember({"x942", "pkcs3"}));
  auto* pl =
      sub.add_option("--path-len", o->path_len, "basicConstraints pathLenConstraint (with --ca)")
          ->type_name("N")
          ->check(CLI::Range(0, 1000));
  auto* ku =
      sub.add_option(
             "--key-usage", o->key_usage,
             "Override keyUsage: comma-separated digitalSignature, nonRepudiation, "
             "keyEncipherment, "
             "dataEncipherment, keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly")
          ->type_name("LIST");
  auto* purpose = sub.add_option("--purpose", o->purpose,
                                 "extendedKeyUsage: server, client or both (default: none)")
                      ->check(CLI::IsMember({"server", "client", "both"}));
  auto* hash = sub.add_option("--hash", o->hash,
                              "Signature hash: sha256 (default) or sha384 (RSA and ECDSA)")
                   ->check(CLI::IsMember({"sha256", "sha384"}));
  auto* out = sub.add_option("-o,--out", o->out,
                             "Certificate output, written atomically; - for stdout (default)")
                  ->type_name("FILE");
  auto* der = sub.add_flag("--der", o->der, "Write DER instead of PEM");
  auto* chain = sub.add_flag("--chain", o->chain,
                             "Write the certificate followed by the issuer file's certificates");
  sub.add_option("--seed", o->seed,
                 "Derive keys, serials and signatures from this string: reproducible output for "
                 "tests. UNSAFE")
      ->type_name("S");
  std::vector<CLI::Option*> not_with_test_pki = {
      ca, ic, ik, subj, san, serial, kt, key, ko, dhp, dho, pl, ku, purpose, hash, out, der, chain};
  return [o, not_with_test_pki]() {
    if (!o->test_pki.empty()) {
      for (const CLI::Option* opt : not_with_test_pki) {
        if (opt->count() > 0) {
          throw_usage(opt->get_name() +
                      " does not go with --test-pki (which takes only --seed, --force, --days, "
                      "--not-before and --not-after)");
        }
      }
      return test_pki(*o);
    }
    return gen_cert(*o);
  };
}

}  // namespace hsk::cmd
