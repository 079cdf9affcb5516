// hsk::pki PEM (RFC 7468 textual encoding): base64 armour between BEGIN/END lines.
#pragma once

#include <string>
#include <vector>

#include "hsk/bytes.hpp"

namespace hsk::pki {

struct PemBlock {
  std::string label;  // e.g. "CERTIFICATE", "PRIVATE KEY", "DH PARAMETERS"
  Bytes der;
  bool operator==(const PemBlock&) const = default;
};

// pem_decode_all returns every PEM block in `text`, in order (text outside blocks is
// ignored, as OpenSSL does). Throws hsk::Error (malformed) on a block with bad base64, a
// missing END line, mismatched labels, or headers (encrypted traditional keys: the error
// says how to decrypt with openssl).
std::vector<PemBlock> pem_decode_all(std::string_view text);

// pem_encode writes one block with 64-column base64 lines and a trailing newline.
std::string pem_encode(std::string_view label, ByteView der);

// is_pem is true when `data` contains a "-----BEGIN " line.
bool is_pem(ByteView data);

}  // namespace hsk::pki
