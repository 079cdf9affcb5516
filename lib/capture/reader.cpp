// CaptureReader over libpcap's offline API (pcap and pcapng), and link_type_name.
#include <pcap/pcap.h>

#include <cerrno>
#include <cstring>

#include "capture/capture.hpp"
#include "hsk/error.hpp"

namespace hsk::capture {

static_assert(link::kNull == DLT_NULL && link::kEthernet == DLT_EN10MB &&
              link::kLinuxSll == DLT_LINUX_SLL && link::kLinuxSll2 == DLT_LINUX_SLL2 &&
              link::kIpv4 == DLT_IPV4 && link::kIpv6 == DLT_IPV6);
static_assert(link::kRaw == DLT_RAW && link::kLoop == DLT_LOOP, "Linux DLT numbering");

struct CaptureReader::Handle {
  pcap_t* pcap = nullptr;
  ~Handle() {
    if (pcap != nullptr) {
      pcap_close(pcap);  // closes the FILE (unless it is stdin)
    }
  }
};

std::string link_type_name(int link_type) {
  const char* name = pcap_datalink_val_to_name(link_type);
  return name != nullptr ? std::string(name) : std::to_string(link_type);
}

CaptureReader::CaptureReader(const std::string& path) : name_(path == "-" ? "<stdin>" : path) {
  if (path == "-") {
    open(stdin, false);
    return;
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw Error(ErrorKind::io, std::string("cannot open capture: ") + std::strerror(errno))
        .with_input(name_);
  }
  open(file, true);
}

CaptureReader::CaptureReader(ByteView bytes, std::string name) : name_(std::move(name)) {
  if (bytes.empty()) {
    throw Error(ErrorKind::malformed, "capture: empty input, no pcap or pcapng header")
        .with_input(name_);
  }
  // fmemopen does not write through a read-only mode; the cast only satisfies its signature.
  std::FILE* file = fmemopen(const_cast<std::uint8_t*>(bytes.data()), bytes.size(), "rb");
  if (file == nullptr) {
    throw Error(ErrorKind::io, std::string("fmemopen: ") + std::strerror(errno)).with_input(name_);
  }
  open(file, true);
}

CaptureReader::~CaptureReader() = default;

void CaptureReader::open(std::FILE* file, bool owns_file) {
  if (owns_file) {
    // A larger stdio buffer: libpcap reads each packet with two freads.
    std::setvbuf(file, nullptr, _IOFBF, 1 << 18);
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    if (owns_file) {
      std::fclose(file);  // on failure libpcap leaves the FILE to us
    }
    throw Error(ErrorKind::malformed, std::string("not a pcap or pcapng capture: ") + errbuf,
                Error::kAlertDecodeError)
        .with_input(name_);
  }
  handle_ = std::make_unique<Handle>();
  handle_->pcap = p;
  link_type_ = pcap_datalink(p);
}

bool CaptureReader::next(Packet& packet) {
  if (!stop_note_.empty()) {
    return false;
  }
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(handle_->pcap, &header, &data);
  if (rc == 1) {
    ++count_;
    packet.number = count_;
    packet.ts.sec = header->ts.tv_sec;
    // With nanosecond precision requested, libpcap puts nanoseconds in tv_usec.
    packet.ts.nsec = static_cast<std::uint32_t>(header->ts.tv_usec);
    packet.wire_len = header->len;
    packet.data = ByteView(data, header->caplen);
    return true;
  }
  if (rc == PCAP_ERROR_BREAK) {
    return false;  // end of file
  }
  const char* why = pcap_geterr(handle_->pcap);
  std::string reason = why != nullptr ? why : "read error";
  if (reason.find("truncated") != std::string::npos) {
    stop_note_ = "capture truncated at packet " + std::to_string(count_ + 1) + ": " + reason;
  } else {
    stop_note_ = "capture unreadable at packet " + std::to_string(count_ + 1) + ": " + reason;
  }
  return false;
}

}  // namespace hsk::capture
