#!/usr/bin/env bash
source "$TESTLIB"
# hsk client-hello: what `hsk decode --json` reads back from the record shows every option;
# stdout carries the record and nothing else (--explain goes to stderr); --hex, -o; the state
# file is 0600 and holds the random, the suites and the exact ClientHello bytes; --seed gives
# the golden bytes of tests/unit/test_client_hello.cpp.
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"

# body FILE FILTER: jq FILTER applied to the ClientHello body; ext FILE NAME [FILTER]: to the
# data of extension NAME (nothing when it is absent).
body() { "$HSK" decode --json "$1" | jq -c ".inputs[0].records[0].messages[0].body | $2"; }
ext() {
  "$HSK" decode --json "$1" |
    jq -c ".inputs[0].records[0].messages[0].body.extensions // [] | .[] | select(.extension_type.name == \"$2\") | .data | ${3:-.}"
}

# Defaults: TLS 1.2 in a TLS 1.0 record, RFC-style random (the current time), no session id,
# ECDHE + DHE_RSA + RSA suites, null compression, EMS and renegotiation_info.
before=$(date +%s)
expect_exit 0 "$HSK" client-hello --state c.json
cp out default.tls
after=$(date +%s)
[ "$(xxd -p -l 3 default.tls)" = 160301 ] || fail "record header is not handshake/TLS 1.0"
[ "$(body default.tls .client_version.code)" = 771 ] || fail "client_version"
t=$((16#$(body default.tls .random | tr -d '"' | cut -c1-8)))
[ "$t" -ge "$before" ] && [ "$t" -le "$after" ] || fail "gmt_unix_time $t is not now"
[ "$(body default.tls .session_id)" = '""' ] || fail "session id"
[ "$(body default.tls '.cipher_suites | length')" = 27 ] || fail "default suite count"
[ "$(body default.tls '.cipher_suites[0].name')" = '"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"' ] || fail "first default suite"
[ "$(body default.tls '[.extensions[].extension_type.name] | join(",")')" = \
  '"ec_point_formats,supported_groups,signature_algorithms,encrypt_then_mac,extended_master_secret,renegotiation_info"' ] ||
  fail "default extensions: $(body default.tls '[.extensions[].extension_type.name]')"
[ ! -s err ] || { cat err >&2; fail "stderr is not empty"; }

# The state file: private, and it holds what was sent.
[ "$(stat -c %a c.json)" = 600 ] || fail "state file mode $(stat -c %a c.json)"
[ "$(jq .hsk_state c.json)" = 1 ] || fail "hsk_state"
[ "$(jq -r .role c.json)" = client ] || fail "role"
[ "$(jq -r .version c.json)" = 0x0303 ] || fail "version"
[ "$(jq -r .client_random c.json)" = "$(body default.tls .random | tr -d '"')" ] || fail "client_random"
[ "$(jq -r '.offered_suites | length' c.json)" = 27 ] || fail "offered_suites"
[ "$(jq -r '.transcript | length' c.json)" = 1 ] || fail "transcript length"
[ "$(jq -r '.transcript[0].from' c.json)" = client ] || fail "transcript from"
[ "$(jq -r '.transcript[0].hex' c.json)" = "$(xxd -p -s 5 default.tls | tr -d '\n')" ] || fail "transcript bytes differ from the record's"
# An existing, more open state file is replaced by a 0600 one.
echo '{}' >open.json; chmod 644 open.json
expect_exit 0 "$HSK" client-hello --state open.json
[ "$(stat -c %a open.json)" = 600 ] || fail "replaced state file mode $(stat -c %a open.json)"

# Every option shows in the decoded record.
expect_exit 0 "$HSK" client-hello --state c.json --version tls1.1 --suites 'dhe-rsa,AES128-SHA,0x0a0a' \
  --random 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f --session-id 'aa bb cc' \
  --compression null,deflate --sni www.example.org --groups ffdhe3072,x25519 --sigalgs rsa_pkcs1_sha256,dsa_sha1 \
  --alpn h2,http/1.1 --point-formats uncompressed,ansiX962_compressed_prime --no-ems --scsv -o all.tls
[ ! -s out ] || fail "stdout is not empty with -o"
[ "$(body all.tls .client_version.name)" = '"TLS 1.1"' ] || fail "--version tls1.1"
[ "$(body all.tls .random)" = '"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"' ] || fail "--random HEX"
[ "$(body all.tls .session_id)" = '"aabbcc"' ] || fail "--session-id"
# dhe-rsa at TLS 1.1: CBC-SHA1 only; then AES128-SHA (again: kept once), GREASE, and the SCSV.
[ "$(body all.tls '[.cipher_suites[].code] | join(",")')" = '"51,57,47,2570,255"' ] ||
  fail "suites: $(body all.tls '[.cipher_suites[].code]')"
[ "$(body all.tls '[.compression_methods[].code] | join(",")')" = '"0,1"' ] || fail "--compression"
[ "$(ext all.tls server_name '.server_name_list[0].host_name')" = '"www.example.org"' ] || fail "--sni"
[ "$(ext all.tls supported_groups '[.named_group_list[].name] | join(",")')" = '"ffdhe3072,x25519"' ] || fail "--groups"
[ "$(ext all.tls signature_algorithms '[.supported_signature_algorithms[].code] | join(",")')" = '"1025,514"' ] ||
  fail "--sigalgs"
[ "$(ext all.tls application_layer_protocol_negotiation '.protocol_name_list | join(",")')" = '"h2,http/1.1"' ] ||
  fail "--alpn: $(ext all.tls application_layer_protocol_negotiation)"
[ "$(ext all.tls ec_point_formats '[.ec_point_format_list[].code] | join(",")')" = '"0,1"' ] || fail "--point-formats"
[ -z "$(ext all.tls extended_master_secret)" ] || fail "--no-ems still sent extended_master_secret"
[ -z "$(ext all.tls renegotiation_info)" ] || fail "--scsv still sent renegotiation_info"
[ "$(jq -r .session_id c.json)" = aabbcc ] || fail "state session_id"

# --no-extensions: no block at all, the SCSV instead of renegotiation_info; --no-reneg: neither.
expect_exit 0 "$HSK" client-hello --state c.json --no-extensions --suites rsa -o noext.tls
[ "$(body noext.tls .extensions)" = null ] || fail "--no-extensions sent a block"
[ "$(body noext.tls '[.cipher_suites[].code] | last')" = 255 ] || fail "--no-extensions without the SCSV"
expect_exit 0 "$HSK" client-hello --state c.json --no-reneg --suites rsa -o noreneg.tls
[ -z "$(ext noreneg.tls renegotiation_info)" ] || fail "--no-reneg sent renegotiation_info"
[ "$(body noreneg.tls '[.cipher_suites[].code] | index(255)')" = null ] || fail "--no-reneg sent the SCSV"
# --groups none / --sigalgs none leave the extensions out.
expect_exit 0 "$HSK" client-hello --state c.json --groups none --sigalgs none -o none.tls
[ -z "$(ext none.tls supported_groups)$(ext none.tls signature_algorithms)" ] || fail "none lists still sent"
# TLS 1.0: families lose the TLS 1.2-only suites and signature_algorithms is not sent.
expect_exit 0 "$HSK" client-hello --state c.json --version tls1.0 --suites all -o v10.tls
[ "$(body v10.tls '.cipher_suites | map(select(.name | test("GCM|SHA256|SHA384|CHACHA"))) | length')" = 0 ] ||
  fail "TLS 1.2-only suites at TLS 1.0"
[ "$(body v10.tls '.cipher_suites | length')" = 18 ] || fail "'all' at TLS 1.0"
[ -z "$(ext v10.tls signature_algorithms)" ] || fail "signature_algorithms at TLS 1.0"
[ "$(jq -r .version c.json)" = 0x0301 ] || fail "state version at TLS 1.0"

# --hex is the same record as text; --explain writes to stderr only.
expect_exit 0 "$HSK" client-hello --state s1.json --seed golden --hex --explain
cp out seeded.hex
expect_contains err "Phase 1 - hello"
expect_contains err "cipher suites, in the client's order of preference (27"
[ "$(wc -l <seeded.hex)" = 1 ] || fail "--hex output is not one line"
expect_exit 0 "$HSK" client-hello --state s2.json --seed golden
[ "$(xxd -p out | tr -d '\n')" = "$(cat seeded.hex)" ] || fail "--seed is not reproducible, or --hex differs from binary"
cmp <(jq -S 'del(.transcript)' s1.json) <(jq -S 'del(.transcript)' s2.json) || fail "seeded states differ"
# The unit test's golden hello, made from the command line.
expect_exit 0 "$HSK" client-hello --state g.json --seed "hsk client-hello golden" --time 1600000000 \
  --suites ecdhe-rsa --sni hsk.test --hex
golden=16030100870100008303035f5e1000e8417572ba63dbb1a1d62071852afbe4ba89b247787ab145e751321500000ec02fc030cca8
golden+=c027c028c013c0140100004c0000000d000b00000868736b2e74657374000b00020100000a00080006001d00170018000d00180016
golden+=0403050306030804080508060401050106010203020100160000""00170000ff01000100
[ "$(cat out)" = "$golden" ] || fail "golden hello differs: $(cat out)"
# Different runs without --seed differ.
expect_exit 0 "$HSK" client-hello --state c.json --random random -o r1.tls
expect_exit 0 "$HSK" client-hello --state c.json --random random -o r2.tls
! cmp -s r1.tls r2.tls || fail "two unseeded hellos are equal"

# -o into a pipe (a FIFO) and /dev/fd/N.
mkfifo fifo
cat fifo >fifo.tls &
expect_exit 0 "$HSK" client-hello --state c.json --seed golden -o fifo
wait
cmp fifo.tls <(xxd -r -p seeded.hex) || fail "-o FIFO"
expect_exit 0 bash -c "exec 5>fd5.tls; '$HSK' client-hello --state c.json --seed golden -o /dev/fd/5"
cmp fd5.tls <(xxd -r -p seeded.hex) || fail "-o /dev/fd/5"
