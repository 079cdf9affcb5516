#!/usr/bin/env bash
source "$TESTLIB"
# tshark's dissection of hsk client-hello output (wrapped in a TCP packet by text2pcap) shows,
# field by field, what the options asked for: versions, random, session id, suites (GREASE and
# the SCSV included), compression, SNI, groups, signature algorithms, ALPN, point formats, the
# extension list; also the seeded golden hello of the unit tests, a hello without extensions,
# and a hello over 2^14 bytes split into two records (tshark reassembles it), none malformed.
command -v tshark >/dev/null || fail "tshark is not installed (scripts/deps installs it)"
command -v text2pcap >/dev/null || fail "text2pcap is not installed (scripts/deps installs it)"
cd "$T"

FIELDS=(tls.record.version tls.handshake.version tls.handshake.random tls.handshake.session_id
  tls.handshake.ciphersuite tls.handshake.comp_method tls.handshake.extensions_server_name
  tls.handshake.extensions_supported_group tls.handshake.sig_hash_alg tls.handshake.extensions_alpn_str
  tls.handshake.extensions_ec_point_format tls.handshake.extension.type _ws.malformed)
# dissect FILE: one line, the fields above separated by '|', lists joined by ','.
dissect() {
  od -Ax -tx1 -v "$1" >"$1.od"
  text2pcap -q -T 40000,443 "$1.od" "$1.pcap" >/dev/null 2>&1 || fail "text2pcap $1"
  local args=() f
  for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
  tshark -r "$1.pcap" -d tcp.port==443,tls -T fields -E separator='|' -E aggregator=, "${args[@]}" 2>/dev/null
}
expect_dissection() {
  local got
  got=$(dissect "$1")
  [ "$got" = "$2" ] || fail "$1: tshark reads
  $got
expected
  $2"
}

expect_exit 0 "$HSK" client-hello --state c.json -o all.tls --version tls1.1 --suites 'dhe-rsa,0x0a0a' \
  --random 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f --session-id aabbcc \
  --compression null,deflate --sni www.example.org --groups ffdhe3072,x25519 --sigalgs rsa_pkcs1_sha256,dsa_sha1 \
  --alpn h2,http/1.1 --point-formats uncompressed,ansiX962_compressed_prime --scsv
expect_dissection all.tls "0x0301|0x0302|000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f|aabbcc|0x0033,0x0039,0x0a0a,0x00ff|0,1|www.example.org|0x0101,0x001d|0x0401,0x0202|h2,http/1.1|0,1|0,11,10,13,16,22,23|"

# The golden hello of tests/unit/test_client_hello.cpp.
expect_exit 0 "$HSK" client-hello --state c.json --seed "hsk client-hello golden" --time 1600000000 \
  --suites ecdhe-rsa --sni hsk.test -o golden.tls
expect_dissection golden.tls "0x0301|0x0303|5f5e1000e8417572ba63dbb1a1d62071852afbe4ba89b247787ab145e7513215||0xc02f,0xc030,0xcca8,0xc027,0xc028,0xc013,0xc014|0|hsk.test|0x001d,0x0017,0x0018|0x0403,0x0503,0x0603,0x0804,0x0805,0x0806,0x0401,0x0501,0x0601,0x0203,0x0201||0|0,11,10,13,22,23,65281|"

expect_exit 0 "$HSK" client-hello --state c.json --version tls1.0 --suites rsa --no-extensions --random \
  ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff -o noext.tls
expect_dissection noext.tls "0x0301|0x0301|ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff||0x002f,0x0035,0x00ff|0|||||||"

# Over 2^14 bytes: 120 ALPN names of 200 bytes; two records, one message.
alpn=$(for i in $(seq 120); do printf 'p%03d%0196d,' "$i" 0; done)
expect_exit 0 "$HSK" client-hello --state c.json --alpn "${alpn%,}" -o big.tls
got=$(dissect big.tls)
IFS='|' read -r -a f <<<"$got"
[ "${f[0]}" = 0x0301,0x0301 ] || fail "big: records: ${f[0]}"
[ "$(tr ',' '\n' <<<"${f[9]}" | wc -l)" = 120 ] || fail "big: tshark does not see 120 ALPN names"
[ "$(tr ',' '\n' <<<"${f[9]}" | tail -n1)" = "p120$(printf '%0196d' 0)" ] || fail "big: last ALPN name"
[ -z "${f[12]:-}" ] || fail "big: tshark marks it malformed"
