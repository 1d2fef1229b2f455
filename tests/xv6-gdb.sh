#!/bin/sh
# A real gdb on xv6 under the translator, with the kernel's own symbols:
# break in sys_write (the shell's first prompt reaches it), a backtrace
# through the system-call path, the arguments, and the guest going on after
# gdb detaches. Skips where ../shared/guests or gdb is absent.
. "${srcdir:-.}/tests/gdb-lib.sh"
. "$srcdir/tests/xv6-lib.sh"
xv6_build
cp "$XV6/fs.img" "$TMP/fs.img"

if bt86_start --engine=bt -m 512 --disk 1="$TMP/fs.img" "$XV6/kernel"; then
	run_gdb "$TMP/g" "$XV6/kernel" \
		-ex 'break sys_write' \
		-ex 'continue' \
		-ex 'bt' \
		-ex 'print myproc()->name' \
		-ex 'print/x $eip' \
		-ex 'delete' \
		-ex 'detach'
	expect "$TMP/g" 'Breakpoint 1, sys_write' "gdb breaks in xv6's sys_write"
	expect "$TMP/g" '#1 .* syscall ' "the backtrace goes through syscall()"
	expect "$TMP/g" '#2 .* trap ' "and trap()"
	expect "$TMP/g" '^\$1 = "\(init\|sh\)' "gdb reads the process name through the kernel's structures"
	bt86_wait 5
	if [ "$bt86_status" = running ]; then
		pass "xv6 runs on after gdb detaches"
	else
		fail "bt86 ended ($bt86_status) after detach"
		sed 's/^/  stderr: /' "$TMP/bt86.err" | tail -5
	fi
else
	fail "bt86 --gdb did not start on xv6"
fi
finish
