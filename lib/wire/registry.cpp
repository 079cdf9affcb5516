// STUB — to be replaced by the registry tables.
#include "wire/registry.hpp"

namespace hsk::wire {
std::string_view name_of(Registry, std::uint16_t) { return {}; }
std::optional<std::uint16_t> code_of(Registry, std::string_view) { return std::nullopt; }
std::span<const NamedCode> entries(Registry) { return {}; }
std::span<const CipherSuite> cipher_suites() { return {}; }
const CipherSuite* find_cipher_suite(std::uint16_t) { return nullptr; }
const CipherSuite* find_cipher_suite(std::string_view) { return nullptr; }
std::string_view to_string(KeyExchange) { return {}; }
std::string_view to_string(Authentication) { return {}; }
KexShape kex_shape(KeyExchange) { return KexShape::other; }
}  // namespace hsk::wire
