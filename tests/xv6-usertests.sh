#!/bin/sh
# xv6's own test suite, usertests, under the translator with one CPU, to
# ALL TESTS PASSED: fork, exec, pipes, sbrk to the end of memory (the `mem`
# test), the file system on IDE disk 1, driven over COM1. About a minute
# here (XV6_USERTESTS_TIMEOUT bounds it, default 900 s; XV6_USERTESTS=no
# skips it). Skips where the guests are absent.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/serial-lib.sh"
. "$srcdir/tests/xv6-lib.sh"

[ "${XV6_USERTESTS:-yes}" != no ] || skip_all "XV6_USERTESTS=no"
xv6_build
TIMEOUT=${XV6_USERTESTS_TIMEOUT:-900}

cp "$XV6/fs.img" "$TMP/fs.img"   # usertests refuses to run twice on one image
serial_start "$BT86" --engine=bt -m 512 --stats --disk 1="$TMP/fs.img" "$XV6/kernel"
if ! serial_wait '$ ' 120; then
	fail "xv6: no prompt"
	sed 's/^/  | /' "$TMP/serial.out" | tail -20
	serial_stop
	finish
fi
start=$(date +%s)
serial_send usertests
if serial_wait 'ALL TESTS PASSED' "$TIMEOUT"; then
	pass "xv6: usertests: ALL TESTS PASSED ($(($(date +%s) - start)) s)"
else
	fail "xv6: usertests did not pass"
	serial_since | sed 's/^/  | /' | tail -30
	sed 's/^/  stderr: /' "$TMP/serial.err" | tail -5
fi
serial_wait '$ ' 30
serial_stop   # SIGTERM: bt86 stops the guest, reports it and prints --stats
if [ "$serial_status" = 130 ] && grep -q '^bt86: interrupted: ' "$TMP/serial.err" &&
	grep -q '^bt86: stats: engine=bt .* cr3_loads=[1-9]' "$TMP/serial.err"; then
	pass "xv6: SIGTERM ends bt86 with status 130, the stop line and --stats"
else
	fail "xv6: SIGTERM: status $serial_status"
	sed 's/^/  stderr: /' "$TMP/serial.err" | tail -5
fi
sed -n 's/^bt86: stats: /  stats: /p' "$TMP/serial.err" | tr ' ' '\n' | grep -E 'callouts|cr3_|window_fills' | tr '\n' ' '
echo
finish
