#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls12-adh: TLS 1.2 anonymous DH: no Certificate, unsigned ServerKeyExchange.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls12-adh 0x0303 0x00a6 '1 2 12 14 16' dh_Yc dh-anon
