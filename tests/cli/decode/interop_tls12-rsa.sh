#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls12-rsa: TLS 1.2, RSA key exchange (TLS_RSA_WITH_AES_128_GCM_SHA256), client offers TLS 1.3 too, no ticket.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls12-rsa 0x0303 0x009c '1 2 11 14 16' encrypted_pre_master_secret none
