#!/usr/bin/env bash
source "$TESTLIB"
# End to end over files, hsk client against hsk server: client-hello | server-respond |
# derive-pms (client) | derive-pms (server) for every key exchange hsk runs — RSA, DHE_RSA,
# DHE_DSS, DH_anon, DH_RSA, DH_DSS, ECDHE_RSA, ECDHE_ECDSA, ECDH_anon — at TLS 1.2, 1.1 and
# 1.0, with extended master secret on and off, without and with client authentication
# (RSA, ECDSA and DSA client certificates with CertificateVerify; fixed-DH client
# certificates with an empty ClientKeyExchange). In every case both sides hold the same
# transcript, pre-master secret, master secret and key block, and the client flight holds
# the messages the case calls for (then ChangeCipherSpec and the protected Finished); the
# server checks the client's Finished and answers with its own, which `hsk finish` checks, so
# both transcripts end with both Finished.
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed derive-pms-e2e >/dev/null 2>&1 || fail "gen-cert --test-pki"
pairs=(--cert pki/server-rsa.pem --key pki/server-rsa.key
  --cert pki/server-dsa.pem --key pki/server-dsa.key
  --cert pki/server-ecdsa.pem --key pki/server-ecdsa.key
  --cert pki/server-dh-rsa.pem --key pki/server-dh-rsa.key
  --cert pki/server-dh-dss.pem --key pki/server-dh-dss.key)
cas=(--ca pki/ca.pem --ca pki/dsa-ca.pem)
types() { "$HSK" decode --json "$1" | jq -r '[.inputs[0].records[].messages[]?.msg_type.name] | join(",")'; }

cases=0
# run NAME FAMILY VERSION EMS(on|off) AUTH(none|rsa|ecdsa|dsa|dh) WANT_CLIENT_FLIGHT
run() {
  local name=$1 family=$2 version=$3 ems=$4 auth=$5 want=$6
  local ch=() sr=() dc=()
  [ "$ems" = off ] && ch+=(--no-ems)
  if [ "$auth" != none ]; then
    sr+=(--request-cert --client-ca pki/ca.pem)
    local c=client
    [ "$auth" = rsa ] || c=client-$auth
    dc+=(--cert "pki/$c.pem" --key "pki/$c.key")
  fi
  "$HSK" client-hello --state "$name.c.json" --suites "$family" --version "$version" "${ch[@]}" >"$name.1.tls" ||
    fail "$name: client-hello"
  "$HSK" server-respond --state "$name.s.json" "${pairs[@]}" "${sr[@]}" <"$name.1.tls" >"$name.2.tls" 2>"$name.err" ||
    { cat "$name.err" >&2; fail "$name: server-respond"; }
  "$HSK" derive-pms --state "$name.c.json" "${cas[@]}" "${dc[@]}" <"$name.2.tls" >"$name.3.tls" 2>"$name.err" ||
    { cat "$name.err" >&2; fail "$name: derive-pms (client)"; }
  [ ! -s "$name.err" ] || { cat "$name.err" >&2; fail "$name: the client warned"; }
  "$HSK" derive-pms --state "$name.s.json" --client-ca pki/ca.pem <"$name.3.tls" >"$name.4.tls" 2>"$name.err" ||
    { cat "$name.err" >&2; fail "$name: derive-pms (server)"; }
  # Phase 4: the client flight ended with ChangeCipherSpec + Finished, which the server
  # checked; the server's ChangeCipherSpec + Finished must satisfy the client.
  "$HSK" finish --state "$name.c.json" <"$name.4.tls" 2>"$name.err" ||
    { cat "$name.err" >&2; fail "$name: finish (client)"; }
  [ "$(jq -r .values.handshake_complete "$name.c.json"),$(jq -r .values.handshake_complete "$name.s.json")" = true,true ] ||
    fail "$name: handshake_complete"
  local v
  v=$(jq -r .negotiated_version "$name.c.json")
  case $version in tls1.0) [ "$v" = 0x0301 ] ;; tls1.1) [ "$v" = 0x0302 ] ;; tls1.2) [ "$v" = 0x0303 ] ;; esac ||
    fail "$name: negotiated $v, asked $version"
  [ "$(types "$name.3.tls")" = "$want" ] || fail "$name: client flight $(types "$name.3.tls"), want $want"
  for k in .secrets.pre_master_secret .secrets.master_secret .secrets.key_block '[.transcript[].hex] | join("")' \
    .values.extended_master_secret; do
    local a b
    a=$(jq -r "$k" "$name.c.json")
    b=$(jq -r "$k" "$name.s.json")
    [ -n "$a" ] && [ "$a" != null ] || fail "$name: the client state lacks $k"
    [ "$a" = "$b" ] || fail "$name: $k differs between client and server"
  done
  [ "$(jq -r .values.extended_master_secret "$name.c.json")" = "$([ "$ems" = on ] && echo true || echo false)" ] ||
    fail "$name: extended_master_secret $(jq -r .values.extended_master_secret "$name.c.json"), want $ems"
  cases=$((cases + 1))
}

cke=client_key_exchange
for version in tls1.2 tls1.1 tls1.0; do
  for family in rsa dhe-rsa dhe-dss dh-anon dh-rsa dh-dss ecdhe-rsa ecdhe-ecdsa ecdh-anon; do
    run "$family-$version" "$family" "$version" on none "$cke"
  done
done
for family in rsa dhe-rsa dhe-dss dh-anon dh-rsa dh-dss ecdhe-rsa ecdhe-ecdsa ecdh-anon; do
  run "$family-noems" "$family" tls1.2 off none "$cke"
done
# Client authentication with a signing key: Certificate, ClientKeyExchange, CertificateVerify.
for family in rsa dhe-rsa dhe-dss dh-rsa dh-dss ecdhe-rsa ecdhe-ecdsa; do
  run "$family-auth" "$family" tls1.2 on rsa "certificate,$cke,certificate_verify"
done
for version in tls1.2 tls1.0; do
  for ems in on off; do
    run "ecdsa-auth-$version-$ems" ecdhe-rsa "$version" "$ems" ecdsa "certificate,$cke,certificate_verify"
    run "dsa-auth-$version-$ems" dhe-rsa "$version" "$ems" dsa "certificate,$cke,certificate_verify"
    run "rsa-auth-$version-$ems" rsa "$version" "$ems" rsa "certificate,$cke,certificate_verify"
    # Fixed-DH client certificates: the ClientKeyExchange is empty, no CertificateVerify.
    run "dh-rsa-fixed-$version-$ems" dh-rsa "$version" "$ems" dh "certificate,$cke"
    run "dh-dss-fixed-$version-$ems" dh-dss "$version" "$ems" dh "certificate,$cke"
  done
done
for name in dh-rsa-fixed-tls1.2-on dh-dss-fixed-tls1.0-off; do
  [ "$(jq -r .values.client_auth "$name.c.json")" = fixed_dh ] || fail "$name: client_auth"
  [ "$(jq -r '.transcript[] | select(.type == "client_key_exchange") | .hex' "$name.c.json")" = 10000000 ] || fail "$name: the ClientKeyExchange is not empty"
done
echo "$cases end-to-end cases"
