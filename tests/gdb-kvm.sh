#!/bin/sh
# The gdb stub on the kvm engine: gdb sees the guest's registers and memory
# there too, breakpoints and watchpoints use the debug registers, and the
# guest runs to its end. Short: KVM on a host without VMX/SVM is a slow
# software backend.
. "${srcdir:-.}/tests/gdb-lib.sh"

kvm_usable || skip_all "/dev/kvm is missing or not accessible"
elf="$builddir/samples/hello.elf"
[ -f "$elf" ] || skip_all "$elf is not built"
main_addr=$(sym_addr "$elf" sample_main)

if bt86_start --engine=kvm "$elf"; then
	run_gdb "$TMP/a" "$elf" \
		-ex 'break sample_main' \
		-ex 'continue' \
		-ex 'info registers' \
		-ex 'x/2xw $esp' \
		-ex 'print mb_magic' \
		-ex 'stepi' \
		-ex 'info registers eip' \
		-ex 'delete' \
		-ex 'watch mb_magic' \
		-ex 'set var mb_magic = 0x1234' \
		-ex 'continue'
	f="$TMP/a"
	if grep -q 'cannot emulate\|cannot use the debug registers\|single-step is not supported' "$f" "$TMP/bt86.err"; then
		skip_one "this KVM cannot debug the guest: $(grep -h 'cannot\|not supported' "$f" "$TMP/bt86.err" | head -n 1)"
	else
		expect "$f" '^Breakpoint 1, sample_main () at .*hello\.c:8' "kvm: break sample_main; continue"
		[ -n "$main_addr" ] && expect "$f" "^eip  *$main_addr  *$main_addr <sample_main>" "kvm: eip is sample_main ($main_addr)"
		expect "$f" '^cs  *0x8  *8$' "kvm: the guest's cs"
		expect "$f" '^0x[0-9a-f]*:[[:space:]]*0x[0-9a-f]\{8\}[[:space:]]*0x[0-9a-f]\{8\}$' "kvm: x/2xw \$esp"
		expect "$f" '^\$[0-9]* = 732803074$' "kvm: print mb_magic"
		expect "$f" '^eip  *0x[0-9a-f]*  *0x[0-9a-f]* <sample_main+[1-9][0-9]*>$' "kvm: stepi"
		expect "$f" '^Hardware watchpoint 2: mb_magic$' "kvm: a watchpoint in a debug register"
		expect "$f" '^\[Inferior 1 (Remote target) exited normally\]$' "kvm: the guest runs to its end"
		bt86_wait 120
		[ "$bt86_status" = 1 ] && pass "kvm: bt86 ends with status 1" || fail "kvm: bt86's status $bt86_status"
		expect "$TMP/bt86.out" '^multiboot: bad magic 0x00001234$' "kvm: the guest saw the variable gdb set"
	fi
else
	if grep -q 'unavailable\|kvm' "$TMP/bt86.err"; then
		skip_one "kvm: $(head -n 1 "$TMP/bt86.err")"
	else
		fail "bt86 --engine=kvm --gdb did not start"
	fi
fi

# A watchpoint in a debug register, from the entry point.
if bt86_start --engine=kvm "$elf"; then
	run_gdb "$TMP/b" "$elf" -ex 'watch mb_magic' -ex 'continue' -ex 'kill'
	if grep -q '^Old value = 0$' "$TMP/b" && grep -q '^New value = 732803074$' "$TMP/b"; then
		pass "kvm: watch mb_magic stops with the old and new values"
	elif ! grep -q -w -e vmx -e svm /proc/cpuinfo 2>/dev/null; then
		# A KVM without VMX/SVM (a software backend) arms the debug
		# registers but never reports a data breakpoint.
		skip_one "kvm: this software KVM backend does not fire debug-register watchpoints"
	else
		fail "kvm: watch mb_magic did not stop:"
		sed 's/^/  | /' "$TMP/b" | tail -n 10
	fi
	bt86_wait 60
fi
finish
