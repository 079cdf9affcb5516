#!/usr/bin/env bash
# hsk decode: the ServerHello of one input decides how ServerKeyExchange, CertificateRequest,
# CertificateVerify and ClientKeyExchange of later inputs decode; without it they stay hex
# with a note, unless --suite says which suite was negotiated. Uses the OpenSSL captures in
# testdata/handshakes (skipped when they are absent).
source "$TESTLIB"
H=$TESTDATA/handshakes
[ -d "$H/tls12-ecdhe-rsa" ] || { echo "no captures in $H: skipped"; exit 77; }

cke='[.inputs[-1].records[].messages[]? | select(.msg_type.code == 16)][0]'

# The client flight alone: the ClientKeyExchange form is unknown.
expect_exit 0 "$HSK" decode --json "$H/tls12-ecdhe-rsa/3-client-flight.tls"
[ "$(jq -r "$cke | has(\"body_hex\")" "$T/out")" = true ] || fail "ClientKeyExchange decoded without a suite"
jq -r "$cke.note" "$T/out" | grep -q "no ServerHello" || fail "note does not say why"
# The records after ChangeCipherSpec are protected.
[ "$(jq -r '.inputs[0].records[-1].encrypted' "$T/out")" = true ] || fail "Finished not marked encrypted"

# With the server flight before it: ECDHE.
expect_exit 0 "$HSK" decode --json "$H/tls12-ecdhe-rsa/2-server-flight.tls" "$H/tls12-ecdhe-rsa/3-client-flight.tls"
[ "$(jq -r "$cke.body.form" "$T/out")" = ecdh ] || fail "ClientKeyExchange form with ServerHello"
[ "$(jq -r "$cke.body.ecdh_Yc | length" "$T/out")" -gt 2 ] || fail "ecdh_Yc"
ske='[.inputs[0].records[].messages[] | select(.msg_type.code == 12)][0].body'
[ "$(jq -r "$ske.form" "$T/out")" = ecdh ] || fail "ServerKeyExchange form"
[ "$(jq -r "$ske.params.curve_type.name" "$T/out")" = named_curve ] || fail "curve_type"
jq -e "$ske.signature.algorithm.code" "$T/out" >/dev/null || fail "TLS 1.2 signature without algorithm"

# --suite instead of the ServerHello (IANA or OpenSSL name).
expect_exit 0 "$HSK" decode --json --suite ECDHE-RSA-AES128-GCM-SHA256 "$H/tls12-ecdhe-rsa/3-client-flight.tls"
[ "$(jq -r "$cke.body.form" "$T/out")" = ecdh ] || fail "--suite ignored"

if [ -d "$H/tls10-dhe-rsa" ]; then
  # TLS 1.0: DigitallySigned has no algorithm.
  expect_exit 0 "$HSK" decode --json "$H/tls10-dhe-rsa/2-server-flight.tls" "$H/tls10-dhe-rsa/3-client-flight.tls"
  [ "$(jq -r "$ske.form" "$T/out")" = dh ] || fail "DHE form"
  [ "$(jq -r "$ske.signature | has(\"algorithm\")" "$T/out")" = false ] || fail "TLS 1.0 signature with algorithm"
  [ "$(jq -r "$cke.body.form" "$T/out")" = dh ] || fail "DHE ClientKeyExchange"
fi
if [ -d "$H/tls12-rsa-client-auth" ]; then
  d=$H/tls12-rsa-client-auth
  expect_exit 0 "$HSK" decode --json "$d/2-server-flight.tls" "$d/3-client-flight.tls"
  [ "$(jq -r "$cke.body.form" "$T/out")" = rsa ] || fail "RSA ClientKeyExchange"
  jq -e '[.inputs[0].records[].messages[] | select(.msg_type.code == 13)][0].body.supported_signature_algorithms | length > 0' \
    "$T/out" >/dev/null || fail "CertificateRequest algorithms"
  jq -e '[.inputs[1].records[].messages[]? | select(.msg_type.code == 15)][0].body.signature.algorithm.code' \
    "$T/out" >/dev/null || fail "CertificateVerify algorithm"
fi
echo ok
