// hsk gen-dh-params — see man/hsk-gen-dh-params.1.
#include <fmt/core.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "crypto/crypto.hpp"
#include "dh/check.hpp"
#include "dh/generate.hpp"
#include "dh/groups.hpp"
#include "dh/params.hpp"
#include "hsk/error.hpp"
#include "io/file.hpp"

namespace hsk::cmd {

namespace {

struct Options {
  unsigned bits = 2048;
  std::optional<unsigned> dsa_style;
  std::string group;
  bool list_groups = false;
  std::string check;
  std::string in;
  bool x942 = false;
  bool pkcs3 = false;
  bool der = false;
  bool text = false;
  bool noout = false;
  std::string out = "-";
  std::optional<std::string> seed;
  unsigned threads = 0;
};

std::unique_ptr<crypto::Rng> make_rng(const Options& o) {
  return o.seed ? crypto::seeded_rng(*o.seed) : crypto::system_rng();
}

void warn(const std::string& what) { fmt::print(stderr, "hsk: warning: {}\n", what); }

int list_groups() {
  std::string out =
      fmt::format("{:<10} {:<10} {:>5}  {:<9} {}\n", "NAME", "OPENSSL", "BITS", "RFC", "ID");
  for (const auto& g : dh::named_groups()) {
    std::string id = g.tls_named_group ? fmt::format("TLS group 0x{:04x}", g.tls_named_group)
                                       : fmt::format("IKE group {}", g.ike_group);
    out +=
        fmt::format("{:<10} {:<10} {:>5}  {:<9} {}\n", g.name, g.openssl_name, g.bits, g.rfc, id);
  }
  io::write_stdout(as_bytes(out));
  return 0;
}

int check(const Options& o) {
  Bytes data = io::read_all(o.check);
  dh::DhParameters params;
  try {
    params = dh::decode_dh_params(data);
  } catch (Error& e) {
    e.with_input(o.check);
    throw;
  }
  auto rng = make_rng(o);
  dh::CheckOptions options;
  options.threads = o.threads;
  dh::CheckReport report = dh::check_dh_params(params, *rng, options);
  std::string out = fmt::format(
      "{}: {} DH parameters, {} bits{}\n", o.check,
      params.format == dh::ParamsFormat::pkcs3 ? "PKCS#3" : "X9.42", report.bits,
      report.group ? fmt::format(" ({} {})", report.group->rfc, report.group->name) : "");
  for (const auto& f : report.findings) {
    out += fmt::format("  {}: {}\n", dh::severity_name(f.severity), f.message);
  }
  std::size_t errors = report.count(dh::Severity::error);
  std::size_t warnings = report.count(dh::Severity::warning);
  if (report.valid()) {
    out += warnings ? fmt::format("verdict: valid, with {} warning{}\n", warnings,
                                  warnings == 1 ? "" : "s")
                    : std::string("verdict: valid\n");
  } else {
    out += fmt::format("verdict: invalid ({} error{})\n", errors, errors == 1 ? "" : "s");
  }
  io::write_stdout(as_bytes(out));
  return report.valid() ? 0 : static_cast<int>(ExitCode::check_failed);
}

// progress_printer shows one self-overwriting status line on a terminal.
dh::ProgressFn progress_printer() {
  if (!::isatty(2)) {
    return {};
  }
  return [](const dh::Progress& p) {
    fmt::print(stderr, "\r{}: {} candidates tested, {:.1f} s{}", p.phase, p.tested, p.seconds,
               p.done ? "\n" : "   ");
    std::fflush(stderr);
  };
}

void write_output(const Options& o, const dh::DhParameters& params) {
  std::string out;
  if (o.text) {
    out = dh::dh_params_text(params, 4);
  }
  Bytes bytes(out.begin(), out.end());
  if (!o.noout) {
    if (o.der) {
      Bytes der = dh::encode_dh_params(params);
      bytes.insert(bytes.end(), der.begin(), der.end());
    } else {
      std::string pem = dh::to_pem(params);
      bytes.insert(bytes.end(), pem.begin(), pem.end());
    }
  }
  io::write_atomic(o.out, bytes, 0644);
}

void warn_size(unsigned bits) {
  if (bits < 2048) {
    warn(fmt::format("{}-bit DH parameters are too small for real use (2048 bits or more)", bits));
  }
}

int generate(const Options& o, const CLI::App& sub) {
  if (o.text && o.der && !o.noout) {
    throw_usage("--text and --der together need --noout (text and binary do not mix)");
  }
  if (o.x942 && o.pkcs3) {
    throw_usage("--x942 and --pkcs3 exclude each other");
  }
  dh::DhParameters params;
  std::optional<dh::ParamsFormat> format;
  if (o.x942) {
    format = dh::ParamsFormat::x942;
  } else if (o.pkcs3) {
    format = dh::ParamsFormat::pkcs3;
  }
  if (!o.in.empty()) {
    Bytes data = io::read_all(o.in);
    try {
      params = dh::decode_dh_params(data);
    } catch (Error& e) {
      e.with_input(o.in);
      throw;
    }
    if (format == dh::ParamsFormat::x942 && params.numbers.q.empty()) {
      warn("no q in " + o.in + ": writing q = (p - 1) / 2, right only for a safe prime");
    }
  } else if (!o.group.empty()) {
    const dh::NamedGroup* group = dh::find_group(o.group);
    if (!group) {
      throw_usage("unknown group '" + o.group + "' (see --list-groups)");
    }
    params.numbers = dh::group_params(*group, true);
    params.format = dh::ParamsFormat::pkcs3;
  } else {
    auto rng = make_rng(o);
    dh::GenerateOptions options;
    options.bits = o.bits;
    options.threads = o.threads;
    options.progress = progress_printer();
    if (o.dsa_style) {
      if (sub.count("--bits") == 0 && *o.dsa_style == 160) {
        options.bits = 1024;
      }
      warn_size(options.bits);
      params = dh::generate_dsa_style(*rng, *o.dsa_style, options);
      if (format == dh::ParamsFormat::pkcs3) {
        warn(
            "PKCS#3 has no room for q: without it these parameters are not a safe prime and "
            "checkers (hsk --check, openssl dhparam -check) reject them");
      }
    } else {
      warn_size(options.bits);
      params = dh::generate_safe_prime(*rng, options);
    }
  }
  params = dh::with_format(std::move(params), format.value_or(params.format));
  write_output(o, params);
  return 0;
}

}  // namespace

Run setup_gen_dh_params(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  auto* bits =
      sub.add_option("--bits", o->bits,
                     "Size of p in bits (default 2048; 64-10000, below 2048 for tests only)")
          ->check(CLI::Range(64u, 10000u));
  auto* dsa =
      sub.add_option("--dsa-style", o->dsa_style,
                     "FIPS 186-4 parameters with a QBITS-bit q (224 or 256; 160 for 1024-bit p), "
                     "written as X9.42")
          ->type_name("QBITS")
          ->check(CLI::IsMember({160u, 224u, 256u}));
  auto* group = sub.add_option("--group", o->group,
                               "Write a standard group: ffdhe2048..ffdhe8192 (RFC 7919), "
                               "modp1536..modp8192 (RFC 3526)")
                    ->type_name("NAME");
  auto* list = sub.add_flag("--list-groups", o->list_groups, "List the standard groups and exit");
  auto* chk = sub.add_option("--check", o->check,
                             "Validate the parameters in FILE (PEM or DER, PKCS#3 or X9.42); "
                             "exit 0 when valid, 1 when not")
                  ->type_name("FILE");
  auto* in =
      sub.add_option("--in", o->in, "Read parameters from FILE and write them again (convert)")
          ->type_name("FILE");
  sub.add_flag("--x942", o->x942,
               "Write X9.42 \"X9.42 DH PARAMETERS\" (p, g, q) instead of PKCS#3");
  sub.add_flag("--pkcs3", o->pkcs3, "Write PKCS#3 \"DH PARAMETERS\" (p, g), dropping q");
  sub.add_flag("--der", o->der, "Write DER instead of PEM");
  sub.add_flag("--text", o->text,
               "Print the parameters as text (like openssl dhparam -text) before the encoding");
  sub.add_flag("--noout", o->noout, "Do not write the encoded parameters");
  sub.add_option("-o,--out", o->out, "Output file, written atomically; - for stdout (default)")
      ->type_name("FILE");
  sub.add_option("--seed", o->seed,
                 "Derive all randomness from this string: reproducible output for tests. UNSAFE "
                 "for real use")
      ->type_name("S");
  sub.add_option("--threads", o->threads, "Worker threads (default: one per core)")
      ->check(CLI::Range(1u, 1024u));
  group->excludes(dsa)->excludes(bits)->excludes(in);
  chk->excludes(group)->excludes(dsa)->excludes(bits)->excludes(in)->excludes(list);
  in->excludes(dsa)->excludes(bits);
  list->excludes(group)->excludes(dsa)->excludes(bits)->excludes(in);
  return [o, &sub]() {
    if (o->list_groups) {
      return list_groups();
    }
    if (!o->check.empty()) {
      return check(*o);
    }
    return generate(*o, sub);
  };
}

}  // namespace hsk::cmd
