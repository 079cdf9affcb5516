#!/usr/bin/env bash
source "$TESTLIB"
# hsk gen-cert --test-pki: every file is there, keys are 0600, OpenSSL verifies every
# certificate against its CA with the right purpose, DH certificates carry the right OIDs,
# the same seed and dates give the same files, and existing files are kept without --force.
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
cd "$T"
start=$(date +%s%N)
expect_exit 0 "$HSK" gen-cert --test-pki pki --seed cli-test --not-before 2025-01-01 --not-after 2045-01-01
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "gen-cert --test-pki took ${elapsed_ms} ms"
files="ca.pem ca.key dsa-ca.pem dsa-ca.key server-rsa.pem server-rsa.key server-dsa.pem server-dsa.key
  server-ecdsa.pem server-ecdsa.key dh.pem dhx.pem server-dh-rsa.pem server-dh-rsa.key server-dh-dss.pem
  server-dh-dss.key client.pem client.key client-ecdsa.pem client-ecdsa.key client-dsa.pem client-dsa.key
  client-dh.pem client-dh.key"
for f in $files; do
  [ -s "pki/$f" ] || fail "pki/$f missing"
  case $f in
    *.key) [ "$(stat -c %a "pki/$f")" = 600 ] || fail "pki/$f mode $(stat -c %a "pki/$f")"
           openssl pkey -in "pki/$f" -noout || fail "openssl cannot read pki/$f" ;;
  esac
done
[ "$(ls pki | wc -l)" = 24 ] || fail "unexpected files: $(ls pki)"
for s in server-rsa server-dsa server-ecdsa server-dh-rsa; do
  openssl verify -CAfile pki/ca.pem -purpose sslserver "pki/$s.pem" >/dev/null || fail "openssl verify rejects $s"
  openssl x509 -in "pki/$s.pem" -noout -ext subjectAltName | grep -q 'DNS:localhost, IP Address:127.0.0.1' \
    || fail "$s lacks SAN DNS:localhost,IP:127.0.0.1"
  [ "$(openssl x509 -in "pki/$s.pem" -noout -pubkey)" = "$(openssl pkey -in "pki/$s.key" -pubout)" ] || fail "$s key mismatch"
done
openssl verify -CAfile pki/dsa-ca.pem -purpose sslserver pki/server-dh-dss.pem >/dev/null || fail "openssl rejects server-dh-dss"
openssl verify -CAfile pki/ca.pem -purpose sslclient pki/client.pem >/dev/null || fail "openssl rejects client"
openssl verify -CAfile pki/ca.pem -purpose sslserver pki/client.pem >/dev/null 2>&1 && fail "client.pem passes as a server"
for c in client-ecdsa client-dsa client-dh; do
  openssl verify -CAfile pki/ca.pem -purpose sslclient "pki/$c.pem" >/dev/null || fail "openssl rejects $c"
  [ "$(openssl x509 -in "pki/$c.pem" -noout -pubkey)" = "$(openssl pkey -in "pki/$c.key" -pubout)" ] || fail "$c key mismatch"
done
openssl x509 -in pki/client-dh.pem -noout -text | grep -q 'Public Key Algorithm: dhKeyAgreement' || fail "client-dh OID"
# client-dh's group is the fixed-DH servers' (same p and g as dh.pem).
[ "$(openssl pkey -in pki/client-dh.key -noout -text_pub | sed -n '/prime:/,/generator:/p')" = \
  "$(openssl pkey -in pki/server-dh-rsa.key -noout -text_pub | sed -n '/prime:/,/generator:/p')" ] || fail "client-dh group"
openssl x509 -in pki/server-dh-rsa.pem -noout -text | grep -q 'Public Key Algorithm: dhKeyAgreement' || fail "server-dh-rsa OID"
openssl x509 -in pki/server-dh-dss.pem -noout -text | grep -q 'Public Key Algorithm: X9.42 DH' || fail "server-dh-dss OID"
openssl x509 -in pki/server-dh-dss.pem -noout -text | grep -q 'Signature Algorithm: dsa_with_SHA256' || fail "server-dh-dss signer"
openssl x509 -in pki/server-dsa.pem -noout -text | grep -q 'P:' || true
openssl dhparam -in pki/dh.pem -noout -text | grep -q 'GROUP: ffdhe2048' || fail "dh.pem is not ffdhe2048"
openssl pkeyparam -in pki/dhx.pem -noout -text | grep -q 'Q:\|GROUP' || fail "dhx.pem lacks q"
# hsk's own chain check agrees.
for s in server-rsa server-dsa server-ecdsa server-dh-rsa; do
  expect_exit 0 "$HSK" verify-sig --cert "pki/$s.pem" --ca pki/ca.pem --purpose server --at 2030-01-01
done
expect_exit 0 "$HSK" verify-sig --cert pki/server-dh-dss.pem --ca pki/dsa-ca.pem --purpose server --at 2030-01-01

# Reproducible: the same seed and dates give byte-identical files.
expect_exit 0 "$HSK" gen-cert --test-pki again --seed cli-test --not-before 2025-01-01 --not-after 2045-01-01
for f in $files; do cmp -s "pki/$f" "again/$f" || fail "$f differs between two seeded runs"; done

# Existing files are kept without --force, replaced with it.
before=$(cat pki/*.key | sha256sum)
expect_exit 2 "$HSK" gen-cert --test-pki pki
expect_contains "$T/err" "exists; use --force"
[ "$before" = "$(cat pki/*.key | sha256sum)" ] || fail "keys changed without --force"
expect_exit 0 "$HSK" gen-cert --test-pki pki --force --days 10
[ "$before" != "$(cat pki/*.key | sha256sum)" ] || fail "--force did not regenerate"
openssl verify -CAfile pki/ca.pem pki/server-rsa.pem >/dev/null || fail "regenerated set does not verify"
# Options that make no sense with --test-pki.
expect_exit 2 "$HSK" gen-cert --test-pki pki2 --subject CN=x
