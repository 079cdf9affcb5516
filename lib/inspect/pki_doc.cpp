// hsk::inspect — PKI objects for `hsk decode`: certificates, keys and DH parameters (PEM with
// any number of blocks, or one DER object) as JSON objects, and the text tree of documents
// that hold them. What `openssl x509 -text`, `openssl pkey -text` and `openssl dhparam -text`
// show; private numbers only with show_secret.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.hpp"
#include "dh/params.hpp"
#include "hsk/error.hpp"
#include "inspect/document.hpp"
#include "pki/der.hpp"
#include "pki/keys.hpp"
#include "pki/oids.hpp"
#include "pki/pem.hpp"
#include "pki/x509.hpp"

namespace hsk::inspect::detail {

namespace {

using Json = nlohmann::ordered_json;

std::string num(const Bytes& v) { return to_hex(crypto::minimal(v)); }
Json num_or_null(const Bytes& v) { return v.empty() ? Json(nullptr) : Json(num(v)); }

Json public_key_json(const crypto::PublicKey& key) {
  Json j = Json::object();
  switch (key.type) {
    case crypto::KeyType::rsa:
      j["type"] = "RSA";
      j["bits"] = crypto::key_bits(key);
      j["modulus"] = num(key.rsa.n);
      j["public_exponent"] = num(key.rsa.e);
      break;
    case crypto::KeyType::dsa:
      j["type"] = "DSA";
      j["bits"] = crypto::key_bits(key);
      j["p"] = num(key.dsa.p);
      j["q"] = num(key.dsa.q);
      j["g"] = num(key.dsa.g);
      j["y"] = num(key.dsa.y);
      break;
    case crypto::KeyType::ec:
      j["type"] = "EC";
      j["bits"] = crypto::key_bits(key);
      j["curve"] = std::string(crypto::curve_name(key.ec.curve));
      j["curve_name"] = std::string(crypto::curve_sec_name(key.ec.curve));
      j["curve_oid"] = pki::curve_oid(key.ec.curve);
      j["point"] = to_hex(key.ec.point);
      break;
    case crypto::KeyType::dh:
      j["type"] = key.dh.oid == crypto::DhOid::dh_public_number ? "DHX" : "DH";
      j["bits"] = crypto::key_bits(key);
      j["p"] = num(key.dh.params.p);
      j["g"] = num(key.dh.params.g);
      j["q"] = num_or_null(key.dh.params.q);
      j["y"] = num(key.dh.y);
      break;
  }
  return j;
}

Json key_json(const std::optional<crypto::PrivateKey>& priv, const crypto::PublicKey& pub,
              std::string_view format, bool show_secret) {
  Json j = Json::object();
  j["object"] = priv ? "private key" : "public key";
  j["key_format"] = std::string(format);
  Json p = public_key_json(pub);
  for (auto& [k, v] : p.items()) {
    j[k] = v;
  }
  if (priv && show_secret) {
    Json s = Json::object();
    if (pub.type == crypto::KeyType::rsa) {
      s["private_exponent"] = num(priv->rsa.d);
      s["prime1"] = num(priv->rsa.p);
      s["prime2"] = num(priv->rsa.q);
      s["exponent1"] = num(priv->rsa.dp);
      s["exponent2"] = num(priv->rsa.dq);
      s["coefficient"] = num(priv->rsa.qinv);
    } else if (pub.type == crypto::KeyType::ec) {
      s["scalar"] = to_hex(priv->x);
    } else {
      s["x"] = num(priv->x);
    }
    j["private"] = std::move(s);
  }
  return j;
}

std::string extension_name(std::string_view oid) {
  namespace o = pki::oid;
  struct Row {
    std::string_view oid, name;
  };
  static constexpr Row kRows[] = {
      {o::kSubjectKeyIdentifier, "subjectKeyIdentifier"},
      {o::kKeyUsage, "keyUsage"},
      {o::kSubjectAltName, "subjectAltName"},
      {o::kIssuerAltName, "issuerAltName"},
      {o::kBasicConstraints, "basicConstraints"},
      {o::kNameConstraints, "nameConstraints"},
      {o::kCrlDistributionPoints, "cRLDistributionPoints"},
      {o::kCertificatePolicies, "certificatePolicies"},
      {o::kAuthorityKeyIdentifier, "authorityKeyIdentifier"},
      {o::kExtKeyUsage, "extKeyUsage"},
      {o::kAuthorityInfoAccess, "authorityInfoAccess"},
      {o::kAnyExtendedKeyUsage, "anyExtendedKeyUsage"},
      {o::kServerAuth, "serverAuth"},
      {o::kClientAuth, "clientAuth"},
      {o::kCodeSigning, "codeSigning"},
      {o::kEmailProtection, "emailProtection"},
      {o::kTimeStamping, "timeStamping"},
      {o::kOcspSigning, "OCSPSigning"},
  };
  for (const auto& r : kRows) {
    if (r.oid == oid) {
      return std::string(r.name);
    }
  }
  return "";
}

Json extension_json(const pki::Certificate& cert, const pki::Extension& ext) {
  namespace o = pki::oid;
  Json j = Json::object();
  j["oid"] = ext.oid;
  j["name"] = extension_name(ext.oid);
  j["critical"] = ext.critical;
  if (ext.oid == o::kBasicConstraints && cert.basic_constraints) {
    Json v = Json::object();
    v["ca"] = cert.basic_constraints->ca;
    v["path_len"] =
        cert.basic_constraints->path_len ? Json(*cert.basic_constraints->path_len) : Json(nullptr);
    j["value"] = std::move(v);
  } else if (ext.oid == o::kKeyUsage && cert.key_usage) {
    j["value"] = pki::key_usage_names(*cert.key_usage);
  } else if (ext.oid == o::kExtKeyUsage && cert.ext_key_usage) {
    Json v = Json::array();
    for (const auto& p : *cert.ext_key_usage) {
      std::string n = extension_name(p);
      v.push_back(n.empty() ? p : n);
    }
    j["value"] = std::move(v);
  } else if (ext.oid == o::kSubjectAltName) {
    Json v = Json::array();
    for (const auto& n : cert.subject_alt_names) {
      v.push_back(pki::general_name_to_string(n));
    }
    j["value"] = std::move(v);
  } else if (ext.oid == o::kSubjectKeyIdentifier && cert.subject_key_id) {
    j["value"] = to_hex(*cert.subject_key_id);
  } else if (ext.oid == o::kAuthorityKeyIdentifier && cert.authority_key_id) {
    Json v = Json::object();
    v["key_identifier"] = to_hex(*cert.authority_key_id);
    j["value"] = std::move(v);
  } else {
    j["value_hex"] = to_hex(ext.value);
  }
  return j;
}

Json certificate_json(const pki::Certificate& cert) {
  Json j = Json::object();
  j["object"] = "certificate";
  j["version"] = cert.version;
  j["serial"] = cert.serial_hex();
  j["signature_algorithm"] = pki::signature_algorithm_description(cert);
  j["issuer"] = pki::name_to_string(cert.issuer);
  Json validity = Json::object();
  validity["not_before"] = pki::format_time(cert.not_before);
  validity["not_after"] = pki::format_time(cert.not_after);
  j["validity"] = std::move(validity);
  j["subject"] = pki::name_to_string(cert.subject);
  if (cert.key) {
    j["subject_public_key"] = public_key_json(*cert.key);
  } else {
    Json k = Json::object();
    k["type"] = "unsupported";
    k["algorithm_oid"] = cert.key_algorithm;
    k["error"] = cert.key_error;
    k["public_key_hex"] = to_hex(cert.subject_public_key);
    j["subject_public_key"] = std::move(k);
  }
  Json exts = Json::array();
  for (const auto& e : cert.extensions) {
    exts.push_back(extension_json(cert, e));
  }
  j["extensions"] = std::move(exts);
  j["signature"] = to_hex(cert.signature);
  j["fingerprint_sha256"] = to_hex(crypto::hash(crypto::HashAlg::sha256, cert.der));
  return j;
}

Json dh_json(const dh::DhParameters& params) {
  Json j = Json::parse(dh::dh_params_json(params));
  Json out = Json::object();
  out["object"] = "DH parameters";
  for (auto& [k, v] : j.items()) {
    out[k] = v;
  }
  return out;
}

Json ec_params_json(ByteView der) {
  pki::DerReader r(der, 0, "EC PARAMETERS");
  std::string oid = r.oid("namedCurve");
  r.expect_end("EC PARAMETERS");
  Json j = Json::object();
  j["object"] = "EC parameters";
  j["curve_oid"] = oid;
  auto curve = pki::curve_from_oid(oid);
  j["curve"] = curve ? Json(std::string(crypto::curve_name(*curve))) : Json(nullptr);
  return j;
}

Json pem_block_json(const pki::PemBlock& b, std::optional<crypto::Curve>& ec_curve,
                    bool show_secret) {
  const std::string& l = b.label;
  Json j;
  if (l == "CERTIFICATE" || l == "X509 CERTIFICATE" || l == "TRUSTED CERTIFICATE") {
    j = certificate_json(pki::parse_certificate(b.der));
  } else if (l == "PRIVATE KEY") {
    auto k = pki::decode_pkcs8(b.der);
    j = key_json(k, k.pub, "PKCS#8", show_secret);
  } else if (l == "RSA PRIVATE KEY") {
    auto k = pki::decode_rsa_private_pkcs1(b.der);
    j = key_json(k, k.pub, "PKCS#1", show_secret);
  } else if (l == "DSA PRIVATE KEY") {
    auto k = pki::decode_dsa_private_traditional(b.der);
    j = key_json(k, k.pub, "DSA traditional", show_secret);
  } else if (l == "EC PRIVATE KEY") {
    auto k = pki::decode_ec_private_sec1(b.der, ec_curve);
    j = key_json(k, k.pub, "SEC1", show_secret);
  } else if (l == "PUBLIC KEY") {
    j = key_json(std::nullopt, pki::decode_spki(b.der), "SubjectPublicKeyInfo", show_secret);
  } else if (l == "RSA PUBLIC KEY") {
    j = key_json(std::nullopt, pki::decode_rsa_public_pkcs1(b.der), "PKCS#1 public",
                 show_secret);
  } else if (l == "DH PARAMETERS") {
    j = dh_json(dh::decode_pkcs3(b.der));
  } else if (l == "X9.42 DH PARAMETERS") {
    j = dh_json(dh::decode_x942(b.der));
  } else if (l == "EC PARAMETERS") {
    j = ec_params_json(b.der);
    ec_curve = pki::curve_from_oid(j["curve_oid"].get<std::string>());
  } else {
    j = Json::object();
    j["object"] = "unsupported";
    j["der"] = to_hex(b.der);
  }
  Json out = Json::object();
  out["label"] = l;
  for (auto& [k, v] : j.items()) {
    out[k] = v;
  }
  return out;
}

// brief is an error without its alert, for the list of attempts in der_object_json.
std::string brief(const Error& e) {
  std::string out = e.offset() ? "offset " + std::to_string(*e.offset()) + ": " : "";
  if (!e.context().empty()) {
    out += e.context() + ": ";
  }
  return out + e.detail();
}

Json der_object_json(ByteView der, bool show_secret) {
  std::string why;
  try {
    return certificate_json(pki::parse_certificate(der));
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::malformed) {
      throw;
    }
    why = "as a certificate: " + brief(e);
  }
  try {
    auto k = pki::decode_key(der);
    return key_json(k.priv, k.pub, k.format, show_secret);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::malformed) {
      throw;
    }
    why += "; as a key: " + brief(e);
  }
  try {
    return dh_json(dh::decode_dh_params(der));
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::malformed) {
      throw;
    }
    why += "; as DH parameters: " + brief(e);
  }
  throw Error(ErrorKind::malformed, 0, "DER",
              "not a certificate, key or DH parameters (" + why + ")",
              Error::kAlertDecodeError);
}

// ---- text ------------------------------------------------------------------------------------

constexpr std::size_t kHexCharsPerLine = 32;  // 16 bytes

bool is_hex_string(const std::string& s) {
  if (s.size() < 2 || s.size() % 2 != 0) {
    return false;
  }
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

void draw(std::string& out, std::size_t indent, const std::string& key, const Json& v) {
  std::string pad(indent * 2, ' ');
  if (v.is_object()) {
    out += pad + key + ":\n";
    for (const auto& [k, x] : v.items()) {
      draw(out, indent + 1, k, x);
    }
  } else if (v.is_array()) {
    bool scalars = std::all_of(v.begin(), v.end(), [](const Json& x) { return !x.is_structured(); });
    if (scalars) {
      std::string line;
      for (const auto& x : v) {
        line += (line.empty() ? "" : ", ") + (x.is_string() ? x.get<std::string>() : x.dump());
      }
      out += pad + key + ": " + (v.empty() ? "(none)" : line) + "\n";
      return;
    }
    out += pad + key + ":\n";
    std::size_t i = 0;
    for (const auto& x : v) {
      draw(out, indent + 1, "[" + std::to_string(i++) + "]", x);
    }
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.size() > kHexCharsPerLine && is_hex_string(s)) {
      out += pad + key + ": (" + std::to_string(s.size() / 2) + " bytes)\n";
      for (std::size_t i = 0; i < s.size(); i += kHexCharsPerLine) {
        out += pad + "  " + s.substr(i, kHexCharsPerLine) + "\n";
      }
    } else {
      out += pad + key + ": " + s + "\n";
    }
  } else if (v.is_null()) {
    out += pad + key + ": -\n";
  } else {
    out += pad + key + ": " + v.dump() + "\n";
  }
}

}  // namespace

std::optional<nlohmann::ordered_json> pki_document(ByteView data, bool show_secret) {
  if (pki::is_pem(data)) {
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    auto blocks = pki::pem_decode_all(text);
    if (blocks.empty()) {
      throw_malformed(0, "PEM", "no PEM block");
    }
    Json objects = Json::array();
    std::optional<crypto::Curve> ec_curve;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      try {
        objects.push_back(pem_block_json(blocks[i], ec_curve, show_secret));
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::malformed) {
          throw;
        }
        std::string where = "PEM block " + std::to_string(i + 1) + " (" + blocks[i].label + ")";
        if (!e.context().empty()) {
          where += ": " + e.context();
        }
        throw Error(e.kind(), e.offset().value_or(0), where, e.detail(), e.alert());
      }
    }
    Json j = Json::object();
    j["format"] = "pem";
    j["objects"] = std::move(objects);
    return j;
  }
  if (!data.empty() && data[0] == 0x30) {
    Json objects = Json::array();
    objects.push_back(der_object_json(data, show_secret));
    Json j = Json::object();
    j["format"] = "der";
    j["objects"] = std::move(objects);
    return j;
  }
  return std::nullopt;
}

std::string render_document_text(const nlohmann::ordered_json& doc, bool offsets) {
  std::string out;
  for (const auto& in : doc.at("inputs")) {
    if (!in.contains("objects")) {
      Json one = Json::object();
      one["inputs"] = Json::array({in});
      out += render_text_doc(one, offsets);
      continue;
    }
    std::size_t n = in.at("objects").size();
    out += "input " + in.at("name").get<std::string>() + " (" +
           in.at("format").get<std::string>() + ", " + std::to_string(n) +
           (n == 1 ? " object)\n" : " objects)\n");
    for (const auto& obj : in.at("objects")) {
      std::string head = obj.value("object", std::string("object"));
      if (obj.contains("label")) {
        head += " (" + obj["label"].get<std::string>() + ")";
      }
      out += "  " + head + ":\n";
      for (const auto& [k, v] : obj.items()) {
        if (k == "object" || k == "label") {
          continue;
        }
        draw(out, 2, k, v);
      }
    }
  }
  return out;
}

}  // namespace hsk::inspect::detail
