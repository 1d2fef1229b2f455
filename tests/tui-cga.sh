#!/bin/sh
# The TUI's CGA pane: a guest that writes the VGA text buffer at 0xB8000
# (samples/adaptive.c, loop 5: cell 7*i mod 2000 gets 'a' + i % 26) shows its screen
# in the TUI once it has written there, while the event log counts the MMIO
# retranslations.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/tui-lib.sh"

GUEST="$builddir/samples/adaptive.elf"
[ -f "$GUEST" ] || skip_all "$GUEST is not built"

tui_start 120 50 --tui --cmdline n=2000 "$GUEST"
if ! tui_wait 'STOPPED at the entry point' 15; then
	tui_dump "first screen"
	fail "no first screen"
	finish
fi
tui_seen 'CGA' && fail "the CGA pane shows before the guest wrote there" || pass "no CGA pane before the guest writes 0xB8000"
tui_keys c
if tui_wait 'exited' 30; then
	pass "the guest runs to its end"
else
	tui_dump "after c"
	fail "the guest did not end"
fi
# n=2000 writes each of the 2000 cells once (one 16-bit store each: an
# emulated MMIO access reaches the device whole): row 0 is cells 0-79, cell c
# from the i with 7i = c (mod 2000).
if tui_wait 'CGA text 0xB8000 +2000 writes' 10 && tui_wait 'azazazababababcbcbcbcdcdcdcd' 10; then
	pass "the CGA pane shows the cells the guest wrote"
else
	tui_dump "CGA"
	fail "no CGA pane with the guest's cells"
fi
tui_keys q
tui_wait 'TUI-EXITED=0' 30 && pass "q quits" || { tui_dump quit; fail "q did not quit"; }
finish
