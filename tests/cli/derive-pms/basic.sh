#!/usr/bin/env bash
source "$TESTLIB"
# hsk derive-pms, client role, over files: against a server flight from hsk server-respond,
# the client flight holds the right messages at the negotiated version; OpenSSL decrypts the
# RSA ClientKeyExchange with the server's key to the pre-master secret --show-secrets prints,
# and `openssl kdf TLS1-PRF` turns it into the master secret and key block the state holds
# (with and without extended master secret, TLS 1.2 and TLS 1.0); the state is 0600 and
# holds the ServerHello facts and the whole transcript; stdout carries only the flight;
# --keylog appends the NSS line (file created 0600); --hex; --explain on stderr; --seed makes
# the flight reproducible.
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
"$HSK" gen-cert --test-pki pki --seed derive-pms-basic >/dev/null 2>&1 || fail "gen-cert --test-pki"

types() { "$HSK" decode --json "$@" | jq -r '[.inputs[-1].records[].messages[]?.msg_type.name] | join(",")'; }
secret() { sed -n "s/^$1: //p" "$2"; }
# prf SECRET_HEX LABEL SEED_HEX LEN [DIGEST]: OpenSSL's TLS PRF (MD5-SHA1 for TLS 1.0/1.1).
prf() {
  openssl kdf -keylen "$4" -kdfopt digest:"${5:-SHA256}" -kdfopt hexsecret:"$1" \
    -kdfopt hexseed:"$(printf %s "$2" | xxd -p | tr -d '\n')$3" TLS1-PRF | tr -d ':\n' | tr 'A-F' 'a-f'
}

# rsa NAME VERSION DIGEST [client-hello options...]
rsa() {
  local name=$1 version=$2 digest=$3
  shift 3
  "$HSK" client-hello --state "$name.c.json" --suites rsa --version "$version" "$@" >"$name.1.tls" || fail "$name: client-hello"
  "$HSK" server-respond --state "$name.s.json" --cert pki/server-rsa.pem --key pki/server-rsa.key \
    <"$name.1.tls" >"$name.2.tls" || fail "$name: server-respond"
  cp "$name.c.json" "$name.c0.json"
  expect_exit 0 "$HSK" derive-pms --no-finished --state "$name.c.json" --ca pki/ca.pem --in "$name.2.tls" -o "$name.3.tls" \
    --show-secrets --keylog "$name.keys"
  cp out "$name.secrets"
  [ ! -s err ] || { cat err >&2; fail "$name: stderr not empty"; }
  [ "$(types "$name.3.tls")" = client_key_exchange ] || fail "$name: client flight $(types "$name.3.tls")"
  local rv
  rv=$(jq -r .negotiated_version "$name.c.json")
  [ "$(xxd -p -l 3 "$name.3.tls")" = "16${rv#0x}" ] || fail "$name: record header $(xxd -p -l 3 "$name.3.tls"), want 16${rv#0x}"

  # OpenSSL decrypts the encrypted pre-master secret (after the 5+4+2 header bytes).
  tail -c +12 "$name.3.tls" >"$name.epms"
  local pms
  pms=$(openssl pkeyutl -decrypt -inkey pki/server-rsa.key -pkeyopt rsa_padding_mode:pkcs1 -in "$name.epms" | xxd -p | tr -d '\n')
  [ ${#pms} = 96 ] || fail "$name: openssl decrypted ${#pms} hex digits"
  [ "${pms:0:4}" = "$(jq -r .version "$name.c.json" | cut -c3-)" ] || fail "$name: pre-master secret version ${pms:0:4}"
  [ "$(secret pre_master_secret "$name.secrets")" = "$pms" ] || fail "$name: --show-secrets pre_master_secret"
  [ "$(jq -r .secrets.pre_master_secret "$name.c.json")" = "$pms" ] || fail "$name: state pre_master_secret"

  # The master secret and key block, from OpenSSL's PRF.
  local cr sr ms
  cr=$(jq -r .client_random "$name.c.json")
  sr=$(jq -r .server_random "$name.c.json")
  if [ "$(jq -r .values.extended_master_secret "$name.c.json")" = true ]; then
    # session_hash: the transcript hash of ClientHello .. ClientKeyExchange.
    local hash
    if [ "$digest" = MD5-SHA1 ]; then
      hash=$(jq -r '.transcript[].hex' "$name.c.json" | tr -d '\n' | xxd -r -p | openssl dgst -md5 -binary | xxd -p)
      hash=$hash$(jq -r '.transcript[].hex' "$name.c.json" | tr -d '\n' | xxd -r -p | openssl dgst -sha1 -binary | xxd -p)
    else
      hash=$(jq -r '.transcript[].hex' "$name.c.json" | tr -d '\n' | xxd -r -p | openssl dgst -sha256 -binary | xxd -p | tr -d '\n')
    fi
    [ "$(secret session_hash "$name.secrets")" = "$hash" ] || fail "$name: session_hash"
    ms=$(prf "$pms" "extended master secret" "$hash" 48 "$digest")
  else
    ms=$(prf "$pms" "master secret" "$cr$sr" 48 "$digest")
  fi
  [ "$(jq -r .secrets.master_secret "$name.c.json")" = "$ms" ] || fail "$name: master secret differs from openssl's PRF"
  [ "$(secret master_secret "$name.secrets")" = "$ms" ] || fail "$name: --show-secrets master_secret"
  local kb
  kb=$(jq -r .secrets.key_block "$name.c.json")
  [ "$kb" = "$(prf "$ms" "key expansion" "$sr$cr" $((${#kb} / 2)) "$digest")" ] || fail "$name: key block differs from openssl's PRF"

  # The state: 0600, the ServerHello's facts, the transcript CH SH Certificate SHD CKE.
  [ "$(stat -c %a "$name.c.json")" = 600 ] || fail "$name: state mode"
  [ "$(jq -r .cipher_suite "$name.c.json")" = "$(jq -r .cipher_suite "$name.s.json")" ] || fail "$name: cipher_suite"
  [ "$sr" = "$(jq -r .server_random "$name.s.json")" ] || fail "$name: server_random"
  [ "$(jq -r '[.transcript[].type] | join(",")' "$name.c.json")" = \
    client_hello,server_hello,certificate,server_hello_done,client_key_exchange ] ||
    fail "$name: transcript $(jq -c '[.transcript[].type]' "$name.c.json")"
  [ "$(jq -r '.transcript[-1].hex' "$name.c.json")" = "$(tail -c +6 "$name.3.tls" | xxd -p | tr -d '\n')" ] ||
    fail "$name: transcript CKE differs from the record"
  [ "$(jq -r .values.server_certificate_verified "$name.c.json")" = true ] || fail "$name: verified"

  # The key log: one NSS line, the client random and the master secret; created 0600.
  [ "$(cat "$name.keys")" = "CLIENT_RANDOM $cr $ms" ] || fail "$name: keylog line: $(cat "$name.keys")"
  [ "$(stat -c %a "$name.keys")" = 600 ] || fail "$name: keylog mode"
}
rsa rsa12 tls1.2 SHA256
rsa rsa12-noems tls1.2 SHA256 --no-ems
rsa rsa10 tls1.0 MD5-SHA1
rsa rsa10-noems tls1.0 MD5-SHA1 --no-ems
[ "$(jq -r .secrets.master_secret rsa12.c.json)" != "$(jq -r .secrets.master_secret rsa12-noems.c.json)" ] || fail "EMS made no difference"
# EMS really was negotiated in one and not the other.
[ "$(jq -r .values.extended_master_secret rsa12.c.json),$(jq -r .values.extended_master_secret rsa12-noems.c.json)" = true,false ] ||
  fail "extended_master_secret values"

# The key log is appended to, not replaced.
cp rsa12.keys log.txt
cp rsa12.c0.json again.json
expect_exit 0 "$HSK" derive-pms --no-finished --state again.json --ca pki/ca.pem --in rsa12.2.tls -o again.tls --keylog log.txt
expect_lines log.txt 2
head -1 log.txt | cmp -s - rsa12.keys || fail "keylog: the first line changed"

# Without --show-secrets nothing secret reaches stdout; the flight does, or goes to -o.
cp rsa12.c0.json plain.json
expect_exit 0 "$HSK" derive-pms --no-finished --state plain.json --ca pki/ca.pem <rsa12.2.tls
[ "$(types out)" = client_key_exchange ] || fail "stdout is not the client flight"
ms=$(jq -r .secrets.master_secret plain.json)
grep -q "$ms" out err && fail "the master secret leaked to stdout or stderr"
cp rsa12.c0.json plain.json
expect_exit 0 "$HSK" derive-pms --no-finished --state plain.json --ca pki/ca.pem <rsa12.2.tls -o plain.tls
[ ! -s out ] || fail "stdout is not empty with -o"

# --hex writes one line of hex; --explain describes phases 2 and 3 on stderr.
cp rsa12.c0.json hex.json
expect_exit 0 "$HSK" derive-pms --no-finished --state hex.json --ca pki/ca.pem --hex --explain <rsa12.2.tls
grep -qx '[0-9a-f]*' out || fail "--hex output is not one line of hex"
xxd -r -p out >hex.tls
[ "$(types hex.tls)" = client_key_exchange ] || fail "--hex bytes"
for want in "phase 2" "phase 3" "chain verified" "RSA-encrypted" "master secret"; do
  expect_contains err "$want"
done

# --seed: the same flight twice (fixed randoms everywhere).
"$HSK" client-hello --state s1.json --suites dhe-rsa --seed x >s.1.tls
"$HSK" server-respond --state ss.json --cert pki/server-rsa.pem --key pki/server-rsa.key --seed y <s.1.tls >s.2.tls
cp s1.json s2.json
"$HSK" derive-pms --no-finished --state s1.json --ca pki/ca.pem --seed z <s.2.tls >a.tls || fail "seeded run 1"
"$HSK" derive-pms --no-finished --state s2.json --ca pki/ca.pem --seed z <s.2.tls >b.tls || fail "seeded run 2"
cmp -s a.tls b.tls || fail "--seed: the flights differ"
[ "$(jq -r .secrets.master_secret s1.json)" = "$(jq -r .secrets.master_secret s2.json)" ] || fail "--seed: master secrets differ"

# Anonymous DH needs no --ca; --insecure says so loudly.
"$HSK" client-hello --state anon.json --suites dh-anon >anon.1.tls
"$HSK" server-respond --state anon.s.json <anon.1.tls >anon.2.tls || fail "server-respond dh-anon"
expect_exit 0 "$HSK" derive-pms --no-finished --state anon.json --in anon.2.tls -o anon.3.tls
[ "$(jq -r .values.server_certificate_verified anon.json)" = anonymous ] || fail "anonymous"
cp rsa12.c0.json insecure.json
expect_exit 0 "$HSK" derive-pms --no-finished --state insecure.json --insecure --in rsa12.2.tls -o insecure.tls
expect_contains err "hsk: warning: server certificate NOT verified (--insecure)"
[ "$(jq -r .values.server_certificate_verified insecure.json)" = false ] || fail "insecure value"
