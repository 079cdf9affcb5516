#!/usr/bin/env bash
# hsk decode --json | hsk encode reproduces every step file of every real OpenSSL handshake
# in testdata/handshakes byte for byte: each file alone, all four in one document (so the
# ServerHello decides the key-exchange forms), and as hex (encode --hex).
source "$TESTLIB"
H=$TESTDATA/handshakes
ls "$H"/*/1-client-hello.tls >/dev/null 2>&1 || { echo "no captures in $H: skipped"; exit 77; }

n=0
for d in "$H"/*/; do
  d=${d%/}
  files=("$d"/[1-4]-*.tls)
  [ "${#files[@]}" = 4 ] || fail "$d: expected four step files"
  for f in "${files[@]}"; do
    "$HSK" decode --json "$f" >"$T/one.json" || fail "$f does not decode"
    "$HSK" encode "$T/one.json" | cmp - "$f" || fail "$f: decode --json | encode differs"
    "$HSK" decode "$f" >/dev/null || fail "$f: text decode failed"
    n=$((n + 1))
  done
  "$HSK" decode --json "${files[@]}" >"$T/all.json" || fail "$d does not decode as one handshake"
  # With the ServerHello known, no key exchange is left as hex.
  notes=$(jq -r '[.inputs[].records[].messages[]? | select(.note) | .msg_type.name] | join(" ")' "$T/all.json")
  [ -z "$notes" ] || fail "$d: messages left undecoded: $notes"
  "$HSK" encode "$T/all.json" | cmp - <(cat "${files[@]}") || fail "$d: four-file round trip differs"
  # Hex in, hex out.
  got=$(xxd -p "${files[1]}" | "$HSK" decode --json | "$HSK" encode --hex)
  [ "$got" = "$(xxd -p "${files[1]}" | tr -d '\n')" ] || fail "${files[1]}: hex round trip differs"
done
echo "$n step files round-trip byte for byte"
