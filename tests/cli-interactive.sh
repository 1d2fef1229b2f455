#!/bin/sh
# bt86 -i at a real terminal (tmux): the (bt86) prompt, help, Tab completion
# of commands, info topics and guest symbols, `continue` on a guest spinning
# in `jmp .` stopped by Ctrl-C with the prompt back, Ctrl-C at the prompt
# dropping the line, history kept across a restart ($BT86_HISTORY), quit and
# Ctrl-D.
. "${srcdir:-.}/tests/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
[ -f "$builddir/samples/spin.elf" ] || skip_all "$builddir/samples/spin.elf is missing: build the samples first"

# A tmux server of our own: no user configuration, no clash with others.
SOCK="bt86-cli-$$"
TM() { TMUX= tmux -L "$SOCK" -f /dev/null "$@"; }
S=bt86
trap 'TM kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
HIST="$TMP/history"
WAIT=${BT86_TEST_WAIT:-30}   # seconds for each thing to appear (sanitizer builds are slow)

screen() { TM capture-pane -p -J -S - -t "$S" 2>/dev/null; }

# wait_for TEXT: until the screen shows TEXT (a fixed string); 1 on timeout.
wait_for() {
	i=0
	while [ "$i" -lt $((WAIT * 10)) ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_re REGEX: until a screen line matches the extended regular expression.
wait_re() {
	i=0
	while [ "$i" -lt $((WAIT * 10)) ]; do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# the last non-empty line on the screen, without trailing blanks
last_line() { screen | sed 's/ *$//' | grep -v '^$' | tail -n 1; }

# wait_last TEXT: until the last non-empty line is TEXT.
wait_last() {
	i=0
	while [ "$i" -lt $((WAIT * 10)) ]; do
		[ "$(last_line)" = "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

check() {   # check DESCRIPTION COMMAND...: pass if the command succeeds
	d=$1
	shift
	if "$@"; then
		pass "$d"
	else
		fail "$d"
		screen | grep -v '^ *$' | tail -n 15 | sed 's/^/  screen: /'
	fi
}

start() {
	TM new-session -d -s "$S" -x 120 -y 40 \
		"BT86_HISTORY='$HIST' '$BT86' -i --cmdline=forever '$builddir/samples/spin.elf'; echo BT86-EXIT=\$?; sleep 600"
}

start
check "the prompt comes up, stopped at the entry" wait_for "(bt86) "
check "the entry point is shown" wait_for "<_start>:"

TM send-keys -t "$S" 'help' Enter
check "help lists the commands" wait_for "Aliases:"

TM send-keys -t "$S" 'inf' Tab
check "Tab completes inf to info" wait_last "(bt86) info"
TM send-keys -t "$S" 'reg' Tab
check "Tab completes an info topic" wait_last "(bt86) info registers"
TM send-keys -t "$S" Enter
check "info registers runs" wait_for "eip    0x"

TM send-keys -t "$S" 'break spin_l' Tab
check "Tab completes a guest symbol" wait_last "(bt86) break spin_loop"
TM send-keys -t "$S" Enter
check "the breakpoint is set" wait_for "breakpoint 1 at 0x"
TM send-keys -t "$S" 'delete 1' Enter
TM send-keys -t "$S" 'frobnicate' Enter
check "an unknown command gets one line and the prompt" wait_for "unknown command 'frobnicate' (try help)"

TM send-keys -t "$S" 'continue' Enter
check "the guest runs and prints" wait_for "spinning"
sleep 0.5
TM send-keys -t "$S" C-c
check "Ctrl-C stops jmp ." wait_for "stopped at EIP"
check "it stopped in the loop" wait_for "<spin_loop>"
check "the prompt is back" wait_last "(bt86)"
TM send-keys -t "$S" 'print $eip' Enter
check "the guest is stopped at spin_loop" wait_re "^0x[0-9a-f]{8} [0-9]+ <spin_loop>$"

TM send-keys -t "$S" 'this line is dropped'
sleep 0.3
TM send-keys -t "$S" C-c
sleep 0.3
TM send-keys -t "$S" 'echo after-ctrl-c' Enter
check "Ctrl-C at the prompt drops the line" wait_re "^after-ctrl-c$"
check "and the prompt is back" wait_last "(bt86)"
if screen | grep -q "unknown command 'this"; then fail "the dropped line was run"; else pass "the dropped line was not run"; fi

TM send-keys -t "$S" 'quit' Enter
check "quit leaves with status 0" wait_for "BT86-EXIT=0"
TM kill-session -t "$S"

check "the history file was written" grep -qx "echo after-ctrl-c" "$HIST"

# A second run: the history is there (Up recalls the last lines).
start
check "the prompt comes up again" wait_for "(bt86) "
TM send-keys -t "$S" Up
check "Up recalls the last command of the previous run" wait_last "(bt86) quit"
TM send-keys -t "$S" Up
check "and the one before" wait_last "(bt86) echo after-ctrl-c"
TM send-keys -t "$S" C-u C-d
check "Ctrl-D quits with status 0" wait_for "BT86-EXIT=0"

finish
