#!/usr/bin/env bash
source "$TESTLIB"
# hsk verify-sig STEP... on live `openssl s_server` flights: an hsk test PKI (gen-cert
# --test-pki), one s_server per case on 127.0.0.1, an `hsk client-hello` sent over bash's
# /dev/tcp and the server's first flight read back exactly (up to ServerHelloDone). verify-sig
# --ca must accept the ServerKeyExchange signature OpenSSL made and the server chain, naming the
# scheme OpenSSL chose (rsa_pss_rsae_sha256 by default; rsa_pkcs1_sha256 under
# -sigalgs RSA+SHA256; ecdsa_secp256r1_sha256; DSA; MD5+SHA-1 at TLS 1.0), and exit 1 with one
# byte of the signature changed.
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
source "$(dirname "${BASH_SOURCE[0]}")/../client-hello/flight_reader.sh"
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
"$HSK" gen-cert --test-pki pki >/dev/null 2>&1 || fail "hsk gen-cert --test-pki"

pid=""
stop_server() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  pid=""
  exec 7>&-
}
trap 'stop_server; rm -rf "$T"' EXIT

# start_server ARGS...: s_server on a port the kernel picks (printed on its ACCEPT line).
start_server() {
  rm -f server.in
  mkfifo server.in
  : >server.out
  timeout 60 openssl s_server -accept 127.0.0.1:0 -naccept 1 -no_ticket "$@" <server.in >>server.out 2>&1 &
  pid=$!
  exec 7>server.in
  for _ in $(seq 100); do grep -q '^ACCEPT' server.out && break; sleep 0.1; done
  port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' server.out)
  [ -n "$port" ] || { cat server.out >&2; fail "s_server did not start ($*)"; }
}

# flip FILE OFFSET: xor the byte at OFFSET with 0x01, in place.
flip() {
  local b
  b=$(xxd -s "$2" -l 1 -p "$1")
  printf '%02x' $((0x$b ^ 0x01)) | xxd -r -p | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# run_case NAME WANT-ALGORITHM CLIENT-HELLO-ARGS -- SERVER-ARGS
run_case() {
  local name=$1 want=$2
  shift 2
  local client=()
  while [ "$1" != -- ]; do client+=("$1"); shift; done
  shift
  start_server "$@"
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  "$HSK" client-hello --state "$name.json" "${client[@]}" >"$name.1.tls" || fail "$name: client-hello"
  cat "$name.1.tls" >&3
  read_server_flight 3 "$name.2.tls"
  exec 3>&-
  stop_server
  expect_exit 0 "$HSK" verify-sig --ca pki/ca.pem "$name.1.tls" "$name.2.tls"
  expect_contains out "ServerKeyExchange: $want by CN=localhost"
  expect_contains out "$want by CN=localhost,OU="
  grep -q "^ServerKeyExchange: .*: valid$" out || { cat out >&2; fail "$name: not valid"; }
  grep -q "^server certificate chain (CN=localhost,.*): valid$" out || { cat out >&2; fail "$name: chain"; }
  local line
  line=$(grep ServerKeyExchange out)
  # One byte of the signature changed: exit 1, the reason on stderr.
  local sig off
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

RSA=(-cert pki/server-rsa.pem -key pki/server-rsa.key)
run_case dhe-rsa "rsa_pss_rsae_sha256 (0x0804)" --suites DHE-RSA-AES128-GCM-SHA256 -- \
  "${RSA[@]}" -cipher DHE-RSA-AES128-GCM-SHA256
run_case dhe-dss "dsa_sha256 (0x0402)" --suites DHE-DSS-AES128-GCM-SHA256 -- \
  -cert pki/server-dsa.pem -key pki/server-dsa.key -cipher 'DHE-DSS-AES128-GCM-SHA256:@SECLEVEL=1'
run_case ecdhe-ecdsa "ecdsa_secp256r1_sha256 (0x0403)" --suites ECDHE-ECDSA-AES128-GCM-SHA256 -- \
  -cert pki/server-ecdsa.pem -key pki/server-ecdsa.key -cipher ECDHE-ECDSA-AES128-GCM-SHA256
run_case ecdhe-rsa-pss "rsa_pss_rsae_sha256 (0x0804)" --suites ECDHE-RSA-AES128-GCM-SHA256 -- \
  "${RSA[@]}" -cipher ECDHE-RSA-AES128-GCM-SHA256
run_case ecdhe-rsa-pkcs1 "rsa_pkcs1_sha256 (0x0401)" --suites ECDHE-RSA-AES128-GCM-SHA256 -- \
  "${RSA[@]}" -cipher ECDHE-RSA-AES128-GCM-SHA256 -sigalgs RSA+SHA256
run_case dhe-rsa-tls10 "RSA PKCS#1 v1.5 over MD5+SHA-1 (TLS 1.0/1.1)" --version tls1.0 --suites DHE-RSA-AES128-SHA -- \
  "${RSA[@]}" -cipher 'DHE-RSA-AES128-SHA:@SECLEVEL=0' -tls1

# The chain against the wrong anchor (the DSA CA): the signature is still valid, the chain is
# not, exit 1.
expect_exit 1 "$HSK" verify-sig --ca pki/dsa-ca.pem dhe-rsa.1.tls dhe-rsa.2.tls
expect_contains out "ServerKeyExchange: rsa_pss_rsae_sha256 (0x0804) by CN=localhost"
expect_contains out "server certificate chain (CN=localhost"
expect_contains err "server certificate chain"
