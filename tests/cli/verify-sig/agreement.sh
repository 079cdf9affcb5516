#!/usr/bin/env bash
source "$TESTLIB"
# hsk verify-sig agrees with `openssl verify` on a table of chains built here by OpenSSL and
# by hsk: valid chains with an intermediate, expired, not yet valid, wrong CA, tampered
# signature, an issuer without keyCertSign, an issuer without CA:TRUE, a path length
# violation, an unsuitable purpose. For every case: both accept or both reject, and the
# X509_V_ERR code of hsk's first problem is one OpenSSL reports. The table is printed.
command -v openssl >/dev/null || fail "openssl is not installed (scripts/deps installs it)"
command -v jq >/dev/null || fail "jq is not installed (scripts/deps installs it)"
command -v xxd >/dev/null || fail "xxd is not installed (scripts/deps installs it)"
cd "$T"
now=$(date +%s)
day=86400

cat >ossl.cnf <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ root_client ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
[ odd ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
1.3.6.1.4.1.55555.1 = critical,ASN1:NULL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ root_pl0 ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ int ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ int_noku ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ int_noca ]
basicConstraints = CA:FALSE
keyUsage = critical,keyCertSign,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ server ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# o_root NAME SECTION: a self-signed OpenSSL root (P-256).
o_root() {
  openssl req -x509 -config ossl.cnf -extensions "$2" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1.key" -subj "/CN=$1" -days 3650 -out "$1.pem" 2>/dev/null || fail "openssl: root $1"
}
# o_issue NAME ISSUER SECTION DAYS [KEYSPEC]: an OpenSSL-issued certificate.
o_issue() {
  openssl req -new -config ossl.cnf -newkey "${5:-rsa:2048}" -nodes -keyout "$1.key" -subj "/CN=$1" \
    -out "$1.csr" 2>/dev/null || fail "openssl: csr $1"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -set_serial "$RANDOM$RANDOM" -days "$4" \
    -extfile ossl.cnf -extensions "$3" -out "$1.pem" 2>/dev/null || fail "openssl: issue $1"
}
# h_issue NAME ISSUER hsk-options...: an hsk-issued certificate (ISSUER "-" for self-signed).
h_issue() {
  local name=$1 issuer=$2; shift 2
  local args=(gen-cert --subject "CN=$name" --key-out "$name.key" -o "$name.pem")
  case " $* " in *" --key-type "*) ;; *) args+=(--key-type ec:P-256) ;; esac
  [ "$issuer" = - ] || args+=(--issuer-cert "$issuer.pem" --issuer-key "$issuer.key")
  "$HSK" "${args[@]}" "$@" 2>/dev/null || fail "hsk: issue $name"
}
tamper() {  # tamper IN OUT: flip the low bit of the certificate's last byte (inside the signature)
  local hex
  hex=$(openssl x509 -in "$1" -outform DER | xxd -p | tr -d '\n')
  printf '%s%02x' "${hex:0:${#hex}-2}" $((0x${hex: -2} ^ 1)) | xxd -r -p >"$2.der"
  openssl x509 -inform DER -in "$2.der" -out "$2" 2>/dev/null || fail "tampered certificate unreadable"
}

# OpenSSL-made PKI.
o_root o-root root
o_root o-other root
o_root o-root-pl0 root_pl0
o_root o-root-client root_client
o_issue o-int o-root int 365
o_issue o-leaf o-int server 2
o_issue o-client o-int client 30
o_issue o-int-noku o-root int_noku 365
o_issue o-leaf-noku o-int-noku server 30
o_issue o-int-noca o-root int_noca 365
o_issue o-leaf-noca o-int-noca server 30
o_issue o-int-pl o-root-pl0 int 365
o_issue o-leaf-pl o-int-pl server 30
o_issue o-leaf-rc o-root-client server 30
o_issue o-odd o-int odd 30
tamper o-leaf.pem o-leaf-bad.pem

# hsk-made PKI: validity 2030-01-01..2031-01-01 for the dated cases, now-relative for the rest.
h_issue h-root - --ca --key-type rsa:2048 --days 3650
h_issue h-int h-root --ca --days 3650
h_issue h-leaf h-int --purpose server --san DNS:localhost --not-before 2030-01-01 --not-after 2031-01-01
h_issue h-old h-int --purpose server --not-before 2020-01-01 --not-after 2021-01-01
h_issue h-client h-int --purpose client
h_issue h-int-noku h-root --ca --key-usage digitalSignature,cRLSign
h_issue h-leaf-noku h-int-noku --purpose server
h_issue h-int-noca h-root --key-usage keyCertSign,digitalSignature
h_issue h-leaf-noca h-int-noca --purpose server
h_issue h-root-pl0 - --ca --path-len 0 --key-type dsa:2048/256
h_issue h-int-pl h-root-pl0 --ca
h_issue h-leaf-pl h-int-pl --purpose server
h_issue h-mixed o-int --purpose server --key-type rsa:2048
h_issue h-root-client - --ca --purpose client
h_issue h-leaf-rc h-root-client --purpose server
h_issue h-future h-int --not-before "@$((now + 10 * day))" --days 30
tamper h-leaf.pem h-leaf-bad.pem

# name | leaf | untrusted | CA | at (epoch seconds or -) | purpose (- or server/client) | hsk error id (ok)
cases=(
  "openssl: valid chain with intermediate|o-leaf|o-int|o-root|-|server|ok"
  "openssl: expired leaf (-attime +5d)|o-leaf|o-int|o-root|$((now + 5 * day))|-|expired"
  "openssl: not yet valid (-attime -2d)|o-leaf|o-int|o-root|$((now - 2 * day))|-|not_yet_valid"
  "openssl: wrong CA|o-leaf|o-int|o-other|-|-|issuer_not_found"
  "openssl: missing intermediate|o-leaf|-|o-root|-|-|issuer_not_found"
  "openssl: tampered signature|o-leaf-bad|o-int|o-root|-|-|signature_failure"
  "openssl: issuer without keyCertSign|o-leaf-noku|o-int-noku|o-root|-|-|issuer_lacks_key_cert_sign"
  "openssl: issuer without CA:TRUE|o-leaf-noca|o-int-noca|o-root|-|-|issuer_not_ca"
  "openssl: path length exceeded|o-leaf-pl|o-int-pl|o-root-pl0|-|-|path_length_exceeded"
  "openssl: client cert as server|o-client|o-int|o-root|-|server|unsuitable_purpose"
  "openssl: client cert as client|o-client|o-int|o-root|-|client|ok"
  "openssl: root only for clientAuth|o-leaf-rc|-|o-root-client|-|server|unsuitable_purpose"
  "openssl: unknown critical extension|o-odd|o-int|o-root|-|-|unhandled_critical_extension"
  "openssl: untrusted self-signed|o-other|-|o-root|-|-|self_signed_leaf"
  "hsk: valid chain with intermediate|h-leaf|h-int|h-root|$(date -d 2030-06-01Z +%s)|server|ok"
  "hsk: expired leaf (--at 2031-06-01)|h-leaf|h-int|h-root|$(date -d 2031-06-01Z +%s)|-|expired"
  "hsk: expired leaf (now)|h-old|h-int|h-root|-|-|expired"
  "hsk: not yet valid (--at 2029-06-01)|h-leaf|h-int|h-root|$(date -d 2029-06-01Z +%s)|-|not_yet_valid"
  "hsk: not yet valid (now)|h-future|h-int|h-root|-|-|not_yet_valid"
  "hsk: wrong CA|h-leaf|h-int|o-root|$(date -d 2030-06-01Z +%s)|-|issuer_not_found"
  "hsk: tampered signature|h-leaf-bad|h-int|h-root|$(date -d 2030-06-01Z +%s)|-|signature_failure"
  "hsk: issuer without keyCertSign|h-leaf-noku|h-int-noku|h-root|-|-|issuer_lacks_key_cert_sign"
  "hsk: issuer without CA:TRUE|h-leaf-noca|h-int-noca|h-root|-|-|issuer_not_ca"
  "hsk: path length exceeded (DSA root)|h-leaf-pl|h-int-pl|h-root-pl0|-|-|path_length_exceeded"
  "hsk: client cert as server|h-client|h-int|h-root|-|server|unsuitable_purpose"
  "hsk: root only for clientAuth|h-leaf-rc|-|h-root-client|-|server|unsuitable_purpose"
  "hsk: untrusted self-signed|h-root|-|o-root|-|-|self_signed_leaf"
  "mixed: hsk leaf under openssl CA|h-mixed|o-int|o-root|-|server|ok"
  "mixed: openssl leaf, hsk CA (wrong)|o-leaf|o-int|h-root|-|-|issuer_not_found"
)

printf '%-44s %-8s %-22s %-8s %s\n' CASE OPENSSL "OPENSSL ERRORS" HSK "HSK ERROR"
bad=0
for row in "${cases[@]}"; do
  IFS='|' read -r name leaf untrusted ca at purpose want <<<"$row"
  o_args=(-CAfile "$ca.pem"); h_args=(--cert "$leaf.pem" --ca "$ca.pem" --json)
  if [ "$untrusted" != - ]; then o_args+=(-untrusted "$untrusted.pem"); h_args+=(--untrusted "$untrusted.pem"); fi
  if [ "$at" != - ]; then o_args+=(-attime "$at"); h_args+=(--at "@$at"); fi
  if [ "$purpose" != - ]; then o_args+=(-purpose "ssl$purpose"); h_args+=(--purpose "$purpose"); fi
  set +e
  openssl verify "${o_args[@]}" "$leaf.pem" >o.out 2>&1; o_rc=$?
  "$HSK" verify-sig "${h_args[@]}" >h.json 2>h.err; h_rc=$?
  set -e
  o_codes=$( (grep -o 'error [0-9]* at' o.out || true) | awk '{print $2}' | sort -un | paste -sd, -)
  h_id=$(jq -r '.problems[0].error // "ok"' h.json 2>/dev/null || echo "?")
  h_code=$(jq -r '.problems[0].openssl_code // empty' h.json 2>/dev/null || true)
  printf '%-44s %-8s %-22s %-8s %s\n' "$name" "$([ $o_rc = 0 ] && echo OK || echo FAIL)" "${o_codes:--}" \
    "$([ $h_rc = 0 ] && echo OK || echo "FAIL($h_rc)")" "$h_id${h_code:+ ($h_code)}"
  why=""
  [ "$h_id" = "$want" ] || why="hsk says $h_id, the table expects $want"
  if [ "$want" = ok ]; then
    [ $o_rc = 0 ] || why="$why; openssl rejects: $(tr '\n' ' ' <o.out)"
    [ $h_rc = 0 ] || why="$why; hsk exit $h_rc: $(cat h.err)"
  else
    [ $o_rc != 0 ] || why="$why; openssl accepts"
    [ $h_rc = 1 ] || why="$why; hsk exit $h_rc (want 1): $(cat h.err)"
    case ",$o_codes," in *",$h_code,"*) ;; *) why="$why; openssl's errors ($o_codes) lack hsk's $h_code" ;; esac
    [ "$(wc -l <h.err)" = 1 ] || why="$why; stderr is not one line"
  fi
  if [ -n "$why" ]; then echo "  MISMATCH: $why" >&2; bad=$((bad + 1)); fi
done
[ $bad = 0 ] || fail "$bad case(s) disagree"
