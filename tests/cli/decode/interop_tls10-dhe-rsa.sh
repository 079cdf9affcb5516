#!/usr/bin/env bash
source "$TESTLIB"
# hsk decode vs tshark on testdata/handshakes/tls10-dhe-rsa: TLS 1.0 DHE-RSA: MD5+SHA-1 signature without algorithm field, no ticket.
source "$(dirname "${BASH_SOURCE[0]}")/interop_fixtures.sh"
interop_case tls10-dhe-rsa 0x0301 0x0033 '1 2 11 12 14 16' dh_Yc dh-legacy
