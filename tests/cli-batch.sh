#!/bin/sh
# bt86 -x SCRIPT GUEST: batch sessions of debugger commands on the samples,
# their output checked against the ELF symbols (nm): breakpoints land on the
# symbol, stepping on the right EIP, until, tbreak and delete, watchpoints
# report old and new values, catch and until EVENT-KIND stop at the event,
# tc show marks, translate, tc list, events, x, disas, info, trace; and every
# error path: one line on stderr naming the script line, the rest of the
# script still run, exit status 1.
. "${srcdir:-.}/tests/lib.sh"

command -v nm >/dev/null 2>&1 || skip_all "nm (binutils) is needed to read the samples' symbols"
for s in hello sieve rtc; do
	[ -f "$builddir/samples/$s.elf" ] || skip_all "$builddir/samples/$s.elf is missing: build the samples first"
done

# session NAME SAMPLE [BT86 OPTIONS...] <SCRIPT: runs bt86 -x; sets $status and
# leaves stdout in $TMP/NAME.out, stderr in $TMP/NAME.err.
session() {
	name=$1 sample=$2
	shift 2
	cat >"$TMP/$name.cmds"
	timeout "${BT86_TEST_TIMEOUT:-120}" "$BT86" "$@" -x "$TMP/$name.cmds" "$builddir/samples/$sample.elf" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
	status=$?
}

show() {
	sed 's/^/  out: /' "$TMP/$1.out" | head -n 30
	sed 's/^/  err: /' "$TMP/$1.err" | head -n 10
}

# expect NAME TEXT: the session's stdout has the line fragment TEXT.
expect() {
	if grep -qF -- "$2" "$TMP/$1.out"; then
		pass "$1: has '$2'"
	else
		fail "$1: output lacks '$2'"
		show "$1"
	fi
}

expect_not() {
	if grep -qF -- "$2" "$TMP/$1.out"; then
		fail "$1: output has '$2'"
		show "$1"
	else
		pass "$1: no '$2'"
	fi
}

# clean NAME: exit status 0 and nothing on stderr.
clean() {
	if [ "$status" = 0 ] && [ ! -s "$TMP/$1.err" ]; then
		pass "$1: status 0, no errors"
	else
		fail "$1: status $status (want 0) or errors on stderr"
		show "$1"
	fi
}

# sym SAMPLE NAME: the symbol's address as bt86 prints it (0x%08x).
sym() {
	a=$(nm "$builddir/samples/$1.elf" | awk -v n="$2" '$3 == n { print $1; exit }')
	[ -n "$a" ] || { echo "cli-batch: no symbol $2 in $1.elf" >&2; exit 99; }
	printf '0x%08x' "0x$a"
}

main=$(sym hello sample_main)
start=$(sym hello _start)
serial_init=$(sym hello rt_serial_init)
composite=$(sym sieve composite)

# A breakpoint on a symbol: continue stops there, registers show it.
session brk hello <<EOF
break sample_main
continue
info registers
print \$eip
EOF
clean brk
expect brk "breakpoint 1 at $main <sample_main>"
expect brk "eip    $main  <sample_main>"
expect_not brk "Hello from bt86 guest!"   # stopped before it prints
[ "$(grep -c 'breakpoint 1 at' "$TMP/brk.out")" = 2 ] && pass "brk: set and hit" || fail "brk: set and hit"

# stepi N lands on the (N+1)th instruction of _start (as disas lists them).
session step hello <<'EOF'
disas _start 4
stepi 3
print $eip
stepi
stepf
info registers
EOF
clean step
fourth=$(grep -E '^.{3} 0x[0-9a-f]{8} ' "$TMP/step.out" | sed -n 4p | cut -c5-14)
expect step " => $start <_start>:"
if [ -n "$fourth" ] && grep -q "^$fourth [0-9]* <_start+0x" "$TMP/step.out"; then
	pass "step: stepi 3 lands on the fourth instruction ($fourth)"
else
	fail "step: stepi 3 did not land on the fourth instruction '$fourth'"
	show step
fi

# until ADDR, tbreak (gone after the hit), delete (never hit).
session until hello <<'EOF'
until rt_serial_init
print $eip
tbreak sample_main
info breakpoints
continue
info breakpoints
break rt_putc
delete 2
continue
EOF
clean until
expect until "reached $serial_init"
expect until "$serial_init"
expect until "temporary breakpoint 1 at $main <sample_main>"
expect until "tbreak"
expect until "breakpoint 1 at $main <sample_main>"
expect until "no breakpoints, watchpoints or catches"
expect until "guest exited with status 1 (exit value 0x0)"
expect_not until "$(sym hello rt_putc):  "   # the instruction line of a stop there

# A watchpoint on a global that changes: old -> new value.
addr4=$(printf '0x%08x' $((composite + 4)))
session watch sieve <<'EOF'
watch composite+4 1
continue
info breakpoints
delete
rwatch composite+8 1
continue
EOF
clean watch
expect watch "watchpoint 1: [$addr4]"
expect watch "watchpoint 1: [$addr4] 0x0 -> 0x1"
expect watch "rwatch 2: [$(printf '0x%08x' $((composite + 8)))] = 0x"

# catch callout stops at the next callout; until trap under policy io trap.
session catch hello <<'EOF'
catch callout
continue
events callout 5
delete
policy io trap
until trap
policy
EOF
clean catch
expect catch "caught callout at EIP 0x"
eip=$(sed -n 's/^caught callout at EIP \(0x[0-9a-f]*\).*/\1/p' "$TMP/catch.out" | head -n 1)
expect catch "callout     $eip"
expect catch "policy: io trap (the translation cache was flushed)"
expect catch "caught trap at EIP 0x"
expect catch "io          trap"

# catch irq N stops when a device raises ISA line N: the RTC's periodic
# interrupt in samples/rtc.c; info rtc and info pci show the platform.
session catchirq rtc <<'EOF'
catch irq 8
info breakpoints
continue
info rtc
info pci
events irq 2
EOF
clean catchirq
expect catchirq "catch 1: stop when a device raises ISA line 8"
expect catchirq "catch             y   irq"
expect catchirq "caught irq: irq 8 raised (rtc)"
expect catchirq "periodic 1024.00 Hz"
expect catchirq "B 0x42 PIE"
expect catchirq "00:00.0 8086:1237 class 060000"
expect catchirq "00:01.0 8086:7000 class 060100"
expect catchirq "irq 8 raised (rtc)"

# The same catch on the kvm engine: the shared vCPU loop reports it.
if kvm_usable; then
	session kvmcatch hello --engine=kvm <<'EOF'
catch vmexit
continue
EOF
	expect kvmcatch "caught vmexit at EIP 0x"
else
	skip_one "kvmcatch: /dev/kvm is not usable here"
fi

# The translation cache: tc show marks, translate, tc list, events, x, disas, info.
session tc hello <<'EOF'
break sample_main
continue
tc show rt_serial_init
translate sample_main
tc list rt_serial_init
tc list chained
events callout 3
x/4xw $esp
disas
info gdt
info tc
tc flush
tc list
EOF
clean tc
expect tc "CCF "
expect tc "IDENT"
expect tc "REENC"
expect tc "CALLOUT"
expect tc "EXIT"
expect tc "<rt_serial_init>"
expect tc "of "
[ "$(grep -c ' callout     0x' "$TMP/tc.out")" = 3 ] && pass "tc: events callout 3 shows 3" || { fail "tc: events callout 3"; show tc; }
tab=$(printf '\t')
grep -qE "^0x[0-9a-f]{8} <[^>]*>:(${tab}0x[0-9a-f]{8}){4}\$" "$TMP/tc.out" && pass "tc: x/4xw is one line of four words" || { fail "tc: x/4xw"; show tc; }
[ "$(grep -cE '^.{3} 0x[0-9a-f]{8} ' "$TMP/tc.out")" -ge 10 ] && pass "tc: disas shows 10 instructions" || { fail "tc: disas"; show tc; }
expect tc "B=> $main <sample_main>:"
expect tc "GDT at 0x"
expect tc "code r-x"
expect tc "translation cache of the bt engine"
expect tc "translation cache flushed"
expect tc "0 of 0 CCFs"

# trace on FILE: events, stops and CCF runs.
session trace hello <<EOF
trace on $TMP/trace.txt
stepf 2
break sample_main
continue
trace off
EOF
clean trace
if grep -q '^stop step 0x' "$TMP/trace.txt" && grep -q '^ccf 1 0x' "$TMP/trace.txt" &&
	grep -q '^event [0-9]* translate 0x' "$TMP/trace.txt" && grep -q '^stop breakpoint' "$TMP/trace.txt" &&
	grep -q '^# trace ended' "$TMP/trace.txt"; then
	pass "trace: events, stops and CCF runs written"
else
	fail "trace: the trace file lacks records"
	head -n 20 "$TMP/trace.txt"
fi

# quit ends the script; the rest is not run.
session quit hello <<'EOF'
echo before
quit
echo after
EOF
clean quit
expect quit "before"
expect_not quit "after"

# Every error path: one stderr line each, FILE:LINE first, the rest still run.
session errors hello <<'EOF'
frobnicate
s
break nosuchsym
break 12zz
stepi abc
info bogus
x/4q $esp
watch sample_main 3
policy io bogus
policy bogus trap
set tu-max 0
set bogus 1
tc bogus
catch bogus
events bogus
delete 99
help bogus
trace off
disas 0xf0000000
x/4xw 0xf0000000
tc show 999999
stop
echo still running commands
continue
continue
stepi
EOF
cmds="$TMP/errors.cmds"
nerr=$(wc -l <"$TMP/errors.err")
if [ "$status" = 1 ]; then pass "errors: exit status 1"; else fail "errors: exit status $status, want 1"; fi
if [ "$nerr" = 24 ]; then pass "errors: 24 error lines"; else fail "errors: $nerr error lines, want 24"; show errors; fi
n=0
for line in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 25 26; do
	n=$((n + 1))
	got=$(sed -n "${n}p" "$TMP/errors.err")
	case $got in
	"$cmds:$line: "*) ;;
	*) fail "errors: stderr line $n is '$got', want it to start with $cmds:$line:"; continue ;;
	esac
done
for want in "unknown command 'frobnicate'" "ambiguous command 's'" "unknown symbol 'nosuchsym'" "bad number '12zz'" \
	"bad count 'abc'" "unknown topic 'bogus'" "bad format letter 'q'" "bad length '3'" "unknown treatment 'bogus'" \
	"unknown class 'bogus'" "bad number '0'" "unknown setting 'bogus'" "unknown subcommand 'bogus'" \
	"unknown event kind 'bogus'" "neither an event kind nor a count" "no breakpoint, watchpoint or catch number 99" \
	"unknown command 'bogus'" "trace is not on" "cannot access memory at 0xf0000000" "no CCF 999999" \
	"the guest is not running" "the guest is not running any more"; do
	if grep -qF -- "$want" "$TMP/errors.err"; then pass "errors: '$want'"; else fail "errors: no '$want'"; fi
done
expect errors "still running commands"
expect errors "guest exited with status 1"

# A missing script and a missing guest after -x.
"$BT86" -x "$TMP/no-such-script" "$builddir/samples/hello.elf" >"$TMP/noscript.out" 2>"$TMP/noscript.err" </dev/null
status=$?
if [ "$status" = 2 ] && grep -q "cannot read the script" "$TMP/noscript.err"; then
	pass "a missing script: status 2 and a message"
else
	fail "a missing script: status $status"
	cat "$TMP/noscript.err"
fi
"$BT86" -x "$TMP/errors.cmds" >"$TMP/noguest.out" 2>"$TMP/noguest.err" </dev/null
status=$?
if [ "$status" = 2 ] && [ "$(wc -l <"$TMP/noguest.err")" = 1 ] && grep -q "no guest" "$TMP/noguest.err"; then
	pass "-x without a guest: status 2 and one line"
else
	fail "-x without a guest: status $status"
	cat "$TMP/noguest.err"
fi

# ---- paging: addresses are linear, through the guest's page tables ----
if [ -f "$builddir/samples/paging.elf" ]; then
	session paging paging <<'EOF2'
break rt_printf
continue
info cr
x/2i 0x40000000
print *0x40000001
x/xw 0x40005000
EOF2
	expect paging "[ PE ET PG ]"
	expect paging "0x40000000:  b8 01 00 aa aa          mov eax, 0xaaaa0001"
	expect paging "0xaaaa0001 2863267841"
	if grep -q "x: cannot access memory at 0x40005000" "$TMP/paging.err"; then
		pass "paging: an unmapped linear address cannot be read"
	else
		fail "paging: x on an unmapped page did not fail"
		show paging
	fi
fi
finish
