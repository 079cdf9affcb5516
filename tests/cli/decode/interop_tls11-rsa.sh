#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls11-rsa: TLS 1.1 RSA key exchange (TLS_RSA_WITH_AES_128_CBC_SHA), ticket.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls11-rsa 0x0302 0x002f '1 2 11 14 16 4' encrypted_pre_master_secret none
