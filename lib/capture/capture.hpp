// hsk::capture — reading packet captures (pcap and pcapng, through libpcap) and decoding each
// frame down to its TCP segment.
//
// CaptureReader hands out packets one at a time; the bytes of a packet stay valid until the
// next call (they live in libpcap's buffer: nothing is copied). decode_frame peels the link
// layer (Ethernet with 802.1Q/802.1ad tags, Linux cooked SLL and SLL2, BSD null/loopback, raw
// IP), IPv4 (RFC 791, options skipped) or IPv6 (RFC 8200, extension headers skipped) and TCP
// (RFC 9293, options kept as a view) without copying either. pcap.h stays inside the .cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "hsk/bytes.hpp"

namespace hsk::capture {

// Timestamp of a packet, nanosecond precision (libpcap scales microsecond files).
struct Timestamp {
  std::int64_t sec = 0;
  std::uint32_t nsec = 0;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

// Packet is one captured frame. `data` holds the `caplen` captured bytes and is valid until
// the next CaptureReader::next call; `wire_len` is the frame's length on the wire (more than
// data.size() when the snapshot length cut it). `number` counts from 1, as Wireshark does.
struct Packet {
  std::uint64_t number = 0;
  Timestamp ts;
  std::uint32_t wire_len = 0;
  ByteView data;
};

// Link-layer header types (LINKTYPE_* of the pcap/pcapng specifications, as libpcap reports
// them on Linux through pcap_datalink). Others are reported as unsupported per packet.
namespace link {
inline constexpr int kNull = 0;         // BSD loopback: 4-byte address family, writer's byte order
inline constexpr int kEthernet = 1;     // Ethernet II (IEEE 802.3), 802.1Q / 802.1ad tags
inline constexpr int kRaw = 12;         // raw IPv4 or IPv6 (LINKTYPE_RAW 101; DLT_RAW on Linux)
inline constexpr int kRawBsd = 14;      // DLT_RAW as some BSDs number it
inline constexpr int kLoop = 108;       // OpenBSD loopback: 4-byte address family, network order
inline constexpr int kLinuxSll = 113;   // Linux cooked capture v1, 16-byte header
inline constexpr int kIpv4 = 228;       // raw IPv4
inline constexpr int kIpv6 = 229;       // raw IPv6
inline constexpr int kLinuxSll2 = 276;  // Linux cooked capture v2, 20-byte header
}  // namespace link

// link_type_name returns libpcap's name for a link type ("EN10MB", "LINUX_SLL2"...), or the
// number when libpcap has none.
std::string link_type_name(int link_type);

// CaptureReader reads a pcap or pcapng capture through libpcap.
class CaptureReader {
 public:
  // CaptureReader(path) opens a file, or standard input for "-". Throws hsk::Error: io when
  // the file cannot be opened, malformed (naming the input) when it is not a capture libpcap
  // reads (bad magic, a header cut short, an unsupported version).
  explicit CaptureReader(const std::string& path);
  // CaptureReader(bytes, name) reads a capture held in memory (tests, fuzzing); `bytes` must
  // outlive the reader. Throws as above.
  CaptureReader(ByteView bytes, std::string name);
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // next fills `packet` with the next packet and returns true, or returns false at the end of
  // the capture. A capture cut short or corrupt part-way is not an error: next returns false
  // and stop_note() says where and why ("capture truncated at packet 7: ..."); every packet
  // before the cut has been delivered.
  bool next(Packet& packet);

  int link_type() const { return link_type_; }
  const std::string& name() const { return name_; }
  // stop_note is empty after a clean end, else the one-line reason reading stopped early.
  const std::string& stop_note() const { return stop_note_; }

 private:
  void open(std::FILE* file, bool owns_file);

  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::string name_;
  std::string stop_note_;
  int link_type_ = 0;
  std::uint64_t count_ = 0;
};

// Endpoint is an IPv4 or IPv6 address with a TCP port. IPv4 addresses sit in the first four
// bytes of `addr`, the rest zero.
struct Endpoint {
  std::array<std::uint8_t, 16> addr{};
  std::uint16_t port = 0;
  std::uint8_t family = 4;  // 4 or 6
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// to_string formats "192.0.2.1:443" or "[2001:db8::1]:443".
std::string to_string(const Endpoint& endpoint);

// TCP header flags (RFC 9293 §3.1).
namespace tcp_flag {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
}  // namespace tcp_flag

// TcpSegment is a decoded TCP segment. `payload` holds the captured payload bytes (a view into
// the packet); `payload_missing` counts payload bytes the IP length announces but the snapshot
// length cut off: they follow `payload` in sequence space.
struct TcpSegment {
  Endpoint src;
  Endpoint dst;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  ByteView options;
  ByteView payload;
  std::uint32_t payload_missing = 0;
};

// FrameResult says what decode_frame found.
enum class FrameResult {
  tcp,               // a TCP segment: `out` is filled
  not_ip,            // a link-layer frame that carries neither IPv4 nor IPv6 (ARP, LLC...)
  not_tcp,           // IP carrying another protocol (UDP, ICMP, ESP...)
  ip_fragment,       // an IPv4 or IPv6 fragment: fragments are not reassembled
  truncated,         // the snapshot length cut the frame inside a link, IP or TCP header
  malformed,         // a header that contradicts itself (bad version, lengths, offsets)
  unsupported_link,  // a link type decode_frame does not know
};

// frame_result_name returns a short lowercase description ("ip fragment").
std::string_view frame_result_name(FrameResult result);

// decode_frame decodes one frame of `link_type` (see link::). `wire_len` is the frame's length
// on the wire, used to tell a snaplen cut from a malformed length. Never throws; on any result
// other than tcp, `out` is unspecified.
FrameResult decode_frame(int link_type, ByteView frame, std::uint32_t wire_len, TcpSegment& out);

// looks_like_capture is true when `head` (a file's first 4 bytes or more) starts with a pcap
// magic number (microsecond or nanosecond, either byte order) or a pcapng Section Header Block
// type (0x0a0d0d0a), so a caller can route a capture to CaptureReader and anything else to the
// record decoder.
bool looks_like_capture(ByteView head);

// looks_like_tls is true when `first` (the first bytes of a TCP direction) starts like TLS: a
// handshake record (content type 22, version 3.x, RFC 5246 §6.2.1) or an SSL 2.0-framed
// ClientHello (RFC 6101 Appendix E.2). Needs 3 bytes for the former, 5 for the latter.
bool looks_like_tls(ByteView first);

}  // namespace hsk::capture
