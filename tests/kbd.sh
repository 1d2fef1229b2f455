#!/bin/sh
# The PS/2 keyboard end to end: samples/kbd.c initialises the 8042 and the
# keyboard as Linux does (self tests, command byte, reset, identify, LEDs,
# enable), takes IRQ 1 and decodes set 1 as xv6 does; the prompt's `type`
# command types on the keyboard, and the guest echoes the line on COM1.
. "${srcdir:-.}/tests/lib.sh"

elf="$builddir/samples/kbd.elf"
engines="bt"
if kvm_usable; then engines="bt kvm"; fi

cat >"$TMP/type.cmds" <<'CMDS'
break kbd_ready
continue
type "Hello, World! 1+1=2 \x03x\bz"
type \n
continue
CMDS
for engine in $engines; do
	timeout 120 "$BT86" --engine="$engine" -x "$TMP/type.cmds" "$elf" >"$TMP/out" 2>"$TMP/err" </dev/null
	st=$?
	if [ "$engine" = kvm ] && grep -q "cannot emulate" "$TMP/out" "$TMP/err"; then
		skip_one "kvm: this host's KVM backend cannot run the sample's interrupt return"
		continue
	fi
	if [ "$st" = 0 ] && ! grep -q UNEXPECTED "$TMP/out" && grep -q '^kbd: identify 2 (translated): 0x41 ok$' "$TMP/out" &&
		grep -q '^kbd: command byte now 0x65$' "$TMP/out" &&
		grep -q '^kbd: line: Hello, World! 1+1=2 ^Cz$' "$TMP/out" &&
		grep -q '^kbd: 1 lines, [0-9]* bytes in [1-9][0-9]* interrupts$' "$TMP/out"; then
		pass "$engine: 8042 init as Linux does it, typed text reaches the guest on IRQ 1 ($(grep '^kbd: 1 lines' "$TMP/out"))"
	else
		fail "$engine: kbd: status $st"
		sed 's/^/  | /' "$TMP/out" "$TMP/err"
	fi
done

# COM1's input from bt86's stdin, on IRQ 4 (after the guest set up its
# UART: the runtime's init clears the receive FIFO).
(sleep 2; printf 'from stdin\r') | timeout 120 "$BT86" "$elf" >"$TMP/out" 2>"$TMP/err"
st=$?
if [ "$st" = 1 ] && grep -q '^kbd: line: from stdin$' "$TMP/out"; then
	pass "bt: stdin reaches COM1 and raises IRQ 4"
else
	fail "bt: stdin to COM1: status $st"
	sed 's/^/  | /' "$TMP/out" "$TMP/err"
fi

# Typing while the guest runs (from the prompt's thread) and a bad escape.
cat >"$TMP/bad.cmds" <<'CMDS'
type "\q"
CMDS
if ! "$BT86" -x "$TMP/bad.cmds" "$elf" >"$TMP/out" 2>&1 && grep -q "type: bad escape" "$TMP/out"; then
	pass "type: a bad escape is an error"
else
	fail "type: bad escape"
	sed 's/^/  | /' "$TMP/out"
fi
printf 'help type\n' >"$TMP/help.cmds"
if "$BT86" -x "$TMP/help.cmds" "$elf" 2>&1 | grep -q "PS/2 keyboard"; then
	pass "help type"
else
	fail "help type"
fi
finish
