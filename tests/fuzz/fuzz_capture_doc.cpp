// libFuzzer target for `hsk decode CAPTURE` (inspect::decode_capture), with and without
// decryption. Input: 48 bytes of master secret, then a pcap or pcapng file. The capture is
// decoded once without keys (JSON Lines); every 32-byte "random" the decoded hellos carry is
// then given that master secret in a key log and the capture is decoded again, so mutations of
// a seed recorded with its key log (testdata/fuzz-seeds/capture-keylog-*.bin) reach record
// decryption, the Finished checks and application data. Each run either throws hsk::Error
// (a capture libpcap cannot open) or returns a summary; every emitted connection must be one
// line of JSON. Anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "capture/capture.hpp"
#include "hsk/bytes.hpp"
#include "hsk/error.hpp"
#include "inspect/inspect.hpp"

namespace {

constexpr std::size_t kSecret = 48;

std::string decode(hsk::ByteView capture, const hsk::inspect::KeyLog* log) {
  hsk::capture::CaptureReader reader(capture, "fuzz");
  hsk::inspect::CaptureDecodeOptions options;
  options.json = true;
  options.keylog = log;
  options.app_data = log != nullptr;
  std::string out;
  (void)hsk::inspect::decode_capture(reader, options, [&](std::string_view line) {
    if (line.empty() || line.front() != '{' || line.back() != '\n' ||
        line.find('\n') != line.size() - 1) {
      std::abort();  // one JSON object and a newline per connection
    }
    out += line;
  });
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < kSecret) {
    return 0;
  }
  hsk::Bytes secret(data, data + kSecret);
  hsk::ByteView capture(data + kSecret, size - kSecret);
  try {
    std::string plain = decode(capture, nullptr);
    hsk::inspect::KeyLog log;
    const std::string_view key = "\"random\":\"";
    for (std::size_t at = plain.find(key); at != std::string::npos; at = plain.find(key, at + 1)) {
      std::size_t start = at + key.size();
      if (plain.size() - start > 64 && plain[start + 64] == '"') {
        log.master_secrets[plain.substr(start, 64)] = secret;
      }
    }
    if (!log.master_secrets.empty()) {
      (void)decode(capture, &log);
    }
  } catch (const hsk::Error&) {
    return 0;
  }
  return 0;
}
