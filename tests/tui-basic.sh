#!/bin/sh
# The TUI as a person uses it, driven through tmux: start on hello.elf at
# 80x24, step an instruction (s, F7) and a CCF (n, F8) and see EIP move, set
# a breakpoint on sample_main from the command line and continue to it, see
# the event log count callouts (the serial port's OUTs), toggle a breakpoint
# with b, see the help, grow the window to 120x40 for the larger layout and
# back, quit with q, and find the shell's screen and terminal modes back.
# Then the same start ended by SIGTERM, and by a crash: both must restore
# the terminal too.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/tui-lib.sh"

GUEST="$builddir/samples/hello.elf"
[ -f "$GUEST" ] || skip_all "$GUEST is not built"

tui_start 80 24 --tui "$GUEST"
if tui_wait 'STOPPED at the entry point' 15; then
	pass "starts stopped at the entry point"
else
	tui_dump "first screen"
	fail "no first screen"
	finish
fi
for title in Registers Disassembly 'no CCF holds EIP|CCF' Events 'Console \(COM1\)'; do
	if tui_screen | grep -Eq "$title"; then
		pass "80x24 shows $title"
	else
		fail "80x24 lacks $title"
	fi
done

e0=$(tui_eip)
tui_keys s
if tui_wait 'after a step' && tui_wait_eip_change "$e0"; then
	pass "s steps one instruction (EIP $e0 -> $(tui_eip))"
else
	tui_dump "after s"
	fail "s did not move EIP from $e0"
fi

e1=$(tui_eip)
tui_keys F7
if tui_wait_eip_change "$e1"; then
	pass "F7 steps one instruction (EIP $e1 -> $(tui_eip))"
else
	tui_dump "after F7"
	fail "F7 did not move EIP from $e1"
fi

e2=$(tui_eip)
tui_keys n
if tui_wait_eip_change "$e2" && tui_wait 'CCF [0-9]+ +0x[0-9a-f]{8}-0x[0-9a-f]{8}'; then
	pass "n steps a CCF (EIP $e2 -> $(tui_eip)) and the CCF pane shows one"
else
	tui_dump "after n"
	fail "n did not step a CCF from $e2"
fi
if tui_screen | grep -Eq '(IDENT|REENC|REWRITE|CALLOUT|INTC|EXIT) +[│|]'; then
	pass "the CCF pane shows guest instructions beside host code with their kind"
else
	tui_dump "CCF pane"
	fail "no kind column in the CCF pane"
fi

e3=$(tui_eip)
tui_keys F8
if tui_wait_eip_change "$e3"; then
	pass "F8 steps a CCF (EIP $e3 -> $(tui_eip))"
else
	tui_dump "after F8"
	fail "F8 did not move EIP from $e3"
fi
if tui_screen | grep -Eq 'translate +[0-9a-f]{8}'; then
	pass "the event log shows translations"
else
	tui_dump "events"
	fail "no translation in the event log"
fi

before=$(tui_callouts)
tui_keys :
tui_type "break sample_main"
tui_keys Enter
if tui_wait 'reakpoint 1 at 0x[0-9a-f]+'; then
	pass "break sample_main from the command line"
else
	tui_dump "after break"
	fail "break sample_main gave no breakpoint"
fi
tui_type "continue"
tui_keys Enter
if tui_wait 'STOPPED: [Bb]reakpoint 1' 20; then
	pass "continue stops at the breakpoint"
else
	tui_dump "after continue"
	fail "continue did not stop at sample_main"
fi
addr=$(nm "$GUEST" 2>/dev/null | sed -n 's/^\([0-9a-f]*\) T sample_main$/\1/p')
if [ -n "$addr" ] && [ "$(tui_eip)" = "$addr" ]; then
	pass "EIP is sample_main ($addr)"
elif [ -z "$addr" ]; then
	skip_one "nm cannot read sample_main's address"
else
	fail "EIP $(tui_eip) is not sample_main ($addr)"
fi
if tui_screen | grep -Eq '^ *[*●].*<?sample_main|[*●] ?[▶>]'; then
	pass "the disassembly marks the breakpoint"
else
	tui_dump "breakpoint mark"
	fail "no breakpoint glyph in the disassembly"
fi
after=$(tui_callouts)
if [ "$after" -gt "$before" ] 2>/dev/null && tui_screen | grep -Eq 'callout +[0-9a-f]{8} +(out|in)'; then
	pass "the event log grew with callouts for port I/O ($before -> $after)"
else
	tui_dump "callouts"
	fail "the event log did not grow with a callout ($before -> $after)"
fi

# b toggles a breakpoint at the cursor (EIP): breakpoint 1 is there already,
# so b deletes it and b again sets breakpoint 2.
tui_keys Escape
tui_keys b
tui_wait 'deleted breakpoint 1' || { tui_dump "b"; fail "b did not delete breakpoint 1"; }
tui_keys b
if tui_wait 'set breakpoint 2 at'; then
	pass "b toggles a breakpoint at the cursor"
else
	tui_dump "b again"
	fail "b did not set a breakpoint"
fi

tui_keys '?'
if tui_wait 'step one CCF'; then
	pass "? shows the keys"
else
	tui_dump "help"
	fail "? shows no help"
fi
tui_keys Escape

tui_tmux resize-window -t tui -x 120 -y 40
if tui_wait '(Translation cache|TC) +[0-9]+ CCFs' && tui_screen | grep -q 'Output'; then
	pass "at 120x40 the TC and output panes join the others"
else
	tui_dump "120x40"
	fail "no larger layout at 120x40"
fi
tui_tmux resize-window -t tui -x 80 -y 24
if tui_wait 'Registers' && ! tui_screen | grep -Eq '(Translation cache|TC) +[0-9]+ CCFs'; then
	pass "back at 80x24 the small layout returns"
else
	tui_dump "80x24 again"
	fail "no small layout after shrinking"
fi

tui_keys c
tui_wait 'EXITED' 20 || { tui_dump "run to the end"; fail "the guest did not run to its end"; }
if tui_screen | grep -q 'Hello from bt86 guest'; then
	pass "the console pane shows the guest's serial output"
else
	tui_dump "console"
	fail "no guest output in the console pane"
fi

tui_keys q
if tui_wait 'TUI-EXITED=0' 10; then
	pass "q quits with status 0"
else
	tui_dump "quit"
	fail "q did not quit"
fi
if tui_wait 'TTY-(SANE|BROKEN)' && tui_screen | grep -q 'TTY-SANE' && ! tui_screen | grep -Eq 'Registers|Disassembly'; then
	pass "the terminal is restored after quitting (main screen, echo, canonical mode)"
else
	tui_dump "after quit"
	fail "the terminal is not restored after quitting"
fi

# SIGTERM: the TUI leaves as for q.
tui_start 80 24 --tui "$GUEST"
tui_wait 'STOPPED at the entry point' 15
pid=$(tui_pid)
if [ -n "$pid" ]; then
	kill -TERM "$pid"
	if tui_wait 'TTY-(SANE|BROKEN)' 10 && tui_screen | grep -q 'TTY-SANE' && ! tui_screen | grep -q 'Registers'; then
		pass "SIGTERM leaves the TUI with the terminal restored"
	else
		tui_dump "after SIGTERM"
		fail "the terminal is not restored after SIGTERM"
	fi
else
	skip_one "cannot find bt86's pid for SIGTERM"
fi

# A crash (here a SIGSEGV sent from outside, which bt86 cannot take for a
# guest fault): bt86 dies of it, and the terminal is restored all the same.
tui_start 80 24 --tui "$GUEST"
tui_wait 'STOPPED at the entry point' 15
pid=$(tui_pid)
if [ -n "$pid" ]; then
	kill -SEGV "$pid"
	if tui_wait 'TUI-EXITED=[1-9]' 10 && tui_wait 'TTY-(SANE|BROKEN)' && tui_screen | grep -q 'TTY-SANE' &&
	   ! tui_screen | grep -q 'Registers'; then
		pass "a crash ends bt86 with the terminal restored"
	else
		tui_dump "after SIGSEGV"
		fail "the terminal is not restored after a crash"
	fi
else
	skip_one "cannot find bt86's pid for SIGSEGV"
fi
finish
