#!/bin/sh
# xv6 (../shared/guests, as tests/xv6.sh boots it) in the TUI under tmux.
# xv6 prints its console on COM1 and on the CGA text screen at 0xB8000: it
# boots to its shell's prompt in both the console pane and the CGA pane.
# Typing in the TUI reaches the shell both ways: `i` types to COM1 (echo,
# its line in both panes), `i` on the focused CGA pane types on the PS/2
# keyboard (IRQ 1: ls lists README), and the CGA pane follows the cursor
# once xv6 scrolls its screen below the pane's rows. Skips without the
# guests or tmux.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/tui-lib.sh"
. "$srcdir/tests/xv6-lib.sh"
xv6_build
cp "$XV6/fs.img" "$TMP/fs.img"

# tui_pane TITLE: the rows of the pane titled TITLE on the screen now, one
# line each (the box bar as |, other non-ASCII as ?). A pane's text starts
# a column left of its title and ends at the next bar; the last two screen
# rows (messages, key bar) are not panes.
tui_pane() {
	tui_screen | LC_ALL=C.UTF-8 sed 's/│/|/g; s/[^ -~]/?/g' | sed '$d' | sed '$d' |
		awk -v title="$1" '
		!on { i = index($0, title); if (i) { on = 1; col = i - 1 } next }
		{ s = substr($0, col); j = index(s, "|"); if (j) s = substr(s, 1, j - 1); print s }'
}
# tui_wait_pane TITLE REGEX [SECONDS]: until a row of the pane matches.
tui_wait_pane() {
	n=$(( ${3:-10} * 10 ))
	while [ "$n" -gt 0 ]; do
		tui_pane "$1" | grep -Eq -- "$2" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# tui_pane_last TITLE: the last row of the pane with something on it.
tui_pane_last() { tui_pane "$1" | grep -v '^ *$' | tail -n 1; }
CON='Console (COM1)' CGA='CGA text 0xB8000'

# 60 rows: the CGA pane shows 20 of xv6's 25, enough for ls's README and
# the prompt after it, not for all of the screen at once.
tui_start 200 60 --tui --engine=bt -m 512 --disk 1="$TMP/fs.img" "$XV6/kernel"
if ! tui_wait 'STOPPED at the entry point' 15; then
	tui_dump "first screen"
	fail "no first screen"
	finish
fi
tui_keys c
if tui_wait_pane "$CON" '^\$ *$' 60 && tui_wait_pane "$CGA" '^\$ *$' 10; then
	pass "xv6 boots to its shell's prompt in the console pane and in the CGA pane"
else
	tui_dump "boot"
	fail "no xv6 prompt in both panes"
	finish
fi
if tui_wait_pane "$CGA" '^init: starting sh *$' 5 && tui_wait "$CGA  +[0-9]+ writes  cursor [0-9]+,2\$" 5; then
	pass "the CGA pane shows xv6's boot text, the cursor after the prompt (column 2)"
else
	tui_dump "CGA boot"
	fail "the CGA pane: no boot text or no cursor after the prompt"
fi

# COM1: i with the focus off the CGA pane.
tui_keys i
if ! tui_wait 'typing goes to the guest.s COM1' 5; then
	tui_dump "i"
	fail "i: not typing to COM1"
fi
tui_type 'echo tui-says-hi'
tui_keys Enter
if tui_wait_pane "$CON" '^tui-says-hi *$' 20 && tui_wait_pane "$CON" '^\$ echo tui-says-hi *$' 1 &&
	tui_wait_pane "$CGA" '^tui-says-hi *$' 5 && tui_wait_pane "$CGA" '^\$ echo tui-says-hi *$' 1; then
	pass "typed on COM1, xv6's shell runs echo: the line and its output in both panes"
else
	tui_dump "echo"
	fail "echo typed on COM1: no output in both panes"
fi

# The PS/2 keyboard: i on the focused CGA pane.
tui_keys Escape
tui_keys :
tui_type 'tui show cga'
tui_keys Enter
tui_keys Escape
tui_keys i
if ! tui_wait 'typing goes to the guest.s PS/2 keyboard' 5; then
	tui_dump "i on CGA"
	fail "i on the CGA pane: not typing to the keyboard"
fi
tui_type 'ls'
tui_keys Enter
if tui_wait_pane "$CON" '^README +2 2 [0-9]+ *$' 20 && tui_wait_pane "$CON" '^console +3 ' 10 &&
	tui_wait_pane "$CGA" '^README +2 2 [0-9]+ *$' 5; then
	pass "typed on the keyboard, xv6's shell runs ls: README in both panes"
else
	tui_dump "ls"
	fail "ls typed on the keyboard: no README in both panes"
fi
# ls's 19 lines scroll xv6's screen: the prompt is on row 23, below the
# pane's 20 rows, and the pane follows the cursor there.
n=50
while [ "$n" -gt 0 ] && ! tui_pane_last "$CGA" | grep -Eq '^\$ *$'; do
	sleep 0.1
	n=$((n - 1))
done
if [ "$n" -gt 0 ]; then
	pass "the CGA pane follows the cursor: the prompt after ls is on it"
else
	tui_dump "CGA after ls"
	fail "the CGA pane does not show the prompt after ls"
fi
tui_keys Escape
if tui_wait "$CGA  +[0-9]+ writes  cursor 23,2\$" 5; then
	pass "the CGA cursor is after the prompt on xv6's last text row (23,2)"
else
	tui_dump "CGA cursor"
	fail "the CGA cursor is not at 23,2"
fi

tui_keys q
tui_wait 'TUI-EXITED=0' 30 && pass "q quits" || { tui_dump quit; fail "q did not quit"; }
finish
