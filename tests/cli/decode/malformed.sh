#!/usr/bin/env bash
# hsk decode on malformed inputs: each gives exit 3 and exactly one stderr line naming the
# input, the absolute offset, the structure and field, and the alert.
source "$TESTLIB"

R=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SNI=00000010000e00000b6578616d706c652e636f6d
# A valid ClientHello: body at offset 9; cipher_suites length at 44, compression at 50,
# extensions at 52 (first extension at 54).
EMS=00170000
CH=1603010049010000450303${R}000004c02f002f01000018${SNI}${EMS}

# check NAME HEX OFFSET "CONTEXT: FIELD" ALERT
check() {
  local name=$1 hex=$2 offset=$3 where=$4 alert=$5
  echo "$hex" | xxd -r -p >"$T/$name.tls"
  expect_exit 3 "$HSK" decode "$T/$name.tls"
  expect_lines "$T/err" 1
  expect_contains "$T/err" "hsk: $T/$name.tls: offset $offset: $where"
  expect_contains "$T/err" "(alert $alert)"
  [ ! -s "$T/out" ] || fail "$name: output written despite the error"
}

# The valid one decodes.
echo "$CH" | xxd -r -p >"$T/ok.tls"
expect_exit 0 "$HSK" decode "$T/ok.tls"

check truncated-record "${CH:0:-2}" 5 "TLSPlaintext: fragment" decode_error
check vector-past-parent "${CH/0004c02f002f/0040c02f002f}" 44 "ClientHello: cipher_suites" decode_error
check odd-cipher-suites "${CH/0004c02f002f/0003c02f002f}" 44 "ClientHello: cipher_suites" decode_error
# Two extended_master_secret extensions: the second one (at 58) is the culprit.
check duplicate-extensions "1603010039010000350303${R}000004c02f002f01000008${EMS}${EMS}" 58 \
  "ClientHello: extension_type" illegal_parameter
# compression_methods<1..2^8-1> given empty.
check empty-compression "1603010048010000440303${R}000004c02f002f000018${SNI}${EMS}" 50 \
  "ClientHello: compression_methods" decode_error
# A record of content type 25 after a valid one (as the first byte it would read as neither
# records nor hex).
check unknown-content-type "${CH}190303000100" 78 "TLSPlaintext: type" unexpected_message
# A ClientHello header announcing 69 bytes, with 1 byte of body, and nothing after.
check incomplete-message "16030300050100004501" 5 "ClientHello" decode_error

# A plaintext record one byte over 2^14.
{ printf '\x17\x03\x03\x40\x01'; head -c 16385 /dev/zero; } >"$T/oversized.tls"
expect_exit 3 "$HSK" decode "$T/oversized.tls"
expect_lines "$T/err" 1
expect_contains "$T/err" "oversized.tls: offset 3: TLSPlaintext: length"
expect_contains "$T/err" "(alert record_overflow)"

# Neither records nor hex.
printf 'hello, world\n' >"$T/prose.txt"
expect_exit 3 "$HSK" decode "$T/prose.txt"
expect_lines "$T/err" 1
expect_contains "$T/err" "prose.txt: offset 0: input: neither TLS records"

# An odd number of hex digits.
printf '16030\n' >"$T/odd.hex"
expect_exit 3 "$HSK" decode "$T/odd.hex"
expect_lines "$T/err" 1
expect_contains "$T/err" "odd.hex: "

# A handshake message still open when ChangeCipherSpec arrives.
echo "16030300050100004501" "140303000101" | xxd -r -p >"$T/ccs-inside.tls"
expect_exit 3 "$HSK" decode "$T/ccs-inside.tls"
expect_lines "$T/err" 1
expect_contains "$T/err" "(alert unexpected_message)"
echo ok
