#!/usr/bin/env bash
source "$TESTLIB"
# hsk as the client of a live `openssl s_server` on loopback, over one bash /dev/tcp
# descriptor: `hsk client-hello >&3`, then `hsk derive-pms <&3 >&3` reads exactly the
# server's flight, checks it (chain against our CA and the name localhost, ServerKeyExchange
# signature — RSA-PSS as OpenSSL 3 signs by default, DSA, ECDSA, MD5+SHA-1 at TLS 1.0 — DH
# group, EC point) and sends the client flight.
#
# What OpenSSL tells us: s_server (-msg) must show it received each message we sent, and
# then send nothing — it waits for our ChangeCipherSpec, while a ClientKeyExchange it cannot
# use (a point off the curve, a DH value out of range) or a CertificateVerify that does not
# verify makes it send a fatal alert at once; two negative controls below show that it does.
# s_server writes its CLIENT_RANDOM key-log line only when it builds its own Finished
# (OpenSSL 3.0 tls_construct_finished), i.e. after our Finished, which is phase 4: so the
# master secret itself is compared with OpenSSL's for RSA key exchange, where OpenSSL
# decrypts our ClientKeyExchange with the server key (pkeyutl) and derives the master secret
# (kdf TLS1-PRF, over the session hash for extended master secret); should s_server ever log
# early, its line must equal ours.
# Cases: ECDHE-RSA (x25519, P-256, no EMS), DHE-RSA, RSA, ECDHE-ECDSA, DHE-DSS at TLS 1.2;
# ECDHE-RSA, DHE-RSA and RSA at TLS 1.0; client authentication (s_server -Verify) with RSA
# and ECDSA certificates at TLS 1.2 and RSA at TLS 1.0.
for tool in openssl xxd jq; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
"$HSK" gen-cert --test-pki pki --seed derive-pms-interop >/dev/null 2>&1 || fail "gen-cert --test-pki"

pid=""
stop_server() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
  pid=""
  exec 7>&-
}
trap 'stop_server; rm -rf "$T"' EXIT

# start NAME ARGS...: an s_server on a kernel-chosen port (it prints ACCEPT with the port);
# stdin is a FIFO we hold open so it does not see end of input.
start() {
  local name=$1
  shift
  rm -f "$name.fifo"
  mkfifo "$name.fifo"
  openssl s_server -accept 127.0.0.1:0 -naccept 1 -no_ticket -msg -keylogfile "$name.keylog" "$@" \
    <"$name.fifo" >"$name.srv.out" 2>&1 &
  pid=$!
  exec 7>"$name.fifo"
  for _ in $(seq 100); do grep -q '^ACCEPT' "$name.srv.out" && break; sleep 0.1; done
  port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$name.srv.out")
  [ -n "$port" ] || { cat "$name.srv.out" >&2; fail "$name: s_server did not start"; }
}

# received NAME MESSAGE: s_server's trace shows it read MESSAGE (waits up to 10 s).
received() {
  for _ in $(seq 100); do
    grep -Eq "^<<< TLS 1\.[0-2], Handshake \[length [0-9a-f]+\], $2\$" "$1.srv.out" && return 0
    sleep 0.1
  done
  cat "$1.srv.out" >&2
  fail "$1: s_server did not receive our $2"
}

# after_flight NAME: what s_server sent after our flight within 2 s (hex; "" for nothing).
after_flight() { timeout 2 head -c 7 <&3 | xxd -p || true; }

# run NAME "S_SERVER ARGS" "CLIENT-HELLO ARGS" ["DERIVE-PMS ARGS"] [MESSAGES WE SEND]
run() {
  local name=$1 sargs=$2 cargs=$3 dargs=${4:-} want=${5:-ClientKeyExchange}
  # shellcheck disable=SC2086
  start "$name" $sargs
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  # shellcheck disable=SC2086
  "$HSK" client-hello --state "$name.json" $cargs >&3 || fail "$name: client-hello"
  # shellcheck disable=SC2086
  "$HSK" derive-pms --no-finished --state "$name.json" --ca pki/ca.pem --server-name localhost --keylog "$name.mine" \
    --explain $dargs <&3 >&3 2>"$name.err" || { cat "$name.err" >&2; fail "$name: derive-pms"; }
  local m
  for m in $want; do received "$name" "$m"; done
  local extra
  extra=$(after_flight)
  # What s_server said while the connection was open (closing it makes it complain).
  cp "$name.srv.out" "$name.srv.open"
  exec 3>&-
  stop_server
  [ -z "$extra" ] || { cat "$name.srv.out" >&2; fail "$name: s_server answered our flight with $extra (an alert?)"; }
  ! grep -qi "alert\|error" "$name.srv.open" || { cat "$name.srv.open" >&2; fail "$name: s_server reports an error"; }
  local cr mine theirs
  cr=$(jq -r .client_random "$name.json")
  mine=$(cat "$name.mine")
  [ "$mine" = "CLIENT_RANDOM $cr $(jq -r .secrets.master_secret "$name.json")" ] || fail "$name: our keylog line: $mine"
  theirs=$(grep "^CLIENT_RANDOM $cr " "$name.keylog" || true)
  [ -z "$theirs" ] || [ "$theirs" = "$mine" ] || fail "$name: master secrets differ: openssl '$theirs', hsk '$mine'"
}

# rsa_agrees NAME DIGEST: OpenSSL decrypts our ClientKeyExchange with the server key and
# derives the master secret from it; it must be ours.
rsa_agrees() {
  local name=$1 digest=$2 cke pms ms seed
  cke=$(jq -r '.transcript[] | select(.type == "client_key_exchange") | .hex' "$1.json")
  xxd -r -p <<<"${cke:12}" >"$name.epms"  # after the 4-byte header and the 2-byte length
  pms=$(openssl pkeyutl -decrypt -inkey pki/server-rsa.key -pkeyopt rsa_padding_mode:pkcs1 -in "$name.epms" |
    xxd -p | tr -d '\n')
  [ ${#pms} = 96 ] || fail "$name: openssl could not decrypt our pre-master secret"
  if [ "$(jq -r .values.extended_master_secret "$name.json")" = true ]; then
    # The session hash covers ClientHello .. ClientKeyExchange (RFC 7627 §3).
    local upto='.transcript | (map(.type) | index("client_key_exchange")) as $i | .[0:$i + 1][] | .hex'
    local alg=-sha256
    [ "$digest" = SHA256 ] || alg=""
    if [ -n "$alg" ]; then
      seed=$(jq -r "$upto" "$name.json" | tr -d '\n' | xxd -r -p | openssl dgst $alg -binary | xxd -p | tr -d '\n')
    else
      seed=$(jq -r "$upto" "$name.json" | tr -d '\n' | xxd -r -p | openssl dgst -md5 -binary | xxd -p)
      seed=$seed$(jq -r "$upto" "$name.json" | tr -d '\n' | xxd -r -p | openssl dgst -sha1 -binary | xxd -p)
    fi
    seed=$(printf 'extended master secret' | xxd -p | tr -d '\n')$seed
  else
    seed=$(printf 'master secret' | xxd -p | tr -d '\n')$(jq -r .client_random "$name.json")$(jq -r .server_random "$name.json")
  fi
  ms=$(openssl kdf -keylen 48 -kdfopt digest:"$digest" -kdfopt hexsecret:"$pms" -kdfopt hexseed:"$seed" TLS1-PRF |
    tr -d ':\n' | tr 'A-F' 'a-f')
  [ "$ms" = "$(jq -r .secrets.master_secret "$name.json")" ] || fail "$name: OpenSSL derives another master secret"
}

rsa=(-cert pki/server-rsa.pem -key pki/server-rsa.key)
run ecdhe-rsa "${rsa[*]} -cipher ECDHE-RSA-AES128-GCM-SHA256" "--suites ECDHE-RSA-AES128-GCM-SHA256"
grep -q "rsa_pss_rsae_sha256" ecdhe-rsa.err || { cat ecdhe-rsa.err >&2; fail "ecdhe-rsa: not an RSA-PSS signature"; }
[ "$(jq -r .values.extended_master_secret ecdhe-rsa.json)" = true ] || fail "EMS not negotiated"
run ecdhe-rsa-p256-noems "${rsa[*]} -cipher ECDHE-RSA-AES256-GCM-SHA384" \
  "--suites ECDHE-RSA-AES256-GCM-SHA384 --groups secp256r1 --no-ems"
[ "$(jq -r .values.extended_master_secret ecdhe-rsa-p256-noems.json)" = false ] || fail "--no-ems: EMS negotiated"
run dhe-rsa "${rsa[*]} -cipher DHE-RSA-AES128-GCM-SHA256" "--suites DHE-RSA-AES128-GCM-SHA256"
run rsa "${rsa[*]} -cipher AES128-GCM-SHA256" "--suites AES128-GCM-SHA256"
rsa_agrees rsa SHA256
run rsa-noems "${rsa[*]} -cipher AES256-SHA256" "--suites AES256-SHA256 --no-ems"
rsa_agrees rsa-noems SHA256
run ecdhe-ecdsa "-cert pki/server-ecdsa.pem -key pki/server-ecdsa.key -cipher ECDHE-ECDSA-AES128-GCM-SHA256" \
  "--suites ECDHE-ECDSA-AES128-GCM-SHA256"
run dhe-dss "-cert pki/server-dsa.pem -key pki/server-dsa.key -cipher DHE-DSS-AES128-GCM-SHA256:@SECLEVEL=1" \
  "--suites DHE-DSS-AES128-GCM-SHA256"
run ecdhe-rsa-tls10 "${rsa[*]} -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0" "--version tls1.0 --suites ECDHE-RSA-AES128-SHA"
run dhe-rsa-tls10 "${rsa[*]} -cipher DHE-RSA-AES128-SHA:@SECLEVEL=0" "--version tls1.0 --suites DHE-RSA-AES128-SHA"
[ "$(jq -r .negotiated_version dhe-rsa-tls10.json)" = 0x0301 ] || fail "dhe-rsa-tls10: version"
run rsa-tls10 "${rsa[*]} -cipher AES128-SHA:@SECLEVEL=0" "--version tls1.0 --suites AES128-SHA"
rsa_agrees rsa-tls10 MD5-SHA1
# Client authentication: s_server asks (-Verify 1), checks our chain and CertificateVerify.
# (OpenSSL wants an EC client key's curve in the ClientHello's supported_groups: --groups.)
auth="ClientKeyExchange CertificateVerify"
run auth-rsa "${rsa[*]} -Verify 1 -CAfile pki/ca.pem -cipher ECDHE-RSA-AES128-GCM-SHA256" \
  "--suites ECDHE-RSA-AES128-GCM-SHA256" "--cert pki/client.pem --key pki/client.key" "$auth"
run auth-ecdsa "${rsa[*]} -Verify 1 -CAfile pki/ca.pem -cipher DHE-RSA-AES128-GCM-SHA256" \
  "--suites DHE-RSA-AES128-GCM-SHA256 --groups ffdhe2048,secp256r1" \
  "--cert pki/client-ecdsa.pem --key pki/client-ecdsa.key" "$auth"
run auth-rsa-tls10 "${rsa[*]} -Verify 1 -CAfile pki/ca.pem -cipher AES128-SHA:@SECLEVEL=0" \
  "--version tls1.0 --suites AES128-SHA" "--cert pki/client.pem --key pki/client.key" "$auth"
rsa_agrees auth-rsa-tls10 MD5-SHA1

# Negative controls: s_server does answer a flight it cannot use, at once, with an alert.
# corrupt NAME "S_SERVER ARGS" "CLIENT-HELLO ARGS" "DERIVE-PMS ARGS" OFFSET_FROM_END WANT_ALERT
corrupt() {
  local name=$1 sargs=$2 cargs=$3 dargs=$4 from_end=$5 want=$6
  # shellcheck disable=SC2086
  start "$name" $sargs
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  # shellcheck disable=SC2086
  "$HSK" client-hello --state "$name.json" $cargs >&3 || fail "$name: client-hello"
  # shellcheck disable=SC2086
  "$HSK" derive-pms --no-finished --state "$name.json" --ca pki/ca.pem $dargs <&3 -o "$name.flight" || fail "$name: derive-pms"
  local n byte
  n=$(stat -c %s "$name.flight")
  byte=$(xxd -p -s $((n - from_end)) -l 1 "$name.flight")
  { head -c $((n - from_end)) "$name.flight"; printf '%02x' $((0x$byte ^ 0x01)) | xxd -r -p; tail -c $((from_end - 1)) "$name.flight"; } >&3
  local got
  got=$(after_flight)
  exec 3>&-
  stop_server
  [ "${got:0:2}" = 15 ] || { cat "$name.srv.out" >&2; fail "$name: no alert from s_server (got '$got')"; }
  [ "${got:10:4}" = "02$want" ] || fail "$name: alert ${got:10:4}, want fatal $want"
}
# The last byte of our P-256 point (the point is last in the flight): off the curve.
corrupt bad-point "${rsa[*]} -cipher ECDHE-RSA-AES128-GCM-SHA256" \
  "--suites ECDHE-RSA-AES128-GCM-SHA256 --groups secp256r1" "" 1 "2f"
# A byte inside our CertificateVerify's RSA signature: decrypt_error (51 = 0x33).
corrupt bad-verify "${rsa[*]} -Verify 1 -CAfile pki/ca.pem -cipher ECDHE-RSA-AES128-GCM-SHA256" \
  "--suites ECDHE-RSA-AES128-GCM-SHA256" "--cert pki/client.pem --key pki/client.key" 10 "33"
