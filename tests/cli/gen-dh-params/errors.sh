#!/usr/bin/env bash
# hsk gen-dh-params: usage errors exit 2, malformed input 3, I/O errors 4 — each with one line.
source "$TESTLIB"

# Usage.
expect_exit 2 "$HSK" gen-dh-params --group ffdhe1024
expect_contains "$T/err" "unknown group"
expect_exit 2 "$HSK" gen-dh-params --bits 32
expect_exit 2 "$HSK" gen-dh-params --bits 20000
expect_exit 2 "$HSK" gen-dh-params --group ffdhe2048 --bits 2048
expect_exit 2 "$HSK" gen-dh-params --group ffdhe2048 --dsa-style 224
expect_exit 2 "$HSK" gen-dh-params --dsa-style 192
expect_exit 2 "$HSK" gen-dh-params --check x.pem --group ffdhe2048
expect_exit 2 "$HSK" gen-dh-params --group ffdhe2048 --x942 --pkcs3
expect_exit 2 "$HSK" gen-dh-params --group ffdhe2048 --text --der
expect_exit 2 "$HSK" gen-dh-params --no-such-option
expect_exit 2 "$HSK" gen-dh-params --threads 0 --group ffdhe2048

# Malformed input.
printf 'not DH parameters at all\n' >"$T/junk"
expect_exit 3 "$HSK" gen-dh-params --check "$T/junk"
expect_lines "$T/err" 1
expect_contains "$T/err" "$T/junk"
"$HSK" gen-dh-params --group ffdhe2048 --der >"$T/g.der"
head -c 100 "$T/g.der" >"$T/trunc.der"
expect_exit 3 "$HSK" gen-dh-params --check "$T/trunc.der"
expect_contains "$T/err" "offset"
{ cat "$T/g.der"; printf '\0'; } >"$T/trailing.der"
expect_exit 3 "$HSK" gen-dh-params --check "$T/trailing.der"
expect_contains "$T/err" "trailing"
# A PEM file with the wrong label.
sed 's/DH PARAMETERS/CERTIFICATE/' < <("$HSK" gen-dh-params --group ffdhe2048) >"$T/cert.pem"
expect_exit 3 "$HSK" gen-dh-params --check "$T/cert.pem"
expect_contains "$T/err" "no \"DH PARAMETERS\""
# Broken base64.
printf -- '-----BEGIN DH PARAMETERS-----\n!!!!\n-----END DH PARAMETERS-----\n' >"$T/bad64.pem"
expect_exit 3 "$HSK" gen-dh-params --in "$T/bad64.pem"

# I/O.
expect_exit 4 "$HSK" gen-dh-params --check "$T/does-not-exist.pem"
expect_lines "$T/err" 1
expect_exit 4 "$HSK" gen-dh-params --group ffdhe2048 -o "$T/no/such/dir/out.pem"
expect_exit 4 "$HSK" gen-dh-params --in "$T/does-not-exist.pem"

# Help and the group list.
expect_exit 0 "$HSK" gen-dh-params --help
expect_contains "$T/out" "--dsa-style"
expect_exit 0 "$HSK" gen-dh-params --list-groups
expect_lines "$T/out" 12
expect_contains "$T/out" "modp_8192"
