#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls10-ecdhe-rsa: TLS 1.0 ECDHE-RSA over P-384: MD5+SHA-1 signature without algorithm field, ticket.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls10-ecdhe-rsa 0x0301 0xc013 '1 2 11 12 14 16 4' ecdh_Yc ecdh-legacy
