// hsk_bench_handshake — handshakes per second of the in-library TLS 1.2 handshake, hsk client
// against hsk server in one process (no process start, no sockets, no files in the loop).
// A benchmark, not a test: it is not registered with ctest (scripts/bench-handshake runs it).
//
// One handshake is everything both sides do, through the library API as
// tests/unit/test_handshake_e2e.cpp and tests/unit/test_finish.cpp drive it:
//   client  build_client_hello + new_client_state
//   server  server_respond (ServerHello, Certificate, [signed ServerKeyExchange], ServerHelloDone,
//           as records)
//   client  records -> messages, client_key_exchange (certificate chain check against the CA,
//           ServerKeyExchange signature check, key exchange, master secret and key block)
//   server  records -> messages, server_key_exchange (pre-master secret recovery, keys)
//   both    send_finished / receive_finished each way (ChangeCipherSpec + protected Finished,
//           checked)
// TLS 1.2, extended master secret on, RSA-2048 server certificate issued by an RSA-2048 CA
// (pki::make_test_pki, made once in a temporary folder outside the timing, as are the keys).
// Randomness: crypto::system_rng (one instance, as a server process would hold).
//
// Usage: hsk_bench_handshake [--seconds S] [--pki DIR] KEX...
//   KEX: rsa (TLS_RSA_WITH_AES_128_GCM_SHA256), dhe (TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
//   ffdhe2048), x25519 (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, x25519). Default: all three.
//   --seconds: how long each KEX runs (default 3; at least 3 handshakes are run).
//   --pki DIR: use DIR's ca.pem and server-rsa.pem/.key (from `hsk gen-cert --test-pki DIR`)
//   instead of a fresh test PKI.
// Prints one line per KEX: "kex=rsa suite=0x009c handshakes=N seconds=S hs_per_s=X".
// Exit 0; 1 when a handshake did not complete (the failure is printed); 2 for bad arguments.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/finish_step.hpp"
#include "handshake/server_respond.hpp"
#include "handshake/state.hpp"
#include "pki/testpki.hpp"
#include "pki/x509.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"

using hsk::Bytes;
using hsk::ByteView;
using namespace hsk::handshake;
namespace crypto = hsk::crypto;
namespace wire = hsk::wire;
namespace pki = hsk::pki;

namespace {

struct Kex {
  const char* name;
  std::uint16_t suite;
  std::vector<std::uint16_t> groups;  // offered in supported_groups
  const char* group;                  // the server state's kex_group ("" for RSA)
};

const std::vector<Kex> kKexes = {
    {"rsa", 0x009c, {}, ""},                 // TLS_RSA_WITH_AES_128_GCM_SHA256
    {"dhe", 0x009e, {0x0100}, "ffdhe2048"},  // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
    {"x25519", 0xc02f, {29}, "x25519"},      // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
};

struct Setup {
  ServerKeyPair pair;
  std::vector<pki::Certificate> ca;
};

std::vector<wire::Record> records_of(ByteView bytes) {
  wire::Reader r(bytes);
  std::vector<wire::Record> out;
  while (!r.empty()) {
    out.push_back(wire::decode_record(r));
  }
  return out;
}

std::vector<wire::HandshakeMessage> messages_of(ByteView records) {
  wire::HandshakeAssembler as;
  for (const auto& rec : records_of(records)) {
    as.add(rec);
  }
  return as.take();
}

// handshake runs one full TLS 1.2 handshake in memory and returns the two final states.
std::pair<State, State> handshake(const Kex& kex, const Setup& setup, pki::UnixTime now,
                                  crypto::Rng& rng) {
  ClientHelloOptions co;
  co.version = wire::kTls12;
  co.cipher_suites = {kex.suite};
  co.gmt_unix_time = static_cast<std::uint32_t>(now);
  co.extended_master_secret = true;
  co.groups = kex.groups;
  BuiltClientHello ch = build_client_hello(co, rng);
  State client = new_client_state(ch, std::nullopt);

  ServerRespondOptions so;
  so.pairs = {setup.pair};
  so.suites = {kex.suite};
  so.gmt_unix_time = static_cast<std::uint32_t>(now);
  // The server reads the ClientHello from its records, as it would off the wire.
  std::vector<wire::HandshakeMessage> hello = messages_of(ch.records);
  wire::Reader hr(hello.at(0).body);
  wire::ClientHello parsed = wire::decode_client_hello(hr);
  ServerFlight flight = server_respond(parsed, wire::encode_handshake(hello.at(0)), so, rng);
  State server = std::move(flight.state);

  ClientKexOptions cko;
  cko.trusted = setup.ca;
  cko.now = now;
  ClientKexResult cr = client_key_exchange(client, messages_of(flight.records), cko, rng);

  ServerKexOptions sko;
  sko.server_key = setup.pair.key;
  sko.now = now;
  server_key_exchange(server, messages_of(cr.records), sko, rng);

  std::vector<wire::Record> cf = records_of(send_finished(client, rng));
  receive_finished(server, cf.at(0), {cf.begin() + 1, cf.end()});
  std::vector<wire::Record> sf = records_of(send_finished(server, rng));
  receive_finished(client, sf.at(0), {sf.begin() + 1, sf.end()});
  return {std::move(client), std::move(server)};
}

// check_done: both sides finished, agree, and used the key exchange asked for.
std::string check_done(const Kex& kex, const State& c, const State& s) {
  if (c.values.at("handshake_complete") != "true" || s.values.at("handshake_complete") != "true") {
    return "handshake not complete";
  }
  if (c.secrets.at("master_secret") != s.secrets.at("master_secret")) {
    return "master secrets differ";
  }
  if (s.values.at("extended_master_secret") != "true") {
    return "extended master secret not negotiated";
  }
  if (c.cipher_suite != kex.suite || c.negotiated_version != wire::kTls12) {
    return "wrong suite or version negotiated";
  }
  auto g = s.values.find("kex_group");
  if (std::string(kex.group) != (g == s.values.end() ? "" : g->second)) {
    return "wrong key exchange group";
  }
  return "";
}

int usage() {
  std::fprintf(stderr,
               "usage: hsk_bench_handshake [--seconds S] [--pki DIR] [rsa|dhe|x25519]...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  std::string pki_dir;
  std::vector<const Kex*> chosen;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--pki" && i + 1 < argc) {
      pki_dir = argv[++i];
    } else {
      const Kex* k = nullptr;
      for (const Kex& x : kKexes) {
        if (a == x.name) {
          k = &x;
        }
      }
      if (k == nullptr) {
        return usage();
      }
      chosen.push_back(k);
    }
  }
  if (chosen.empty()) {
    for (const Kex& x : kKexes) {
      chosen.push_back(&x);
    }
  }
  if (!(seconds > 0)) {
    return usage();
  }

  try {
    const pki::UnixTime now = std::time(nullptr);
    std::string made;
    if (pki_dir.empty()) {
      char tmpl[] = "/tmp/hsk-bench-XXXXXX";
      if (mkdtemp(tmpl) == nullptr) {
        std::perror("mkdtemp");
        return 1;
      }
      made = pki_dir = tmpl;
      auto seed_rng = crypto::seeded_rng("hsk_bench_handshake");
      pki::TestPkiOptions o;
      o.not_before = now - 86400;
      o.not_after = now + 86400 * 30;
      o.force = true;
      pki::make_test_pki(pki_dir, *seed_rng, o);
    }
    Setup setup{load_server_key_pair(pki_dir + "/server-rsa.pem", pki_dir + "/server-rsa.key"),
                pki::load_certificates(pki_dir + "/ca.pem")};
    if (!made.empty()) {
      std::filesystem::remove_all(made);
    }

    auto rng = crypto::system_rng();
    for (const Kex* kex : chosen) {
      {  // one untimed handshake: warms caches and checks the outcome
        auto [c, s] = handshake(*kex, setup, now, *rng);
        std::string why = check_done(*kex, c, s);
        if (!why.empty()) {
          std::fprintf(stderr, "hsk_bench_handshake: %s: %s\n", kex->name, why.c_str());
          return 1;
        }
      }
      using Clock = std::chrono::steady_clock;
      const auto start = Clock::now();
      const auto until = start + std::chrono::duration<double>(seconds);
      long n = 0;
      Clock::time_point end;
      do {
        auto [c, s] = handshake(*kex, setup, now, *rng);
        if (c.values.at("handshake_complete") != "true" ||
            s.values.at("handshake_complete") != "true") {
          std::fprintf(stderr, "hsk_bench_handshake: %s: handshake %ld not complete\n", kex->name,
                       n);
          return 1;
        }
        ++n;
        end = Clock::now();
      } while (end < until || n < 3);
      const double t = std::chrono::duration<double>(end - start).count();
      std::printf("kex=%s suite=0x%04x handshakes=%ld seconds=%.3f hs_per_s=%.1f\n", kex->name,
                  kex->suite, n, t, n / t);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hsk_bench_handshake: %s\n", e.what());
    return 1;
  }
  return 0;
}
