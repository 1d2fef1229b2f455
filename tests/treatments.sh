#!/bin/sh
# Every sensitive-instruction class under every treatment it supports gives
# the reference machines' results (the expected files, checked on QEMU and
# KVM), except naive, whose wrong result is itself asserted; and the adaptive
# treatment retranslates a trapping instruction once its trap count reaches
# the threshold, after which the count stops growing.
. "${srcdir:-.}/tests/lib.sh"

classes=$("$BT86" --list-sensitive | awk '/^class/ { t = 1; next } t && NF { print $1 }')
[ -n "$classes" ] || { fail "--list-sensitive printed no classes"; finish; }

# policy_run POLICY SAMPLE: run SAMPLE under bt with POLICY; sets $status.
policy_run() {
	args=""
	[ -f "$srcdir/tests/expected/$2.args" ] && args=$(cat "$srcdir/tests/expected/$2.args")
	timeout 120 "$BT86" --engine=bt --policy "$1" --stats --cmdline="$args" \
		"$builddir/samples/$2.elf" >"$TMP/out" 2>"$TMP/err" </dev/null
	status=$?
}

same_as_expected() {
	cmp -s "$TMP/out" "$srcdir/tests/expected/$1.out" && [ "$status" = "$(cat "$srcdir/tests/expected/$1.status")" ]
}

for sample in sensitive popek usermode exceptions adaptive; do
	[ -f "$srcdir/tests/expected/$sample.out" ] && [ -f "$builddir/samples/$sample.elf" ] || continue
	for t in trap callout intc adaptive; do
		policy_run "all=$t" "$sample"
		if same_as_expected "$sample"; then pass "$sample all=$t"; else fail "$sample all=$t: status $status $(head -c 300 "$TMP/err")"; fi
	done
	for c in $classes; do
		for t in $("$BT86" --list-sensitive | awk -v c="$c" '/^class/ { t = 1; next } t && $1 == c { gsub(",", " ", $3); print $3 }'); do
			[ "$t" = naive ] && continue
			policy_run "$c=$t" "$sample"
			if same_as_expected "$sample"; then pass "$sample $c=$t"; else fail "$sample $c=$t: status $status $(head -c 300 "$TMP/err")"; fi
		done
	done
done

# Naive: what breaks, and how, on the sensitive sample.
for c in cli-sti pushf-popf sys-store seg-read io; do
	policy_run "$c=naive" sensitive
	if same_as_expected sensitive; then
		fail "sensitive $c=naive gave the correct result; naive should break it"
	else
		pass "sensitive $c=naive breaks: $(diff "$srcdir/tests/expected/sensitive.out" "$TMP/out" | grep '^>' | head -n 1)$(grep -v stats "$TMP/err" | head -c 120)"
	fi
done
policy_run "seg-read=naive" sensitive
grep -q "mov from cs: 0x0033" "$TMP/out" && pass "naive MOV from CS shows the host's CS (0x33)" ||
	fail "naive MOV from CS: $(grep 'mov from cs' "$TMP/out")"
policy_run "pushf-popf=naive" sensitive
grep -q "cli; pushf: IF=1" "$TMP/out" && pass "naive PUSHF after CLI still shows IF=1 (the host's)" ||
	fail "naive PUSHF: $(grep 'cli; pushf' "$TMP/out")"

# Unsupported pairs are refused with one line.
"$BT86" --policy hlt=intc "$builddir/samples/hello.elf" >/dev/null 2>"$TMP/err" </dev/null
st=$?
if [ "$st" = 2 ] && grep -q "does not support 'intc'" "$TMP/err" && [ "$(wc -l <"$TMP/err")" = 1 ]; then
	pass "hlt=intc refused: $(cat "$TMP/err")"
else
	fail "hlt=intc: status $st, $(cat "$TMP/err")"
fi
"$BT86" --policy all=bogus "$builddir/samples/hello.elf" >/dev/null 2>"$TMP/err" </dev/null
[ $? = 2 ] && grep -q "unknown treatment" "$TMP/err" && pass "unknown treatment refused" || fail "all=bogus: $(cat "$TMP/err")"
"$BT86" --policy nosuch=trap "$builddir/samples/hello.elf" >/dev/null 2>"$TMP/err" </dev/null
[ $? = 2 ] && grep -q "unknown instruction class" "$TMP/err" && pass "unknown class refused" || fail "nosuch=trap: $(cat "$TMP/err")"

# Adaptive: the trap count stops at the threshold per instruction.
stat() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$TMP/err"; }
if [ -f "$builddir/samples/adaptive.elf" ]; then
	timeout 120 "$BT86" --policy all=adaptive --stats --cmdline "n=2000" "$builddir/samples/adaptive.elf" >/dev/null 2>"$TMP/err" </dev/null
	traps1=$(stat ev_trap) re1=$(stat ev_retranslate)
	timeout 120 "$BT86" --policy all=adaptive --stats --cmdline "n=20000" "$builddir/samples/adaptive.elf" >/dev/null 2>"$TMP/err" </dev/null
	traps2=$(stat ev_trap) re2=$(stat ev_retranslate)
	if [ -n "$re1" ] && [ "$re1" -gt 0 ] && [ "$traps1" = "$traps2" ] && [ "$re1" = "$re2" ]; then
		pass "adaptive: $re1 retranslations, $traps1 traps for n=2000 and for n=20000"
	else
		fail "adaptive: retranslations $re1/$re2, traps $traps1/$traps2 (n=2000/n=20000)"
	fi
	# Memory instructions that reach MMIO (loop 5, the VGA text buffer) adapt
	# the same way whatever the policy: a host fault each until the threshold,
	# then a callout.
	timeout 120 "$BT86" --stats --cmdline "n=2000" "$builddir/samples/adaptive.elf" >/dev/null 2>"$TMP/err" </dev/null
	mt1=$(stat ev_trap) mr1=$(stat ev_retranslate)
	timeout 120 "$BT86" --stats --cmdline "n=20000" "$builddir/samples/adaptive.elf" >/dev/null 2>"$TMP/err" </dev/null
	mt2=$(stat ev_trap) mr2=$(stat ev_retranslate)
	if [ "$mr1" = 2 ] && [ "$mr2" = 2 ] && [ -n "$mt1" ] && [ "$mt1" = "$mt2" ]; then
		pass "adaptive MMIO: the VGA store and load are retranslated ($mt1 faults) for n=2000 and n=20000"
	else
		fail "adaptive MMIO: retranslations $mr1/$mr2, faults $mt1/$mt2 (n=2000/n=20000)"
		sed 's/^/  | /' "$TMP/err"
	fi
	timeout 120 "$BT86" --policy all=trap --stats --cmdline "n=2000" "$builddir/samples/adaptive.elf" >/dev/null 2>"$TMP/err" </dev/null
	traps3=$(stat ev_trap)
	if [ -n "$traps3" ] && [ "$traps3" -gt "$traps1" ]; then
		pass "trap without adaptation keeps trapping: $traps3 traps"
	else
		fail "all=trap: $traps3 traps"
	fi
else
	skip_one "adaptive sample not built"
fi
finish
