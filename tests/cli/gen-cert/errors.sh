#!/usr/bin/env bash
source "$TESTLIB"
# hsk gen-cert: usage errors exit 2, malformed inputs 3, unreadable files 4; times are encoded
# as UTCTime through 2049 and GeneralizedTime from 2050; existing keys can be certified.
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
cd "$T"
expect_exit 0 "$HSK" gen-cert --ca --subject CN=root --key-type ec --key-out ca.key -o ca.pem

# Usage.
expect_exit 2 "$HSK" gen-cert --ca --key-type ec --key-out a.key                           # no --subject
expect_exit 2 "$HSK" gen-cert --ca --subject 'CN=a,C=XYZ' --key-type ec --key-out a.key
expect_contains "$T/err" "two-letter"
expect_exit 2 "$HSK" gen-cert --ca --subject 'FOO=a' --key-type ec --key-out a.key
expect_exit 2 "$HSK" gen-cert --ca --subject CN=a --san 'host:x' --key-type ec --key-out a.key
expect_exit 2 "$HSK" gen-cert --ca --subject CN=a --san 'IP:1.2.3' --key-type ec --key-out a.key
expect_exit 2 "$HSK" gen-cert --ca --subject CN=a --key-type ec:P-521 --key-out a.key
expect_exit 2 "$HSK" gen-cert --ca --subject CN=a --key-type rsa:1000 --key-out a.key
expect_exit 2 "$HSK" gen-cert --ca --subject CN=a --key-type ec                               # no --key-out
expect_exit 2 "$HSK" gen-cert --ca --subject CN=a --key-type ec --key-out a.key --days 1 --not-after 2030-01-01
expect_exit 2 "$HSK" gen-cert --ca --subject CN=a --key-type ec --key-out a.key --not-before 2030-01-02 --not-after 2030-01-01
expect_exit 2 "$HSK" gen-cert --ca --subject CN=a --key-type ec --key-out a.key --not-after yesterday
expect_exit 2 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --path-len 1       # path length without --ca
expect_exit 2 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --issuer-cert ca.pem  # no --issuer-key
expect_exit 2 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --chain
expect_exit 2 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --issuer-cert ca.pem --issuer-key ca.key --chain --der
expect_exit 2 "$HSK" gen-cert --subject CN=a --key-type dsa:2048 --key-out a.key --hash sha384
expect_exit 2 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --key-usage signing
expect_exit 2 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --purpose web
expect_exit 2 "$HSK" gen-cert --subject '' --key-type ec --key-out a.key                       # empty subject, no SAN
[ ! -e a.key ] || fail "a.key written by a failed command"
# An issuer key that does not match the issuer certificate.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key 2>/dev/null
expect_exit 2 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --issuer-cert ca.pem --issuer-key other.key
expect_contains "$T/err" "does not match"
# A public key cannot self-sign.
openssl pkey -in other.key -pubout -out other.pub
expect_exit 2 "$HSK" gen-cert --subject CN=a --key other.pub
# Malformed inputs.
head -c 100 ca.pem >trunc.pem
expect_exit 3 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --issuer-cert trunc.pem --issuer-key ca.key
expect_exit 3 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --issuer-cert ca.key --issuer-key ca.key
expect_contains "$T/err" "no CERTIFICATE block; found PRIVATE KEY"
expect_exit 3 "$HSK" gen-cert --subject CN=a --key ca.pem -o x.pem
# Missing files.
expect_exit 4 "$HSK" gen-cert --subject CN=a --key-type ec --key-out a.key --issuer-cert nope.pem --issuer-key ca.key
expect_exit 4 "$HSK" gen-cert --subject CN=a --key nope.key
[ ! -e a.key ] || fail "a.key written by a failed command"

# Times: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
expect_exit 0 "$HSK" gen-cert --subject CN=t --key-type ec --key-out t.key -o t.pem --issuer-cert ca.pem \
  --issuer-key ca.key --not-before 2049-12-31T23:59:59Z --not-after 20500101000000Z
openssl asn1parse -in t.pem >asn1
grep -q 'UTCTIME *:491231235959Z' asn1 || { cat asn1 >&2; fail "notBefore is not UTCTime 491231235959Z"; }
grep -q 'GENERALIZEDTIME *:20500101000000Z' asn1 || fail "notAfter is not GeneralizedTime 20500101000000Z"
openssl x509 -in t.pem -noout -enddate | grep -q 'Jan  1 00:00:00 2050 GMT' || fail "openssl reads another notAfter"
expect_exit 0 "$HSK" gen-cert --subject CN=t2 --key-type ec --key-out t2.key -o t2.pem --issuer-cert ca.pem \
  --issuer-key ca.key --not-before 2030-06-01T12:00:00+02:00 --days 2
openssl x509 -in t2.pem -noout -startdate -enddate >dates
expect_contains dates "notBefore=Jun  1 10:00:00 2030 GMT"
expect_contains dates "notAfter=Jun  3 10:00:00 2030 GMT"

# Existing keys of every type openssl makes; a fixed serial; escaped subjects.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
openssl rsa -in rsa.key -traditional -out rsa1.key 2>/dev/null
expect_exit 0 "$HSK" gen-cert --subject 'CN=a\, b\+c,O=x\\y' --key rsa1.key --serial 0102ff -o k.pem \
  --issuer-cert ca.pem --issuer-key ca.key
openssl x509 -in k.pem -noout -serial | grep -q 'serial=0102FF' || fail "serial not taken"
[ "$(openssl x509 -in k.pem -noout -subject -nameopt RFC2253)" = 'subject=CN=a\, b\+c,O=x\\y' ] \
  || fail "subject: $(openssl x509 -in k.pem -noout -subject -nameopt RFC2253)"
[ "$(openssl x509 -in k.pem -noout -pubkey)" = "$(openssl pkey -in rsa.key -pubout)" ] || fail "key mismatch"
# A self-signed end-entity certificate from an existing key.
expect_exit 0 "$HSK" gen-cert --subject CN=self --key rsa.key --san DNS:self -o self.pem
openssl verify -CAfile self.pem self.pem >/dev/null || fail "self-signed leaf rejected"
# An issuer that is not a CA: made with a warning.
expect_exit 0 "$HSK" gen-cert --subject CN=sub --key-type ec --key-out sub.key -o sub.pem --issuer-cert self.pem --issuer-key rsa.key
expect_contains "$T/err" "warning"
