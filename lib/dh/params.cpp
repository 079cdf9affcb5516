#include "dh/params.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>
#include <string_view>

#include "crypto/dh_math.hpp"
#include "dh/groups.hpp"
#include "hsk/error.hpp"
#include "pki/der.hpp"
#include "pki/pem.hpp"

namespace hsk::dh {

namespace {

constexpr std::string_view kPkcs3Label = "DH PARAMETERS";
constexpr std::string_view kX942Label = "X9.42 DH PARAMETERS";

void require_positive(const pki::DerReader& r, const Bytes& v, std::string_view field) {
  if (crypto::int_is_zero(v)) {
    r.fail(field, "must be positive");
  }
}

// Reads the body of a PKCS#3 DHParameter (inside the SEQUENCE).
DhParameters read_pkcs3(pki::DerReader& s) {
  DhParameters out;
  out.format = ParamsFormat::pkcs3;
  out.numbers.p = s.integer("prime");
  require_positive(s, out.numbers.p, "prime");
  out.numbers.g = s.integer("base");
  if (!s.empty()) {
    out.numbers.private_value_length = s.small_integer("privateValueLength");
  }
  s.expect_end("DHParameter");
  return out;
}

// Reads the body of an X9.42 DomainParameters (inside the SEQUENCE).
DhParameters read_x942(pki::DerReader& s) {
  DhParameters out;
  out.format = ParamsFormat::x942;
  out.numbers.p = s.integer("p");
  require_positive(s, out.numbers.p, "p");
  out.numbers.g = s.integer("g");
  out.numbers.q = s.integer("q");
  require_positive(s, out.numbers.q, "q");
  if (s.peek_tag() == pki::tag::kInteger) {
    out.numbers.j = s.integer("j");
  }
  if (s.peek_tag() == pki::tag::kSequence) {
    pki::DerReader v = s.enter(pki::tag::kSequence, "validationParms");
    out.seed = v.bit_string("seed");
    out.pgen_counter = v.small_integer("pgenCounter");
    v.expect_end("validationParms");
  }
  s.expect_end("DomainParameters");
  return out;
}

// Appends `bytes` in OpenSSL's labelled hex layout: 15 bytes a line, ':' between bytes and at
// the end of every line but the last.
void hex_lines(std::string& out, const std::string& pad, ByteView bytes) {
  out += pad;
  char buf[4];
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0 && i % 15 == 0) {
      out += ":\n" + pad;
    } else if (i > 0) {
      out += ':';
    }
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    out += buf;
  }
  out += '\n';
}

void print_number(std::string& out, const std::string& indent, std::string_view label,
                  const Bytes& value) {
  Bytes v = crypto::minimal(value);
  if (crypto::int_is_zero(v)) {
    out += indent + std::string(label) + " 0\n";
    return;
  }
  if (v.size() <= 8) {
    std::uint64_t x = 0;
    for (std::uint8_t b : v) {
      x = x << 8 | b;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, " %llu (0x%llx)\n", static_cast<unsigned long long>(x),
                  static_cast<unsigned long long>(x));
    out += indent + std::string(label) + buf;
    return;
  }
  out += indent + std::string(label) + "\n";
  if (v[0] & 0x80) {
    v.insert(v.begin(), 0x00);
  }
  hex_lines(out, indent + "    ", v);
}

}  // namespace

std::string_view pem_label(ParamsFormat format) {
  return format == ParamsFormat::pkcs3 ? kPkcs3Label : kX942Label;
}

DhParameters decode_pkcs3(ByteView der) {
  pki::DerReader r(der, 0, "DHParameter");
  pki::DerReader s = r.enter(pki::tag::kSequence, "DHParameter");
  DhParameters out = read_pkcs3(s);
  r.expect_end("DHParameter");
  return out;
}

DhParameters decode_x942(ByteView der) {
  pki::DerReader r(der, 0, "DomainParameters");
  pki::DerReader s = r.enter(pki::tag::kSequence, "DomainParameters");
  DhParameters out = read_x942(s);
  r.expect_end("DomainParameters");
  return out;
}

DhParameters decode_dh_params(ByteView data) {
  if (pki::is_pem(data)) {
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    for (const auto& block : pki::pem_decode_all(text)) {
      if (block.label == kPkcs3Label) {
        return decode_pkcs3(block.der);
      }
      if (block.label == kX942Label) {
        return decode_x942(block.der);
      }
    }
    throw Error(ErrorKind::malformed, 0, "PEM",
                "no \"DH PARAMETERS\" or \"X9.42 DH PARAMETERS\" block", Error::kAlertDecodeError);
  }
  // DER: look at the shape first, then decode as the one it is.
  pki::DerReader r(data, 0, "DH parameters");
  pki::DerReader s = r.enter(pki::tag::kSequence, "DH parameters");
  std::size_t integers = 0;
  std::size_t elements = 0;
  Bytes p;
  Bytes third;
  while (!s.empty()) {
    pki::DerElement e = s.next("element");
    ++elements;
    if (e.tag == pki::tag::kInteger) {
      ++integers;
      if (integers == 1) {
        p.assign(e.content.begin(), e.content.end());
      } else if (integers == 3) {
        third.assign(e.content.begin(), e.content.end());
      }
    }
  }
  bool x942 = elements > 3;
  if (elements == 3 && integers == 3) {
    // privateValueLength is a bit count below |p|; q of X9.42 is a large number.
    Bytes v = crypto::minimal(third);
    std::uint64_t small = 0;
    for (std::uint8_t b : v) {
      small = small << 8 | b;
    }
    x942 = v.size() > 4 || small > crypto::bit_length(p);
  }
  return x942 ? decode_x942(data) : decode_pkcs3(data);
}

Bytes encode_pkcs3(const crypto::DhParams& numbers) {
  pki::DerWriter w;
  w.sequence([&](pki::DerWriter& s) {
    s.integer(numbers.p);
    s.integer(numbers.g);
    if (numbers.private_value_length != 0) {
      s.small_integer(numbers.private_value_length);
    }
  });
  return w.take();
}

Bytes encode_x942(const DhParameters& params) {
  const auto& n = params.numbers;
  if (n.q.empty()) {
    throw_usage("X9.42 DH parameters need q");
  }
  pki::DerWriter w;
  w.sequence([&](pki::DerWriter& s) {
    s.integer(n.p);
    s.integer(n.g);
    s.integer(n.q);
    if (!n.j.empty()) {
      s.integer(n.j);
    }
    if (params.pgen_counter) {
      s.sequence([&](pki::DerWriter& v) {
        v.bit_string(params.seed);
        v.small_integer(*params.pgen_counter);
      });
    }
  });
  return w.take();
}

Bytes encode_dh_params(const DhParameters& params) {
  return params.format == ParamsFormat::pkcs3 ? encode_pkcs3(params.numbers) : encode_x942(params);
}

std::string to_pem(const DhParameters& params) {
  return pki::pem_encode(pem_label(params.format), encode_dh_params(params));
}

std::string dh_params_text(const DhParameters& params, unsigned indent) {
  const std::string pad(indent, ' ');
  const auto& n = params.numbers;
  std::string out = pad + "DH Parameters: (" + std::to_string(crypto::bit_length(n.p)) + " bit)\n";
  if (const NamedGroup* group = identify_group(n)) {
    out += pad + "GROUP: " + std::string(group->openssl_name) + "\n";
  } else {
    print_number(out, pad, "P:   ", n.p);
    if (!n.q.empty()) {
      print_number(out, pad, "Q:   ", n.q);
    }
    print_number(out, pad, "G:   ", n.g);
    if (!n.j.empty()) {
      print_number(out, pad, "J:   ", n.j);
    }
    if (params.pgen_counter) {
      out += pad + "SEED:\n";
      hex_lines(out, pad + "    ", params.seed);
      out += pad + "pcounter: " + std::to_string(*params.pgen_counter) + "\n";
    }
  }
  if (n.private_value_length != 0) {
    out +=
        pad + "recommended-private-length: " + std::to_string(n.private_value_length) + " bits\n";
  }
  return out;
}

std::string dh_params_json(const DhParameters& params) {
  using Json = nlohmann::ordered_json;
  const auto& n = params.numbers;
  auto hex_or_null = [](const Bytes& v) -> Json {
    if (v.empty()) {
      return nullptr;
    }
    return to_hex(crypto::minimal(v));
  };
  Json j;
  j["type"] = std::string(pem_label(params.format));
  j["bits"] = crypto::bit_length(n.p);
  const NamedGroup* group = identify_group(n);
  j["group"] = group ? Json(std::string(group->name)) : Json(nullptr);
  j["p"] = hex_or_null(n.p);
  j["g"] = hex_or_null(n.g);
  j["q"] = hex_or_null(n.q);
  j["j"] = hex_or_null(n.j);
  j["private_value_length"] = n.private_value_length ? Json(n.private_value_length) : Json(nullptr);
  j["seed"] = params.pgen_counter ? Json(to_hex(params.seed)) : Json(nullptr);
  j["pgen_counter"] = params.pgen_counter ? Json(*params.pgen_counter) : Json(nullptr);
  return j.dump();
}

}  // namespace hsk::dh
