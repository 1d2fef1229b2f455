# Helpers for the TUI tests (sourced after tests/lib.sh): run bt86 in a
# detached tmux session on a private server, type keys, read the screen.
#
#   tui_start 80 24 --tui "$builddir/samples/hello.elf"
#   tui_wait 'STOPPED at the entry point' || fail "no first screen"
#   tui_keys s; tui_screen | grep ...
#   tui_keys q; tui_wait 'TUI-EXITED=0'
#
# bt86 runs under `sh -c`, which prints TUI-EXITED=STATUS when it ends and
# TTY-SANE if the terminal is back in canonical mode with echo (else
# TTY-BROKEN), then waits,
# so the screen after the TUI can be read.

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
"$BT86" --help 2>&1 | grep -q -- '--tui' || skip_all "this bt86 has no --tui"

# Each tui_start gets a server of its own (a socket in $TMP): starting one on
# the socket of a server that is still exiting fails.
TUI_N=0
TUI_SOCK="$TMP/tmux.0.sock"
tui_tmux() { tmux -S "$TUI_SOCK" -f /dev/null "$@"; }
trap 'tui_tmux kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# tui_start COLS ROWS BT86-ARGS...: a session named tui running bt86.
tui_start() {
	cols=$1 rows=$2
	shift 2
	args=""
	for a in "$@"; do
		args="$args '$a'"
	done
	rm -f "$TMP/pid"
	cat >"$TMP/run.sh" <<EOF
sh -c 'echo \$\$ >"\$0"; exec "\$@"' "$TMP/pid" "$BT86" $args 2>"$TMP/stderr"
status=\$?
echo "TUI-EXITED=\$status"
if stty -a | tr ' ;' '\n\n' | grep -qx icanon && stty -a | tr ' ;' '\n\n' | grep -qx echo; then
	echo TTY-SANE
else
	echo TTY-BROKEN
fi
sleep 60
EOF
	tui_tmux kill-server >/dev/null 2>&1
	: >"$TMP/screens"
	TUI_N=$((TUI_N + 1))
	TUI_SOCK="$TMP/tmux.$TUI_N.sock"
	tui_tmux new-session -d -s tui -x "$cols" -y "$rows" "sh $TMP/run.sh"
}

# Every screen read is also kept in $TMP/screens, so tui_seen can ask
# whether something was ever shown (classroom notes scroll away).
tui_screen() { tui_tmux capture-pane -p -t tui | tee -a "$TMP/screens"; }
tui_seen() { grep -Eq -- "$1" "$TMP/screens" 2>/dev/null; }
tui_keys() { tui_tmux send-keys -t tui "$@"; }
# tui_type TEXT: literal text, no key names.
tui_type() { tui_tmux send-keys -t tui -l "$1"; }

# tui_wait REGEX [SECONDS]: until the screen matches (grep -E); 1 on timeout.
tui_wait() {
	n=$(( ${2:-10} * 10 ))
	while [ "$n" -gt 0 ]; do
		tui_screen | grep -Eq -- "$1" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# tui_wait_seen REGEX [SECONDS]: until some screen since tui_start matched.
tui_wait_seen() {
	n=$(( ${2:-10} * 10 ))
	while [ "$n" -gt 0 ]; do
		tui_screen >/dev/null
		tui_seen "$1" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# tui_pid: bt86's process id (it writes it before it starts).
tui_pid() { cat "$TMP/pid" 2>/dev/null; }

# tui_eip: the EIP the registers pane shows.
tui_eip() { tui_screen | sed -n 's/^eip \([0-9a-f]\{8\}\).*/\1/p' | head -n 1; }

# tui_wait_eip_change OLD [SECONDS]: until EIP is shown and differs from OLD.
tui_wait_eip_change() {
	n=$(( ${2:-10} * 10 ))
	while [ "$n" -gt 0 ]; do
		e=$(tui_eip)
		[ -n "$e" ] && [ "$e" != "$1" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# tui_callouts: the callout count on the events pane ("callout N" or "co N").
tui_callouts() {
	tui_screen | grep -Eo '(^|[ │|])(callout|co) [0-9]+ ' | head -n 1 | grep -Eo '[0-9]+' || echo 0
}

# tui_dump WHY: show the screen after a failure.
tui_dump() {
	echo "--- screen ($1) ---"
	tui_screen
	echo "---"
	[ -s "$TMP/stderr" ] && sed 's/^/  stderr: /' "$TMP/stderr" | head -n 20
	return 0
}
