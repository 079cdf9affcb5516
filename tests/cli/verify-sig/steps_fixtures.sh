#!/usr/bin/env bash
source "$TESTLIB"
# hsk verify-sig STEP...: the verdict on every recorded OpenSSL handshake in
# testdata/handshakes (see testdata/README.md for what each one negotiated), and exit 1 when one
# byte of the signature, of the signed params or of server_random is changed (OpenSSL made
# every signature, so each unmodified one is valid). Hex step files give the same result.
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
H=$TESTDATA/handshakes

# flip FILE OFFSET: xor the byte at OFFSET with 0x01, in place.
flip() {
  local b
  b=$(xxd -s "$2" -l 1 -p "$1")
  printf '%02x' $((0x$b ^ 0x01)) | xxd -r -p | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# case NAME EXPECTED-STDOUT: all four step files, exit 0, exactly that output.
case_ok() {
  local d=$H/$1
  expect_exit 0 "$HSK" verify-sig "$d/1-client-hello.tls" "$d/2-server-flight.tls" \
    "$d/3-client-flight.tls" "$d/4-server-finished.tls"
  [ "$(cat out)" = "$2" ] || fail "$1: output
$(cat out)
expected
$2"
  [ ! -s err ] || { cat err >&2; fail "$1: stderr not empty"; }
}

S="CN=hsk.test,O=hsk test"
case_ok tls12-dhe-rsa "ServerKeyExchange: rsa_pss_rsae_sha256 (0x0804) by $S: valid"
case_ok tls12-ecdhe-rsa "ServerKeyExchange: rsa_pss_rsae_sha256 (0x0804) by $S: valid"
case_ok tls12-ecdhe-ecdsa "ServerKeyExchange: ecdsa_secp256r1_sha256 (0x0403) by $S: valid"
case_ok tls12-dhe-dss "ServerKeyExchange: dsa_sha224 (0x0302) by $S: valid"
case_ok tls10-dhe-rsa "ServerKeyExchange: RSA PKCS#1 v1.5 over MD5+SHA-1 (TLS 1.0/1.1) by $S: valid"
case_ok tls10-ecdhe-rsa "ServerKeyExchange: RSA PKCS#1 v1.5 over MD5+SHA-1 (TLS 1.0/1.1) by $S: valid"
case_ok tls12-rsa-client-auth "CertificateVerify: rsa_pss_rsae_sha256 (0x0804) by CN=hsk test client,O=hsk test: valid
note: RSA key exchange sends no ServerKeyExchange"
case_ok tls12-rsa "no signed handshake messages: RSA key exchange sends no ServerKeyExchange"
case_ok tls11-rsa "no signed handshake messages: RSA key exchange sends no ServerKeyExchange"
case_ok tls12-adh "no signed handshake messages: DH_anon key exchange: the ServerKeyExchange is not signed (the server is anonymous)"

# The first two files are enough for the ServerKeyExchange; JSON says the same.
d=$H/tls12-dhe-rsa
expect_exit 0 "$HSK" verify-sig --json "$d/1-client-hello.tls" "$d/2-server-flight.tls"
jq -e '.valid == true and .version == "0x0303" and .cipher_suite == "0x009e"
  and (.checks | length) == 1 and .checks[0].check == "server_key_exchange"
  and .checks[0].scheme == "0x0804" and .checks[0].hash == "SHA-256"
  and .checks[0].signed_length == 32 + 32 + (.checks[0].signed_parts[2].length)
  and ([.checks[0].signed_parts[].name] == ["client_random", "server_random", "params (ServerDHParams)"])
  and .nothing_to_check == null' out >/dev/null || { cat out >&2; fail "dhe-rsa JSON"; }
# Stdin and hex input.
xxd -p "$d/2-server-flight.tls" >flight.hex
expect_exit 0 "$HSK" verify-sig "$d/1-client-hello.tls" - <flight.hex
expect_contains out "ServerKeyExchange: rsa_pss_rsae_sha256 (0x0804) by $S: valid"

# tamper NAME WHAT: change one byte and expect exit 1 with the reason on stderr in one line.
tamper() {
  local name=$1 what=$2 d=$H/$1 off
  cp "$d"/*.tls .
  "$HSK" verify-sig --json 1-client-hello.tls 2-server-flight.tls 3-client-flight.tls >j.json
  case $what in
    signature)
      local sig kind file
      kind=$(jq -r '.checks[0].check' j.json)
      sig=$(jq -r '.checks[0].signature' j.json)
      file=$([ "$kind" = certificate_verify ] && echo 3-client-flight.tls || echo 2-server-flight.tls)
      off=$(($(xxd -p "$file" | tr -d '\n' | grep -bo "$sig" | cut -d: -f1) / 2 + 20))
      flip "$file" "$off"
      ;;
    params)  # the last byte of the signed params (the end of dh_Ys or of the EC point)
      off=$(jq -r '.checks[0].signed_parts[2].offset + .checks[0].signed_parts[2].length - 1' j.json)
      flip 2-server-flight.tls "$off"
      ;;
    server_random)
      off=$(jq -r '.checks[0].signed_parts[1].offset + 3' j.json)
      flip 2-server-flight.tls "$off"
      ;;
    client_random)
      off=$(jq -r '.checks[0].signed_parts[0].offset + 20' j.json)
      flip 1-client-hello.tls "$off"
      ;;
    transcript)  # a byte of the ClientHello's cipher suite list, inside the signed transcript
      off=$(jq -r '.checks[0].signed_parts[0].offset + 4 + 2 + 32 + 1 + 10' j.json)
      flip 1-client-hello.tls "$off"
      ;;
  esac
  expect_exit 1 "$HSK" verify-sig 1-client-hello.tls 2-server-flight.tls 3-client-flight.tls
  expect_contains out "INVALID"
  expect_lines err 1
  expect_contains err "signature does not verify"
  echo "ok: $name, $what changed: exit 1: $(cat err)"
}
for c in tls12-dhe-rsa tls12-ecdhe-rsa tls12-ecdhe-ecdsa tls12-dhe-dss tls10-dhe-rsa tls10-ecdhe-rsa; do
  tamper $c signature
  tamper $c params
  tamper $c server_random
  tamper $c client_random
done
tamper tls12-rsa-client-auth signature
tamper tls12-rsa-client-auth transcript

# A step file cut in the middle of a record is malformed (3), as is text that is not hex.
head -c 700 "$d/2-server-flight.tls" >cut.tls
expect_exit 3 "$HSK" verify-sig "$d/1-client-hello.tls" cut.tls
expect_lines err 1
echo "not records" >junk.tls
expect_exit 3 "$HSK" verify-sig junk.tls
# The server flight without the ClientHello: client_random is unknown (3, unexpected_message).
expect_exit 3 "$HSK" verify-sig "$d/2-server-flight.tls"
expect_contains err "unexpected_message"
# Usage errors: --cert with step files; --purpose with step files; --explain without them.
expect_exit 2 "$HSK" verify-sig --cert x.pem "$d/1-client-hello.tls"
expect_exit 2 "$HSK" verify-sig --purpose server "$d/1-client-hello.tls"
expect_exit 2 "$HSK" verify-sig --explain --cert x.pem --ca x.pem
expect_exit 2 "$HSK" verify-sig - -
echo "all fixture verdicts as expected"
