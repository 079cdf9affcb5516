// decode_frame: link layers, IPv4 (RFC 791), IPv6 (RFC 8200) and TCP (RFC 9293) headers, all
// bounds-checked views into the captured frame.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>

#include "capture/capture.hpp"

namespace hsk::capture {

namespace {

inline std::uint16_t be16(ByteView b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

inline std::uint32_t be32(ByteView b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint8_t kProtoTcp = 6;

// Cut says what a header running past the captured bytes means: a snaplen cut (the frame was
// longer on the wire) or a lie in a length field.
inline FrameResult short_header(bool cut) {
  return cut ? FrameResult::truncated : FrameResult::malformed;
}

// decode_tcp reads the TCP header of `seg` (the captured part of an IP payload that is
// `ip_payload_len` bytes long on the wire).
FrameResult decode_tcp(ByteView seg, std::size_t ip_payload_len, TcpSegment& out) {
  if (ip_payload_len < 20) {
    return FrameResult::malformed;
  }
  if (seg.size() < 20) {
    return FrameResult::truncated;
  }
  std::size_t header_len = static_cast<std::size_t>(seg[12] >> 4) * 4;
  if (header_len < 20 || header_len > ip_payload_len) {
    return FrameResult::malformed;
  }
  if (header_len > seg.size()) {
    return FrameResult::truncated;
  }
  out.src.port = be16(seg, 0);
  out.dst.port = be16(seg, 2);
  out.seq = be32(seg, 4);
  out.ack = be32(seg, 8);
  out.flags = seg[13];
  out.window = be16(seg, 14);
  out.options = seg.subspan(20, header_len - 20);
  out.payload = seg.subspan(header_len);
  out.payload_missing = static_cast<std::uint32_t>(ip_payload_len - seg.size());
  return FrameResult::tcp;
}

FrameResult decode_ipv4(ByteView ip, bool cut, TcpSegment& out) {
  if (ip.size() < 20) {
    return short_header(cut);
  }
  if ((ip[0] >> 4) != 4) {
    return FrameResult::malformed;
  }
  std::size_t header_len = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
  if (header_len < 20) {
    return FrameResult::malformed;
  }
  if (ip.size() < header_len) {
    return short_header(cut);
  }
  std::size_t total = be16(ip, 2);
  if (total == 0) {
    total = ip.size();  // TCP segmentation offload on the capturing host leaves it zero
  }
  if (total < header_len) {
    return FrameResult::malformed;
  }
  if (ip.size() < total && !cut) {
    return FrameResult::malformed;  // total length beyond a frame that was not cut
  }
  if ((be16(ip, 6) & 0x3fff) != 0) {
    return FrameResult::ip_fragment;  // MF set or a fragment offset (RFC 791 §3.1)
  }
  if (ip[9] != kProtoTcp) {
    return FrameResult::not_tcp;
  }
  out.src.family = out.dst.family = 4;
  out.src.addr = {};
  out.dst.addr = {};
  std::copy_n(ip.begin() + 12, 4, out.src.addr.begin());
  std::copy_n(ip.begin() + 16, 4, out.dst.addr.begin());
  // Ethernet padding after `total` is not payload.
  std::size_t captured = std::min(ip.size(), total);
  return decode_tcp(ip.subspan(header_len, captured - header_len), total - header_len, out);
}

FrameResult decode_ipv6(ByteView ip, bool cut, TcpSegment& out) {
  if (ip.size() < 40) {
    return short_header(cut);
  }
  if ((ip[0] >> 4) != 6) {
    return FrameResult::malformed;
  }
  std::size_t end = 40 + std::size_t{be16(ip, 4)};
  if (end == 40) {
    end = ip.size();  // a jumbogram (RFC 2675) or segmentation offload: use the frame
  }
  if (ip.size() < end && !cut) {
    return FrameResult::malformed;
  }
  std::size_t captured = std::min(ip.size(), end);
  std::uint8_t next = ip[6];
  std::size_t off = 40;
  for (;;) {
    if (next == kProtoTcp) {
      break;
    }
    std::size_t ext_len = 0;
    switch (next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60:   // destination options
      case 135:  // mobility
      case 139:  // HIP
      case 140:  // shim6
        if (off + 2 > captured) {
          return off + 2 > end ? FrameResult::malformed : FrameResult::truncated;
        }
        ext_len = (std::size_t{ip[off + 1]} + 1) * 8;
        break;
      case 44:  // fragment (RFC 8200 §4.5)
        if (off + 8 > captured) {
          return off + 8 > end ? FrameResult::malformed : FrameResult::truncated;
        }
        if ((be16(ip, off + 2) & 0xfff9) != 0) {
          return FrameResult::ip_fragment;  // an offset or M set; an atomic fragment passes
        }
        ext_len = 8;
        break;
      case 51:  // authentication header (RFC 4302 §2.2)
        if (off + 2 > captured) {
          return off + 2 > end ? FrameResult::malformed : FrameResult::truncated;
        }
        ext_len = (std::size_t{ip[off + 1]} + 2) * 4;
        break;
      default:
        return FrameResult::not_tcp;  // no next header (59), ESP, UDP, ICMPv6...
    }
    next = ip[off];
    off += ext_len;
    if (off > end) {
      return FrameResult::malformed;
    }
    if (off > captured) {
      return FrameResult::truncated;
    }
  }
  out.src.family = out.dst.family = 6;
  std::copy_n(ip.begin() + 8, 16, out.src.addr.begin());
  std::copy_n(ip.begin() + 24, 16, out.dst.addr.begin());
  return decode_tcp(ip.subspan(off, captured - off), end - off, out);
}

FrameResult decode_ethertype(std::uint16_t type, ByteView rest, bool cut, TcpSegment& out) {
  if (type == kEtherIpv4) {
    return decode_ipv4(rest, cut, out);
  }
  if (type == kEtherIpv6) {
    return decode_ipv6(rest, cut, out);
  }
  return FrameResult::not_ip;
}

FrameResult decode_ip_by_version(ByteView ip, bool cut, TcpSegment& out) {
  if (ip.empty()) {
    return short_header(cut);
  }
  switch (ip[0] >> 4) {
    case 4:
      return decode_ipv4(ip, cut, out);
    case 6:
      return decode_ipv6(ip, cut, out);
    default:
      return FrameResult::malformed;
  }
}

// decode_family maps a BSD address family (as the capturing OS numbers it) to IP.
FrameResult decode_family(std::uint32_t family, ByteView rest, bool cut, TcpSegment& out) {
  switch (family) {
    case 2:  // AF_INET everywhere
      return decode_ipv4(rest, cut, out);
    case 10:  // AF_INET6: Linux
    case 24:  // NetBSD, OpenBSD, BSD/OS
    case 28:  // FreeBSD, DragonFly
    case 30:  // macOS
      return decode_ipv6(rest, cut, out);
    default:
      return FrameResult::not_ip;
  }
}

}  // namespace

FrameResult decode_frame(int link_type, ByteView frame, std::uint32_t wire_len, TcpSegment& out) {
  const bool cut = frame.size() < wire_len;
  switch (link_type) {
    case link::kEthernet: {
      if (frame.size() < 14) {
        return short_header(cut);
      }
      std::size_t off = 12;
      std::uint16_t type = be16(frame, off);
      // 802.1Q, 802.1ad and the old QinQ tag: 2 bytes of TCI, then the inner type.
      while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
        if (off + 6 > frame.size()) {
          return short_header(cut);
        }
        off += 4;
        type = be16(frame, off);
      }
      return decode_ethertype(type, frame.subspan(off + 2), cut, out);
    }
    case link::kLinuxSll:
      if (frame.size() < 16) {
        return short_header(cut);
      }
      return decode_ethertype(be16(frame, 14), frame.subspan(16), cut, out);
    case link::kLinuxSll2:
      if (frame.size() < 20) {
        return short_header(cut);
      }
      return decode_ethertype(be16(frame, 0), frame.subspan(20), cut, out);
    case link::kNull: {
      if (frame.size() < 4) {
        return short_header(cut);
      }
      // The writer's byte order: families are small, so a value with its low half zero was
      // written the other way round.
      std::uint32_t family = be32(frame, 0);
      if ((family & 0xffff) == 0) {
        family = __builtin_bswap32(family);
      }
      return decode_family(family, frame.subspan(4), cut, out);
    }
    case link::kLoop:
      if (frame.size() < 4) {
        return short_header(cut);
      }
      return decode_family(be32(frame, 0), frame.subspan(4), cut, out);
    case link::kRaw:
    case link::kRawBsd:
      return decode_ip_by_version(frame, cut, out);
    case link::kIpv4:
      return decode_ipv4(frame, cut, out);
    case link::kIpv6:
      return decode_ipv6(frame, cut, out);
    default:
      return FrameResult::unsupported_link;
  }
}

std::string_view frame_result_name(FrameResult result) {
  switch (result) {
    case FrameResult::tcp:
      return "tcp";
    case FrameResult::not_ip:
      return "not ip";
    case FrameResult::not_tcp:
      return "not tcp";
    case FrameResult::ip_fragment:
      return "ip fragment";
    case FrameResult::truncated:
      return "truncated header";
    case FrameResult::malformed:
      return "malformed header";
    case FrameResult::unsupported_link:
      return "unsupported link type";
  }
  return "?";
}

std::string to_string(const Endpoint& endpoint) {
  char text[INET6_ADDRSTRLEN] = {};
  if (endpoint.family == 6) {
    inet_ntop(AF_INET6, endpoint.addr.data(), text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(endpoint.port);
  }
  inet_ntop(AF_INET, endpoint.addr.data(), text, sizeof text);
  return std::string(text) + ":" + std::to_string(endpoint.port);
}

bool looks_like_capture(ByteView head) {
  if (head.size() < 4) {
    return false;
  }
  const std::uint32_t m = be32(head, 0);
  return m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1 ||
         m == 0x0a0d0d0a;
}

bool looks_like_tls(ByteView first) {
  if (first.size() >= 3 && first[0] == 22 && first[1] == 3 && first[2] <= 4) {
    return true;
  }
  // SSL 2.0 record header with the high bit set (2-byte length), msg_type client_hello (1),
  // then version 0.2 or 3.x.
  if (first.size() >= 5 && (first[0] & 0x80) != 0 && first[2] == 1 &&
      ((first[3] == 0 && first[4] == 2) || (first[3] == 3 && first[4] <= 4))) {
    return true;
  }
  return false;
}

}  // namespace hsk::capture
