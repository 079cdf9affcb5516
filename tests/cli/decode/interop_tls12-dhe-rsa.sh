#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls12-dhe-rsa: TLS 1.2 DHE-RSA (RFC 3526 2048-bit group, TLS 1.3-capable server: downgrade sentinel), rsa_pss_rsae_sha256, ticket.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls12-dhe-rsa 0x0303 0x009e '1 2 11 12 14 16 4' dh_Yc dh-tls12
