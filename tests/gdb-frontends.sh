#!/bin/sh
# gdb beside the other front ends on one guest: `bt86 -i` whose prompt
# starts the stub with its `gdb` command, and `bt86 --tui --gdb`. A real gdb
# breaks on sample_main and continues; the prompt and the TUI then see the
# guest stopped there, and the guest goes on from the prompt after gdb left.
. "${srcdir:-.}/tests/gdb-lib.sh"
. "${srcdir:-.}/tests/tui-lib.sh"

elf="$builddir/samples/hello.elf"
[ -f "$elf" ] || skip_all "$elf is not built"
main_addr=$(sym_addr "$elf" sample_main)
main_hex=$(printf '%08x' "$main_addr")

# wait_sock PATH: until the UNIX socket exists (10 s).
wait_sock() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$1" ]
}

# stacks: where a bt86 that does not end is stuck (every thread's backtrace).
stacks() {
	pid=$(tui_pid)
	[ -n "$pid" ] || return 0
	timeout 30 "$GDB" -batch -nx -p "$pid" -ex 'thread apply all bt' 2>&1 | grep -E '^(Thread|#)' | head -n 60
}

# ---- 1. The prompt's `gdb` command. ----
sock="$TMP/p.sock"
tui_start 100 30 -i "$elf"
if tui_wait '^\(bt86\)' 20; then
	tui_type "gdb unix:$sock"
	tui_keys Enter
	if tui_wait "gdb stub listening on $sock" 10 && wait_sock "$sock"; then
		pass "the prompt's gdb command starts the stub"
		GDB_ADDR=$sock
		run_gdb "$TMP/p.gdb" "$elf" -ex 'break sample_main' -ex 'continue' -ex 'detach'
		expect "$TMP/p.gdb" "Breakpoint 1, .*sample_main" "gdb stops the guest at sample_main"
		tui_type 'info registers'
		tui_keys Enter
		if tui_wait "eip +0x$main_hex" 10; then
			pass "the prompt sees the stop gdb made (eip 0x$main_hex)"
		else
			fail "the prompt does not show eip 0x$main_hex"
			tui_dump prompt
		fi
		tui_type 'gdb'
		tui_keys Enter
		sleep 1   # errors go to stderr, which the test keeps in a file
		grep -q 'already listens' "$TMP/stderr" && pass "a second gdb command is refused" ||
			{ fail "a second gdb command was not refused"; tui_dump second; }
		tui_type 'continue'
		tui_keys Enter
		if tui_wait 'guest exited' 20; then
			pass "the prompt runs the guest to its end after gdb detached"
		else
			fail "the guest did not end from the prompt"
			tui_dump continue
		fi
	else
		fail "the prompt's gdb command did not start the stub"
		tui_dump gdb
	fi
	tui_type 'quit'
	tui_keys Enter
	if tui_wait 'TUI-EXITED=' 60; then
		pass "bt86 -i quits with the stub running"
	else
		fail "bt86 -i did not quit"
		tui_dump quit
		stacks
	fi
else
	fail "no (bt86) prompt"
	tui_dump start
fi

# ---- 2. The TUI and gdb at once. ----
sock="$TMP/t.sock"
tui_start 120 40 --tui --gdb="unix:$sock" "$elf"
if tui_wait 'entry point' 20 && wait_sock "$sock"; then
	pass "--tui --gdb starts the TUI and the stub"
	GDB_ADDR=$sock
	run_gdb "$TMP/t.gdb" "$elf" -ex 'break sample_main' -ex 'continue' -ex 'detach'
	expect "$TMP/t.gdb" "Breakpoint 1, .*sample_main" "gdb stops the TUI's guest at sample_main"
	if tui_wait "eip $main_hex" 10; then
		pass "the TUI shows the stop gdb made"
	else
		fail "the TUI does not show eip $main_hex"
		tui_dump tui
	fi
	tui_keys q
	if tui_wait 'TUI-EXITED=0' 60; then
		pass "the TUI quits with the stub running"
	else
		fail "the TUI did not quit"
		tui_dump quit
		stacks
	fi
else
	fail "--tui --gdb did not start"
	tui_dump start
fi
finish
