// hsk cmd/ — the subcommand table. Each subcommand is one row here and one file cmd/<name>.cpp
// whose setup function binds its options to the CLI11 subcommand and returns the action.
#pragma once

#include <functional>
#include <string_view>

namespace CLI {
class App;
}

namespace hsk::cmd {

// Run performs the command after parsing and returns the process exit code. It may throw
// hsk::Error, which main() prints as one line and maps to the documented exit code.
using Run = std::function<int()>;
using Setup = Run (*)(CLI::App& sub);

struct Command {
  std::string_view name;
  std::string_view summary;
  Setup setup;
};

Run setup_decode(CLI::App& sub);
Run setup_encode(CLI::App& sub);
Run setup_gen_dh_params(CLI::App& sub);
Run setup_gen_cert(CLI::App& sub);
Run setup_verify_sig(CLI::App& sub);
Run setup_client_hello(CLI::App& sub);
Run setup_server_respond(CLI::App& sub);
Run setup_derive_pms(CLI::App& sub);
Run setup_finish(CLI::App& sub);
Run setup_app_data(CLI::App& sub);

inline constexpr Command kCommands[] = {
    {"decode", "Decode TLS records and handshake messages (binary or hex) as text or JSON", setup_decode},
    {"encode", "Write the wire bytes described by `hsk decode --json` output (possibly edited)", setup_encode},
    {"gen-dh-params", "Generate, convert or check finite-field DH parameters (safe prime, FIPS 186-4, RFC 7919/3526 groups)", setup_gen_dh_params},
    {"gen-cert", "Make X.509 certificates and keys: CAs, servers, clients, fixed-DH; or a whole test PKI", setup_gen_cert},
    {"verify-sig", "Verify a certificate chain, or the ServerKeyExchange and CertificateVerify signatures in step files", setup_verify_sig},
    {"client-hello", "Phase 1: write a ClientHello record (suites, random, session, extensions) and the client state", setup_client_hello},
    {"server-respond", "Phases 1-2, server: read a ClientHello, choose version and suite, write the server flight and the server state", setup_server_respond},
    {"derive-pms", "Phases 3-4: client checks the server flight and sends key exchange + Finished; server checks them and answers with its Finished; both derive the keys", setup_derive_pms},
    {"finish", "Phase 4: read the peer's ChangeCipherSpec and Finished, check it: the handshake is complete", setup_finish},
    {"app-data", "After the handshake: seal input into application_data records, open the peer's records, send close_notify", setup_app_data},
};

}  // namespace hsk::cmd
