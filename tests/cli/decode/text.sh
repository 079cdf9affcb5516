#!/usr/bin/env bash
# hsk decode (text): registered names beside hex codes, lengths, wrapped hex, and the
# absolute offsets of records, messages and extensions only with --offsets.
source "$TESTLIB"

CH=1603010049010000450303000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
CH+=000004c02f002f0100001800000010000e00000b6578616d706c652e636f6d00170000
echo "$CH" | xxd -r -p >"$T/ch.tls"

expect_exit 0 "$HSK" decode "$T/ch.tls"
cp "$T/out" "$T/plain.txt"
expect_contains "$T/plain.txt" "input $T/ch.tls (binary, 1 record)"
expect_contains "$T/plain.txt" "record: handshake (0x16), TLS 1.0 (0x0301), length 73"
expect_contains "$T/plain.txt" "message: client_hello (0x01), length 69"
expect_contains "$T/plain.txt" "client_version: TLS 1.2 (0x0303)"
expect_contains "$T/plain.txt" "cipher_suites (2):"
expect_contains "$T/plain.txt" "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)"
expect_contains "$T/plain.txt" "extension: server_name (0x0000), length 16"
expect_contains "$T/plain.txt" "host_name: example.com"
expect_contains "$T/plain.txt" "extension: extended_master_secret (0x0017), length 0"
if grep -qF '[@' "$T/plain.txt"; then fail "offsets shown without --offsets"; fi

expect_exit 0 "$HSK" decode --offsets "$T/ch.tls"
expect_contains "$T/out" "length 73 [@0]"
expect_contains "$T/out" "length 69 [@5]"
expect_contains "$T/out" "server_name (0x0000), length 16 [@54]"
expect_contains "$T/out" "extended_master_secret (0x0017), length 0 [@74]"

# Hex input: the same tree but for the format.
echo "$CH" >"$T/ch.hex"
expect_exit 0 "$HSK" decode "$T/ch.hex"
diff <(tail -n +2 "$T/out") <(tail -n +2 "$T/plain.txt") || fail "hex and binary render differently"
expect_contains "$T/out" "(hex, 1 record)"

# Long byte strings wrap, 16 bytes a line; an encrypted record says what it probably is.
cp "$T/ch.tls" "$T/long.tls"
printf '\x14\x03\x03\x00\x01\x01' >>"$T/long.tls"
{ printf '\x16\x03\x03\x00\x28'; head -c 40 /dev/zero | tr '\0' '\253'; } >>"$T/long.tls"
expect_exit 0 "$HSK" decode "$T/long.tls"
expect_contains "$T/out" "length 40, encrypted"
expect_contains "$T/out" "fragment_hex: 40 bytes"
expect_contains "$T/out" "ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab"
echo ok
