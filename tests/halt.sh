#!/bin/sh
# HLT with interrupts disabled ends the run on every engine: status 0 and one
# line naming the EIP of the HLT, after the guest's own output.
. "${srcdir:-.}/tests/lib.sh"

for engine in bt kvm; do
	if [ "$engine" = kvm ] && ! kvm_usable; then
		skip_one "kvm: /dev/kvm is missing or not accessible"
		continue
	fi
	timeout 300 "$BT86" --engine=$engine --cmdline=halt "$builddir/samples/hello.elf" \
		>"$TMP/out" 2>"$TMP/err" </dev/null
	status=$?
	if [ "$status" = 0 ] && grep -q "^bt86: guest halted with interrupts disabled at EIP 0x00" "$TMP/err"; then
		pass "$engine: status 0 and a halt message"
	else
		fail "$engine: status $status, stderr: $(cat "$TMP/err")"
	fi
	if grep -q "Hello from bt86" "$TMP/out"; then
		pass "$engine: guest output before the halt"
	else
		fail "$engine: no guest output"
	fi
done
finish
