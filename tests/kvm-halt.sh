#!/bin/sh
# HLT with interrupts disabled ends the run: status 0 and one line naming the EIP.
. "${srcdir:-.}/tests/lib.sh"

kvm_usable || skip_all "/dev/kvm is missing or not accessible"
timeout 300 "$BT86" --engine=kvm --cmdline=halt "$builddir/samples/hello.elf" \
	>"$TMP/out" 2>"$TMP/err" </dev/null
status=$?
if [ "$status" = 0 ] && grep -q "^bt86: guest halted with interrupts disabled at EIP 0x00" "$TMP/err"; then
	pass "hello halt: status 0 and a halt message"
else
	fail "hello halt: status $status, stderr: $(cat "$TMP/err")"
fi
if grep -q "Hello from bt86" "$TMP/out"; then
	pass "hello halt: guest output before the halt"
else
	fail "hello halt: no guest output"
fi
finish
