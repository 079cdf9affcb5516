// STUB — to be replaced.
#include "inspect/inspect.hpp"

#include "hsk/error.hpp"

namespace hsk::inspect {
std::string decode_json(std::span<const Input>, const DecodeOptions&) { throw Error(ErrorKind::internal, "not implemented"); }
std::string decode_text(std::span<const Input>, const DecodeOptions&) { throw Error(ErrorKind::internal, "not implemented"); }
Bytes encode_json(std::string_view, const EncodeOptions&) { throw Error(ErrorKind::internal, "not implemented"); }
}  // namespace hsk::inspect
