#!/bin/sh
# Classroom mode through tmux: `--demo hello.elf` steps one CCF at a time on
# its own and on Space, and annotates each step with what the translator did
# (a TU translated into a CCF, chaining); p pauses. Then a classroom script:
# notes for the class, a breakpoint, continue, stepf and `until callout`,
# whose port I/O is explained as a callout; q quits with the terminal back.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/tui-lib.sh"

GUEST="$builddir/samples/hello.elf"
[ -f "$GUEST" ] || skip_all "$GUEST is not built"

tui_start 80 24 --demo "$GUEST"
if tui_wait '[Cc]lassroom mode' 15; then
	pass "--demo starts with an introduction"
else
	tui_dump "demo start"
	fail "no classroom introduction"
	finish
fi
if tui_wait_seen 'step [12]: one CCF' 10; then
	pass "the first step comes by itself"
else
	tui_dump "auto step"
	fail "no automatic step"
fi
tui_keys p
tui_wait 'paused' 5 || { tui_dump "p"; fail "p does not pause"; }
tui_keys Space
tui_keys Space
if tui_wait_seen 'translated a TU of [0-9]+ instructions?' 5; then
	pass "a step says which TU became which CCF"
else
	tui_dump "translate note"
	fail "no note about a translation"
fi
tui_keys Space
if tui_wait_seen 'chained CCF [0-9]+ -> CCF [0-9]+' 5; then
	pass "a step says which CCFs were chained"
else
	tui_dump "chain note"
	fail "no note about chaining"
fi
e=$(tui_eip)
tui_keys Space
if tui_wait_eip_change "$e" 5; then
	pass "Space takes the next step"
else
	tui_dump "space"
	fail "Space did not step"
fi
tui_keys q
if tui_wait 'TUI-EXITED=0' 10 && tui_wait 'TTY-(SANE|BROKEN)' && tui_screen | grep -q TTY-SANE; then
	pass "q leaves classroom mode with the terminal restored"
else
	tui_dump "quit"
	fail "q did not leave classroom mode cleanly"
fi

cat >"$TMP/lesson.txt" <<'LESSON'
# First we let the runtime start up and stop where the sample begins.
break sample_main
continue
# Now one fragment at a time.
stepf
# Serial output is port I/O: watch what the translator does with it.
until callout
LESSON
tui_start 100 30 --demo "$TMP/lesson.txt" "$GUEST"
if tui_wait 'Classroom script' 15; then
	pass "--demo SCRIPT GUEST starts the script"
else
	tui_dump "script start"
	fail "the script did not start"
	finish
fi
for i in 1 2 3 4 5 6; do
	tui_keys Space
	tui_screen >/dev/null
	sleep 0.3
done
if tui_wait_seen 'script is over' 15; then
	pass "the script runs to its end"
else
	tui_dump "script end"
	fail "the script did not finish"
fi
if tui_seen 'watch what the translator'; then
	pass "the script's notes reach the class"
else
	tui_dump "script notes"
	fail "the script's notes are missing"
fi
if tui_wait_seen "is port I/O: a callout" 5; then
	pass "until callout is explained as a callout for port I/O"
else
	tui_dump "callout note"
	fail "no note about the callout"
fi
tui_keys q
tui_wait 'TUI-EXITED=0' 10 || fail "q did not leave the script"
finish
