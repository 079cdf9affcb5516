#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls12-ecdhe-rsa: TLS 1.2 ECDHE-RSA over X25519, server chain of two certificates, ticket.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls12-ecdhe-rsa 0x0303 0xc02f '1 2 11 12 14 16 4' ecdh_Yc ecdh-tls12
