#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls12-rsa-client-auth: TLS 1.2 RSA key exchange with client authentication: CertificateRequest, client Certificate and CertificateVerify, ticket.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls12-rsa-client-auth 0x0303 0x009c '1 2 11 13 14 11 16 15 4' encrypted_pre_master_secret none
