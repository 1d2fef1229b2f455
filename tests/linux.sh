#!/bin/sh
# Debian's own 32-bit kernels (686 and 686-pae, fetched by
# build-aux/linux-guest) boot under the translator with a busybox initramfs
# to a shell on the serial console: commands run, the CPU is what bt86
# reports, busybox computes what the host computes, dmesg has no complaint
# bt86 causes, `poweroff -f` ends bt86 with status 0 and `reboot -f` restarts
# it (or ends it under --no-reboot). With the kernel's System.map the prompt
# breaks in a system call and shows its translation, and --stats prints the
# translator's counters at the power-off. Skips where the packages cannot be
# fetched.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/serial-lib.sh"
. "$srcdir/tests/linux-lib.sh"
linux_guest
BOOT="-m 256 --initrd $LG/initramfs.cpio.gz"
PROMPT='~ # '

step() { serial_step "$1" "$2" "$3" "$4" "$PROMPT"; }   # step WHAT COMMAND EXPECTED SECONDS

for flavour in 686 686-pae; do
	k=$LG/vmlinuz-$flavour
	serial_start "$BT86" $BOOT --append "console=ttyS0" "$k"
	if serial_wait "$PROMPT" 120; then
		pass "$flavour: boots to the busybox shell on COM1"
	else
		fail "$flavour: no shell prompt"
		tail -n 30 "$TMP/serial.out" | sed 's/^/  | /'
		sed 's/^/  stderr: /' "$TMP/serial.err" | tail -5
		serial_stop
		continue
	fi
	step "$flavour" 'uname -r' "6.1.0-" 30
	step "$flavour" 'grep -c processor /proc/cpuinfo' '1' 30
	step "$flavour" 'grep "model name" /proc/cpuinfo' 'bt86 virtual CPU' 30
	sum=$(md5sum <"$LG/busybox" | cut -d' ' -f1)
	step "$flavour" 'md5sum /bin/busybox' "$sum" 60
	step "$flavour" 'echo $((6 * 7))' '42' 30
	step "$flavour" 'ls /proc/sys/kernel | head -n 3; echo listed' 'listed' 30
	# The firmware's SMBIOS names the machine; CPUID 0x15 gives the TSC's
	# rate, so Linux does not calibrate it against the PIT. It says "MHz TSC"
	# or, when the measured rate is a whole number of MHz (CPUID 0x16's base
	# frequency then equals it), "MHz processor".
	step "$flavour" 'dmesg | grep "DMI:"' 'DMI: bt86 bt86 PC, BIOS 1.0' 30
	step "$flavour" 'dmesg | grep "tsc: Detected"' 'tsc: Detected' 30
	if [ "$flavour" = 686-pae ]; then
		step "$flavour" 'dmesg | grep "NX (Execute Disable)"' 'NX (Execute Disable) protection: active' 30
		step "$flavour" 'grep -o " nx " /proc/cpuinfo' 'nx' 30
	fi
	# Every line that reads like a complaint, less the ones explained.
	serial_send "dmesg | grep -i -E '$LINUX_COMPLAINTS'; echo dmesg-done"
	serial_wait 'dmesg-done' 30 && serial_wait "$PROMPT" 30
	serial_since | tr -d '\r' | grep '^\[' >"$TMP/complaints"
	linux_dmesg_unexplained <"$TMP/complaints" >"$TMP/unexplained"
	if [ -s "$TMP/unexplained" ]; then
		fail "$flavour: dmesg has complaints docs/linux.md does not explain"
		sed 's/^/  | /' "$TMP/unexplained"
	else
		pass "$flavour: dmesg: $(wc -l <"$TMP/complaints") complaint-like lines, each explained in docs/linux.md"
	fi
	serial_send 'poweroff -f'
	serial_end 60
	if [ "$serial_status" = 0 ] && grep -q '^bt86: guest powered off (ACPI S5)$' "$TMP/serial.err"; then
		pass "$flavour: poweroff -f ends bt86 with status 0"
	else
		fail "$flavour: poweroff -f: status $serial_status"
		sed 's/^/  stderr: /' "$TMP/serial.err" | tail -5
	fi
done

# reboot -f: the machine restarts and the kernel boots again; under
# --no-reboot bt86 ends with status 0 at the reset.
k=$LG/vmlinuz-686
serial_start "$BT86" $BOOT --append "console=ttyS0 quiet" "$k"
if serial_wait "$PROMPT" 120; then
	serial_send 'reboot -f'
	if serial_wait 'busybox shell on the console' 120 && serial_wait "$PROMPT" 60 &&
		grep -q '^bt86: guest reset the machine (.*); restarting$' "$TMP/serial.err"; then
		pass "reboot -f restarts the machine and Linux boots again ($(grep '^bt86: guest reset' "$TMP/serial.err"))"
	else
		fail "reboot -f did not boot again"
		serial_since | sed 's/^/  | /' | tail -10
		sed 's/^/  stderr: /' "$TMP/serial.err" | tail -5
	fi
	serial_send 'poweroff -f'
	serial_end 60
else
	fail "no prompt for the reboot test"
	serial_stop
fi
timeout 120 "$BT86" --no-reboot $BOOT --append 'console=ttyS0 quiet bt86_run="reboot -f"' "$k" \
	>"$TMP/nr.out" 2>"$TMP/nr.err" </dev/null
st=$?
if [ "$st" = 0 ] && grep -q '^bt86: guest reset the machine (.*); --no-reboot: exiting$' "$TMP/nr.err"; then
	pass "reboot -f under --no-reboot ends bt86 with status 0"
else
	fail "reboot -f under --no-reboot: status $st"
	sed 's/^/  | /' "$TMP/nr.out" "$TMP/nr.err" | tail -10
fi

# The prompt on Linux with its System.map: a breakpoint in write(2), the
# translation of the code there, the CCFs of the system-call entry, and the
# sensitive instructions the kernel ran.
cat >"$TMP/sys.cmds" <<'CMDS'
break __ia32_sys_write
continue
info registers
translate __ia32_sys_write
tc list entry_SYSENTER_32
tc show entry_SYSENTER_32
delete
continue
info sensitive
info sensitive sites 10
info sensitive retranslated 5
CMDS
timeout 120 "$BT86" $BOOT --append 'console=ttyS0 quiet nokaslr bt86_run="echo written"' \
	--symbols "$LG/System.map-686" -x "$TMP/sys.cmds" "$k" >"$TMP/sys.out" 2>&1 </dev/null
st=$?
if grep -q '^breakpoint 1 at 0xc[0-9a-f]* <__ia32_sys_write>$' "$TMP/sys.out" &&
	grep -q '^eip *0xc[0-9a-f]* *<__ia32_sys_write>' "$TMP/sys.out" &&
	grep -q '^written' "$TMP/sys.out" && [ "$st" = 0 ]; then
	pass "System.map: break __ia32_sys_write stops in write(2) with the symbol in info registers"
else
	fail "System.map: break in a system call (status $st)"
	sed 's/^/  | /' "$TMP/sys.out" | tail -30
fi
if grep -Eq '<entry_SYSENTER_32(\+0x[0-9a-f]+)?>' "$TMP/sys.out" &&
	grep -Eq '^CCF [0-9]+: guest 0xc[0-9a-f]+' "$TMP/sys.out"; then
	pass "tc list and tc show name the kernel's SYSENTER entry's CCFs"
else
	fail "tc list/tc show entry_SYSENTER_32"
	sed 's/^/  | /' "$TMP/sys.out" | tail -30
fi
# The sensitive instructions of a real kernel: by mnemonic (port I/O, CR
# and MSR accesses, the SYSEXIT back to user space), site by site with the
# kernel's function names, and what adaptive retranslation changed.
if grep -Eq '^[0-9]+ sites of sensitive instructions left translated code: [1-9][0-9]* callouts' "$TMP/sys.out" &&
	grep -Eq '^(in|out) +io +[0-9]+ +[1-9]' "$TMP/sys.out" &&
	grep -Eq '^(sysexit|sti|popfd?) +' "$TMP/sys.out" &&
	grep -Eq '^0xc[0-9a-f]{7} +[0-9]+ +[0-9]+ +[a-z-]+ +[a-z ]+ .*<[A-Za-z_][A-Za-z0-9_.]*(\+0x[0-9a-f]+)?>$' "$TMP/sys.out"; then
	pass "info sensitive: the kernel's sensitive instructions by mnemonic and by site ($(grep -c '^0xc' "$TMP/sys.out") sites shown)"
else
	fail "info sensitive on Linux"
	sed -n '/sites of sensitive/,$p' "$TMP/sys.out" | sed 's/^/  | /' | head -40
fi
if "$BT86" $BOOT --symbols "$TMP/nonexistent.map" "$k" >"$TMP/bad.out" 2>&1 </dev/null; then
	fail "--symbols with a missing file ran"
elif [ "$(wc -l <"$TMP/bad.out")" = 1 ] && grep -q 'nonexistent.map' "$TMP/bad.out"; then
	pass "--symbols with a missing file: one error line ($(cat "$TMP/bad.out"))"
else
	fail "--symbols with a missing file"
	sed 's/^/  | /' "$TMP/bad.out"
fi

# --stats at the power-off.
timeout 120 "$BT86" --stats $BOOT --append 'console=ttyS0 quiet bt86_run="true"' "$k" \
	>"$TMP/st.out" 2>"$TMP/st.err" </dev/null
st=$?
if [ "$st" = 0 ] && grep -q '^bt86: guest powered off (ACPI S5)$' "$TMP/st.err" &&
	grep -Eq '^bt86: stats: engine=bt ccfs=[1-9][0-9]* .* cr3_loads=[1-9]' "$TMP/st.err"; then
	pass "--stats prints the translator's counters when Linux powers off"
else
	fail "--stats at the power-off: status $st"
	sed 's/^/  | /' "$TMP/st.err" | tail -5
fi
finish
