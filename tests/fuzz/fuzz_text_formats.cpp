// libFuzzer target for hsk's text inputs that are not TLS: the NSS key log of
// `hsk decode --keylog` (inspect::parse_keylog), the state file every step reads
// (handshake::state_from_json) and an entry of the server's session cache
// (handshake::parse_session_entry). Byte 0 picks the parser, the rest is its text. Each
// either returns or throws hsk::Error; a state that parses must survive its own round trip
// (state_to_json, then state_from_json gives an equal state). Anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "handshake/session_cache.hpp"
#include "handshake/state.hpp"
#include "hsk/error.hpp"
#include "inspect/inspect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 3) {
      case 0: {
        hsk::inspect::KeyLog log =
            hsk::inspect::parse_keylog(hsk::ByteView(data + 1, size - 1), "fuzz");
        for (const auto& [random, secret] : log.master_secrets) {
          if (random.size() != 64 || secret.size() != 48) {
            std::abort();  // parse_keylog promises 32-byte randoms and 48-byte master secrets
          }
        }
        break;
      }
      case 1: {
        hsk::handshake::State s = hsk::handshake::state_from_json(text, "fuzz");
        std::string again = hsk::handshake::state_to_json(s);
        if (!(hsk::handshake::state_from_json(again, "again") == s)) {
          std::abort();
        }
        break;
      }
      default:
        (void)hsk::handshake::parse_session_entry(text, "fuzz");
        break;
    }
  } catch (const hsk::Error&) {
    return 0;
  }
  return 0;
}
