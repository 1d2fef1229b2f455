#!/bin/sh
# A real gdb controls bt86's guest: Ctrl-C of a spinning guest, `monitor tc
# show $pc` at the stop, detach and reattach (two gdb runs against one bt86,
# the guest left stopped in between), kill (bt86 exits), a guest that halts,
# a UNIX socket, a port already in use, and bad input: garbage, bad
# checksums, oversized and non-hex packets from a raw client, which must
# neither crash bt86 nor keep the next gdb out.
. "${srcdir:-.}/tests/gdb-lib.sh"

spin="$builddir/samples/spin.elf"
hello="$builddir/samples/hello.elf"
[ -f "$spin" ] && [ -f "$hello" ] || skip_all "the samples are not built"
loop_addr=$(sym_addr "$spin" spin_loop)

# ---- 1. Ctrl-C a spinning guest; monitor commands at the stop; detach. ----
if bt86_start --cmdline=forever "$spin"; then
	# gdb's shell is a child of gdb: $PPID there is gdb, which gets the
	# SIGINT a terminal's Ctrl-C would send it while it waits in continue.
	run_gdb "$TMP/a" "$spin" \
		-ex 'shell (sleep 1; kill -INT $PPID) &' \
		-ex 'continue' \
		-ex 'info registers eip' \
		-ex 'monitor tc show $pc' \
		-ex 'monitor stepf' \
		-ex 'detach'
	f="$TMP/a"
	expect "$f" '^Program received signal SIGINT, Interrupt\.$' "Ctrl-C stops the spinning guest (T02)"
	[ -n "$loop_addr" ] && expect "$f" "^eip  *$loop_addr  *$loop_addr <" "it stopped in spin_loop ($loop_addr)"
	expect "$f" '^CCF [0-9]*: guest 0x00[0-9a-f]*-0x00[0-9a-f]*, 1 instructions' "monitor tc show \$pc: the CCF at the stop (a stop keeps the TC)"
	expect "$f" '^  0x00[0-9a-f]*  eb fe  *jmp 0x' "monitor tc show: the guest instruction beside its host code"
	expect "$f" '^0x00[0-9a-f]* <spin_loop>:  jmp 0x' "monitor stepf: one CCF, the stop printed as at the prompt"
	expect "$f" '^\[Inferior 1 (Remote target) detached\]$' "detach"
	sleep 0.3
	if bt86_alive; then
		pass "bt86 waits for the next gdb after a detach"
	else
		fail "bt86 ended after a detach"
	fi
	expect "$TMP/bt86.out" '^spinning$' "the guest's output"

	# A second bt86 on the same port: a clear error, not a crash.
	timeout 10 "$BT86" --gdb="$GDB_ADDR" "$hello" >"$TMP/dup.out" 2>"$TMP/dup.err" </dev/null
	st=$?
	if [ "$st" -ne 0 ] && [ "$st" -ne 124 ] && grep -q '^bt86: gdb: .*in use' "$TMP/dup.err"; then
		pass "a port in use: status $st and '$(head -n 1 "$TMP/dup.err")'"
	else
		fail "a port in use: status $st, stderr: $(cat "$TMP/dup.err")"
	fi

	# ---- 2. Reattach: the guest is where the first gdb left it. ----
	run_gdb "$TMP/b" "$spin" \
		-ex 'info registers eip' \
		-ex 'shell (sleep 1; kill -INT $PPID) &' \
		-ex 'continue' \
		-ex 'kill'
	f="$TMP/b"
	[ -n "$loop_addr" ] && expect "$f" "^eip  *$loop_addr  *$loop_addr <" "reattached: still stopped in spin_loop"
	expect "$f" '^Program received signal SIGINT, Interrupt\.$' "reattached: continue and Ctrl-C again"
	expect "$f" '^\[Inferior 1 (Remote target) killed\]$' "kill"
	bt86_wait 10
	if [ "$bt86_status" = 0 ]; then
		pass "kill ends bt86 with status 0"
	else
		fail "after kill bt86's status is $bt86_status (expected 0)"
	fi
else
	fail "bt86 --gdb did not start"
fi

# ---- 3. A guest that halts: a signal gdb can look at, then the end. ----
if bt86_start --cmdline=halt "$hello"; then
	run_gdb "$TMP/c" "$hello" -ex 'continue' -ex 'info registers eip' -ex 'continue'
	f="$TMP/c"
	expect "$f" '^bt86: guest halted with interrupts disabled' "halt: bt86's reason as gdb console output"
	expect "$f" '^Program received signal SIGSTOP' "halt: shown as SIGSTOP, at the HLT"
	expect "$f" '^\[Inferior 1 (Remote target) exited normally\]$' "halt: continuing ends the run (W00: status 0)"
	bt86_wait
	[ "$bt86_status" = 0 ] && pass "halt: bt86 ends with status 0, as headless" || fail "halt: bt86's status $bt86_status"
else
	fail "bt86 --gdb did not start"
fi

# ---- 4. A UNIX socket. ----
sock="$TMP/gdb.sock"
if bt86_start_on "$sock" "$hello"; then
	[ "$GDB_ADDR" = "$sock" ] && pass "a UNIX socket: bt86 names its path" || fail "UNIX socket: listening on '$GDB_ADDR'"
	run_gdb "$TMP/d" "$hello" -ex 'break sample_main' -ex 'continue' -ex 'continue'
	expect "$TMP/d" '^Breakpoint 1, sample_main ()' "UNIX socket: break and continue"
	expect "$TMP/d" 'exited normally' "UNIX socket: to the guest's end"
	bt86_wait
	[ "$bt86_status" = 1 ] && pass "UNIX socket: bt86 ends with status 1" || fail "UNIX socket: status $bt86_status"
	[ -e "$sock" ] && fail "the socket file is left behind" || pass "the socket file is removed"
else
	fail "bt86 --gdb=$sock did not start"
fi

# ---- 5. Bad input: a raw client, then malformed packets from gdb. ----
if bt86_start "$hello"; then
	host=${GDB_ADDR%:*}
	port=${GDB_ADDR##*:}
	big=$(head -c 20000 /dev/zero | tr '\0' a)
	if command -v bash >/dev/null 2>&1; then
		# A broken frame, a bad checksum, a packet longer than any allowed
		# (good checksum), non-hex and overflowing arguments, a Ctrl-C,
		# then the client vanishes without a word.
		timeout 10 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
			printf "%s" "junk+\$g#zz\$m0,4#00" >&3
			printf "\$%s#20" "$2" >&3
			printf "%s" "\$m100000,zz#ae\$m1000000000000000000000,4#ee\$Z0,zz,1#07\$P1000=00#ae\$vCont;q#b6" >&3
			printf "\003" >&3
			timeout 1 cat <&3' "$host" "$port" "$big" >"$TMP/raw" 2>&1
		if grep -q -e '-' "$TMP/raw" && grep -q 'E01' "$TMP/raw"; then
			pass "raw garbage: NAKs for broken frames, E01 for malformed packets"
		else
			fail "raw garbage: reply '$(head -c 200 "$TMP/raw")'"
		fi
		n=$(grep -o '\$E01#' "$TMP/raw" | wc -l)
		[ "$n" -ge 5 ] && pass "every malformed packet got an error ($n x E01)" || fail "only $n E01 replies: $(head -c 300 "$TMP/raw")"
	else
		skip_one "no bash for a raw /dev/tcp client"
	fi
	bt86_alive && pass "bt86 survives the garbage" || fail "bt86 died on garbage"
	run_gdb "$TMP/e" "$hello" \
		-ex 'info registers eip' \
		-ex 'maint packet m100000,zz' \
		-ex 'maint packet qBt86Nonsense' \
		-ex 'maint packet m40000000,4' \
		-ex 'maint packet m7fffffff0000,4' \
		-ex 'maint packet Z0,40000000,1' \
		-ex 'kill'
	f="$TMP/e"
	expect "$f" '^eip  *0x[0-9a-f]*  *0x[0-9a-f]* <_start>$' "the next gdb attaches after the garbage, guest still at its entry"
	expect "$f" '^received: "E01"$' "non-hex arguments: E01"
	expect "$f" '^received: ""$' "an unknown packet: the empty reply"
	expect "$f" '^received: "E0e"$' "memory beyond the guest's RAM (or host addresses): E0e"
	[ "$(grep -c '^received: "E0e"$' "$f")" -ge 2 ] && pass "a host-looking address is refused too" || fail "m7fffffff0000 was not refused"
	expect "$f" '^received: "OK"$' "a breakpoint where nothing is mapped yet is accepted (linear addresses)"
	bt86_wait 10
	[ "$bt86_status" = 0 ] && pass "kill after bad input: status 0" || fail "status $bt86_status after kill"
else
	fail "bt86 --gdb did not start"
fi
finish
