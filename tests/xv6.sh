#!/bin/sh
# xv6 (../shared/guests, built by its build-xv6) under the translator, as a
# user would run it: loaded as QEMU's -kernel loads it, booted with its file
# system on IDE disk 1, driven over COM1: the shell's prompt, ls, echo, cat
# and usertests (tests/xv6-usertests.sh). Then gdb with the kernel's symbols
# breaks in sys_write, and the prompt's `tc show` shows translated xv6 code.
# Skips where the guests are absent.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/serial-lib.sh"
. "$srcdir/tests/xv6-lib.sh"
xv6_build
K=$XV6/kernel

# The loader: EIP 0x10000c (physical) with the multiboot magic; forty
# instructions on, paging is on and it runs in its higher half.
printf 'info registers\nstepi 40\ninfo cr\n' >"$TMP/entry.cmds"
timeout 60 "$BT86" -m 512 -x "$TMP/entry.cmds" "$K" >"$TMP/entry.out" 2>&1 </dev/null
if grep -q '^eip *0x0010000c' "$TMP/entry.out" && grep -q '^eax *0x2badb002' "$TMP/entry.out" &&
	grep -Eq '^cr0 +0x8[0-9a-f]{7}' "$TMP/entry.out" && grep -Eq '^0x801[0-9a-f]{5} <' "$TMP/entry.out"; then
	pass "xv6: entered at 0x10000c with the multiboot magic, paging on, in its higher half"
else
	fail "xv6: entry state"
	sed 's/^/  | /' "$TMP/entry.out" | head -30
fi

# The shell over COM1.
cp "$XV6/fs.img" "$TMP/fs.img"
serial_start "$BT86" --engine=bt -m 512 --disk 1="$TMP/fs.img" "$K"
if serial_wait '$ ' 120; then
	pass "xv6: boots to the shell's prompt"
else
	fail "xv6: no prompt"
	sed 's/^/  | /' "$TMP/serial.out" | tail -20
	sed 's/^/  stderr: /' "$TMP/serial.err" | tail -5
	serial_stop
	finish
fi
step() { serial_step xv6 "$1" "$2" "$3" '$ '; }   # step COMMAND EXPECTED SECONDS
step ls 'README' 30
step 'echo hello from bt86' 'hello from bt86' 30
step 'cat README' 'xv6 is a re-implementation' 30
serial_stop

# The prompt on xv6: break in sys_write with the kernel's symbols, and the
# translated code of its system-call dispatcher.
cp "$XV6/fs.img" "$TMP/fs2.img"
printf 'break sys_write\ncontinue\ncontinue\ntc show syscall\n' >"$TMP/tc.cmds"
timeout 120 "$BT86" -m 512 --disk 1="$TMP/fs2.img" -x "$TMP/tc.cmds" "$K" >"$TMP/tc.out" 2>&1 </dev/null
if grep -q '^breakpoint 1 at 0x[0-9a-f]* <sys_write>$' "$TMP/tc.out" && grep -Eq '^CCF [0-9]+: guest 0x801' "$TMP/tc.out" &&
	grep -q 'push ebp *REWRITE' "$TMP/tc.out"; then
	pass "xv6: the prompt breaks in sys_write and tc show shows syscall's translation"
else
	fail "xv6: break sys_write / tc show syscall"
	sed 's/^/  | /' "$TMP/tc.out" | head -40
fi
finish
