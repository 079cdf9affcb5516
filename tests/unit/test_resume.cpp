// Session resumption by session id at the library level (RFC 5246 §7.3 Figure 2, §7.4.1.2,
// §7.4.1.3; RFC 7627 §5.3), hsk client against hsk server: a full handshake (RSA and
// ECDHE_RSA, extended master secret on) whose server stores the session in a cache directory
// (file mode 0600, directory 0700, the JSON fields read back with nlohmann, not with the code
// under test); then a ClientHello offering that session: the abbreviated flight (ServerHello
// echoing the id, ChangeCipherSpec, Finished — no Certificate), both sides holding the first
// handshake's master secret and a new key block (recomputed here from crypto::key_block with
// the new randoms), both Finished verified, application data each way. Misses: an expired
// entry (removed), an unknown id, a corrupt entry (a warning, never an abort), a session with
// extended master secret offered without it, a session without EMS at all (RFC 7627 §5.3:
// never resumed), a server that now asks for a client certificate and a session whose client
// was not authenticated, a symlinked entry. The client refuses a resuming ServerHello with
// another suite (illegal_parameter), a version above its own (protocol_version), without the
// session's EMS or for a session without EMS (handshake_failure), and resume_from refuses a
// state whose handshake did not complete. An unsafe cache directory (mode go+w, another
// owner) is refused (io).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "crypto/tls_crypto.hpp"
#include "handshake/app_data.hpp"
#include "handshake/client_hello.hpp"
#include "handshake/derive_pms.hpp"
#include "handshake/finish_step.hpp"
#include "handshake/key_schedule.hpp"
#include "handshake/server_respond.hpp"
#include "handshake/session_cache.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "pki/keys.hpp"
#include "pki/testpki.hpp"
#include "pki/x509.hpp"
#include "wire/messages.hpp"
#include "wire/record.hpp"
#include "wire/writer.hpp"

using hsk::Bytes;
using hsk::ByteView;
using hsk::Error;
using hsk::ErrorKind;
using namespace hsk::handshake;
namespace crypto = hsk::crypto;
namespace wire = hsk::wire;
namespace pki = hsk::pki;

namespace {

const pki::UnixTime kNow = 1767225600;  // 2026-01-01, inside the test PKI's validity

constexpr std::uint16_t kRsaAes128Sha256 = 0x003c;    // TLS_RSA_WITH_AES_128_CBC_SHA256
constexpr std::uint16_t kEcdheRsaAes128Gcm = 0xc02f;  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
constexpr std::uint16_t kEcdheRsaAes256Gcm = 0xc030;  // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

struct Pki {
  std::string dir;
  ServerKeyPair rsa;
  std::vector<pki::Certificate> cas;
  Pki() {
    char tmpl[] = "/tmp/hsk-resume-pki-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    auto rng = crypto::seeded_rng("test_resume");
    pki::TestPkiOptions o;
    o.not_before = kNow - 86400;
    o.not_after = kNow + 86400 * 365;
    pki::make_test_pki(dir, *rng, o);
    rsa = load_server_key_pair(dir + "/server-rsa.pem", dir + "/server-rsa.key");
    cas = pki::load_certificates(dir + "/ca.pem");
  }
  ~Pki() { std::filesystem::remove_all(dir); }
};

Pki& test_pki() {
  static Pki p;
  return p;
}

// A scratch cache directory per test case (not yet created: store creates it).
struct CacheDir {
  std::string base;
  std::string dir;
  CacheDir() {
    char tmpl[] = "/tmp/hsk-resume-cache-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    base = tmpl;
    dir = base + "/cache";
  }
  ~CacheDir() { std::filesystem::remove_all(base); }
};

std::vector<wire::Record> records_of(ByteView bytes) {
  wire::Reader r(bytes);
  std::vector<wire::Record> out;
  while (!r.empty()) {
    out.push_back(wire::decode_record(r));
  }
  return out;
}

std::vector<wire::HandshakeMessage> messages_of(const std::vector<wire::Record>& recs) {
  wire::HandshakeAssembler as;
  for (const auto& rec : recs) {
    as.add(rec);
  }
  return as.take();
}

struct Sides {
  State client;
  State server;
};

ClientHelloOptions hello_options(std::vector<std::uint16_t> suites, bool ems) {
  ClientHelloOptions co;
  co.version = wire::kTls12;
  co.cipher_suites = std::move(suites);
  co.extended_master_secret = ems;
  co.gmt_unix_time = static_cast<std::uint32_t>(kNow);
  return co;
}

ServerRespondOptions server_options(const std::string& cache, std::int64_t lifetime,
                                    bool ems = true) {
  ServerRespondOptions so;
  so.pairs = {test_pki().rsa};
  so.gmt_unix_time = static_cast<std::uint32_t>(kNow);
  so.session_cache = cache;
  so.session_lifetime = lifetime;
  so.extended_master_secret = ems;
  return so;
}

// full runs a whole handshake through both Finished; the server caches the session once the
// client's Finished verified, as the server's derive-pms does.
Sides full(std::uint16_t suite, const std::string& cache, std::int64_t lifetime, bool client_ems,
           bool server_ems, const std::string& seed) {
  auto rng = crypto::seeded_rng(seed);
  BuiltClientHello ch = build_client_hello(hello_options({suite}, client_ems), *rng);
  Sides s;
  s.client = new_client_state(ch, std::nullopt);
  ServerFlight flight =
      server_respond(ch.hello, ch.message, server_options(cache, lifetime, server_ems), *rng);
  REQUIRE_FALSE(flight.resumed);
  s.server = flight.state;
  ClientKexOptions cko;
  cko.trusted = test_pki().cas;
  cko.now = kNow;
  ClientKexResult cr =
      client_key_exchange(s.client, messages_of(records_of(flight.records)), cko, *rng);
  ServerKexOptions sko;
  sko.server_key = test_pki().rsa.key;
  std::vector<wire::Record> cf = records_of(cr.records);
  server_key_exchange(s.server, messages_of(cf), sko, *rng);
  std::vector<wire::Record> fin = records_of(send_finished(s.client, *rng));
  REQUIRE(fin.size() == 2);
  receive_finished(s.server, fin[0], {fin[1]});
  CHECK(cache_completed_session(s.server, kNow));
  std::vector<wire::Record> sfin = records_of(send_finished(s.server, *rng));
  receive_finished(s.client, sfin[0], {sfin[1]});
  REQUIRE(s.client.values.at("handshake_complete") == "true");
  REQUIRE(s.server.values.at("handshake_complete") == "true");
  return s;
}

struct Attempt {
  BuiltClientHello hello;
  State client;
  ServerFlight flight;
  CacheLookup lookup;
};

// offer builds a ClientHello resuming `resume` and lets the server answer from the cache.
Attempt offer(const ResumeSession& resume, std::vector<std::uint16_t> suites, bool client_ems,
              const std::string& cache, std::int64_t now, const std::string& seed,
              bool server_ems = true) {
  auto rng = crypto::seeded_rng(seed);
  ClientHelloOptions co = hello_options(std::move(suites), client_ems);
  co.resume = resume;
  Attempt a;
  a.hello = build_client_hello(co, *rng);
  a.client = new_client_state(a.hello, resume);
  ServerRespondOptions so = server_options(cache, kDefaultSessionLifetime, server_ems);
  a.lookup = find_session(cache, a.hello.hello.session_id, now);
  so.cached_session = a.lookup.entry;
  so.cache_miss = a.lookup.miss;
  a.flight = server_respond(a.hello.hello, a.hello.message, so, *rng);
  return a;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return nlohmann::json::parse(ss.str());
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void app_data_both_ways(State& client, State& server) {
  auto rng = crypto::seeded_rng("app data");
  const Bytes ping{'p', 'i', 'n', 'g'};
  const Bytes pong{'p', 'o', 'n', 'g', '!'};
  std::vector<wire::Record> c = records_of(seal_application_data(client, ping, *rng));
  REQUIRE(c.size() == 1);
  CHECK(c[0].content_type == 23);
  Incoming in = open_incoming(server, c[0]);
  CHECK(in.kind == Incoming::Kind::data);
  CHECK(in.data == ping);
  std::vector<wire::Record> s = records_of(seal_application_data(server, pong, *rng));
  REQUIRE(s.size() == 1);
  Incoming back = open_incoming(client, s[0]);
  CHECK(back.kind == Incoming::Kind::data);
  CHECK(back.data == pong);
}

std::string fmt_code(std::uint16_t c) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%04x", static_cast<unsigned>(c));
  return b;
}

bool has_alert(const Error& e, ErrorKind kind, std::uint8_t alert) {
  return e.kind() == kind && e.alert() == alert;
}

// cache_entry: an ECDHE-RSA AES-128-GCM TLS 1.2 session with EMS, valid from `created` to
// `expires`.
CachedSession cache_entry(Bytes id, std::int64_t created, std::int64_t expires) {
  CachedSession e;
  e.session_id = std::move(id);
  e.version = wire::kTls12;
  e.cipher_suite = kEcdheRsaAes128Gcm;
  e.extended_master_secret = true;
  e.master_secret = Bytes(48, 0x5a);
  e.created = created;
  e.expires = expires;
  return e;
}

}  // namespace

TEST_CASE("resume: full handshake stores the session, the next one is abbreviated", "[resume]") {
  const std::uint16_t suite = GENERATE(kRsaAes128Sha256, kEcdheRsaAes128Gcm);
  CAPTURE(suite);
  CacheDir cache;
  Sides first = full(suite, cache.dir, 3600, true, true, "first");
  const Bytes& sid = *first.server.server_session_id;
  REQUIRE(sid.size() == 32);
  const Bytes ms = first.server.secrets.at("master_secret");
  REQUIRE(first.client.secrets.at("master_secret") == ms);
  REQUIRE(first.server.values.at("extended_master_secret") == "true");

  // The cache: directory 0700, one file named by the hex id, 0600, the fields as stored.
  const std::string file = cache.dir + "/" + hsk::to_hex(sid);
  REQUIRE(std::filesystem::exists(file));
  CHECK(mode_of(cache.dir) == 0700);
  CHECK(mode_of(file) == 0600);
  nlohmann::json j = read_json(file);
  CHECK(j["session_id"] == hsk::to_hex(sid));
  CHECK(j["version"] == "0x0303");
  CHECK(j["cipher_suite"] == fmt_code(suite));
  CHECK(j["extended_master_secret"] == true);
  CHECK(j["master_secret"] == hsk::to_hex(ms));
  CHECK(j["created"] == kNow);
  CHECK(j["expires"] == kNow + 3600);

  // The resumption.
  ResumeSession rs = resume_from(first.client, "first.json");
  REQUIRE(rs.session_id == sid);
  REQUIRE(rs.master_secret == ms);
  Attempt a = offer(rs, {suite}, true, cache.dir, kNow + 60, "second");
  CHECK(a.lookup.warning.empty());
  REQUIRE(a.flight.resumed);
  CHECK(a.flight.not_resumed.empty());
  std::vector<wire::Record> recs = records_of(a.flight.records);
  // ServerHello (handshake), ChangeCipherSpec, the protected Finished; nothing else.
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].content_type == 22);
  CHECK(recs[1].content_type == 20);
  CHECK(recs[1].fragment == Bytes{1});
  CHECK(recs[2].content_type == 22);
  std::vector<wire::HandshakeMessage> msgs = messages_of({recs[0]});
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].msg_type == 2);
  wire::Reader shr(msgs[0].body);
  wire::ServerHello sh = wire::decode_server_hello(shr);
  CHECK(sh.session_id == sid);
  CHECK(sh.cipher_suite == suite);
  CHECK(sh.server_version == wire::kTls12);

  State server = a.flight.state;
  State client = a.client;
  CHECK(server.values.at("resumed") == "true");
  CHECK(server.values.at("server_finished") == "sent");
  REQUIRE(server_resumes(client, msgs[0]));
  ClientResumeResult cr = client_resume_hello(client, msgs[0]);
  receive_finished(client, recs[1], {recs[2]});  // the server's Finished, first
  auto rng = crypto::seeded_rng("client finished");
  std::vector<wire::Record> cfin = records_of(send_finished(client, *rng));
  REQUIRE(cfin.size() == 2);
  receive_finished(server, cfin[0], {cfin[1]});

  CHECK(client.values.at("handshake_complete") == "true");
  CHECK(server.values.at("handshake_complete") == "true");
  CHECK(client.values.at("resumed") == "true");
  // The same master secret as the first handshake, a new key block from the new randoms.
  CHECK(client.secrets.at("master_secret") == ms);
  CHECK(server.secrets.at("master_secret") == ms);
  CHECK(client.secrets.count("pre_master_secret") == 0);
  CHECK(client.secrets.at("key_block") == server.secrets.at("key_block"));
  CHECK(client.secrets.at("key_block") != first.client.secrets.at("key_block"));
  CHECK(*client.server_random != *first.client.server_random);
  const wire::CipherSuite& cs = *wire::find_cipher_suite(suite);
  const crypto::PrfKind prf = crypto::prf_kind(wire::kTls12, cs);
  CHECK(client.secrets.at("key_block") ==
        crypto::key_block(prf, ms, *client.server_random, client.client_random,
                          crypto::key_block_length(cs, wire::kTls12)));
  CHECK(cr.keys.key_block == client.secrets.at("key_block"));
  // Transcript: ClientHello, ServerHello, server Finished, client Finished on both sides.
  REQUIRE(client.transcript.size() == 4);
  CHECK(client.transcript == server.transcript);
  CHECK(client.transcript[2].from == Role::server);
  CHECK(client.transcript[2].msg_type() == 20);
  CHECK(client.transcript[3].from == Role::client);
  app_data_both_ways(client, server);

  // The resumed client state can itself be resumed (it keeps the master secret).
  ResumeSession again = resume_from(client, "second.json");
  CHECK(again.session_id == sid);
  CHECK(again.master_secret == ms);
  CHECK(again.extended_master_secret);
}

TEST_CASE("resume: expired entry, unknown id, corrupt entry give a full handshake", "[resume]") {
  CacheDir cache;
  Sides first = full(kEcdheRsaAes128Gcm, cache.dir, 100, true, true, "first");
  const Bytes sid = *first.server.server_session_id;
  const std::string file = cache.dir + "/" + hsk::to_hex(sid);
  ResumeSession rs = resume_from(first.client, "first.json");

  SECTION("expired: the file is removed") {
    REQUIRE(std::filesystem::exists(file));
    Attempt a = offer(rs, {kEcdheRsaAes128Gcm}, true, cache.dir, kNow + 100, "late");
    CHECK_FALSE(a.flight.resumed);
    CHECK(a.lookup.miss == "its cache entry had expired (removed)");
    CHECK(a.flight.not_resumed == a.lookup.miss);
    CHECK_FALSE(std::filesystem::exists(file));
    CHECK(a.flight.server_hello.session_id != sid);
    CHECK(a.flight.server_hello.session_id.size() == 32);
    CHECK(a.flight.explain.find("not resumed: its cache entry had expired") != std::string::npos);
    // A full flight: ServerHello .. ServerHelloDone, with a Certificate.
    std::vector<wire::HandshakeMessage> m = messages_of(records_of(a.flight.records));
    CHECK(m.size() == 4);
    CHECK(m[1].msg_type == 11);
    CHECK(m.back().msg_type == 14);
  }
  SECTION("one second before expiry it still resumes") {
    Attempt a = offer(rs, {kEcdheRsaAes128Gcm}, true, cache.dir, kNow + 99, "just in time");
    CHECK(a.flight.resumed);
  }
  SECTION("unknown id") {
    ResumeSession other = rs;
    other.session_id = Bytes(32, 0xab);
    Attempt a = offer(other, {kEcdheRsaAes128Gcm}, true, cache.dir, kNow, "unknown");
    CHECK_FALSE(a.flight.resumed);
    CHECK(a.flight.not_resumed == "it is not in the session cache");
    CHECK(a.flight.server_hello.session_id != other.session_id);
  }
  SECTION("corrupt entry: a warning naming the file, a full handshake") {
    {
      std::ofstream f(file, std::ios::trunc);
      f << "{\"session_id\": \"" << hsk::to_hex(sid) << "\", \"version\": 771}";
    }
    CHECK_THROWS_MATCHES(lookup(cache.dir, sid, kNow), Error,
                         Catch::Predicate<Error>([&](const Error& e) {
                           return e.kind() == ErrorKind::malformed && e.input() == file;
                         }));
    Attempt a = offer(rs, {kEcdheRsaAes128Gcm}, true, cache.dir, kNow, "corrupt");
    CHECK_FALSE(a.flight.resumed);
    CHECK(a.lookup.warning.find(file) != std::string::npos);
    CHECK(a.lookup.warning.find("version") != std::string::npos);
    {
      std::ofstream f(file, std::ios::trunc);
      f << "not json";
    }
    Attempt b = offer(rs, {kEcdheRsaAes128Gcm}, true, cache.dir, kNow, "garbage");
    CHECK_FALSE(b.flight.resumed);
    CHECK(b.lookup.warning.find("not a JSON object") != std::string::npos);
  }
  SECTION("the server no longer accepts the suite") {
    auto rng = crypto::seeded_rng("suites");
    ClientHelloOptions co = hello_options({kEcdheRsaAes128Gcm, kEcdheRsaAes256Gcm}, true);
    co.resume = rs;
    BuiltClientHello ch = build_client_hello(co, *rng);
    ServerRespondOptions so = server_options(cache.dir, 100);
    so.suites = {kEcdheRsaAes256Gcm};
    so.cached_session = lookup(cache.dir, sid, kNow);
    ServerFlight f = server_respond(ch.hello, ch.message, so, *rng);
    CHECK_FALSE(f.resumed);
    CHECK(f.cipher_suite == kEcdheRsaAes256Gcm);
    CHECK(f.not_resumed.find("is not among this server's suites") != std::string::npos);
  }
}

TEST_CASE("resume: extended master secret must agree (RFC 7627 §5.3)", "[resume]") {
  CacheDir cache;
  SECTION("session with EMS, new ClientHello without it: full handshake") {
    Sides first = full(kRsaAes128Sha256, cache.dir, 3600, true, true, "ems on");
    ResumeSession rs = resume_from(first.client, "first.json");
    REQUIRE(rs.extended_master_secret);
    Attempt a = offer(rs, {kRsaAes128Sha256}, false, cache.dir, kNow, "no ems");
    CHECK_FALSE(a.flight.resumed);
    CHECK(a.flight.not_resumed.find("lacks extended_master_secret") != std::string::npos);
    CHECK(a.flight.server_hello.session_id != rs.session_id);
  }
  SECTION("session without EMS: never resumed, with or without EMS now") {
    Sides first = full(kRsaAes128Sha256, cache.dir, 3600, false, true, "ems off");
    REQUIRE(first.server.values.at("extended_master_secret") == "false");
    const std::string file = cache.dir + "/" + hsk::to_hex(*first.server.server_session_id);
    CHECK(read_json(file)["extended_master_secret"] == false);
    ResumeSession rs = resume_from(first.client, "first.json");
    REQUIRE_FALSE(rs.extended_master_secret);
    Attempt a = offer(rs, {kRsaAes128Sha256}, true, cache.dir, kNow, "ems now");
    CHECK_FALSE(a.flight.resumed);
    CHECK(a.flight.not_resumed == "the session has no extended master secret: RFC 7627 §5.3");
    // Without EMS on both sides it is not resumed either (RFC 7627 §5.3).
    Attempt b = offer(rs, {kRsaAes128Sha256}, false, cache.dir, kNow, "ems still off", false);
    CHECK_FALSE(b.flight.resumed);
    CHECK(b.flight.not_resumed == "the session has no extended master secret: RFC 7627 §5.3");
    CHECK(b.flight.server_hello.session_id != rs.session_id);
  }
}

TEST_CASE("resume: the client checks the resuming ServerHello", "[resume]") {
  CacheDir cache;
  Sides first = full(kEcdheRsaAes128Gcm, cache.dir, 3600, true, true, "first");
  ResumeSession rs = resume_from(first.client, "first.json");
  Attempt a = offer(rs, {kEcdheRsaAes128Gcm, kEcdheRsaAes256Gcm}, true, cache.dir, kNow, "two");
  REQUIRE(a.flight.resumed);
  wire::ServerHello sh = a.flight.server_hello;
  auto tampered = [](const wire::ServerHello& h) {
    wire::Writer w;
    wire::encode_server_hello(w, h);
    wire::HandshakeMessage m;
    m.msg_type = 2;
    m.body = w.take();
    return m;
  };
  SECTION("another suite: illegal_parameter") {
    wire::ServerHello other = sh;
    other.cipher_suite = kEcdheRsaAes256Gcm;  // offered, but not the session's
    State before = a.client;
    CHECK_THROWS_MATCHES(client_resume_hello(a.client, tampered(other)), Error,
                         Catch::Predicate<Error>([](const Error& e) {
                           return has_alert(e, ErrorKind::check_failed,
                                            Error::kAlertIllegalParameter);
                         }));
    CHECK(a.client == before);  // untouched
  }
  SECTION("another version: illegal_parameter") {
    wire::ServerHello other = sh;
    other.server_version = wire::kTls11;
    CHECK_THROWS_MATCHES(client_resume_hello(a.client, tampered(other)), Error,
                         Catch::Predicate<Error>([](const Error& e) {
                           return has_alert(e, ErrorKind::check_failed,
                                            Error::kAlertIllegalParameter);
                         }));
  }
  SECTION("the session's EMS missing: handshake_failure") {
    wire::ServerHello other = sh;
    std::vector<wire::Extension> kept;
    for (const auto& e : *other.extensions) {
      if (e.type != 0x0017) {
        kept.push_back(e);
      }
    }
    other.extensions = kept;
    CHECK_THROWS_MATCHES(client_resume_hello(a.client, tampered(other)), Error,
                         Catch::Predicate<Error>([](const Error& e) {
                           return has_alert(e, ErrorKind::check_failed,
                                            Error::kAlertHandshakeFailure);
                         }));
  }
  SECTION("server_version above the ClientHello's: protocol_version") {
    wire::ServerHello other = sh;
    other.server_version = 0x0304;
    CHECK_THROWS_MATCHES(client_resume_hello(a.client, tampered(other)), Error,
                         Catch::Predicate<Error>([](const Error& e) {
                           return has_alert(e, ErrorKind::check_failed,
                                            Error::kAlertProtocolVersion) &&
                                  e.message().find("above the ClientHello") != std::string::npos;
                         }));
  }
  SECTION("a session without EMS resumed: handshake_failure (RFC 7627 §5.3)") {
    // As if the earlier handshake had no EMS and the server resumed it anyway (without EMS).
    a.client.resume->extended_master_secret = false;
    wire::ServerHello other = sh;
    std::vector<wire::Extension> kept;
    for (const auto& e : *other.extensions) {
      if (e.type != 0x0017) {
        kept.push_back(e);
      }
    }
    other.extensions = kept;
    CHECK_THROWS_MATCHES(
        client_resume_hello(a.client, tampered(other)), Error,
        Catch::Predicate<Error>([](const Error& e) {
          return has_alert(e, ErrorKind::check_failed, Error::kAlertHandshakeFailure) &&
                 e.message().find("no extended master secret") != std::string::npos;
        }));
  }
  SECTION("another session id: not a resumption") {
    wire::ServerHello other = sh;
    other.session_id = Bytes(32, 0x11);
    CHECK_FALSE(server_resumes(a.client, tampered(other)));
  }
  SECTION("the genuine one passes") {
    CHECK(server_resumes(a.client, tampered(sh)));
    client_resume_hello(a.client, tampered(sh));
    CHECK(a.client.values.at("resumed") == "true");
  }
}

TEST_CASE("resume: cache file names and entries", "[resume]") {
  CacheDir cache;
  CHECK(is_session_file_name("00ff"));
  CHECK_FALSE(is_session_file_name("0"));
  CHECK_FALSE(is_session_file_name("../etc"));
  CHECK_FALSE(is_session_file_name("00FF"));
  CHECK_FALSE(is_session_file_name(std::string(66, 'a')));
  CHECK_THROWS_AS(session_file(cache.dir, Bytes(33, 1)), Error);
  CHECK_THROWS_AS(session_file(cache.dir, Bytes{}), Error);
  CHECK(session_file(cache.dir, Bytes{0x0a, 0xbc}) == cache.dir + "/0abc");
  CHECK_FALSE(lookup(cache.dir, Bytes{1, 2}, kNow).has_value());  // no directory yet
  CachedSession e = cache_entry(Bytes{1, 2, 3}, kNow, kNow + 10);
  store(cache.dir, e);
  CHECK(mode_of(cache.dir + "/010203") == 0600);
  CHECK(lookup(cache.dir, Bytes{1, 2, 3}, kNow + 9) == e);
  e.master_secret = Bytes(47, 0);
  CHECK_THROWS_AS(store(cache.dir, e), Error);
  // An entry whose session_id is not its file's name is refused.
  std::filesystem::copy_file(cache.dir + "/010203", cache.dir + "/0405");
  CHECK_THROWS_AS(lookup(cache.dir, Bytes{4, 5}, kNow), Error);
}

TEST_CASE("resume: resume_from wants a completed handshake (RFC 5246 §7.2)", "[resume]") {
  CacheDir cache;
  Sides first = full(kEcdheRsaAes128Gcm, cache.dir, 3600, true, true, "first");
  State unfinished = first.client;
  unfinished.values.erase("handshake_complete");
  CHECK_THROWS_MATCHES(resume_from(unfinished, "c.json"), Error,
                       Catch::Predicate<Error>([](const Error& e) {
                         return e.kind() == ErrorKind::usage &&
                                e.message().find(
                                    "c.json: the earlier handshake did not "
                                    "complete (run hsk finish first)") != std::string::npos;
                       }));
  unfinished.values["handshake_complete"] = "false";
  CHECK_THROWS_AS(resume_from(unfinished, "c.json"), Error);
  CHECK(resume_from(first.client, "c.json").session_id == *first.server.server_session_id);
}

TEST_CASE("resume: client authentication carries over; --request-cert needs it", "[resume]") {
  CacheDir cache;
  Sides first = full(kEcdheRsaAes128Gcm, cache.dir, 3600, true, true, "first");
  const Bytes sid = *first.server.server_session_id;
  const std::string file = cache.dir + "/" + hsk::to_hex(sid);
  // The first handshake had no client certificate: recorded as unauthenticated.
  nlohmann::json j = read_json(file);
  CHECK(j["client_authenticated"] == false);
  CHECK(j["client_certificate"] == "");
  ResumeSession rs = resume_from(first.client, "first.json");
  auto attempt = [&](bool request_cert, const std::string& seed) {
    auto rng = crypto::seeded_rng(seed);
    ClientHelloOptions co = hello_options({kEcdheRsaAes128Gcm}, true);
    co.resume = rs;
    BuiltClientHello ch = build_client_hello(co, *rng);
    ServerRespondOptions so = server_options(cache.dir, 3600);
    so.request_cert = request_cert;
    so.cached_session = lookup(cache.dir, sid, kNow);
    REQUIRE(so.cached_session);
    return server_respond(ch.hello, ch.message, so, *rng);
  };
  SECTION("unauthenticated session, the server now asks: full handshake") {
    ServerFlight f = attempt(true, "asks");
    CHECK_FALSE(f.resumed);
    CHECK(f.not_resumed ==
          "the session has no authenticated client; this server asks for a certificate");
    std::vector<wire::HandshakeMessage> m = messages_of(records_of(f.records));
    bool request = false;
    for (const auto& msg : m) {
      request = request || msg.msg_type == 13;  // CertificateRequest
    }
    CHECK(request);
  }
  SECTION("unauthenticated session, no --request-cert: resumed, unauthenticated") {
    ServerFlight f = attempt(false, "no ask");
    CHECK(f.resumed);
    CHECK(f.state.values.at("client_authenticated") == "false");
    CHECK(f.state.values.count("client_certificate") == 0);
  }
  SECTION("an entry of an older hsk (no client members) reads as unauthenticated") {
    j.erase("client_authenticated");
    j.erase("client_certificate");
    {
      std::ofstream f(file, std::ios::trunc);
      f << j.dump();
    }
    CachedSession e = *lookup(cache.dir, sid, kNow);
    CHECK_FALSE(e.client_authenticated);
    CHECK(e.client_certificate.empty());
    CHECK_FALSE(attempt(true, "old asks").resumed);
    CHECK(attempt(false, "old no ask").resumed);
  }
  SECTION("authenticated session: resumed under --request-cert, the subject carried over") {
    State s = first.server;
    s.values["client_authenticated"] = "true";
    s.values["client_certificate"] = "CN=hsk test client";
    CachedSession e = session_from_state(s, kNow, 3600);
    CHECK(e.client_authenticated);
    CHECK(e.client_certificate == "CN=hsk test client");
    store(cache.dir, e);
    nlohmann::json k = read_json(file);
    CHECK(k["client_authenticated"] == true);
    CHECK(k["client_certificate"] == "CN=hsk test client");
    ServerFlight f = attempt(true, "authenticated");
    CHECK(f.resumed);
    CHECK(f.state.values.at("client_authenticated") == "true");
    CHECK(f.state.values.at("client_certificate") == "CN=hsk test client");
    // A client that sent an empty Certificate is not authenticated: "" recorded.
    s.values["client_authenticated"] = "false";
    s.values["client_certificate"] = "empty";
    CachedSession u = session_from_state(s, kNow, 3600);
    CHECK_FALSE(u.client_authenticated);
    CHECK(u.client_certificate.empty());
  }
  // A bad member type is a corrupt entry.
  SECTION("client_authenticated of the wrong type") {
    j["client_authenticated"] = "yes";
    CHECK_THROWS_MATCHES(
        parse_session_entry(j.dump(), file), Error,
        Catch::Predicate<Error>([](const Error& e) { return e.kind() == ErrorKind::malformed; }));
  }
}

TEST_CASE("resume: an unsafe cache directory is refused, a symlinked entry not followed",
          "[resume]") {
  CacheDir cache;
  CachedSession e = cache_entry(Bytes{1, 2, 3}, kNow, kNow + 10);
  store(cache.dir, e);
  auto io_naming_dir = [&](const std::string& what) {
    return Catch::Predicate<Error>([&, what](const Error& x) {
      return x.kind() == ErrorKind::io && x.input() == cache.dir &&
             x.message().find(what) != std::string::npos;
    });
  };
  SECTION("writable by group or others") {
    for (unsigned mode : {0770u, 0702u, 0777u}) {
      CAPTURE(mode);
      REQUIRE(::chmod(cache.dir.c_str(), mode) == 0);
      CHECK_THROWS_MATCHES(store(cache.dir, e), Error, io_naming_dir("lets group or others"));
      CHECK_THROWS_MATCHES(lookup(cache.dir, e.session_id, kNow), Error,
                           io_naming_dir("lets group or others"));
      CHECK_THROWS_MATCHES(find_session(cache.dir, e.session_id, kNow), Error,
                           io_naming_dir("lets group or others"));
    }
    REQUIRE(::chmod(cache.dir.c_str(), 0750) == 0);  // group read only: accepted
    CHECK(lookup(cache.dir, e.session_id, kNow) == e);
  }
  SECTION("owned by another user") {
    if (::geteuid() != 0) {
      WARN("not root: cannot give the directory away, not checked");
      return;
    }
    REQUIRE(::chown(cache.dir.c_str(), 4242, 4242) == 0);
    CHECK_THROWS_MATCHES(store(cache.dir, e), Error, io_naming_dir("owned by uid 4242"));
    CHECK_THROWS_MATCHES(find_session(cache.dir, e.session_id, kNow), Error,
                         io_naming_dir("owned by uid 4242"));
  }
  SECTION("a symlinked entry is a miss with a warning") {
    // A valid entry for 0405, moved out of the cache and linked back in.
    CachedSession planted = e;
    planted.session_id = Bytes{4, 5};
    store(cache.dir, planted);
    const std::string target = cache.base + "/planted";
    const std::string link = cache.dir + "/0405";
    std::filesystem::rename(link, target);
    REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
    CHECK_THROWS_MATCHES(lookup(cache.dir, Bytes{4, 5}, kNow), Error,
                         Catch::Predicate<Error>([&](const Error& x) {
                           return x.kind() == ErrorKind::io && x.input() == link;
                         }));
    CacheLookup c = find_session(cache.dir, Bytes{4, 5}, kNow);
    CHECK_FALSE(c.entry);
    CHECK(c.warning.find("symbolic link") != std::string::npos);
  }
}

TEST_CASE("resume: store prunes expired entries, at most 100 a call", "[resume]") {
  CacheDir cache;
  CachedSession e = cache_entry(Bytes{}, kNow - 100, kNow);  // expired at kNow
  for (int i = 0; i < 130; ++i) {
    e.session_id = Bytes{0xee, static_cast<std::uint8_t>(i)};
    store(cache.dir, e);
  }
  CachedSession live = e;
  live.session_id = Bytes{0x11};
  live.expires = kNow + 1000;
  store(cache.dir, live);  // created kNow - 100: nothing expired yet
  auto count = [&] {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(cache.dir)) {
      ++n;
    }
    return n;
  };
  REQUIRE(count() == 131);
  {
    std::ofstream f(cache.dir + "/eeff");  // not an entry: left alone
    f << "not json";
  }
  CachedSession fresh = live;
  fresh.session_id = Bytes{0x22};
  fresh.created = kNow;
  fresh.expires = kNow + 1000;
  store(cache.dir, fresh);
  CHECK(count() == 131 + 2 - 100);
  store(cache.dir, fresh);
  CHECK(count() == 3);  // 11, 22 and the unparsable eeff
  CHECK(std::filesystem::exists(cache.dir + "/11"));
  CHECK(std::filesystem::exists(cache.dir + "/22"));
  CHECK(std::filesystem::exists(cache.dir + "/eeff"));
}
