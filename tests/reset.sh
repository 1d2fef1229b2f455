#!/bin/sh
# A guest reset restarts the machine (the kernel loaded again, every device
# and the vCPU at power-on, RAM otherwise kept) and bt86 says so on stderr;
# --no-reboot ends bt86 with status 0 instead, as QEMU -no-reboot does.
# samples/reset.c counts its boots in RAM the loader never writes, and
# resets through the 8042 (0xFE), port 0x92 or the 8042's output port.
. "${srcdir:-.}/tests/lib.sh"

elf="$builddir/samples/reset.elf"
engines="bt"
if kvm_usable; then engines="bt kvm"; fi

for engine in $engines; do
	for via in kbc porta outport; do
		timeout 120 "$BT86" --engine="$engine" --cmdline "via=$via" "$elf" >"$TMP/out" 2>"$TMP/err" </dev/null
		st=$?
		if [ "$st" = 1 ] && [ "$(grep -c '^reset: boot' "$TMP/out")" = 2 ] && grep -q '^reset: done$' "$TMP/out" &&
			grep -q '^bt86: guest reset the machine (.*); restarting$' "$TMP/err"; then
			pass "$engine: reset via $via restarts the guest ($(grep '^bt86: guest reset' "$TMP/err"))"
		else
			fail "$engine: reset via $via: status $st"
			sed 's/^/  | /' "$TMP/out" "$TMP/err"
		fi
	done
	timeout 120 "$BT86" --engine="$engine" --no-reboot "$elf" >"$TMP/out" 2>"$TMP/err" </dev/null
	st=$?
	if [ "$st" = 0 ] && [ "$(grep -c '^reset: boot' "$TMP/out")" = 1 ] &&
		grep -q '^bt86: guest reset the machine (8042 reset line); --no-reboot: exiting$' "$TMP/err"; then
		pass "$engine: --no-reboot ends the run at the reset with status 0"
	else
		fail "$engine: --no-reboot: status $st"
		sed 's/^/  | /' "$TMP/out" "$TMP/err"
	fi
done

# Three boots: the reset is repeatable.
timeout 120 "$BT86" --cmdline "boots=3" "$elf" >"$TMP/out" 2>"$TMP/err" </dev/null
st=$?
if [ "$st" = 1 ] && [ "$(grep -c '^reset: boot' "$TMP/out")" = 3 ] && [ "$(grep -c 'restarting$' "$TMP/err")" = 2 ]; then
	pass "bt: three boots, two resets"
else
	fail "bt: boots=3: status $st"
	sed 's/^/  | /' "$TMP/out" "$TMP/err"
fi

# The prompt's continue goes on through the reset; a step that hits it stops
# at the entry point again.
printf 'continue\n' >"$TMP/cont.cmds"
timeout 120 "$BT86" -x "$TMP/cont.cmds" "$elf" >"$TMP/out" 2>"$TMP/err" </dev/null
if [ "$(grep -c '^reset: boot' "$TMP/out")" = 2 ] && grep -q '^reset: done$' "$TMP/out" &&
	grep -q '^bt86: guest reset the machine (8042 reset line); restarting$' "$TMP/err"; then
	pass "-x: continue runs on through the reset"
else
	fail "-x: continue through the reset"
	sed 's/^/  | /' "$TMP/out" "$TMP/err"
fi
printf 'break sample_main\ncontinue\ncontinue\nprint $eip\ncontinue\n' >"$TMP/bp.cmds"
timeout 120 "$BT86" -x "$TMP/bp.cmds" "$elf" >"$TMP/out" 2>"$TMP/err" </dev/null
if [ "$(grep -c '^reset: boot' "$TMP/out")" = 2 ] && [ "$(grep -c 'sample_main' "$TMP/out")" -ge 2 ]; then
	pass "-x: breakpoints stay set across the reset (sample_main hit on both boots)"
else
	fail "-x: breakpoint across the reset"
	sed 's/^/  | /' "$TMP/out" "$TMP/err"
fi
finish
