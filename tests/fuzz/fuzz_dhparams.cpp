// libFuzzer target: DH parameter files (PEM or DER, PKCS#3 or X9.42).
// Every input either throws hsk::Error or decodes to parameters that re-encode to something
// decoding to the same parameters; text output and (for small numbers) the checker never
// crash, and the checker never throws.
#include <cstdint>
#include <cstdlib>

#include "crypto/crypto.hpp"
#include "dh/check.hpp"
#include "dh/params.hpp"
#include "hsk/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hsk;
  dh::DhParameters params;
  try {
    params = dh::decode_dh_params(ByteView(data, size));
  } catch (const Error&) {
    return 0;
  }
  Bytes der = dh::encode_dh_params(params);
  dh::DhParameters again = dh::decode_dh_params(der);
  // A DER X9.42 whose third INTEGER is small would read back as PKCS#3: compare by format.
  dh::DhParameters strict =
      params.format == dh::ParamsFormat::pkcs3 ? dh::decode_pkcs3(der) : dh::decode_x942(der);
  if (!(strict == params) || dh::encode_dh_params(again) != der) {
    std::abort();
  }
  (void)dh::to_pem(params);
  (void)dh::dh_params_text(params, 4);
  // Keep the primality tests cheap.
  if (crypto::bit_length(params.numbers.p) <= 256 && crypto::bit_length(params.numbers.q) <= 256) {
    auto rng = crypto::seeded_rng("fuzz_dhparams");
    dh::CheckOptions options;
    options.threads = 1;
    (void)dh::check_dh_params(params, *rng, options);
  }
  return 0;
}
