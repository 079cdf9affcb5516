#!/usr/bin/env bash
# hsk encode: `decode --json | encode` reproduces its input byte for byte (binary and hex
# inputs, split and coalesced messages, unknown and GREASE values, protected records);
# --hex writes hex text; -o writes a file.
source "$TESTLIB"

R=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
# vec N HEX: HEX behind an N-byte length prefix.
vec() { printf "%0$(($1 * 2))x%s" $((${#2} / 2)) "$2"; }
# rec TYPE VERSION FRAGMENT: one record.
rec() { printf '%s%s' "$1" "$2"; vec 2 "$3"; }
# A ClientHello with suites c02f, GREASE 0a0a, 002f; extensions server_name, an unknown
# type 0x1234 and a GREASE type 0x3a3a.
EXTS=0000$(vec 2 "$(vec 2 "00$(vec 2 6578616d706c652e636f6d)")")1234$(vec 2 abcd)3a3a0000
BODY=0303${R}00$(vec 2 c02f0a0a002f)0100$(vec 2 "$EXTS")
MSG=01$(vec 3 "$BODY")
rec 16 0301 "$MSG" | xxd -r -p >"$T/ch.tls"
expect_exit 0 "$HSK" decode --json "$T/ch.tls"
cp "$T/out" "$T/ch.json"
[ "$(jq -r '.inputs[0].records[0].messages[0].body.cipher_suites[1].name' "$T/ch.json")" = GREASE ] || fail "GREASE suite"
[ "$(jq -r '.inputs[0].records[0].messages[0].body.extensions[1].data_hex' "$T/ch.json")" = abcd ] || fail "unknown extension"
[ "$(jq -r '.inputs[0].records[0].messages[0].body.extensions[2].extension_type.name' "$T/ch.json")" = GREASE ] || fail "GREASE extension"

expect_exit 0 "$HSK" encode "$T/ch.json"
cmp "$T/out" "$T/ch.tls" || fail "round trip differs"
# From stdin, both spellings.
"$HSK" encode <"$T/ch.json" | cmp - "$T/ch.tls" || fail "stdin round trip differs"
"$HSK" encode - <"$T/ch.json" | cmp - "$T/ch.tls" || fail "stdin (-) round trip differs"
# A pipe, as the man page shows it.
"$HSK" decode --json "$T/ch.tls" | "$HSK" encode | cmp - "$T/ch.tls" || fail "pipe round trip differs"

# --hex and -o.
expect_exit 0 "$HSK" encode --hex "$T/ch.json"
[ "$(cat "$T/out")" = "$(xxd -p "$T/ch.tls" | tr -d '\n')" ] || fail "--hex output"
expect_exit 0 "$HSK" encode -o "$T/written.tls" "$T/ch.json"
[ ! -s "$T/out" ] || fail "-o also wrote to stdout"
cmp "$T/written.tls" "$T/ch.tls" || fail "-o file differs"

# Hex input comes back as binary.
xxd -p "$T/ch.tls" >"$T/ch.hex"
"$HSK" decode --json "$T/ch.hex" | "$HSK" encode | cmp - "$T/ch.tls" || fail "hex input round trip"

# The ClientHello split over three records, then ServerHelloDone coalesced into the last,
# then ChangeCipherSpec and a protected record; an alert and application data.
split1=${MSG:0:6} split2=${MSG:6:80} split3=${MSG:86}
{
  rec 16 0303 "$split1"; rec 16 0303 "$split2"; rec 16 0303 "${split3}0e000000"
  rec 14 0303 01; rec 16 0303 "$(printf 'cd%.0s' $(seq 24))"
} | xxd -r -p >"$T/flight.tls"
{ rec 17 0303 0102030405; rec 15 0303 0100; } | xxd -r -p >"$T/tail.tls"
expect_exit 0 "$HSK" decode --json "$T/flight.tls" "$T/tail.tls"
cp "$T/out" "$T/flight.json"
[ "$(jq -c '.inputs[0].records[0].messages[0].record_split' "$T/flight.json")" = "[3,40,38]" ] || fail "record_split"
[ "$(jq -c '.inputs[0].records[1].messages' "$T/flight.json")" = "[]" ] || fail "continuation record"
[ "$(jq -r '.inputs[0].records[2].messages[0].msg_type.name' "$T/flight.json")" = server_hello_done ] || fail "coalesced"
[ "$(jq -r '.inputs[0].records[4].encrypted' "$T/flight.json")" = true ] || fail "protected record"
[ "$(jq -r '.inputs[1].records[0].encrypted' "$T/flight.json")" = false ] || fail "application data"
[ "$(jq -r '.inputs[1].records[1].alert.level.name' "$T/flight.json")" = warning ] || fail "alert"
expect_exit 0 "$HSK" encode "$T/flight.json"
cat "$T/flight.tls" "$T/tail.tls" | cmp - "$T/out" || fail "split/coalesced round trip differs"
echo ok
