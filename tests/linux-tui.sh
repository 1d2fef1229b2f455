#!/bin/sh
# Debian's 686 kernel (build-aux/linux-guest) in the TUI under tmux, with
# its System.map: Linux boots to the busybox shell in the console pane,
# commands typed with `i` run there, the sensitive-instructions pane counts
# the kernel's callouts live while it runs, a stop shows the kernel's
# functions by name in the TC and disassembly panes, `info sensitive sites`
# names the busiest sites, and `poweroff -f` ends the guest with the TUI
# still up. Skips where the packages cannot be fetched or without tmux.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/tui-lib.sh"
. "$srcdir/tests/linux-lib.sh"
linux_guest
PROMPT='~ # '

tui_start 200 60 --tui -m 256 --initrd "$LG/initramfs.cpio.gz" --append "console=ttyS0 nokaslr" \
	--symbols "$LG/System.map-686" "$LG/vmlinuz-686"
if ! tui_wait 'STOPPED at the entry point' 15; then
	tui_dump "first screen"
	fail "no first screen"
	finish
fi
tui_keys c
if tui_wait "$PROMPT" 120; then
	pass "Linux boots to the busybox shell in the console pane"
else
	tui_dump "boot"
	fail "no shell prompt in the console pane"
	finish
fi
tui_keys i
tui_wait 'typing goes to the guest.s COM1' 5 || { tui_dump "i"; fail "i: not typing to COM1"; }
tui_type 'uname -r; echo tui-$((6 * 7))'
tui_keys Enter
if tui_wait '6\.1\.0-[0-9]+-686' 30 && tui_wait 'tui-42' 10; then
	pass "typed on COM1, the shell runs uname and echo"
else
	tui_dump "uname"
	fail "uname typed on COM1: no output"
fi
tui_keys Escape

# Live, while Linux runs: the events slot shows the sensitive pane.
tui_keys :
tui_type 'tui show sensitive'
tui_keys Enter
if tui_wait 'Sensitive instructions +[0-9]+ sites +[1-9][0-9]* callouts' 10 &&
	tui_wait '(^|[ |│])(in|out) +io +[0-9]+ +[1-9][0-9]* ' 5 && tui_wait '(^|[ |│])mov +cr-dr ' 5; then
	pass "the sensitive pane counts the kernel's port I/O and CR accesses while it runs"
else
	tui_dump "sensitive pane"
	fail "the sensitive pane shows no kernel callouts"
fi
# Its counts grow as the guest works.
before=$(tui_screen | sed -n 's/.*Sensitive instructions *[0-9]* sites *\([0-9]*\) callouts.*/\1/p' | head -n 1)
tui_keys i
tui_type 'for i in 1 2 3 4 5 6 7 8; do cat /proc/interrupts >/dev/null; done; echo looped'
tui_keys Enter
tui_wait 'looped' 30
tui_keys Escape
sleep 1
after=$(tui_screen | sed -n 's/.*Sensitive instructions *[0-9]* sites *\([0-9]*\) callouts.*/\1/p' | head -n 1)
if [ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ]; then
	pass "the sensitive pane is live: callouts $before -> $after"
else
	tui_dump "live counts"
	fail "the sensitive pane's callouts did not grow ($before -> $after)"
fi

# A stop lands in the kernel (idle, or a timer interrupt): named panes.
tui_keys x
if tui_wait 'STOPPED' 10 && tui_wait '<[a-z_][a-z0-9_.]*(\+0x[0-9a-f]+)?>' 5; then
	pass "stopping shows the kernel's functions by name ($(tui_screen | grep -oE '<[a-z_][a-z0-9_.]*(\+0x[0-9a-f]+)?>' | head -n 1))"
else
	tui_dump "stop"
	fail "no kernel symbol on the screen after a stop"
fi
tui_keys :
tui_type 'info sensitive sites 5'
tui_keys Enter
if tui_wait '0xc[0-9a-f]{7} +[0-9]+ +[0-9]+ +[a-z-]+ .*<[a-z_][a-z0-9_]*\+0x[0-9a-f]+>' 10; then
	pass "info sensitive sites names the kernel's busiest sensitive instructions"
else
	tui_dump "info sensitive sites"
	fail "info sensitive sites: no named site"
fi
tui_keys Escape
tui_keys c
tui_keys i
tui_type 'poweroff -f'
tui_keys Enter
if tui_wait 'powered off' 30; then
	pass "poweroff -f ends the guest; the TUI stays up"
else
	tui_dump "poweroff"
	fail "poweroff -f: the TUI does not say the guest powered off"
fi
tui_keys Escape
tui_keys q
tui_wait 'TUI-EXITED=0' 30 && pass "q quits with status 0" || { tui_dump quit; fail "q did not quit with status 0"; }
finish
