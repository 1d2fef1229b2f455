#!/bin/sh
# The differential tester: random non-privileged instruction sequences run
# natively (the 32-bit helper diffnative), under the bt engine and, for the
# first few cases, under KVM; see tests/diff/difftest.c. Exit status as
# automake expects: 0 pass, 1 fail, 77 skip.
builddir=${builddir:-.}
exec "$builddir/tests/diff/difftest" --native "$builddir/tests/diff/diffnative" "$@"
