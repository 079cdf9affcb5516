#!/usr/bin/env bash
source "$TESTLIB"
# hsk server-respond refusals and bad input: no fitting key -> exit 1 and a fatal
# handshake_failure alert record (15 03 01 00 02 02 28, in the ClientHello record's version)
# and no state file; version below --min-version -> protocol_version (70); a malformed or
# truncated ClientHello -> exit 3 (with a decode_error alert); usage errors -> exit 2; an
# unwritable state -> exit 4 and nothing on the wire.
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed server-respond-errors >/dev/null 2>&1 || fail "gen-cert --test-pki"
rsa=(--cert pki/server-rsa.pem --key pki/server-rsa.key)

# No fitting key pair: the client offers only DHE_DSS and ECDHE_ECDSA, the server has RSA.
"$HSK" client-hello --state c.json --suites dhe-dss,ecdhe-ecdsa >dss.tls
expect_exit 1 "$HSK" server-respond --state s.json "${rsa[@]}" <dss.tls
[ "$(xxd -p out)" = 15030100020228 ] || fail "alert record: $(xxd -p out)"
[ ! -e s.json ] || fail "a state file was written for a refused handshake"
expect_contains err "handshake_failure"
expect_contains err "DHE_DSS"
[ "$(wc -l <err)" = 1 ] || fail "more than one line on stderr"
# The alert is in the version of the ClientHello's record.
"$HSK" client-hello --state c.json --suites dhe-dss --record-version tls1.2 >dss12.tls
expect_exit 1 "$HSK" server-respond --state s.json "${rsa[@]}" <dss12.tls
[ "$(xxd -p out)" = 15030300020228 ] || fail "alert record (TLS 1.2 record): $(xxd -p out)"
# No suite in common with --suites; and no key pair at all for a non-anonymous client.
"$HSK" client-hello --state c.json --suites rsa >rsa.tls
expect_exit 1 "$HSK" server-respond --state s.json "${rsa[@]}" --suites ecdhe <rsa.tls
[ "$(xxd -p out)" = 15030100020228 ] || fail "no common suite: $(xxd -p out)"
expect_exit 1 "$HSK" server-respond --state s.json <rsa.tls
[ "$(xxd -p out)" = 15030100020228 ] || fail "no key pair: $(xxd -p out)"
expect_contains err "no --cert/--key pair"

# Version below --min-version: protocol_version.
"$HSK" client-hello --state c.json --version tls1.0 >v10.tls
expect_exit 1 "$HSK" server-respond --state s.json "${rsa[@]}" --min-version tls1.2 <v10.tls
[ "$(xxd -p out)" = 15030100020246 ] || fail "protocol_version alert: $(xxd -p out)"
expect_contains err "protocol_version"
[ ! -e s.json ] || fail "state written"

# ALPN with nothing in common: no_application_protocol (120 = 0x78).
"$HSK" client-hello --state c.json --alpn h2 >alpn.tls
expect_exit 1 "$HSK" server-respond --state s.json "${rsa[@]}" --alpn spdy/3 <alpn.tls
[ "$(xxd -p out)" = 15030100020278 ] || fail "no_application_protocol alert: $(xxd -p out)"

# Malformed ClientHello: a body that ends early (exit 3, decode_error alert 50 = 0x32).
printf '\x16\x03\x01\x00\x08\x01\x00\x00\x04\x03\x03\x00\x00' >bad.tls
expect_exit 3 "$HSK" server-respond --state s.json "${rsa[@]}" <bad.tls
[ "$(xxd -p out)" = 15030100020232 ] || fail "decode_error alert: $(xxd -p out)"
expect_contains err "ClientHello"
[ ! -e s.json ] || fail "state written"
# Truncated: the stream ends inside the record.
head -c 40 rsa.tls >trunc.tls
expect_exit 3 "$HSK" server-respond --state s.json "${rsa[@]}" <trunc.tls
[ "$(xxd -p "$T/out")" = 15030100020232 ] || fail "truncated ClientHello: expected a decode_error alert record, got $(xxd -p "$T/out")"
# Empty input, and a message other than ClientHello first.
expect_exit 3 "$HSK" server-respond --state s.json "${rsa[@]}" </dev/null
printf '\x16\x03\x01\x00\x04\x0e\x00\x00\x00\x16\x03\x01\x00\x04\x01\x00\x00\x00' >shd.tls
expect_exit 3 "$HSK" server-respond --state s.json "${rsa[@]}" <shd.tls
expect_contains err "before the ClientHello"
# An alert instead of a ClientHello.
printf '\x15\x03\x01\x00\x02\x02\x28' >alert.tls
expect_exit 3 "$HSK" server-respond --state s.json "${rsa[@]}" <alert.tls

# Usage: no --state, unpaired --cert/--key, a key of another certificate, bad options.
expect_exit 2 "$HSK" server-respond "${rsa[@]}" <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json --cert pki/server-rsa.pem <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json --cert pki/server-rsa.pem --key pki/server-ecdsa.key <rsa.tls
expect_contains err "is not the private key"
expect_exit 2 "$HSK" server-respond --state s.json "${rsa[@]}" --min-version tls1.3 <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json "${rsa[@]}" --min-version tls1.2 --max-version tls1.1 <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json "${rsa[@]}" --prefer nobody <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json "${rsa[@]}" --suites no-such-suite <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json "${rsa[@]}" --session-id zz <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json "${rsa[@]}" --random 0102 <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json "${rsa[@]}" --group nosuchgroup <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json "${rsa[@]}" --group ffdhe2048 --dh-params pki/dh.pem <rsa.tls
expect_exit 2 "$HSK" server-respond --state s.json "${rsa[@]}" --client-ca pki/ca.pem <rsa.tls
expect_exit 2 "$HSK" server-respond --state - "${rsa[@]}" <rsa.tls
[ ! -e s.json ] || fail "state written by a usage error"
# Files: missing certificate -> 4; a key file that is not a key -> 3.
expect_exit 4 "$HSK" server-respond --state s.json --cert nope.pem --key pki/server-rsa.key <rsa.tls
expect_exit 3 "$HSK" server-respond --state s.json --cert pki/server-rsa.pem --key pki/ca.pem <rsa.tls

# The state cannot be written: exit 4 and nothing on the wire.
expect_exit 4 "$HSK" server-respond --state no/such/dir/s.json "${rsa[@]}" <rsa.tls
[ ! -s out ] || fail "the flight went out although the state could not be written"
echo ok
