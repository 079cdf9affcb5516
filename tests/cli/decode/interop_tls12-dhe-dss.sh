#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls12-dhe-dss: TLS 1.2 DHE-DSS with a DSA certificate and DSA-style DH parameters (large g), ticket.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls12-dhe-dss 0x0303 0x00a2 '1 2 11 12 14 16 4' dh_Yc dh-tls12
