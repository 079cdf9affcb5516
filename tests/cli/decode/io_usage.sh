#!/usr/bin/env bash
# hsk decode: I/O errors exit 4, usage errors exit 2, each with a message on stderr.
source "$TESTLIB"

expect_exit 4 "$HSK" decode "$T/missing.tls"
expect_lines "$T/err" 1
expect_contains "$T/err" "hsk: $T/missing.tls: cannot open"

mkdir "$T/dir"
expect_exit 4 "$HSK" decode "$T/dir"
expect_lines "$T/err" 1

printf '\x15\x03\x03\x00\x02\x02\x28' >"$T/alert.tls"
expect_exit 0 "$HSK" decode --json "$T/alert.tls"
[ "$(jq -r '.inputs[0].records[0].alert.description.name' "$T/out")" = handshake_failure ] || fail "alert"
# A good input before a missing one: nothing is printed, exit 4.
expect_exit 4 "$HSK" decode "$T/alert.tls" "$T/missing.tls"
[ ! -s "$T/out" ] || fail "output written despite the I/O error"

expect_exit 2 "$HSK" decode --no-such-option "$T/alert.tls"
expect_exit 2 "$HSK" decode --suite NO_SUCH_SUITE "$T/alert.tls"
expect_contains "$T/err" "NO_SUCH_SUITE"
expect_exit 2 "$HSK" decode --tls-version tls9 "$T/alert.tls"
expect_exit 0 "$HSK" decode --help
expect_contains "$T/out" "--offsets"
echo ok
