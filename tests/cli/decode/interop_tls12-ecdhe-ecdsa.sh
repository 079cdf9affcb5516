#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls12-ecdhe-ecdsa: TLS 1.2 ECDHE-ECDSA over P-256, ecdsa_secp256r1_sha256, no ticket.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls12-ecdhe-ecdsa 0x0303 0xc02b '1 2 11 12 14 16' ecdh_Yc ecdh-tls12
