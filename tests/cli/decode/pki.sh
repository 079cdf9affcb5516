#!/usr/bin/env bash
# hsk decode of PKI objects: a certificate, keys and DH parameters made with openssl at test
# time, PEM and DER, compared with what openssl prints; private numbers only with
# --show-secret; a corrupted DER object is malformed (exit 3).
source "$TESTLIB"
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 0; }

lower() { tr 'A-F' 'a-f'; }
nozeros() { sed 's/^0*//'; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 30 \
  -subj "/C=XX/O=hsk test/CN=example.com" \
  -addext "subjectAltName=DNS:example.com,IP:127.0.0.1" \
  -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
  -addext "extendedKeyUsage=serverAuth" 2>/dev/null
openssl x509 -in "$T/cert.pem" -outform DER -out "$T/cert.der"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.pem" 2>/dev/null
openssl pkey -in "$T/ec.pem" -pubout -out "$T/ecpub.pem"
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$T/ffdhe.pem" 2>/dev/null
openssl dhparam -dsaparam -out "$T/dsa-dh.pem" 1024 2>/dev/null

# ---- certificate, PEM and DER ----
for f in cert.pem cert.der; do
  expect_exit 0 "$HSK" decode --json "$T/$f"
  cp "$T/out" "$T/c.json"
  q() { jq -r "$1" "$T/c.json"; }
  want_format=${f##*.}
  [ "$(q '.inputs[0].format')" = "$want_format" ] || fail "$f: format"
  c='.inputs[0].objects[0]'
  [ "$(q '.inputs[0].objects | length')" = 1 ] || fail "$f: object count"
  [ "$(q "$c.object")" = certificate ] || fail "$f: object"
  [ "$(q "$c.version")" = 3 ] || fail "$f: version"
  want=$(openssl x509 -in "$T/cert.pem" -serial -noout | sed 's/^serial=//')
  [ "$(q "$c.serial")" = "$want" ] || fail "$f: serial $(q "$c.serial") != $want"
  want=$(openssl x509 -in "$T/cert.pem" -subject -noout -nameopt RFC2253 | sed 's/^subject=//')
  [ "$(q "$c.subject")" = "$want" ] || fail "$f: subject $(q "$c.subject") != $want"
  [ "$(q "$c.issuer")" = "$want" ] || fail "$f: issuer"
  end=$(openssl x509 -in "$T/cert.pem" -enddate -noout | sed 's/^notAfter=//')
  want=$(date -u -d "$end" +%Y-%m-%dT%H:%M:%SZ)
  [ "$(q "$c.validity.not_after")" = "$want" ] || fail "$f: not_after $(q "$c.validity.not_after") != $want"
  [ "$(q "$c.signature_algorithm")" = sha256WithRSAEncryption ] || fail "$f: signature_algorithm"
  k="$c.subject_public_key"
  [ "$(q "$k.type")" = RSA ] || fail "$f: key type"
  [ "$(q "$k.bits")" = 2048 ] || fail "$f: key bits"
  want=$(openssl x509 -in "$T/cert.pem" -modulus -noout | sed 's/^Modulus=//' | lower)
  [ "$(q "$k.modulus")" = "$want" ] || fail "$f: modulus"
  [ "$(q "$k.public_exponent")" = 010001 ] || fail "$f: exponent"
  want=$(openssl x509 -in "$T/cert.pem" -fingerprint -sha256 -noout | sed 's/^.*=//; s/://g' | lower)
  [ "$(q "$c.fingerprint_sha256")" = "$want" ] || fail "$f: fingerprint"
  e() { q "$c.extensions[] | select(.name == \"$1\") | $2"; }
  [ "$(e subjectAltName '.value | join(",")')" = "DNS:example.com,IP Address:127.0.0.1" ] ||
    fail "$f: subjectAltName"
  [ "$(e keyUsage '.critical')" = true ] || fail "$f: keyUsage critical"
  [ "$(e keyUsage '.value | join(",")')" = "digitalSignature,keyEncipherment" ] ||
    fail "$f: keyUsage"
  [ "$(e extKeyUsage '.value | join(",")')" = serverAuth ] || fail "$f: extKeyUsage"
  [ "$(e subjectKeyIdentifier '.oid')" = 2.5.29.14 ] || fail "$f: SKI"
  [ "$(q "$c.signature | length")" = 512 ] || fail "$f: signature"
done

# The text tree of the same certificate.
expect_exit 0 "$HSK" decode "$T/cert.pem"
expect_contains "$T/out" "certificate (CERTIFICATE):"
expect_contains "$T/out" "serial: $(openssl x509 -in "$T/cert.pem" -serial -noout | sed 's/^serial=//')"

# ---- private keys: the public part only unless --show-secret ----
expect_exit 0 "$HSK" decode --json "$T/key.pem"
cp "$T/out" "$T/k.json"
[ "$(jq -r '.inputs[0].objects[0].object' "$T/k.json")" = "private key" ] || fail "key object"
[ "$(jq -r '.inputs[0].objects[0].modulus' "$T/k.json")" = "$(jq -r '.inputs[0].objects[0].subject_public_key.modulus' "$T/c.json")" ] ||
  fail "key modulus differs from the certificate's"
[ "$(jq -r '.inputs[0].objects[0] | has("private")' "$T/k.json")" = false ] || fail "secret shown"
if grep -q private_exponent "$T/k.json"; then fail "private exponent without --show-secret"; fi
expect_exit 0 "$HSK" decode --json --show-secret "$T/key.pem"
want=$(openssl rsa -in "$T/key.pem" -noout -text | sed -n '/^privateExponent:/,/^prime1:/p' |
  sed '1d;$d' | tr -d ' :\n' | nozeros)
[ "$(jq -r '.inputs[0].objects[0].private.private_exponent' "$T/out" | nozeros)" = "$want" ] ||
  fail "private exponent"

expect_exit 0 "$HSK" decode --json "$T/ec.pem"
o='.inputs[0].objects[0]'
[ "$(jq -r "$o.type" "$T/out")" = EC ] || fail "EC type"
[ "$(jq -r "$o.curve" "$T/out")" = P-256 ] || fail "EC curve"
[ "$(jq -r "$o | has(\"private\")" "$T/out")" = false ] || fail "EC secret shown"
want=$(openssl pkey -in "$T/ec.pem" -noout -text | sed -n '/^pub:/,/^ASN1 OID/p' | sed '1d;$d' |
  tr -d ' :\n')
[ "$(jq -r "$o.point" "$T/out")" = "$want" ] || fail "EC point"
expect_exit 0 "$HSK" decode --json --show-secret "$T/ec.pem"
want=$(openssl pkey -in "$T/ec.pem" -noout -text | sed -n '/^priv:/,/^pub:/p' | sed '1d;$d' |
  tr -d ' :\n' | nozeros)
[ "$(jq -r "$o.private.scalar" "$T/out" | nozeros)" = "$want" ] || fail "EC scalar"

expect_exit 0 "$HSK" decode --json "$T/ecpub.pem"
[ "$(jq -r "$o.object" "$T/out")" = "public key" ] || fail "public key object"
[ "$(jq -r "$o.key_format" "$T/out")" = SubjectPublicKeyInfo ] || fail "public key format"

# A DER key (SEC1, what openssl pkey -outform DER writes).
openssl pkey -in "$T/ec.pem" -outform DER -out "$T/ec.der"
expect_exit 0 "$HSK" decode --json "$T/ec.der"
[ "$(jq -r '.inputs[0].format' "$T/out")" = der ] || fail "DER key format"
[ "$(jq -r "$o.curve" "$T/out")" = P-256 ] || fail "DER key curve"

# ---- DH parameters ----
expect_exit 0 "$HSK" decode --json "$T/ffdhe.pem"
want=$(openssl asn1parse -in "$T/ffdhe.pem" | awk -F: '/INTEGER/ {print $NF; exit}' | lower)
[ "$(jq -r "$o.p" "$T/out")" = "$want" ] || fail "ffdhe2048 p"
[ "$(jq -r "$o.group" "$T/out")" = ffdhe2048 ] || fail "ffdhe2048 group"
[ "$(jq -r "$o.bits" "$T/out")" = 2048 ] || fail "ffdhe2048 bits"
expect_exit 0 "$HSK" decode --json "$T/dsa-dh.pem"
want=$(openssl asn1parse -in "$T/dsa-dh.pem" | awk -F: '/INTEGER/ {print $NF; exit}' | lower)
[ "$(jq -r "$o.p" "$T/out")" = "$want" ] || fail "dsaparam p"
[ "$(jq -r "$o.bits" "$T/out")" = 1024 ] || fail "dsaparam bits"
[ "$(jq -r "$o.group" "$T/out")" = null ] || fail "dsaparam group"

# ---- several blocks in one PEM, several inputs ----
cat "$T/cert.pem" "$T/ec.pem" "$T/ffdhe.pem" >"$T/all.pem"
expect_exit 0 "$HSK" decode --json "$T/all.pem" "$T/cert.der"
[ "$(jq -r '[.inputs[0].objects[].label] | join(",")' "$T/out")" = \
  "CERTIFICATE,PRIVATE KEY,DH PARAMETERS" ] || fail "multi-block labels"
[ "$(jq -r '.inputs[1].format' "$T/out")" = der ] || fail "second input"
expect_exit 0 "$HSK" decode "$T/all.pem"
expect_contains "$T/out" "input $T/all.pem (pem, 3 objects)"

# ---- corrupted DER: exit 3, naming the input ----
head -c 200 "$T/cert.der" >"$T/bad.der"
expect_exit 3 "$HSK" decode --json "$T/bad.der"
expect_contains "$T/err" "bad.der"
