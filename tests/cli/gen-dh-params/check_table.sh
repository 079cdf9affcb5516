#!/usr/bin/env bash
# hsk gen-dh-params --check agrees with `openssl dhparam -check` and `openssl pkeyparam -check`
# on every case of this table. Each row: a case, the verdict hsk must give, and the file; at
# test time both OpenSSL commands judge the same file and must agree with hsk's exit code.
# The table is printed (stdout) for the record.
source "$TESTLIB"

# ints FILE: the INTEGERs of a DER-in-PEM file, hex, one a line (p, g[, q]).
ints() { openssl asn1parse -in "$1" | awk -F: '/prim: INTEGER/ {print $NF}'; }
nth() { ints "$1" | sed -n "${2}p"; }
# mk NAME LABEL FIELD=HEX...: writes $T/NAME.pem, a SEQUENCE of the given INTEGERs.
mk() {
  local name=$1 label=$2; shift 2
  { echo "asn1=SEQUENCE:s"; echo "[s]"; for kv in "$@"; do echo "${kv%%=*}=INTEGER:0x${kv#*=}"; done; } >"$T/$name.conf"
  openssl asn1parse -genconf "$T/$name.conf" -out "$T/$name.der" -noout
  { echo "-----BEGIN $label-----"; base64 -w64 "$T/$name.der"; echo "-----END $label-----"; } >"$T/$name.pem"
}
# last_digit_minus HEX N: HEX with N subtracted from its last digit (caller makes sure no borrow).
last_digit_minus() { printf '%s%X' "${1%?}" $(( 16#${1: -1} - $2 )); }
# composite_odd HEX: HEX with its last digit changed so the number is odd and divisible by 3
# (16 = 1 mod 3, so a hex number is its digit sum mod 3).
composite_odd() {
  local h=$1 sum=0 i d
  for ((i = 0; i < ${#h} - 1; i++)); do sum=$(( sum + 16#${h:i:1} )); done
  for d in 1 3 5 7 9 B D F; do
    if (( (sum + 16#$d) % 3 == 0 )) && [ "$d" != "${h: -1}" ]; then printf '%s%s' "${h%?}" "$d"; return; fi
  done
}

# Parameter sets. Seeds make every search short and the files the same on every run. The
# mutated cases start from 1024-bit sets, whose checks are quick.
"$HSK" gen-dh-params --bits 2048 --seed check-table-2048-8 -o "$T/safe2048.pem"
"$HSK" gen-dh-params --dsa-style 224 --seed check-table-dsa -o "$T/dsa2048.pem"
"$HSK" gen-dh-params --bits 1024 --seed check-table-1024 -o "$T/safe1024.pem" 2>/dev/null
"$HSK" gen-dh-params --dsa-style 160 --seed check-table-dsa1024-o2 -o "$T/dsa1024.pem" 2>/dev/null
"$HSK" gen-dh-params --dsa-style 160 --seed check-table-dsa1024-o1 -o "$T/dsa_other.pem" 2>/dev/null
"$HSK" gen-dh-params --bits 512 --seed check-table-512 -o "$T/safe512.pem" 2>/dev/null
"$HSK" gen-dh-params --bits 256 --seed check-table-256 -o "$T/safe256.pem" 2>/dev/null
for g in ffdhe2048 ffdhe3072 ffdhe4096 ffdhe6144 ffdhe8192 modp1536 modp2048 modp3072 modp4096 modp6144 modp8192; do
  "$HSK" gen-dh-params --group $g -o "$T/$g.pem"
done
P=$(nth "$T/safe1024.pem" 1)
DP=$(nth "$T/dsa1024.pem" 1); DG=$(nth "$T/dsa1024.pem" 2); DQ=$(nth "$T/dsa1024.pem" 3)
H=$("$HSK" gen-dh-params --in "$T/safe1024.pem" --x942 2>/dev/null | openssl asn1parse | awk -F: '/prim: INTEGER/ {print $NF}' | sed -n 3p)
mk p_not_prime "DH PARAMETERS" p="$(last_digit_minus "$P" 2)" g=02   # p - 2 = 21 mod 24: 3 divides it
mk p_not_safe "DH PARAMETERS" p="$DP" g="$DG"
mk q_not_prime "X9.42 DH PARAMETERS" p="$DP" g="$DG" q="$(composite_odd "$DQ")"
mk q_not_divisor "X9.42 DH PARAMETERS" p="$DP" g="$DG" q="$(nth "$T/dsa_other.pem" 3)"
mk g_1 "DH PARAMETERS" p="$P" g=01
mk g_p_minus_1 "DH PARAMETERS" p="$P" g="$(last_digit_minus "$P" 1)"
mk g_not_order_q "X9.42 DH PARAMETERS" p="$DP" g=02 q="$DQ"
mk g_order_2q_x942 "X9.42 DH PARAMETERS" p="$P" g="$(last_digit_minus "$P" 2)" q="$H"  # (-2/p) = -1
mk g_order_2q_pkcs3 "DH PARAMETERS" p="$P" g="$(last_digit_minus "$P" 2)"
mk j_wrong "X9.42 DH PARAMETERS" p="$DP" g="$DG" q="$DQ" j=02
[ "$(openssl prime -hex "$(composite_odd "$DQ")" | grep -c 'is not prime')" = 1 ] || fail "q_not_prime: q is prime"

# case                  expected hsk verdict
table=(
  "safe2048             valid"
  "dsa2048              valid"
  "ffdhe2048            valid"
  "ffdhe3072            valid"
  "ffdhe4096            valid"
  "ffdhe6144            valid"
  "ffdhe8192            valid"
  "modp1536             valid-warning"
  "modp2048             valid"
  "modp3072             valid"
  "modp4096             valid"
  "modp6144             valid"
  "modp8192             valid"
  "p_not_prime          invalid"
  "p_not_safe           invalid"
  "q_not_prime          invalid"
  "q_not_divisor        invalid"
  "g_1                  invalid"
  "g_p_minus_1          invalid"
  "g_not_order_q        invalid"
  "g_order_2q_x942      invalid"
  "g_order_2q_pkcs3     valid-warning"
  "j_wrong              invalid"
  "safe1024             valid-warning"
  "safe512              valid-warning"
  "safe256              invalid"
)
printf '%-18s %-16s %-8s %-18s %-18s\n' CASE HSK EXIT "OPENSSL DHPARAM" "OPENSSL PKEYPARAM"
for row in "${table[@]}"; do
  read -r name want <<<"$row"
  f="$T/$name.pem"
  set +e
  "$HSK" gen-dh-params --check "$f" >"$T/out" 2>"$T/err"; code=$?
  openssl dhparam -check -noout -in "$f" >/dev/null 2>&1; d=$?
  openssl pkeyparam -check -noout -in "$f" >/dev/null 2>&1; k=$?
  set -e
  verdict=$(sed -n 's/^verdict: //p' "$T/out")
  case $verdict in
    valid) got=valid ;;
    "valid, with"*) got=valid-warning ;;
    invalid*) got=invalid ;;
    *) cat "$T/err" >&2; fail "$name: no verdict (exit $code)" ;;
  esac
  ossl_d=$([ $d = 0 ] && echo valid || echo invalid)
  ossl_k=$([ $k = 0 ] && echo valid || echo invalid)
  printf '%-18s %-16s %-8s %-18s %-18s\n' "$name" "$got" "$code" "$ossl_d" "$ossl_k"
  [ "$got" = "$want" ] || { cat "$T/out" >&2; fail "$name: hsk says $got, the table says $want"; }
  case $got in valid*) [ $code = 0 ] || fail "$name: exit $code for a valid verdict" ;; *) [ $code = 1 ] || fail "$name: exit $code for invalid" ;; esac
  [ "$ossl_d" = "${got%-warning}" ] || { cat "$T/out" >&2; fail "$name: openssl dhparam -check says $ossl_d, hsk $got"; }
  [ "$ossl_k" = "${got%-warning}" ] || { cat "$T/out" >&2; fail "$name: openssl pkeyparam -check says $ossl_k, hsk $got"; }
done
