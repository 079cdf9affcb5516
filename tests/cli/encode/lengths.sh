#!/usr/bin/env bash
# hsk encode: explicit record, message and extension lengths are written as given (to craft
# malformed input on purpose); --fix-lengths recomputes them; absent lengths are computed.
# Enumerated values may be given as {"code": n}, a bare number or a registered name.
source "$TESTLIB"

CH=1603010049010000450303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
CH+=000004c02f002f0100001800000010000e00000b6578616d706c652e636f6d00170000
echo "$CH" | xxd -r -p >"$T/ch.tls"
"$HSK" decode --json "$T/ch.tls" >"$T/ch.json"
hex_of() { xxd -p "$1" | tr -d '\n'; }
m='.inputs[0].records[0].messages[0]'

# A wrong record length is written as given; the result no longer decodes.
jq '.inputs[0].records[0].length = 7' "$T/ch.json" >"$T/rec.json"
expect_exit 0 "$HSK" encode -o "$T/rec.tls" "$T/rec.json"
[ "$(hex_of "$T/rec.tls")" = "16030100070${CH:11}" ] || fail "record length not written as given"
expect_exit 3 "$HSK" decode "$T/rec.tls"
expect_exit 0 "$HSK" encode --fix-lengths -o "$T/fixed.tls" "$T/rec.json"
cmp "$T/fixed.tls" "$T/ch.tls" || fail "--fix-lengths did not restore the record length"

# Message and extension lengths likewise.
jq "$m.length = 1 | $m.body.extensions[0].length = 255" "$T/ch.json" >"$T/msg.json"
expect_exit 0 "$HSK" encode -o "$T/msg.tls" "$T/msg.json"
got=$(hex_of "$T/msg.tls")
[ "${got:10:8}" = 01000001 ] || fail "message length not written as given: ${got:10:8}"
[ "${got:112:4}" = 00ff ] || fail "extension length not written as given: ${got:112:4}"
[ "${#got}" = "${#CH}" ] || fail "content changed"
"$HSK" encode --fix-lengths "$T/msg.json" | cmp - "$T/ch.tls" || fail "--fix-lengths (message, extension)"

# Absent lengths are computed.
jq 'del(.. | .length?)' "$T/ch.json" >"$T/nolen.json"
"$HSK" encode "$T/nolen.json" | cmp - "$T/ch.tls" || fail "computed lengths differ"

# An edit that changes sizes, with names and bare numbers for the enumerated values.
jq "$m.body.cipher_suites = [\"TLS_RSA_WITH_AES_256_CBC_SHA\", \"DHE-RSA-AES128-GCM-SHA256\", 4865]
    | $m.body.client_version = \"TLS 1.1\"
    | $m.body.extensions[0].data.server_name_list[0].host_name = \"hsk.example.org\"
    | $m.body.extensions += [{\"extension_type\": \"supported_groups\",
                             \"data\": {\"named_group_list\": [\"x25519\", 23]}}]" "$T/ch.json" >"$T/edit.json"
expect_exit 0 "$HSK" encode --fix-lengths -o "$T/edit.tls" "$T/edit.json"
expect_exit 0 "$HSK" decode --json "$T/edit.tls"
b="$m.body"
[ "$(jq -r "[$b.cipher_suites[].code] | join(\",\")" "$T/out")" = "53,158,4865" ] || fail "suites by name"
[ "$(jq -r "$b.client_version.code" "$T/out")" = 770 ] || fail "version by name"
[ "$(jq -r "$b.extensions[0].data.server_name_list[0].host_name" "$T/out")" = hsk.example.org ] || fail "host_name edit"
[ "$(jq -r "[$b.extensions[2].data.named_group_list[].code] | join(\",\")" "$T/out")" = "29,23" ] || fail "added extension"
# Without --fix-lengths the stale lengths are kept, and the result is malformed.
expect_exit 0 "$HSK" encode -o "$T/stale.tls" "$T/edit.json"
expect_exit 3 "$HSK" decode "$T/stale.tls"
echo ok
