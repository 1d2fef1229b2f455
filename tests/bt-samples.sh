#!/bin/sh
# Every sample under --engine=bt (the binary translator) gives the expected
# serial output and exit status (tests/expected, checked against QEMU by
# qemu-samples.sh and against KVM by kvm-samples.sh). Then the cases QEMU
# TCG cannot check: #AC (QEMU does not emulate alignment checking), which
# the translator gets from the host CPU itself.
. "${srcdir:-.}/tests/lib.sh"

for name in $(sample_names); do
	run_sample bt "$name"
	check_sample bt "$name"
done

# #AC: a misaligned load at CPL 3 with CR0.AM and EFLAGS.AC set, caught by
# the guest's handler with error code 0 at the exact instruction.
elf="$builddir/samples/exceptions.elf"
out=$("$BT86" --cmdline align "$elf" 2>&1)
if printf '%s\n' "$out" | grep -q '^#AC ring3 misaligned load: vector 17 err 0x0000 eip +5 cpl 3 ok$' &&
	printf '%s\n' "$out" | grep -q '^exceptions: 0 wrong$'; then
	pass "bt: #AC delivered to the guest from a misaligned ring-3 load"
else
	fail "bt: exceptions align:"
	printf '%s\n' "$out" | sed 's/^/  | /'
fi
# Triple fault: an IDT with limit 0 and INT3 (#BP, #GP, #DF undeliverable):
# the guest is stopped with a message and bt86's status 4, as QEMU
# -no-reboot shuts down.
"$BT86" --cmdline triple "$elf" >"$TMP/triple.out" 2>"$TMP/triple.err" </dev/null
st=$?
if [ "$st" = 4 ] && grep -q "^bt86: triple fault: #GP while delivering a double fault" "$TMP/triple.err"; then
	pass "bt: triple fault stops the guest (status 4, message)"
else
	fail "bt: triple fault: status $st"
	sed 's/^/  | /' "$TMP/triple.err"
fi
# One CPU model: under each --cpu model that can run the samples' runtime
# (it is built for the P6: CMOV), every feature CPUID advertises works and
# every other one faults (samples/cpumodel.c; the 486 and pentium models are
# held to the same in tests/unit/test_emulate.c and test_ident.c).
for cpu in bt86 p6 host; do
	out=$("$BT86" --cpu "$cpu" --cmdline verbose "$builddir/samples/cpumodel.elf" 2>&1)
	st=$?
	if [ "$st" = 1 ] && printf '%s\n' "$out" | grep -q '^cpumodel: [0-9]* checks, 0 mismatches$'; then
		pass "bt: --cpu $cpu is what its CPUID says ($(printf '%s\n' "$out" | grep -c '^ok ') checks)"
	else
		fail "bt: --cpu $cpu: status $st"
		printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/  | /'
	fi
done
# The APICs: `info ioapic` and `info lapic` after ioapicroute show the
# routes it programmed and the level-triggered vector's TMR bit; an NMI
# self-IPI stops the guest as unsupported (status 4), naming it.
printf 'break rt_exit\ncontinue\ninfo ioapic\ninfo lapic\n' >"$TMP/apic.cmds"
out=$("$BT86" -x "$TMP/apic.cmds" "$builddir/samples/ioapicroute.elf" 2>&1)
if printf '%s\n' "$out" | grep -q '^pin  2: 0000000000010048 vector 0x48 fixed physical edge high dest 0x00 masked sent=[1-9]' &&
	printf '%s\n' "$out" | grep -q '^pin  4: .* level high dest 0x00 masked sent=1$' &&
	printf '%s\n' "$out" | grep -q '^  tmr: 49$' &&
	printf '%s\n' "$out" | grep -q '^cpu0: id=0 base=0xfee00900 (enabled, BSP) version=0x00050014$'; then
	pass "bt: info ioapic and info lapic show the guest's routes"
else
	fail "bt: info ioapic / info lapic after ioapicroute:"
	printf '%s\n' "$out" | sed 's/^/  | /'
fi
"$BT86" --cmdline nmi "$builddir/samples/selfipi.elf" >"$TMP/nmi.out" 2>"$TMP/nmi.err" </dev/null
st=$?
if [ "$st" = 4 ] && grep -q "unsupported: NMI delivery at EIP" "$TMP/nmi.err"; then
	pass "bt: an NMI IPI stops the guest as unsupported (status 4)"
else
	fail "bt: selfipi nmi: status $st"
	sed 's/^/  | /' "$TMP/nmi.err"
fi
"$BT86" --cmdline relocate "$builddir/samples/selfipi.elf" >"$TMP/reloc.out" 2>"$TMP/reloc.err" </dev/null
st=$?
if [ "$st" = 4 ] && grep -q "unsupported: moving the local APIC to 0xfed00000 at EIP" "$TMP/reloc.err"; then
	pass "bt: moving the APIC base stops the guest as unsupported (status 4)"
else
	fail "bt: selfipi relocate: status $st"
	sed 's/^/  | /' "$TMP/reloc.err"
fi
# `info cpuid` shows the model a run uses.
printf 'info cpuid\n' >"$TMP/cpuid.cmds"
if "$BT86" --cpu p6 -x "$TMP/cpuid.cmds" "$builddir/samples/hello.elf" 2>&1 | grep -q '^model      p6: '; then
	pass "bt: info cpuid names the --cpu model"
else
	fail "bt: info cpuid does not name the p6 model"
fi
# ACPI S5: samples/acpi.c walks RSDP -> RSDT -> FADT -> DSDT's _S5 and
# writes PM1a_CNT: bt86 exits 0 with a "powered off" line.
"$BT86" "$builddir/samples/acpi.elf" >"$TMP/acpi.out" 2>"$TMP/acpi.err" </dev/null
st=$?
if [ "$st" = 0 ] && grep -q '^bt86: guest powered off (ACPI S5)$' "$TMP/acpi.err"; then
	pass "bt: ACPI S5 through the FADT's PM1a_CNT powers off (status 0)"
else
	fail "bt: acpi power-off: status $st"
	sed 's/^/  | /' "$TMP/acpi.err"
fi
# The firmware tables at the prompt, parsed from guest RAM.
printf 'info mptable\ninfo acpi\n' >"$TMP/fw.cmds"
"$BT86" -x "$TMP/fw.cmds" "$builddir/samples/hello.elf" >"$TMP/fw.out" 2>&1
if grep -q '^MP floating pointer at 0x000f0000: spec 1.4' "$TMP/fw.out" &&
	grep -q 'ioint   INT    bus 1 irq 0 -> ioapic 1 pin 2' "$TMP/fw.out" &&
	grep -q '^RSDP at 0x000f2000: revision 2' "$TMP/fw.out" &&
	grep -q '_S5 package at 0x24: 4 elements, SLP_TYPa 0' "$TMP/fw.out" &&
	! grep -q 'checksum BAD' "$TMP/fw.out"; then
	pass "bt: info mptable and info acpi decode the firmware tables"
else
	fail "bt: info mptable / info acpi:"
	sed 's/^/  | /' "$TMP/fw.out" | head -n 20
fi
# --module: a missing file is one line and status 2.
"$BT86" --module "$TMP/no-such-module" "$builddir/samples/hello.elf" >"$TMP/mod.out" 2>"$TMP/mod.err" </dev/null
st=$?
if [ "$st" = 2 ] && [ "$(wc -l <"$TMP/mod.err")" = 1 ] && grep -q "^bt86: module $TMP/no-such-module: No such file" "$TMP/mod.err"; then
	pass "bt: a missing --module file is one error line, status 2"
else
	fail "bt: missing --module: status $st"
	sed 's/^/  | /' "$TMP/mod.err"
fi
# Adaptive MMIO both ways: strmmio's string routines reach the VGA buffer
# (guilty: callouts), then run on RAM only (innocent again: IDENT), then
# reach it again (guilty again); the output matched the expected file above.
printf 'continue\nevents retranslate\n' >"$TMP/acquit.cmds"
out=$("$BT86" -x "$TMP/acquit.cmds" "$builddir/samples/strmmio.elf" 2>&1)
guilty=$(printf '%s\n' "$out" | grep -c "reached MMIO 16 times: retranslated as callout")
acquit=$(printf '%s\n' "$out" | grep -c "found only RAM 256 times in a row: translated IDENT again")
# (the event log is a ring: the first guilty verdicts may have left it)
again=$(printf '%s\n' "$out" | grep retranslate | sed -n '/IDENT again/,$p' | grep -c "reached MMIO 16 times")
if [ "$guilty" -ge 5 ] && [ "$acquit" = 5 ] && [ "$again" = 5 ]; then
	pass "bt: MMIO callouts that find only RAM are translated IDENT again (5), then guilty again (5)"
else
	fail "bt: strmmio retranslations: $guilty guilty, $acquit acquitted"
	printf '%s\n' "$out" | grep retranslate | sed 's/^/  | /'
fi
finish
