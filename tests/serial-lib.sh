# Drive a guest over its serial console (sourced after tests/lib.sh): bt86
# runs in the background with COM1 input from a FIFO this shell holds open
# and COM1 output in a file; serial_wait polls the output for a string,
# serial_send types a line. Like a person at a terminal, but bounded.
#
#   serial_start "$BT86" --disk 1=fs.img kernel
#   serial_wait '$ ' 30 || fail "no prompt"
#   serial_send ls;  serial_wait README 10
#   serial_stop
SERIAL_PID=
SERIAL_MARK=0
trap 'if [ -n "$SERIAL_PID" ]; then kill "$SERIAL_PID" 2>/dev/null; fi; rm -rf "$TMP"' EXIT

# serial_start CMD...: start CMD with its stdin the FIFO, stdout in
# $TMP/serial.out and stderr in $TMP/serial.err.
serial_start() {
	rm -f "$TMP/serial.in"
	mkfifo "$TMP/serial.in"
	: >"$TMP/serial.out"
	"$@" <"$TMP/serial.in" >"$TMP/serial.out" 2>"$TMP/serial.err" &
	SERIAL_PID=$!
	exec 7>"$TMP/serial.in"
	SERIAL_MARK=0
}

# serial_wait STRING SECONDS: 0 once STRING appears in the output written
# since the last serial_send (or the start), 1 if SECONDS pass or the
# program ends first.
serial_wait() {
	end=$(($(date +%s) + $2))
	while :; do
		if tail -c +"$((SERIAL_MARK + 1))" "$TMP/serial.out" | grep -qF -- "$1"; then
			return 0
		fi
		kill -0 "$SERIAL_PID" 2>/dev/null || return 1
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# serial_send LINE: type LINE and Enter; later waits look only at what
# comes after it.
serial_send() {
	SERIAL_MARK=$(wc -c <"$TMP/serial.out")
	printf '%s\n' "$1" >&7
}

# serial_since: the output since the last serial_send.
serial_since() {
	tail -c +"$((SERIAL_MARK + 1))" "$TMP/serial.out"
}

# serial_stop: close the input and end the program; sets serial_status.
serial_stop() {
	exec 7>&-
	kill "$SERIAL_PID" 2>/dev/null
	wait "$SERIAL_PID" 2>/dev/null
	serial_status=$?
	SERIAL_PID=
}

# serial_end SECONDS: close the input and wait for the program to end by
# itself (e.g. after a power-off); sets serial_status ("running" if it had
# to be killed).
serial_end() {
	exec 7>&-
	i=0
	while kill -0 "$SERIAL_PID" 2>/dev/null && [ $i -lt $(($1 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$SERIAL_PID" 2>/dev/null; then
		kill "$SERIAL_PID" 2>/dev/null
		wait "$SERIAL_PID" 2>/dev/null
		serial_status=running
	else
		wait "$SERIAL_PID"
		serial_status=$?
	fi
	SERIAL_PID=
}

# serial_step LABEL COMMAND EXPECTED SECONDS PROMPT: type COMMAND; pass if
# EXPECTED and then the shell's PROMPT come, else fail with the output.
serial_step() {
	serial_send "$2"
	if serial_wait "$3" "$4" && serial_wait "$5" 30; then
		pass "$1: '$2' prints '$3'"
	else
		fail "$1: '$2' did not print '$3'"
		serial_since | sed 's/^/  | /' | tail -20
		sed 's/^/  stderr: /' "$TMP/serial.err" | tail -5
	fi
}
