#!/usr/bin/env bash
source "$TESTLIB"
# hsk gen-cert: a CA, an intermediate and leaves of every signing key type; OpenSSL (and
# GnuTLS's certtool when installed) accept them, and `openssl x509 -text` shows the
# extensions hsk claims. Keys are 0600 and never overwritten without --force.
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
cd "$T"
mode() { stat -c %a "$1"; }
text() { openssl x509 -in "$1" -noout -text >"$T/text" 2>&1 || { cat "$T/text" >&2; fail "openssl x509 rejects $1"; }; }

# Root CA, RSA.
expect_exit 0 "$HSK" gen-cert --ca --subject 'CN=hsk test CA,O=hsk,C=XX' --key-type rsa:2048 \
  --key-out ca.key -o ca.pem --days 30 --path-len 1
[ "$(mode ca.key)" = 600 ] || fail "ca.key mode $(mode ca.key)"
text ca.pem
expect_contains "$T/text" "Issuer: C = XX, O = hsk, CN = hsk test CA"
expect_contains "$T/text" "Signature Algorithm: sha256WithRSAEncryption"
expect_contains "$T/text" "X509v3 Basic Constraints: critical"
expect_contains "$T/text" "CA:TRUE, pathlen:1"
expect_contains "$T/text" "X509v3 Key Usage: critical"
expect_contains "$T/text" "Digital Signature, Certificate Sign, CRL Sign"
expect_contains "$T/text" "X509v3 Subject Key Identifier"
expect_contains "$T/text" "X509v3 Authority Key Identifier"
openssl verify -CAfile ca.pem ca.pem >/dev/null || fail "openssl verify rejects the root"
# The serial: 16 bytes, positive, first byte non-zero.
serial=$(openssl x509 -in ca.pem -noout -serial | cut -d= -f2)
[ ${#serial} = 32 ] || fail "serial $serial is not 16 bytes"
case $serial in 00* | [89A-F]*) fail "serial $serial has the top bit set or a zero first byte" ;; esac
# The SKI is SHA-1 over the subjectPublicKey bits, as OpenSSL computes it.
ski=$(openssl x509 -in ca.pem -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :' | tr A-F a-f)
openssl x509 -in ca.pem -noout -pubkey | openssl pkey -pubin -outform DER -out spki.der
read -r off hl len < <(openssl asn1parse -inform DER -in spki.der \
  | sed -n 's/^ *\([0-9]*\):d=1 *hl=\([0-9]*\) *l= *\([0-9]*\) *prim: BIT STRING.*/\1 \2 \3/p')
want=$(tail -c +$((off + hl + 2)) spki.der | head -c $((len - 1)) | openssl sha1 -r | cut -c1-40)
[ "$ski" = "$want" ] || fail "SKI $ski is not SHA-1 of the key bits ($want)"

# Intermediate CA, EC P-384, SHA-384.
expect_exit 0 "$HSK" gen-cert --ca --issuer-cert ca.pem --issuer-key ca.key --subject 'CN=hsk intermediate,O=hsk' \
  --key-type ec:P-384 --key-out int.key -o int.pem --hash sha384 --path-len 0
text int.pem
expect_contains "$T/text" "Signature Algorithm: sha384WithRSAEncryption"
expect_contains "$T/text" "NIST CURVE: P-384"
openssl verify -CAfile ca.pem int.pem >/dev/null || fail "openssl verify rejects the intermediate"
aki=$(openssl x509 -in int.pem -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' :')
ca_ski=$(openssl x509 -in ca.pem -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :')
[ "$aki" = "$ca_ski" ] || fail "AKI $aki is not the issuer's SKI $ca_ski"

# Leaves of each type under the intermediate, with a chain.
for kt in rsa:2048 dsa:2048/256 ec:P-256; do
  n=${kt%%:*}
  expect_exit 0 "$HSK" gen-cert --issuer-cert int.pem --issuer-key int.key --subject "CN=localhost,OU=$n" \
    --san DNS:localhost,IP:127.0.0.1 --san IP:::1,email:admin@localhost,URI:https://localhost/ \
    --purpose server --key-type "$kt" --key-out "$n.key" --chain -o "$n.pem"
  [ "$(mode "$n.key")" = 600 ] || fail "$n.key mode $(mode "$n.key")"
  [ "$(grep -c 'BEGIN CERTIFICATE' "$n.pem")" = 2 ] || fail "--chain did not append the issuer"
  text "$n.pem"
  expect_contains "$T/text" "Signature Algorithm: ecdsa-with-SHA256"
  expect_contains "$T/text" "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:admin@localhost, URI:https://localhost/"
  expect_contains "$T/text" "TLS Web Server Authentication"
  expect_contains "$T/text" "CA:FALSE"
  case $n in
    rsa) expect_contains "$T/text" "Digital Signature, Key Encipherment" ;;
    dsa) expect_contains "$T/text" "Public Key Algorithm: dsaEncryption"; expect_contains "$T/text" "Digital Signature" ;;
    ec) expect_contains "$T/text" "Digital Signature, Key Agreement" ;;
  esac
  openssl verify -CAfile ca.pem -untrusted int.pem -purpose sslserver "$n.pem" >/dev/null \
    || fail "openssl verify rejects $n.pem"
  openssl pkey -in "$n.key" -noout || fail "openssl cannot read $n.key"
  # The key in the certificate is the key in the key file.
  [ "$(openssl x509 -in "$n.pem" -noout -pubkey)" = "$(openssl pkey -in "$n.key" -pubout)" ] || fail "$n: key mismatch"
  if command -v certtool >/dev/null; then
    certtool --verify --load-ca-certificate ca.pem --infile "$n.pem" >"$T/gnutls" 2>&1 \
      || { cat "$T/gnutls" >&2; fail "certtool --verify rejects $n.pem"; }
  fi
done
# A DSA issuer signs with dsa-with-SHA256; a client certificate.
expect_exit 0 "$HSK" gen-cert --ca --subject 'CN=dsa root' --key-type dsa:2048 --key-out dsaca.key -o dsaca.pem
expect_exit 0 "$HSK" gen-cert --issuer-cert dsaca.pem --issuer-key dsaca.key --subject 'CN=client,O=hsk' \
  --purpose client --key-type rsa:2048 --key-out client.key -o client.pem
text client.pem
expect_contains "$T/text" "Signature Algorithm: dsa_with_SHA256"
expect_contains "$T/text" "TLS Web Client Authentication"
openssl verify -CAfile dsaca.pem -purpose sslclient client.pem >/dev/null || fail "openssl verify rejects client.pem"

# DER output; stdout by default.
expect_exit 0 "$HSK" gen-cert --ca --subject CN=der --key-type ec --key-out der.key --der -o der.crt
openssl x509 -inform DER -in der.crt -noout || fail "DER output unreadable"
"$HSK" gen-cert --ca --subject CN=stdout --key-type ec --key-out stdout.key >stdout.pem || fail "stdout output failed"
openssl x509 -in stdout.pem -noout || fail "stdout PEM unreadable"

# No overwrite without --force; --force replaces the key (still 0600).
before=$(sha256sum ca.key)
expect_exit 2 "$HSK" gen-cert --ca --subject CN=again --key-type ec --key-out ca.key -o again.pem
expect_contains "$T/err" "exists; use --force"
[ "$before" = "$(sha256sum ca.key)" ] || fail "ca.key was changed without --force"
[ ! -e again.pem ] || fail "a certificate was written although the key could not be"
expect_exit 0 "$HSK" gen-cert --ca --subject CN=again --key-type ec --key-out ca.key -o again.pem --force
[ "$before" != "$(sha256sum ca.key)" ] || fail "--force did not replace ca.key"
[ "$(mode ca.key)" = 600 ] || fail "ca.key mode $(mode ca.key) after --force"
