#!/usr/bin/env bash
source "$TESTLIB"
# A whole handshake over files, hsk client against hsk server, then application data:
#   client-hello > 1; server-respond < 1 > 2; derive-pms (client) < 2 > 3 (ends with CCS +
#   Finished); derive-pms (server) < 3 > 4 (CCS + Finished); finish (client) < 4;
#   app-data --send --close (client) > 5; app-data --recv (server) < 5;
#   app-data --send --close (server) > 6; app-data --recv (client) < 6
# for RSA, DHE_RSA, ECDHE_ECDSA, fixed DH (DH_RSA) and ECDHE_RSA with AES-GCM, AES-CBC at TLS
# 1.2, 1.1 and 1.0, and ChaCha20-Poly1305. Asserted: the plaintext arrives equal each way;
# both states say handshake_complete and hold the same transcript ending with the client's
# and the server's Finished; each Finished is 14 00 00 0c + OpenSSL's TLS PRF (openssl kdf
# TLS1-PRF, SHA-256/SHA-384 or MD5-SHA1) over the master secret and the transcript hash
# (openssl dgst); the record layout (CCS 14 VV VV 00 01 01, then one handshake record of the
# suite's protected size); for CBC suites the client's Finished record is decrypted with
# `openssl enc` under the client write key from the key block and its HMAC checked with
# `openssl mac`. CBC cases run with --no-etm (MAC-then-encrypt, RFC 5246 §6.2.3.2) unless run
# with ETM=1: then both hellos carry encrypt_then_mac and the HMAC is checked over the IV and
# ciphertext, the record's last bytes (RFC 7366 §3).
for tool in openssl jq xxd; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/deps installs it)"
done
cd "$T"
: >openssl.cnf
export OPENSSL_CONF=$T/openssl.cnf
"$HSK" gen-cert --test-pki pki --seed finish-e2e >/dev/null 2>&1 || fail "gen-cert --test-pki"
pairs=(--cert pki/server-rsa.pem --key pki/server-rsa.key --cert pki/server-ecdsa.pem --key pki/server-ecdsa.key
  --cert pki/server-dh-rsa.pem --key pki/server-dh-rsa.key)

hexof() { xxd -p | tr -d '\n'; }
# prf SECRET LABEL SEED_HEX LEN DIGEST
prf() {
  openssl kdf -keylen "$4" -kdfopt digest:"$5" -kdfopt hexsecret:"$1" \
    -kdfopt hexseed:"$(printf %s "$2" | hexof)$3" TLS1-PRF | tr -d ':\n' | tr 'A-F' 'a-f'
}
# thash DIGEST HEX: the transcript hash the PRF takes (MD5 || SHA-1 for TLS 1.0/1.1).
thash() {
  if [ "$1" = MD5-SHA1 ]; then
    echo "$(xxd -r -p <<<"$2" | openssl dgst -md5 -binary | hexof)$(xxd -r -p <<<"$2" | openssl dgst -sha1 -binary | hexof)"
  else
    xxd -r -p <<<"$2" | openssl dgst "-$(tr 'A-Z' 'a-z' <<<"$1")" -binary | hexof
  fi
}

cases=0
# run NAME SUITE VERSION DIGEST CIPHER(gcm|cbc|chacha) [KEYLEN MACLEN]
run() {
  local name=$1 suite=$2 version=$3 digest=$4 cipher=$5 keylen=${6:-16} maclen=${7:-0}
  local etm=${ETM:-0} etm_opt=--no-etm
  [ "$etm" = 1 ] && etm_opt=""
  "$HSK" client-hello --state "$name.c.json" --suites "$suite" --version "$version" $etm_opt >"$name.1" || fail "$name: client-hello"
  "$HSK" server-respond --state "$name.s.json" "${pairs[@]}" <"$name.1" >"$name.2" 2>"$name.err" ||
    { cat "$name.err" >&2; fail "$name: server-respond"; }
  "$HSK" derive-pms --state "$name.c.json" --ca pki/ca.pem <"$name.2" >"$name.3" 2>"$name.err" ||
    { cat "$name.err" >&2; fail "$name: derive-pms (client)"; }
  "$HSK" derive-pms --state "$name.s.json" <"$name.3" >"$name.4" 2>"$name.err" ||
    { cat "$name.err" >&2; fail "$name: derive-pms (server)"; }
  "$HSK" finish --state "$name.c.json" <"$name.4" 2>"$name.err" || { cat "$name.err" >&2; fail "$name: finish"; }
  [ "$(cat "$name.err")" = "handshake complete: both Finished verified" ] || fail "$name: finish said $(cat "$name.err")"
  echo "hello from the client ($name)" | "$HSK" app-data --send --close --state "$name.c.json" >"$name.5" ||
    fail "$name: app-data --send (client)"
  "$HSK" app-data --recv --state "$name.s.json" <"$name.5" >"$name.got.s" 2>"$name.err" || fail "$name: app-data --recv (server)"
  [ "$(cat "$name.got.s")" = "hello from the client ($name)" ] || fail "$name: the server got '$(cat "$name.got.s")'"
  [ "$(cat "$name.err")" = "alert: close_notify" ] || fail "$name: server stderr: $(cat "$name.err")"
  echo "hello from the server ($name)" | "$HSK" app-data --send --close --state "$name.s.json" >"$name.6" ||
    fail "$name: app-data --send (server)"
  "$HSK" app-data --recv --state "$name.c.json" <"$name.6" >"$name.got.c" 2>"$name.err" || fail "$name: app-data --recv (client)"
  [ "$(cat "$name.got.c")" = "hello from the server ($name)" ] || fail "$name: the client got '$(cat "$name.got.c")'"
  expect_contains "$name.err" "alert: close_notify"

  local c s v
  v=$(jq -r .negotiated_version "$name.c.json")
  v=${v#0x}
  for s in c s; do
    [ "$(jq -r .values.handshake_complete "$name.$s.json")" = true ] || fail "$name: $s not complete"
  done
  [ "$(jq -r '[.transcript[].hex] | join("")' "$name.c.json")" = "$(jq -r '[.transcript[].hex] | join("")' "$name.s.json")" ] ||
    fail "$name: transcripts differ"
  [ "$(jq -r '[.transcript[-2:][] | "\(.from):\(.type)"] | join(",")' "$name.c.json")" = client:finished,server:finished ] ||
    fail "$name: the transcript does not end with both Finished"
  # Each Finished, recomputed with OpenSSL's PRF.
  local ms n before want
  ms=$(jq -r .secrets.master_secret "$name.c.json")
  n=$(jq '.transcript | length' "$name.c.json")
  before=$(jq -r ".transcript[0:$((n - 2))][] | .hex" "$name.c.json" | tr -d '\n')
  want=1400000c$(prf "$ms" "client finished" "$(thash "$digest" "$before")" 12 "$digest")
  [ "$(jq -r '.transcript[-2].hex' "$name.c.json")" = "$want" ] || fail "$name: client Finished differs from OpenSSL's PRF"
  before=$before$want
  want=1400000c$(prf "$ms" "server finished" "$(thash "$digest" "$before")" 12 "$digest")
  [ "$(jq -r '.transcript[-1].hex' "$name.c.json")" = "$want" ] || fail "$name: server Finished differs from OpenSSL's PRF"

  # The records: 3 ends with CCS and one protected handshake record; 4 is exactly those two.
  local size flen
  case $cipher in
    gcm) flen=$((8 + 16 + 16)) ;;
    chacha) flen=$((16 + 16)) ;;
    cbc) # explicit IV (not in TLS 1.0), Finished + MAC + 1..16 bytes of padding
      flen=$(((16 + maclen) / 16 * 16 + 16 + 16))
      # encrypt_then_mac: IV, Finished + 1..16 bytes of padding, then the MAC
      [ "$etm" = 1 ] && flen=$((16 + 32 + maclen))
      if [ "$v" = 0301 ]; then flen=$((flen - 16)); fi ;;
  esac
  local want_etm=false
  [ "$cipher" = cbc ] && [ "$etm" = 1 ] && want_etm=true
  for s in c s; do
    [ "$(jq -r .values.encrypt_then_mac "$name.$s.json")" = $want_etm ] || fail "$name: $s: encrypt_then_mac is not $want_etm"
  done
  for f in 3 4; do
    size=$(stat -c %s "$name.$f")
    [ "$(xxd -p -s $((size - 11 - flen)) -l 11 "$name.$f")" = "14${v}000101""16${v}$(printf %04x "$flen")" ] ||
      fail "$name: $f does not end with CCS + a $flen-byte protected record: $(xxd -p -s $((size - 11 - flen)) -l 11 "$name.$f")"
  done
  [ "$(stat -c %s "$name.4")" = $((11 + flen)) ] || fail "$name: 4 holds more than CCS + Finished"

  if [ "$cipher" = cbc ]; then
    # key_block = client MAC key, server MAC key, client key, server key, [client IV, server IV]
    local kb mk key iv frag plain
    kb=$(jq -r .secrets.key_block "$name.c.json")
    mk=${kb:0:$((2 * maclen))}
    key=${kb:$((4 * maclen)):$((2 * keylen))}
    size=$(stat -c %s "$name.3")
    frag=$(xxd -p -s $((size - flen)) "$name.3" | tr -d '\n')
    local md=SHA1
    [ "$maclen" = 32 ] && md=SHA256
    [ "$maclen" = 48 ] && md=SHA384
    local mac
    if [ "$etm" = 1 ]; then
      # RFC 7366 §3: MAC(seq_num ‖ type ‖ version ‖ length ‖ IV ‖ ciphertext), sent after them.
      local sealed=${frag:0:$((2 * (flen - maclen)))}
      mac=$(xxd -r -p <<<"0000000000000000""16${v}$(printf %04x $((flen - maclen)))$sealed" |
        openssl mac -digest "$md" -macopt hexkey:"$mk" HMAC | tr 'A-F' 'a-f')
      [ "${frag:$((2 * (flen - maclen)))}" = "$mac" ] || fail "$name: the encrypt-then-MAC HMAC is not OpenSSL's"
      frag=$sealed
    fi
    if [ "$v" = 0301 ]; then
      iv=${kb:$((4 * maclen + 4 * keylen)):32}
    else
      iv=${frag:0:32}
      frag=${frag:32}
    fi
    plain=$(xxd -r -p <<<"$frag" | openssl enc -d "-aes-$((keylen * 8))-cbc" -K "$key" -iv "$iv" -nopad | hexof)
    [ "${plain:0:32}" = "$(jq -r '.transcript[-2].hex' "$name.c.json")" ] || fail "$name: openssl decrypts the Finished record to ${plain:0:32}"
    if [ "$etm" = 1 ]; then
      # Finished (16 bytes) and then 16 bytes of padding, each byte 15 (RFC 5246 §6.2.3.2).
      [ "${plain:32}" = "$(printf '0f%.0s' $(seq 16))" ] || fail "$name: padding ${plain:32}"
      cases=$((cases + 1))
      return
    fi
    mac=$(xxd -r -p <<<"0000000000000000""16${v}0010${plain:0:32}" |
      openssl mac -digest "$md" -macopt hexkey:"$mk" HMAC | tr 'A-F' 'a-f')
    [ "${plain:32:$((2 * maclen))}" = "$mac" ] || fail "$name: the Finished record's HMAC is not OpenSSL's"
  fi
  cases=$((cases + 1))
}

run rsa-gcm TLS_RSA_WITH_AES_128_GCM_SHA256 tls1.2 SHA256 gcm
run dhe-rsa-gcm384 TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 tls1.2 SHA384 gcm
run ecdhe-ecdsa-gcm TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 tls1.2 SHA256 gcm
run dh-rsa-gcm TLS_DH_RSA_WITH_AES_128_GCM_SHA256 tls1.2 SHA256 gcm
run ecdhe-rsa-chacha TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 tls1.2 SHA256 chacha
run ecdhe-ecdsa-chacha TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 tls1.2 SHA256 chacha
run rsa-cbc256 TLS_RSA_WITH_AES_128_CBC_SHA256 tls1.2 SHA256 cbc 16 32
run dhe-rsa-cbc TLS_DHE_RSA_WITH_AES_256_CBC_SHA tls1.2 SHA256 cbc 32 20
run ecdhe-ecdsa-cbc384 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 tls1.2 SHA384 cbc 32 48
run dh-rsa-cbc TLS_DH_RSA_WITH_AES_128_CBC_SHA256 tls1.2 SHA256 cbc 16 32
run rsa-tls11 TLS_RSA_WITH_AES_128_CBC_SHA tls1.1 MD5-SHA1 cbc 16 20
run ecdhe-ecdsa-tls11 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA tls1.1 MD5-SHA1 cbc 32 20
run rsa-tls10 TLS_RSA_WITH_AES_128_CBC_SHA tls1.0 MD5-SHA1 cbc 16 20
run dhe-rsa-tls10 TLS_DHE_RSA_WITH_AES_256_CBC_SHA tls1.0 MD5-SHA1 cbc 32 20
run dh-rsa-tls10 TLS_DH_RSA_WITH_AES_128_CBC_SHA tls1.0 MD5-SHA1 cbc 16 20
run ecdhe-ecdsa-tls10 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA tls1.0 MD5-SHA1 cbc 16 20
ETM=1 run rsa-cbc256-etm TLS_RSA_WITH_AES_128_CBC_SHA256 tls1.2 SHA256 cbc 16 32
ETM=1 run ecdhe-ecdsa-cbc384-etm TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 tls1.2 SHA384 cbc 32 48
ETM=1 run dhe-rsa-tls11-etm TLS_DHE_RSA_WITH_AES_128_CBC_SHA tls1.1 MD5-SHA1 cbc 16 20
ETM=1 run rsa-tls10-etm TLS_RSA_WITH_AES_256_CBC_SHA tls1.0 MD5-SHA1 cbc 32 20
echo "$cases handshakes with Finished and application data"
