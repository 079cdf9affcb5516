#!/usr/bin/env bash
source "$TESTLIB"
# hsk gen-cert: fixed-DH certificates. X9.42 parameters (with q) give the dhpublicnumber OID,
# PKCS#3 ones dhKeyAgreement; --dh-oid chooses; keyUsage is keyAgreement; OpenSSL prints
# them as "X9.42 DH" / "DH" and verifies them. A DH key cannot sign.
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
cd "$T"
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out pkcs3.pem 2>/dev/null
openssl genpkey -genparam -algorithm DHX -pkeyopt dh_rfc5114:2 -out x942.pem 2>/dev/null
grep -q 'BEGIN DH PARAMETERS' pkcs3.pem || fail "openssl did not write PKCS#3 parameters"
grep -q 'BEGIN X9.42 DH PARAMETERS' x942.pem || fail "openssl did not write X9.42 parameters"

expect_exit 0 "$HSK" gen-cert --ca --subject 'CN=rsa root' --key-type rsa:2048 --key-out ca.key -o ca.pem
expect_exit 0 "$HSK" gen-cert --ca --subject 'CN=dsa root' --key-type dsa:2048/256 --key-out dsaca.key -o dsaca.pem

check_dh() {  # CERT KEY CA ALGORITHM-LINE
  openssl x509 -in "$1" -noout -text >text 2>&1 || { cat text >&2; fail "openssl x509 rejects $1"; }
  expect_contains text "Public Key Algorithm: $4"
  expect_contains text "X509v3 Key Usage: critical"
  expect_contains text "Key Agreement"
  openssl verify -CAfile "$3" "$1" >/dev/null || fail "openssl verify rejects $1"
  [ "$(stat -c %a "$2")" = 600 ] || fail "$2 is not 0600"
  [ "$(openssl x509 -in "$1" -noout -pubkey)" = "$(openssl pkey -in "$2" -pubout)" ] || fail "$1: key mismatch"
}

# Defaults follow the parameters.
expect_exit 0 "$HSK" gen-cert --issuer-cert ca.pem --issuer-key ca.key --subject CN=dh-rsa --key-type dh \
  --dh-params x942.pem --key-out dhx.key -o dhx.pem
check_dh dhx.pem dhx.key ca.pem "X9.42 DH"
expect_contains text "Signature Algorithm: sha256WithRSAEncryption"
expect_exit 0 "$HSK" gen-cert --issuer-cert dsaca.pem --issuer-key dsaca.key --subject CN=dh-dss --key-type dh \
  --dh-params pkcs3.pem --key-out dh3.key -o dh3.pem
check_dh dh3.pem dh3.key dsaca.pem "dhKeyAgreement"
expect_contains text "DH Public-Key"
expect_contains text "Signature Algorithm: dsa_with_SHA256"
# --dh-oid pkcs3 on X9.42 parameters drops q.
expect_exit 0 "$HSK" gen-cert --issuer-cert ca.pem --issuer-key ca.key --subject CN=dh-forced --key-type dh \
  --dh-params x942.pem --dh-oid pkcs3 --key-out dhf.key -o dhf.pem
check_dh dhf.pem dhf.key ca.pem "dhKeyAgreement"
# DER parameters work too.
openssl pkeyparam -in x942.pem -outform DER -out x942.der 2>/dev/null || openssl dhparam -in x942.pem -outform DER -out x942.der
expect_exit 0 "$HSK" gen-cert --issuer-cert ca.pem --issuer-key ca.key --subject CN=dh-der --key-type dh \
  --dh-params x942.der --key-out dhd.key -o dhd.pem
check_dh dhd.pem dhd.key ca.pem "X9.42 DH"
# An existing DH key from openssl, certified (public key only is enough with an issuer).
openssl genpkey -paramfile x942.pem -out ossl-dh.key 2>/dev/null
openssl pkey -in ossl-dh.key -pubout -out ossl-dh.pub
expect_exit 0 "$HSK" gen-cert --issuer-cert ca.pem --issuer-key ca.key --subject CN=dh-existing --key ossl-dh.pub -o dhe.pem
check_dh dhe.pem ossl-dh.key ca.pem "X9.42 DH"

# What cannot be done.
expect_exit 2 "$HSK" gen-cert --subject CN=x --key-type dh --dh-params x942.pem --key-out n1.key
expect_contains "$T/err" "a DH key cannot sign"
expect_exit 2 "$HSK" gen-cert --ca --issuer-cert ca.pem --issuer-key ca.key --subject CN=x --key-type dh \
  --dh-params x942.pem --key-out n2.key
expect_exit 2 "$HSK" gen-cert --issuer-cert ca.pem --issuer-key ca.key --subject CN=x --key-type dh --key-out n3.key
expect_contains "$T/err" "--dh-params"
expect_exit 2 "$HSK" gen-cert --issuer-cert ca.pem --issuer-key ca.key --subject CN=x --key-type dh \
  --dh-params pkcs3.pem --dh-oid x942 --key-out n4.key
expect_contains "$T/err" "carry no q"
expect_exit 2 "$HSK" gen-cert --subject CN=x --key-type ec --dh-params pkcs3.pem --key-out n5.key
expect_exit 2 "$HSK" gen-cert --issuer-cert dhx.pem --issuer-key dhx.key --subject CN=x --key-type ec --key-out n6.key
expect_contains "$T/err" "a DH key cannot sign"
for f in n1.key n2.key n3.key n4.key n5.key n6.key; do [ ! -e $f ] || fail "$f written by a failed command"; done
# Malformed parameters are exit 3.
echo "not parameters" >bad.pem
expect_exit 3 "$HSK" gen-cert --issuer-cert ca.pem --issuer-key ca.key --subject CN=x --key-type dh \
  --dh-params bad.pem --key-out n7.key
