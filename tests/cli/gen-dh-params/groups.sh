#!/usr/bin/env bash
# hsk gen-dh-params --group: every RFC 7919 and RFC 3526 group is byte for byte what OpenSSL's
# built-in copy encodes (PKCS#3 and X9.42), OpenSSL names it, `openssl dhparam -text` agrees
# with --text, and (where bc is installed) the smaller primes match their closed forms.
source "$TESTLIB"

for name in ffdhe2048 ffdhe3072 ffdhe4096 ffdhe6144 ffdhe8192 \
            modp1536 modp2048 modp3072 modp4096 modp6144 modp8192; do
  ossl=$name
  case $name in modp*) ossl=modp_${name#modp} ;; esac
  expect_exit 0 "$HSK" gen-dh-params --group "$name" -o "$T/$name.pem"
  openssl genpkey -genparam -algorithm DH -pkeyopt "group:$ossl" -out "$T/$name.ossl.pem"
  cmp "$T/$name.pem" "$T/$name.ossl.pem" || fail "$name: PKCS#3 differs from OpenSSL's"
  expect_exit 0 "$HSK" gen-dh-params --group "$ossl" --x942 -o "$T/$name.x.pem"
  openssl genpkey -genparam -algorithm DHX -pkeyopt "group:$ossl" -out "$T/$name.x.ossl.pem"
  cmp "$T/$name.x.pem" "$T/$name.x.ossl.pem" || fail "$name: X9.42 differs from OpenSSL's"
  openssl pkeyparam -in "$T/$name.pem" -text -noout >"$T/ossl.txt"
  expect_contains "$T/ossl.txt" "GROUP: $ossl"
  expect_exit 0 "$HSK" gen-dh-params --group "$name" --text --noout
  openssl dhparam -in "$T/$name.pem" -text -noout >"$T/ossl.txt"
  cmp "$T/out" "$T/ossl.txt" || fail "$name: --text differs from openssl dhparam -text"
  expect_exit 0 "$HSK" gen-dh-params --group "$name" --x942 --text --noout
  openssl dhparam -in "$T/$name.x.pem" -text -noout >"$T/ossl.txt"
  cmp "$T/out" "$T/ossl.txt" || fail "$name: X9.42 --text differs from openssl dhparam -text"
  # DER is the PEM's content.
  expect_exit 0 "$HSK" gen-dh-params --group "$name" --der -o "$T/$name.der"
  openssl dhparam -in "$T/$name.pem" -outform DER -out "$T/$name.ossl.der"
  cmp "$T/$name.der" "$T/$name.ossl.der" || fail "$name: DER differs"
  expect_exit 0 "$HSK" gen-dh-params --check "$T/$name.der"
  expect_contains "$T/out" "group $name"
done

# Closed forms (RFC 7919 §A.1, RFC 3526 §3): p = 2^b - 2^(b-64) + (floor(2^(b-130) e) + X) 2^64 - 1
# and p = 2^b - 2^(b-64) - 1 + 2^64 (floor(2^(b-130) pi) + k), recomputed with bc.
if command -v bc >/dev/null; then
  closed_form() {  # closed_form BITS CONSTANT OFFSET SIGN
    BC_LINE_LENGTH=0 bc -l <<BC
scale = $(( $1 * 30 / 100 + 20 ))
c = $2
b = $1
scale = 0
f = (2^(b-130) * c) / 1
p = 2^b - 2^(b-64) + (f + $3) * 2^64 - 1
obase = 16
p
BC
  }
  want=$(closed_form 2048 'e(1)' 560316)
  got=$(openssl asn1parse -in "$T/ffdhe2048.pem" | awk -F: '/INTEGER/ {print $NF; exit}')
  [ "$want" = "$got" ] || fail "ffdhe2048 does not match its closed form"
  want=$(closed_form 2048 '4*a(1)' 124476)
  got=$(openssl asn1parse -in "$T/modp2048.pem" | awk -F: '/INTEGER/ {print $NF; exit}')
  [ "$want" = "$got" ] || fail "modp2048 does not match its closed form"
fi
