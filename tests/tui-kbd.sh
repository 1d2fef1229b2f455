#!/bin/sh
# The TUI and the PS/2 keyboard: samples/kbd.c writes "kbd: type here" on
# the CGA screen and puts the hardware cursor below it; the CGA pane shows
# the cursor's row and column (CRTC 0x0E/0x0F). With the CGA pane focused,
# `i` types on the guest's keyboard (scancodes, IRQ 1): the guest echoes
# the keys on the screen (the cursor moves) and the line on COM1.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/tui-lib.sh"

GUEST="$builddir/samples/kbd.elf"
[ -f "$GUEST" ] || skip_all "$GUEST is not built"

tui_start 200 50 --tui --cmdline lines=2 "$GUEST"
if ! tui_wait 'STOPPED at the entry point' 15; then
	tui_dump "first screen"
	fail "no first screen"
	finish
fi
tui_keys :
tui_type 'break kbd_ready'
tui_keys Enter
tui_type 'continue'
tui_keys Enter
if tui_wait 'kbd_ready' 30 && tui_wait 'kbd: type here' 10; then
	pass "the guest initialised its keyboard and wrote the CGA screen"
else
	tui_dump "at kbd_ready"
	fail "the guest did not reach kbd_ready"
	finish
fi
tui_type 'continue'
tui_keys Enter
tui_type 'tui show cga'
tui_keys Enter
tui_keys Escape
if tui_wait 'writes  cursor 1,0' 10; then
	pass "the CGA pane shows the cursor where the CRTC has it (row 1, column 0)"
else
	tui_dump "CGA cursor"
	fail "no cursor position in the CGA pane"
fi
tui_keys i
if tui_wait 'typing to the keyboard' 5; then
	pass "i on the CGA pane types on the PS/2 keyboard"
else
	tui_dump "guest input"
	fail "i on the CGA pane: not typing to the keyboard"
fi
tui_type 'Hi there'
tui_keys Enter
if tui_wait 'kbd: line: Hi there' 20; then
	pass "typed keys reach the guest as scancodes (its line on COM1)"
else
	tui_dump "typed"
	fail "the typed line did not reach the guest"
fi
tui_keys Escape
if tui_wait 'writes  cursor 2,0' 10 && tui_seen '│Hi there'; then
	pass "the guest's echo on the CGA screen, the cursor moved to row 2"
else
	tui_dump "echo"
	fail "no echo on the CGA screen or the cursor did not move"
fi
# The console pane's guest input goes to COM1 (IRQ 4 in the guest).
tui_keys :
tui_type 'tui show console'
tui_keys Enter
tui_keys Escape
tui_keys i
tui_wait 'typing goes to the guest.s COM1' 5 || { tui_dump "console input"; fail "i on the console: not COM1"; }
tui_type 'via serial'
tui_keys Enter
if tui_wait 'kbd: line: via serial' 20 && tui_wait 'kbd: 2 lines' 10; then
	pass "typing in the console pane reaches COM1"
else
	tui_dump "serial"
	fail "the console pane's typing did not reach COM1"
fi
tui_keys Escape
tui_keys q
tui_wait 'TUI-EXITED=0' 30 && pass "q quits" || { tui_dump quit; fail "q did not quit"; }
finish
