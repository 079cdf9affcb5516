#!/usr/bin/env bash
source "$TESTLIB"
# hsk server-respond: for each key exchange family, the flight `hsk decode --json` reads back
# holds the right messages in order (ServerHello, Certificate unless anonymous,
# ServerKeyExchange for DHE/ECDHE/anonymous only, CertificateRequest when asked,
# ServerHelloDone) with the suite and version chosen; the ServerKeyExchange signature fields;
# the state file is 0600 and holds the transcript, the ephemeral key and the chosen pair;
# stdout carries only records (--explain goes to stderr); --hex, -o, --seed reproducibility.
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed server-respond-basic >/dev/null 2>&1 || fail "gen-cert --test-pki"

pairs=(--cert pki/server-rsa.pem --key pki/server-rsa.key
  --cert pki/server-dsa.pem --key pki/server-dsa.key
  --cert pki/server-ecdsa.pem --key pki/server-ecdsa.key
  --cert pki/server-dh-rsa.pem --key pki/server-dh-rsa.key
  --cert pki/server-dh-dss.pem --key pki/server-dh-dss.key)

# types FILE: the handshake message types of a flight, comma-separated.
types() { "$HSK" decode --json "$1" | jq -r '[.inputs[0].records[].messages[]?.msg_type.name] | join(",")'; }
sh() { "$HSK" decode --json "$1" | jq -r ".inputs[0].records[0].messages[0].body | $2"; }
ske() {
  "$HSK" decode --json --suite "$2" --tls-version "${4:-tls1.2}" "$1" |
    jq -r ".inputs[0].records[].messages[]? | select(.msg_type.name == \"server_key_exchange\") | .body | $3"
}

# case NAME SUITE WANT_TYPES [client-hello options...]
case_() {
  local name=$1 suite=$2 want=$3
  shift 3
  "$HSK" client-hello --state "$name.c.json" --suites "$suite" "$@" >"$name.ch.tls" || fail "$name: client-hello"
  expect_exit 0 "$HSK" server-respond --state "$name.s.json" "${pairs[@]}" --in "$name.ch.tls"
  cp out "$name.sf.tls"
  [ ! -s err ] || { cat err >&2; fail "$name: stderr not empty"; }
  [ "$(types "$name.sf.tls")" = "$want" ] || fail "$name: messages $(types "$name.sf.tls"), want $want"
  [ "$(sh "$name.sf.tls" .cipher_suite.name)" = "$suite" ] || fail "$name: suite $(sh "$name.sf.tls" .cipher_suite.name)"
  [ "$(stat -c %a "$name.s.json")" = 600 ] || fail "$name: state mode $(stat -c %a "$name.s.json")"
  [ "$(jq -r .role "$name.s.json")" = server ] || fail "$name: state role"
}

H=server_hello C=certificate K=server_key_exchange D=server_hello_done R=certificate_request
case_ rsa TLS_RSA_WITH_AES_128_GCM_SHA256 "$H,$C,$D"
case_ dhe-rsa TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 "$H,$C,$K,$D"
case_ dhe-dss TLS_DHE_DSS_WITH_AES_128_GCM_SHA256 "$H,$C,$K,$D"
case_ dh-rsa TLS_DH_RSA_WITH_AES_128_GCM_SHA256 "$H,$C,$D"
case_ dh-dss TLS_DH_DSS_WITH_AES_128_GCM_SHA256 "$H,$C,$D"
case_ dh-anon TLS_DH_anon_WITH_AES_128_GCM_SHA256 "$H,$K,$D"
case_ ecdhe-rsa TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "$H,$C,$K,$D"
case_ ecdhe-ecdsa TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 "$H,$C,$K,$D"
case_ ecdh-anon TLS_ECDH_anon_WITH_AES_128_CBC_SHA "$H,$K,$D"
case_ dhe-rsa-10 TLS_DHE_RSA_WITH_AES_128_CBC_SHA "$H,$C,$K,$D" --version tls1.0

# The certificate sent is the chosen pair's; the state names its files.
for pair in rsa:rsa dhe-dss:dsa ecdhe-ecdsa:ecdsa dh-rsa:dh-rsa dh-dss:dh-dss; do
  name=${pair%%:*} file=server-${pair#*:}
  want=$(openssl x509 -in "pki/$file.pem" -outform DER | xxd -p | tr -d '\n')
  got=$("$HSK" decode --json "$name.sf.tls" | jq -r '.inputs[0].records[].messages[]? | select(.msg_type.name == "certificate") | .body.certificate_list[0].cert_hex')
  [ "$got" = "$want" ] || fail "$name: Certificate is not $file.pem"
  [ "$(jq -r .values.server_key_file "$name.s.json")" = "$T/pki/$file.key" ] || fail "$name: server_key_file $(jq -r .values.server_key_file "$name.s.json")"
  [ "$(jq -r .values.server_cert_file "$name.s.json")" = "$T/pki/$file.pem" ] || fail "$name: server_cert_file"
done

# Signed, unsigned and absent ServerKeyExchange.
[ "$(ske ecdhe-rsa.sf.tls ecdhe-rsa-aes128-gcm-sha256 '.signature.algorithm.name')" = rsa_pss_rsae_sha256 ] ||
  fail "ecdhe-rsa: SKE algorithm $(ske ecdhe-rsa.sf.tls ecdhe-rsa-aes128-gcm-sha256 '.signature.algorithm')"
[ "$(ske ecdhe-rsa.sf.tls ecdhe-rsa-aes128-gcm-sha256 '.params.named_curve.name')" = x25519 ] || fail "ecdhe-rsa: curve"
[ "$(ske ecdhe-ecdsa.sf.tls ecdhe-ecdsa-aes128-gcm-sha256 '.signature.algorithm.name')" = ecdsa_secp256r1_sha256 ] || fail "ecdhe-ecdsa: SKE algorithm"
[ "$(ske dhe-dss.sf.tls dhe-dss-aes128-gcm-sha256 '.signature.algorithm.name')" = dsa_sha256 ] || fail "dhe-dss: SKE algorithm"
[ "$(ske dh-anon.sf.tls adh-aes128-gcm-sha256 '.signature')" = null ] || fail "dh-anon: SKE is signed"
[ "$(ske dh-anon.sf.tls adh-aes128-gcm-sha256 '.params.dh_p | length')" = 512 ] || fail "dh-anon: not a 2048-bit p"
[ "$(ske dhe-rsa-10.sf.tls dhe-rsa-aes128-sha '.signature.algorithm' tls1.0)" = null ] || fail "TLS 1.0 SKE has an algorithm field"
[ "$(sh dhe-rsa-10.sf.tls .server_version.name)" = "TLS 1.0" ] || fail "dhe-rsa-10: version"
[ "$(xxd -p -l 3 dhe-rsa-10.sf.tls)" = 160301 ] || fail "dhe-rsa-10: record version"
[ "$(xxd -p -l 3 rsa.sf.tls)" = 160303 ] || fail "rsa: record version"

# The state: the transcript is the ClientHello then the messages sent, the ephemeral key kept.
s=dhe-rsa.s.json
[ "$(jq -r '.transcript | map(.from) | join(",")' $s)" = client,server,server,server,server ] || fail "transcript senders"
[ "$(jq -r '.transcript[0].hex' $s)" = "$(xxd -p -s 5 dhe-rsa.ch.tls | tr -d '\n')" ] || fail "transcript ClientHello"
[ "$(jq -r '[.transcript[1:][].hex] | join("")' $s)" = "$(xxd -p -s 5 dhe-rsa.sf.tls | tr -d '\n')" ] ||
  fail "transcript server messages differ from the record (one record expected)"
[ "$(jq -r .cipher_suite $s)" = 0x009e ] || fail "state cipher_suite"
[ "$(jq -r .negotiated_version $s)" = 0x0303 ] || fail "state negotiated_version"
[ "$(jq -r .values.kex_group $s)" = ffdhe2048 ] || fail "state kex_group"
[ "$(jq -r '.secrets.kex_private | length' $s)" = 56 ] || fail "kex_private is not a 224-bit exponent"
[ "$(jq -r .server_random $s)" = "$(sh dhe-rsa.sf.tls .random)" ] || fail "state server_random"
[ "$(jq -r .client_random $s)" = "$(jq -r .client_random dhe-rsa.c.json)" ] || fail "state client_random"
[ "$(jq -r '.secrets.kex_private // "none"' rsa.s.json)" = none ] || fail "rsa: kex_private present"
[ "$(jq -r '.values.kex_group // "none"' dh-rsa.s.json)" = none ] || fail "dh-rsa: kex_group present"
[ "$(jq -r .values.kex_group ecdhe-ecdsa.s.json)" = x25519 ] || fail "ecdhe: kex_group"
# No secret on stdout: the private value is not in the flight.
! grep -q "$(jq -r .secrets.kex_private $s)" <(xxd -p dhe-rsa.sf.tls | tr -d '\n') || fail "kex_private in the flight"

# Extensions echoed: renegotiation_info, extended_master_secret, ec_point_formats, ALPN.
"$HSK" client-hello --state c.json --suites ecdhe-rsa --alpn h2,http/1.1 >alpn.ch.tls
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --alpn http/1.1 <alpn.ch.tls
cp out alpn.sf.tls
[ "$(sh alpn.sf.tls '[.extensions[].extension_type.name] | join(",")')" = \
  renegotiation_info,extended_master_secret,ec_point_formats,application_layer_protocol_negotiation ] ||
  fail "extensions: $(sh alpn.sf.tls '[.extensions[].extension_type.name]')"
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --no-ems <alpn.ch.tls
cp out noems.sf.tls
[ "$(sh noems.sf.tls '[.extensions[].extension_type.name] | join(",")')" = renegotiation_info,ec_point_formats ] ||
  fail "--no-ems: $(sh noems.sf.tls '[.extensions[].extension_type.name]')"

# Options: suites, preference, versions, session id, random, CertificateRequest.
"$HSK" client-hello --state c.json --suites 'ECDHE-RSA-AES256-GCM-SHA384,AES128-GCM-SHA256' >pref.ch.tls
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --suites rsa,ecdhe <pref.ch.tls
[ "$(sh out .cipher_suite.name)" = TLS_RSA_WITH_AES_128_GCM_SHA256 ] || fail "--suites order (server preference)"
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --suites rsa,ecdhe --prefer client <pref.ch.tls
[ "$(sh out .cipher_suite.name)" = TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 ] || fail "--prefer client"
"$HSK" client-hello --state c.json --suites ecdhe-rsa >v.ch.tls
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --max-version tls1.1 <v.ch.tls
[ "$(sh out .server_version.name)" = "TLS 1.1" ] || fail "--max-version tls1.1"
[ "$(sh out .cipher_suite.name)" = TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA ] || fail "--max-version: suite"
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --session-id 0102 --random "$(printf '11%.0s' $(seq 32))" <v.ch.tls
[ "$(sh out .session_id)" = 0102 ] || fail "--session-id"
[ "$(sh out .random)" = "$(printf '11%.0s' $(seq 32))" ] || fail "--random HEX"
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --session-id none --time 1600000000 <v.ch.tls
[ "$(sh out .session_id)" = "" ] || fail "--session-id none"
[ "$(sh out .random | cut -c1-8)" = 5f5e1000 ] || fail "--time"
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --request-cert --client-ca pki/ca.pem --client-ca pki/dsa-ca.pem <v.ch.tls
cp out cr.sf.tls
[ "$(types cr.sf.tls)" = "$H,$C,$K,$R,$D" ] || fail "--request-cert: $(types cr.sf.tls)"
[ "$(jq -r .values.client_auth_requested s.json)" = true ] || fail "client_auth_requested"
cr() { "$HSK" decode --json "$1" | jq -r ".inputs[0].records[].messages[]? | select(.msg_type.name == \"certificate_request\") | .body | $2"; }
[ "$(cr cr.sf.tls '[.certificate_types[].name] | join(",")')" = rsa_sign,dss_sign,ecdsa_sign ] ||
  fail "certificate_types: $(cr cr.sf.tls .certificate_types)"
[ "$(cr cr.sf.tls '.certificate_authorities | length')" = 2 ] || fail "two CA names"
[ "$(cr cr.sf.tls '.supported_signature_algorithms | length')" = 13 ] || fail "supported_signature_algorithms"

# --explain on stderr in the language of the phases; stdout unchanged; --seed reproducible.
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --seed x --explain --in dhe-rsa.ch.tls
cp out seeded1.tls
expect_contains err "Phase 1 - hello"
expect_contains err "Phase 2 - server authentication and key exchange"
expect_contains err "cipher suite: TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (0x009e) - server preference"
expect_contains err "ffdhe2048"
expect_contains err "client_random (32) ‖ server_random (32) ‖ params"
expect_contains err "rsa_pss_rsae_sha256 (0x0804)"
expect_contains err "key pair 1 of 5"
[ "$(types seeded1.tls)" = "$H,$C,$K,$D" ] || fail "--explain changed stdout"
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --seed x --in dhe-rsa.ch.tls
cmp -s out seeded1.tls || fail "--seed: different bytes"
expect_exit 0 "$HSK" server-respond --state s.json "${pairs[@]}" --seed x --hex -o hex.txt --in dhe-rsa.ch.tls
[ ! -s out ] || fail "stdout not empty with -o"
[ "$(tr -d '\n' <hex.txt)" = "$(xxd -p seeded1.tls | tr -d '\n')" ] || fail "--hex"
echo ok
