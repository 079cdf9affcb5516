// libFuzzer target for hsk::inspect: any input either fails to decode with hsk::Error, or
// decodes to a document that renders as text and encodes back to exactly the input's bytes
// (the bytes the hex text stands for, when the input is hex). Anything else aborts: an
// exception other than hsk::Error, an encode failure on a decoded document, or a round trip
// that differs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hsk/bytes.hpp"
#include "hsk/error.hpp"
#include "inspect/inspect.hpp"

namespace {

// wire_bytes returns what a successfully decoded input stands for: itself when binary, the
// decoded hex otherwise (decode_json chose the same way, so from_hex cannot fail here).
hsk::Bytes wire_bytes(const hsk::Bytes& input) {
  if (input.empty() || (input[0] >= 0x14 && input[0] <= 0x18)) {
    return input;
  }
  return hsk::from_hex(std::string_view(reinterpret_cast<const char*>(input.data()), input.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<hsk::inspect::Input> inputs{{"fuzz", hsk::Bytes(data, data + size)}};
  std::string json;
  try {
    json = hsk::inspect::decode_json(inputs, {});
  } catch (const hsk::Error&) {
    return 0;
  }
  try {
    (void)hsk::inspect::detail::render_text(json, true);
    if (json.find("\"objects\":") != std::string::npos) {
      return 0;  // a PKI object (certificate, key, DH parameters): encode does not take those
    }
    hsk::Bytes again = hsk::inspect::encode_json(json, {});
    if (again != wire_bytes(inputs[0].data)) {
      std::fprintf(stderr, "fuzz_inspect: decode_json | encode_json changed the bytes\n");
      std::abort();
    }
  } catch (const hsk::Error& e) {
    std::fprintf(stderr, "fuzz_inspect: a decoded document failed to encode: %s\n",
                 e.message().c_str());
    std::abort();
  }
  return 0;
}
