#!/usr/bin/env bash
source "$TESTLIB"
# hsk verify-sig STEP... on live `gnutls-serv` flights (an implementation independent of
# OpenSSL): an hsk test PKI, gnutls-serv with the RSA server key on 127.0.0.1, an hsk
# ClientHello over bash's /dev/tcp for DHE_RSA and for ECDHE_RSA at TLS 1.2, and for DHE_RSA at
# TLS 1.0; the flight read back up to ServerHelloDone. verify-sig --ca accepts the
# ServerKeyExchange signature and the chain, and exits 1 with one byte of the signature changed.
command -v gnutls-serv >/dev/null || fail "gnutls-serv is not installed (scripts/deps installs gnutls-bin)"
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
source "$(dirname "${BASH_SOURCE[0]}")/../client-hello/flight_reader.sh"
cd "$T"
"$HSK" gen-cert --test-pki pki >/dev/null 2>&1 || fail "hsk gen-cert --test-pki"

source "$(dirname "$TESTLIB")/live.sh"
trap 'stop_server; rm -rf "$T"' EXIT

gnutls_serv_start server.out --x509certfile pki/server-rsa.pem --x509keyfile pki/server-rsa.key \
  --disable-client-cert --priority 'NORMAL:+VERS-TLS1.0:+DHE-RSA:+AES-128-CBC:+SHA1'

flip() {
  local b
  b=$(xxd -s "$2" -l 1 -p "$1")
  printf '%02x' $((0x$b ^ 0x01)) | xxd -r -p | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# run_case NAME WANT-PATTERN CLIENT-HELLO-ARGS...
run_case() {
  local name=$1 want=$2
  shift 2
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  "$HSK" client-hello --state "$name.json" "$@" >"$name.1.tls" || fail "$name: client-hello"
  cat "$name.1.tls" >&3
  read_server_flight 3 "$name.2.tls"
  exec 3>&-
  expect_exit 0 "$HSK" verify-sig --ca pki/ca.pem "$name.1.tls" "$name.2.tls"
  grep -Eq "^ServerKeyExchange: $want by CN=localhost,OU=RSA server,O=hsk,C=XX: valid$" out ||
    { cat out >&2; fail "$name: expected a valid $want signature"; }
  grep -q "^server certificate chain (CN=localhost,.*): valid$" out || { cat out >&2; fail "$name: chain"; }
  local line sig off
  line=$(grep ServerKeyExchange out)
  "$HSK" verify-sig --json "$name.1.tls" "$name.2.tls" >"$name.json.out"
  sig=$(jq -r '.checks[] | select(.check == "server_key_exchange") | .signature' "$name.json.out")
  off=$(($(xxd -p "$name.2.tls" | tr -d '\n' | grep -bo "$sig" | cut -d: -f1) / 2 + ${#sig} / 4))
  cp "$name.2.tls" "$name.2.bad.tls"
  flip "$name.2.bad.tls" "$off"
  expect_exit 1 "$HSK" verify-sig --ca pki/ca.pem "$name.1.tls" "$name.2.bad.tls"
  expect_contains err "signature does not verify"
  expect_lines err 1
  echo "ok: $name: $line; one byte changed: exit 1"
}

# GnuTLS picks the scheme from our signature_algorithms (RSA-PSS first for an RSA key).
run_case dhe-rsa 'rsa_(pss_rsae|pkcs1)_sha(256|384|512) \(0x0[4-8]0[1-6]\)' --suites DHE-RSA-AES128-GCM-SHA256
run_case ecdhe-rsa 'rsa_(pss_rsae|pkcs1)_sha(256|384|512) \(0x0[4-8]0[1-6]\)' --suites ECDHE-RSA-AES128-GCM-SHA256
run_case dhe-rsa-tls10 'RSA PKCS#1 v1.5 over MD5\+SHA-1 \(TLS 1.0/1.1\)' --version tls1.0 --suites DHE-RSA-AES128-SHA
stop_server
