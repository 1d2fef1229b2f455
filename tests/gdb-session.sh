#!/bin/sh
# A real gdb debugs samples/hello.elf at source level through `bt86 --gdb` on
# the bt engine: break on a function, continue, info registers, x, print and
# set a variable and a register, stepi, next, step, finish, monitor commands,
# the guest's end; then every kind of stop reply (watch, rwatch, awatch,
# hwbreak, swbreak) with old and new values of a watched variable.
. "${srcdir:-.}/tests/gdb-lib.sh"

elf="$builddir/samples/hello.elf"
[ -f "$elf" ] || skip_all "$elf is not built"
main_addr=$(sym_addr "$elf" sample_main)
start_addr=$(sym_addr "$elf" _start)

# ---- 1. A source-level session, to the guest's end. ----
if bt86_start "$elf"; then
	pass "bt86 --gdb says where it listens ($GDB_ADDR)"
	case $GDB_ADDR in
	127.0.0.1:*) pass "it listens on the loopback address by default" ;;
	*) fail "it listens on $GDB_ADDR, not 127.0.0.1" ;;
	esac
	run_gdb "$TMP/a" "$elf" \
		-ex 'info registers eip' \
		-ex 'break sample_main' \
		-ex 'continue' \
		-ex 'info registers' \
		-ex 'x/4xw $esp' \
		-ex 'x/a $esp' \
		-ex 'print mb_magic' \
		-ex 'set var mb_magic = 0x1234' \
		-ex 'print/x mb_magic' \
		-ex 'set $ecx = 0xabcdef' \
		-ex 'print/x $ecx' \
		-ex 'stepi' \
		-ex 'info registers eip' \
		-ex 'next' \
		-ex 'step' \
		-ex 'bt' \
		-ex 'finish' \
		-ex 'monitor events callout 3' \
		-ex 'monitor bogus' \
		-ex 'info registers eip' \
		-ex 'continue'
	f="$TMP/a"
	[ -n "$start_addr" ] && expect "$f" "^eip  *$start_addr  *$start_addr <_start>" "the guest waits at its entry point _start ($start_addr)"
	expect "$f" '^Breakpoint 1, sample_main () at .*hello\.c:8' "break sample_main; continue stops there"
	[ -n "$main_addr" ] && expect "$f" "^eip  *$main_addr  *$main_addr <sample_main>" "info registers: eip is sample_main's address from nm ($main_addr)"
	expect "$f" '^cs  *0x8  *8$' "info registers: the guest's cs (0x8, not the host's)"
	expect "$f" '^cr0  *0x[0-9a-f]*  *\[ PE ET \]' "info registers: cr0 with PE"
	expect "$f" '^0x[0-9a-f]*:[[:space:]]*0x[0-9a-f]\{8\}[[:space:]]*0x[0-9a-f]\{8\}[[:space:]]*0x[0-9a-f]\{8\}[[:space:]]*0x[0-9a-f]\{8\}$' "x/4xw \$esp shows four words"
	expect "$f" '^0x[0-9a-f]*:[[:space:]]*0x[0-9a-f]* <rt_start+[0-9]*>$' "x/a \$esp: the return address into rt_start"
	expect "$f" '^\$[0-9]* = 732803074$' "print mb_magic: the multiboot magic 0x2badb002"
	expect "$f" '^\$[0-9]* = 0x1234$' "set var mb_magic = 0x1234, print/x shows it"
	expect "$f" '^\$[0-9]* = 0xabcdef$' "set \$ecx, print/x \$ecx"
	expect "$f" '^eip  *0x[0-9a-f]*  *0x[0-9a-f]* <sample_main+[1-9][0-9]*>$' "stepi moves eip into sample_main"
	expect "$f" '^10[[:space:]]*rt_puts("Hello from bt86 guest!");' "next: on to line 10"
	expect "$f" '^rt_puts (s=.*) at .*serial\.c:[0-9]*$' "step: into rt_puts"
	expect "$f" '^#1  0x[0-9a-f]* in sample_main () at .*hello\.c:10$' "bt: rt_puts called from sample_main"
	# (gdb says "Run till exit" only to a terminal.)
	expect "$f" '^sample_main () at .*hello\.c:1[01]$' "finish returns from rt_puts to sample_main"
	ret=$(sed -n 's/^#1  \(0x[0-9a-f]*\) in sample_main .*/\1/p' "$f")
	if [ -n "$ret" ]; then
		ret=$(printf '0x%x' "$ret")
		expect "$f" "^eip  *$ret  *$ret <sample_main+[1-9][0-9]*>\$" "finish: eip is the return address bt showed ($ret)"
	else
		fail "bt showed no return address in sample_main"
	fi
	expect "$f" '^ *[0-9][0-9]* callout  *0x[0-9a-f]* <[a-z_]*+0x[0-9a-f]*> ccf [0-9]*: ' "monitor events callout 3 prints callout events"
	expect "$f" "unknown command 'bogus'" "monitor with an unknown command: the error line"
	expect "$f" '^\[Inferior 1 (Remote target) exited normally\]$' "continue: the guest exits normally (W00)"
	bt86_wait
	if [ "$bt86_status" = 1 ]; then
		pass "bt86 ends with the guest's status (1: exit value 0)"
	else
		fail "bt86's status after the guest's end: $bt86_status (expected 1)"
	fi
	expect "$TMP/bt86.out" '^Hello from bt86 guest!$' "the guest's serial output"
	expect "$TMP/bt86.out" '^multiboot: bad magic 0x00001234$' "the guest saw the variable gdb set"
else
	fail "bt86 --gdb did not start"
fi

# ---- 2. Every stop reply kind, with the packets gdb received. ----
if bt86_start "$elf"; then
	run_gdb "$TMP/b" "$elf" \
		-ex 'watch mb_magic' \
		-ex 'set debug remote 1' \
		-ex 'continue' \
		-ex 'set debug remote 0' \
		-ex 'delete' \
		-ex 'rwatch mb_magic' \
		-ex 'set debug remote 1' \
		-ex 'continue' \
		-ex 'set debug remote 0' \
		-ex 'delete' \
		-ex 'awatch mb_info' \
		-ex 'set debug remote 1' \
		-ex 'continue' \
		-ex 'set debug remote 0' \
		-ex 'delete' \
		-ex 'hbreak rt_puts' \
		-ex 'set debug remote 1' \
		-ex 'continue' \
		-ex 'set debug remote 0' \
		-ex 'delete' \
		-ex 'break rt_printf' \
		-ex 'set debug remote 1' \
		-ex 'continue' \
		-ex 'set debug remote 0' \
		-ex 'delete' \
		-ex 'continue'
	f="$TMP/b"
	expect "$f" '^Hardware watchpoint 1: mb_magic$' "watch mb_magic is a hardware watchpoint (Z2)"
	expect "$f" 'Packet received: T05watch:[0-9a-f]*;thread:1;' "a write watchpoint stops with T05watch"
	expect "$f" '^Old value = 0$' "watch: the old value"
	expect "$f" '^New value = 732803074$' "watch: the new value"
	expect "$f" 'Packet received: T05rwatch:[0-9a-f]*;thread:1;' "a read watchpoint stops with T05rwatch"
	expect "$f" '^Value = 732803074$' "rwatch: the value read"
	expect "$f" 'Packet received: T05awatch:[0-9a-f]*;thread:1;' "an access watchpoint stops with T05awatch"
	expect "$f" 'Packet received: T05hwbreak:;thread:1;' "a hardware breakpoint (Z1) stops with T05hwbreak"
	# (With debug output on, gdb's packet lines split the frame line.)
	expect "$f" '^Breakpoint [0-9]*, rt_puts (' "hbreak rt_puts stops there"
	expect "$f" 'Packet received: T05swbreak:;thread:1;' "a breakpoint (Z0) stops with T05swbreak"
	expect "$f" '^Breakpoint [0-9]*, rt_printf (' "break rt_printf stops there"
	expect "$f" 'exited normally' "then the guest runs to its end"
	expect_not "$f" 'Sending packet: \$[MX][0-9a-f]*,1:cc' "gdb never writes int3 into guest memory"
	bt86_wait
	[ "$bt86_status" = 1 ] && pass "bt86 ends with status 1" || fail "bt86's status: $bt86_status"
else
	fail "bt86 --gdb did not start"
fi
finish
