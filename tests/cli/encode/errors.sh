#!/usr/bin/env bash
# hsk encode: bad documents exit 3 with one line naming the JSON path; I/O errors exit 4;
# usage errors exit 2.
source "$TESTLIB"

CH=1603010049010000450303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
CH+=000004c02f002f0100001800000010000e00000b6578616d706c652e636f6d00170000
echo "$CH" | xxd -r -p >"$T/ch.tls"
"$HSK" decode --json "$T/ch.tls" >"$T/ch.json"
m='.inputs[0].records[0].messages[0]'

# bad NAME JQ-EDIT TEXT...: the edited document fails with exit 3, one line, all TEXTs in it.
bad() {
  local name=$1 edit=$2; shift 2
  jq "$edit" "$T/ch.json" >"$T/$name.json"
  expect_exit 3 "$HSK" encode "$T/$name.json"
  expect_lines "$T/err" 1
  [ ! -s "$T/out" ] || fail "$name: bytes written despite the error"
  expect_contains "$T/err" "hsk: $T/$name.json: "
  local want
  for want in "$@"; do expect_contains "$T/err" "$want"; done
}

bad suite-name "$m.body.cipher_suites[1] = \"TLS_NO_SUCH_SUITE\"" \
  "inputs[0].records[0].messages[0].body.cipher_suites[1]: 'TLS_NO_SUCH_SUITE' is not a cipher suite"
bad grease-name "$m.body.cipher_suites[1] = \"GREASE\"" "cipher_suites[1]" "give the code"
bad too-big "$m.body.compression_methods[0] = 256" "body.compression_methods[0]: 256 is above the maximum 255"
bad negative ".inputs[0].records[0].length = -1" "inputs[0].records[0].length: negative"
bad wide-length ".inputs[0].records[0].length = 65536" "inputs[0].records[0].length"
bad not-hex "$m.body.random = \"zz\"" "body.random: not hex"
bad short-random "$m.body.random = \"00\"" "body.random: must be 32 bytes"
bad no-session-id "del($m.body.session_id)" "body.session_id: missing"
bad ext-name "$m.body.extensions[0].extension_type = \"no_such_extension\"" \
  "body.extensions[0].extension_type: 'no_such_extension' is not an extension type"
bad ext-data "$m.body.extensions[0].data = {\"server_name_list\": [{\"name_type\": 0, \"host_name\": 5}]}" \
  "body.extensions[0].data.server_name_list[0].host_name: not a string"
bad no-body "del($m.body)" "messages[0].body: missing"
bad record-kind "del(.inputs[0].records[0].messages)" "records[0]: needs one of"
bad no-inputs "del(.inputs)" "inputs: missing"
bad version ".hsk_decode = 2" "hsk_decode"

printf '{"inputs": [' >"$T/broken.json"
expect_exit 3 "$HSK" encode "$T/broken.json"
expect_lines "$T/err" 1
expect_contains "$T/err" "broken.json: offset"
expect_contains "$T/err" "JSON"

expect_exit 4 "$HSK" encode "$T/missing.json"
expect_lines "$T/err" 1
expect_contains "$T/err" "missing.json: cannot open"
expect_exit 4 "$HSK" encode -o "$T/no/such/dir/out.tls" "$T/ch.json"
expect_exit 2 "$HSK" encode --no-such-option "$T/ch.json"
echo ok
