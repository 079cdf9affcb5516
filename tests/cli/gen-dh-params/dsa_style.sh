#!/usr/bin/env bash
# hsk gen-dh-params --dsa-style: FIPS 186-4 parameters (X9.42, with seed and counter) that
# OpenSSL accepts and re-encodes byte for byte; hsk reads and checks what openssl dhparam
# -dsaparam and openssl genpkey -algorithm DHX write, re-deriving p and q from their seeds.
source "$TESTLIB"

expect_exit 0 "$HSK" gen-dh-params --dsa-style 224 --seed dsa-5 --threads 1 -o "$T/a.pem"
expect_exit 0 "$HSK" gen-dh-params --dsa-style 224 --seed dsa-5 --threads 2 -o "$T/b.pem"
cmp "$T/a.pem" "$T/b.pem" || fail "same seed, different parameters with 1 and 2 threads"
head -1 "$T/a.pem" | grep -qx -- "-----BEGIN X9.42 DH PARAMETERS-----" || fail "label"
openssl pkeyparam -check -noout -in "$T/a.pem" >/dev/null 2>&1 || fail "openssl pkeyparam -check"
openssl dhparam -check -noout -in "$T/a.pem" 2>/dev/null || fail "openssl dhparam -check"
openssl pkeyparam -in "$T/a.pem" -out "$T/a.ossl.pem"
cmp "$T/a.pem" "$T/a.ossl.pem" || fail "openssl re-encodes our X9.42 differently"
openssl pkeyparam -in "$T/a.pem" -text -noout >"$T/ossl.txt"
expect_contains "$T/ossl.txt" "pcounter:"
grep -q "^Q: " "$T/ossl.txt" || fail "no Q"
openssl dhparam -in "$T/a.pem" -text -noout >"$T/ossl.txt"
expect_exit 0 "$HSK" gen-dh-params --in "$T/a.pem" --text --noout
cmp "$T/out" "$T/ossl.txt" || fail "--text differs from openssl dhparam -text"
expect_exit 0 "$HSK" gen-dh-params --check "$T/a.pem"
expect_contains "$T/out" "ok: p and q derive from the seed by FIPS 186-4 A.1.1.2 (SHA-224"
expect_contains "$T/out" "verdict: valid"
expect_exit 0 "$HSK" gen-dh-params --dsa-style 256 --seed dsa-9 -o "$T/c.pem"
expect_exit 0 "$HSK" gen-dh-params --check "$T/c.pem"
expect_contains "$T/out" "(SHA-256"
expect_contains "$T/out" "q is prime (256 bits)"

# PKCS#3 has no room for q: a warning, and then nobody can validate the parameters.
expect_exit 0 "$HSK" gen-dh-params --dsa-style 224 --seed dsa-5 --pkcs3 -o "$T/p3.pem"
expect_contains "$T/err" "no room for q"
expect_exit 1 "$HSK" gen-dh-params --check "$T/p3.pem"
expect_contains "$T/out" "not a safe prime"
if openssl dhparam -check -noout -in "$T/p3.pem" 2>/dev/null; then fail "openssl accepts PKCS#3 DSA-style"; fi

# What OpenSSL writes: dhparam -dsaparam (X9.42 without seed), genpkey DHX in OpenSSL 3.0's
# default FIPS 186-2 style and with type:fips186_4 (seed and counter).
openssl dhparam -dsaparam -out "$T/o1.pem" 2048 2>/dev/null
openssl genpkey -genparam -algorithm DHX -pkeyopt dh_paramgen_prime_len:2048 -out "$T/o2.pem" 2>/dev/null
openssl genpkey -genparam -algorithm DHX -pkeyopt type:fips186_4 -pkeyopt dh_paramgen_prime_len:2048 \
  -pkeyopt dh_paramgen_subprime_len:256 -out "$T/o3.pem" 2>/dev/null
for f in o1 o2 o3; do
  expect_exit 0 "$HSK" gen-dh-params --check "$T/$f.pem"
  expect_contains "$T/out" "verdict: valid"
  expect_contains "$T/out" "ok: g has order q"
  expect_exit 0 "$HSK" gen-dh-params --in "$T/$f.pem"
  cmp "$T/out" "$T/$f.pem" || fail "$f: re-encoding differs"
  openssl dhparam -in "$T/$f.pem" -text -noout >"$T/ossl.txt"
  expect_exit 0 "$HSK" gen-dh-params --in "$T/$f.pem" --text --noout
  cmp "$T/out" "$T/ossl.txt" || fail "$f: --text differs from openssl dhparam -text"
done
expect_exit 0 "$HSK" gen-dh-params --check "$T/o2.pem"
expect_contains "$T/out" "OpenSSL's FIPS 186-2-style generation (SHA-224"
expect_exit 0 "$HSK" gen-dh-params --check "$T/o3.pem"
expect_contains "$T/out" "FIPS 186-4 A.1.1.2 (SHA-256"
