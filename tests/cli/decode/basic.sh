#!/usr/bin/env bash
# hsk decode: a hand-assembled ClientHello as JSON (field values checked with jq), the same
# bytes as hex text, from stdin with and without "-", and several inputs in one call.
source "$TESTLIB"

# ClientHello (record version TLS 1.0, client_version TLS 1.2, random 00..1f, suites c02f
# 002f, compression null, server_name "example.com", extended_master_secret).
CH=1603010049010000450303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
CH+=000004c02f002f0100001800000010000e00000b6578616d706c652e636f6d00170000
echo "$CH" | xxd -r -p >"$T/ch.tls"

expect_exit 0 "$HSK" decode --json "$T/ch.tls"
cp "$T/out" "$T/ch.json"
q() { jq -r "$1" "$T/ch.json"; }
[ "$(q '.hsk_decode')" = 1 ] || fail "hsk_decode is not 1"
[ "$(q '.inputs[0].name')" = "$T/ch.tls" ] || fail "input name"
[ "$(q '.inputs[0].format')" = binary ] || fail "format"
[ "$(q '.inputs[0].records | length')" = 1 ] || fail "record count"
r='.inputs[0].records[0]'
[ "$(q "$r.content_type.code")" = 22 ] || fail "content_type"
[ "$(q "$r.content_type.name")" = handshake ] || fail "content_type name"
[ "$(q "$r.version.code")" = 769 ] || fail "record version"
[ "$(q "$r.length")" = 73 ] || fail "record length"
m="$r.messages[0]"
[ "$(q "$m.offset")" = 5 ] || fail "message offset"
[ "$(q "$m.msg_type.name")" = client_hello ] || fail "msg_type"
[ "$(q "$m.length")" = 69 ] || fail "message length"
b="$m.body"
[ "$(q "$b.client_version.name")" = "TLS 1.2" ] || fail "client_version"
[ "$(q "$b.random")" = 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ] || fail "random"
[ "$(q "$b.session_id")" = "" ] || fail "session_id"
[ "$(q "[$b.cipher_suites[].code] | join(\",\")")" = "49199,47" ] || fail "cipher_suites"
[ "$(q "$b.cipher_suites[0].name")" = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ] || fail "suite name"
[ "$(q "$b.compression_methods[0].name")" = null ] || fail "compression"
[ "$(q "$b.extensions | length")" = 2 ] || fail "extension count"
[ "$(q "$b.extensions[0].offset")" = 54 ] || fail "extension offset"
[ "$(q "$b.extensions[0].extension_type.name")" = server_name ] || fail "extension name"
[ "$(q "$b.extensions[0].data.server_name_list[0].host_name")" = example.com ] || fail "host_name"
[ "$(q "$b.extensions[1].data | length")" = 0 ] || fail "extended_master_secret data"

# Hex text (any spacing) decodes to the same document but for the format.
echo "$CH" | fold -w 16 | sed 's/../& /g' >"$T/ch.hex"
expect_exit 0 "$HSK" decode --json "$T/ch.hex"
[ "$(jq -r '.inputs[0].format' "$T/out")" = hex ] || fail "hex input not detected"
diff <(jq -S '.inputs[0].records' "$T/out") <(jq -S '.inputs[0].records' "$T/ch.json") || fail "hex and binary decode differently"

# Standard input: "-" and no argument at all.
expect_exit 0 "$HSK" decode --json - <"$T/ch.tls"
[ "$(jq -r '.inputs[0].name' "$T/out")" = - ] || fail "stdin is not named -"
diff <(jq -S '.inputs[0].records' "$T/out") <(jq -S '.inputs[0].records' "$T/ch.json") || fail "stdin decodes differently"
expect_exit 0 "$HSK" decode --json <"$T/ch.hex"
[ "$(jq -r '.inputs[0].format' "$T/out")" = hex ] || fail "stdin hex not detected"

# Several inputs: one document, inputs in order, offsets restart per input.
expect_exit 0 "$HSK" decode --json "$T/ch.tls" "$T/ch.hex"
[ "$(jq -r '[.inputs[].records[0].messages[0].offset] | join(",")' "$T/out")" = 5,5 ] || fail "two inputs"

# An empty input has no records.
: >"$T/empty.tls"
expect_exit 0 "$HSK" decode --json "$T/empty.tls"
[ "$(jq -r '.inputs[0].records | length' "$T/out")" = 0 ] || fail "empty input"
echo ok
