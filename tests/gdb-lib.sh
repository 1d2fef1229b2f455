# Shared helpers for the real-gdb tests (tests/gdb-*.sh; sourced, not run):
# start `bt86 --gdb` in the background on a free port, run `gdb -batch`
# sessions against it, check what gdb printed and how bt86 ended.
. "${srcdir:-.}/tests/lib.sh"

GDB=${GDB:-gdb}
command -v "$GDB" >/dev/null 2>&1 || skip_all "gdb is not installed (set GDB=... to use another)"
"$GDB" -batch -nx -ex 'set architecture i386' >/dev/null 2>&1 ||
	skip_all "$GDB cannot debug i386 code"
GDB_TIMEOUT=${GDB_TIMEOUT:-60}
BT86_PID=
trap 'if [ -n "$BT86_PID" ]; then kill "$BT86_PID" 2>/dev/null; fi; rm -rf "$TMP"' EXIT

# bt86_start [BT86 OPTIONS] GUEST: bt86 --gdb on 127.0.0.1 port 0 (a free
# one) in the background, its output in $TMP/bt86.out and .err. Sets
# BT86_PID and GDB_ADDR (from bt86's "listening on ADDR;" line). Fails if
# bt86 does not say where it listens within 10 s.
bt86_start() {
	bt86_start_on 127.0.0.1:0 "$@"
}

# bt86_start_on SPEC [BT86 OPTIONS] GUEST: the same on SPEC.
bt86_start_on() {
	spec=$1
	shift
	: >"$TMP/bt86.err"
	"$BT86" --gdb="$spec" "$@" >"$TMP/bt86.out" 2>"$TMP/bt86.err" </dev/null &
	BT86_PID=$!
	GDB_ADDR=
	i=0
	while [ $i -lt 100 ]; do
		GDB_ADDR=$(sed -n 's/^bt86: gdb stub listening on \([^;]*\); the guest waits at its entry point$/\1/p' "$TMP/bt86.err")
		[ -n "$GDB_ADDR" ] && return 0
		kill -0 "$BT86_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "bt86 did not say where it listens; its stderr:"
	sed 's/^/  /' "$TMP/bt86.err"
	return 1
}

# bt86_wait [SECONDS]: wait for bt86 to end (default 20 s; then it is
# killed); sets bt86_status (the exit status, or "running" if it had to be
# killed).
bt86_wait() {
	i=0
	limit=$((${1:-20} * 10))
	while kill -0 "$BT86_PID" 2>/dev/null && [ $i -lt $limit ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$BT86_PID" 2>/dev/null; then
		kill "$BT86_PID" 2>/dev/null
		wait "$BT86_PID" 2>/dev/null
		bt86_status=running
	else
		wait "$BT86_PID"
		bt86_status=$?
	fi
	BT86_PID=
}

# bt86_alive: is bt86 still running?
bt86_alive() { [ -n "$BT86_PID" ] && kill -0 "$BT86_PID" 2>/dev/null; }

# bt86_stop: end a bt86 that waits for gdb.
bt86_stop() {
	if [ -n "$BT86_PID" ]; then
		kill "$BT86_PID" 2>/dev/null
		wait "$BT86_PID" 2>/dev/null
	fi
	BT86_PID=
}

# run_gdb OUT ELF [-ex CMD]...: gdb -batch, connected to $GDB_ADDR with ELF's
# symbols, then the commands; everything gdb printed goes to OUT. Sets
# gdb_status.
run_gdb() {
	out=$1
	elf=$2
	shift 2
	timeout "$GDB_TIMEOUT" "$GDB" -batch -nx \
		-ex 'set pagination off' -ex 'set confirm off' -ex 'set width 0' \
		-ex "file $elf" -ex "target remote $GDB_ADDR" "$@" >"$out" 2>&1 </dev/null
	gdb_status=$?
}

# expect FILE REGEX WHAT: pass if a line of FILE matches the basic regex.
expect() {
	if grep -q -e "$2" "$1"; then
		pass "$3"
	else
		fail "$3: no line matching '$2' in $(basename "$1"):"
		sed 's/^/  | /' "$1" | tail -n 25
	fi
}

# expect_not FILE REGEX WHAT
expect_not() {
	if grep -q -e "$2" "$1"; then
		fail "$3: unexpected line matching '$2':"
		grep -e "$2" "$1" | head -n 5 | sed 's/^/  | /'
	else
		pass "$3"
	fi
}

# sym_addr ELF NAME: the symbol's address as 0x%08x-style hex without
# leading zeros (as gdb prints registers), from nm; empty if unknown.
sym_addr() {
	command -v nm >/dev/null 2>&1 || return 0
	a=$(nm "$1" 2>/dev/null | awk -v n="$2" '$3 == n { print $1; exit }')
	[ -n "$a" ] && printf '0x%x\n' "0x$a"
}
