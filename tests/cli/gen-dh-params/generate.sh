#!/usr/bin/env bash
# hsk gen-dh-params --bits: safe-prime parameters that OpenSSL accepts and re-encodes byte for
# byte, reproducible with --seed whatever the thread count, in PKCS#3 and X9.42, PEM and DER.
source "$TESTLIB"

# 1024 bits keeps the test fast (a few hundred modular exponentiations).
expect_exit 0 "$HSK" gen-dh-params --bits 1024 --seed gen-1 --threads 1 -o "$T/a.pem"
expect_contains "$T/err" "too small"
expect_exit 0 "$HSK" gen-dh-params --bits 1024 --seed gen-1 --threads 2 -o "$T/b.pem"
cmp "$T/a.pem" "$T/b.pem" || fail "same seed, different parameters with 1 and 2 threads"
expect_exit 0 "$HSK" gen-dh-params --bits 1024 --seed gen-1 --threads 3
cmp "$T/a.pem" "$T/out" || fail "same seed, different parameters with 3 threads"
expect_exit 0 "$HSK" gen-dh-params --bits 1024 --seed gen-2 -o "$T/c.pem"
if cmp -s "$T/a.pem" "$T/c.pem"; then fail "different seeds, same parameters"; fi
# No progress on a non-terminal stderr: just the size warning.
expect_lines "$T/err" 1

head -1 "$T/a.pem" | grep -qx -- "-----BEGIN DH PARAMETERS-----" || fail "label"
openssl dhparam -check -noout -in "$T/a.pem" 2>"$T/ossl" || { cat "$T/ossl"; fail "openssl dhparam -check"; }
openssl pkeyparam -check -noout -in "$T/a.pem" >/dev/null 2>&1 || fail "openssl pkeyparam -check"
openssl dhparam -in "$T/a.pem" -out "$T/a.ossl.pem"
cmp "$T/a.pem" "$T/a.ossl.pem" || fail "openssl re-encodes our PKCS#3 differently"
openssl dhparam -in "$T/a.pem" -text -noout >"$T/a.ossl.txt"
expect_exit 0 "$HSK" gen-dh-params --in "$T/a.pem" --text --noout
cmp "$T/out" "$T/a.ossl.txt" || fail "--text differs from openssl dhparam -text"
grep -q "G:    2 (0x2)" "$T/out" || fail "g is not 2"
# p = 23 mod 24: the last hex digit of p is 7 or f (p = 7 mod 8) and 3 does not divide p.
p=$(openssl asn1parse -in "$T/a.pem" | awk -F: '/INTEGER/ {print $NF; exit}')
case ${p: -1} in 7 | F) ;; *) fail "p is not 7 mod 8" ;; esac
[ "$(openssl prime -hex "$p" | grep -c 'is prime')" = 1 ] || fail "openssl says p is not prime"

# --text with the PEM after it; DER; X9.42.
expect_exit 0 "$HSK" gen-dh-params --in "$T/a.pem" --text
expect_contains "$T/out" "DH Parameters: (1024 bit)"
expect_contains "$T/out" "-----BEGIN DH PARAMETERS-----"
expect_exit 0 "$HSK" gen-dh-params --bits 1024 --seed gen-1 --der -o "$T/a.der"
openssl dhparam -in "$T/a.pem" -outform DER -out "$T/a.ossl.der"
cmp "$T/a.der" "$T/a.ossl.der" || fail "DER differs from openssl's"
expect_exit 0 "$HSK" gen-dh-params --bits 1024 --seed gen-1 --x942 -o "$T/a.x.pem"
head -1 "$T/a.x.pem" | grep -qx -- "-----BEGIN X9.42 DH PARAMETERS-----" || fail "X9.42 label"
openssl pkeyparam -check -noout -in "$T/a.x.pem" >/dev/null 2>&1 || fail "openssl pkeyparam -check (X9.42)"
openssl pkeyparam -in "$T/a.x.pem" -out "$T/a.x.ossl.pem"
cmp "$T/a.x.pem" "$T/a.x.ossl.pem" || fail "openssl re-encodes our X9.42 differently"
openssl dhparam -in "$T/a.x.pem" -text -noout >"$T/a.x.ossl.txt"
expect_exit 0 "$HSK" gen-dh-params --in "$T/a.x.pem" --text --noout
cmp "$T/out" "$T/a.x.ossl.txt" || fail "X9.42 --text differs from openssl dhparam -text"
# Conversions: X9.42 back to PKCS#3 is the original; DER in, PEM out.
expect_exit 0 "$HSK" gen-dh-params --in "$T/a.x.pem" --pkcs3
cmp "$T/out" "$T/a.pem" || fail "X9.42 -> PKCS#3 is not the original"
expect_exit 0 "$HSK" gen-dh-params --in "$T/a.der"
cmp "$T/out" "$T/a.pem" || fail "DER -> PEM is not the original"
expect_exit 0 "$HSK" gen-dh-params --in - <"$T/a.der"
cmp "$T/out" "$T/a.pem" || fail "stdin"

# -o replaces a file atomically and leaves no temporary behind.
echo old >"$T/out.pem"
expect_exit 0 "$HSK" gen-dh-params --group ffdhe2048 -o "$T/out.pem"
head -1 "$T/out.pem" | grep -q "BEGIN DH PARAMETERS" || fail "-o did not replace the file"
[ "$(ls "$T" | grep -c tmp)" = 0 ] || fail "temporary file left behind"

# A tiny size for tests: below OpenSSL's 512-bit minimum, so --check says invalid.
expect_exit 0 "$HSK" gen-dh-params --bits 256 --seed tiny -o "$T/tiny.pem"
expect_exit 1 "$HSK" gen-dh-params --check "$T/tiny.pem"
expect_contains "$T/out" "below the minimum"
expect_contains "$T/out" "ok: p is a safe prime"
