#!/bin/sh
# make bench: each compute sample at its full size (samples/bench-args.txt)
# natively, under bt, under QEMU TCG and under KVM where KVM is hardware-
# backed; the median of RUNS runs each; a table of times and ratios, then the
# translator's TC statistics for each sample.
#
#   BENCH_RUNS=5 make bench        more runs
#   BENCH_ONLY="sieve sort" make bench
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
BT86=${BT86:-$builddir/bt86}
RUNS=${BENCH_RUNS:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bt86-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# seconds CMD...: wall time of one run, in seconds with 3 decimals; fails
# unless the run printed its checksum (exit statuses differ between a native
# program, bt86 and QEMU, so the output is what counts)
seconds() {
	s=$(date +%s%N)
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	e=$(date +%s%N)
	echo "$(( (e - s) / 1000000 ))" | awk '{ printf "%.3f", $1 / 1000 }'
	grep -q "checksum=" "$TMP/out"
}

# median CMD...: the median of RUNS timings, or "-" if the command failed
median() {
	: >"$TMP/times"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t=$(seconds "$@") || { echo "-"; return; }
		echo "$t" >>"$TMP/times"
		i=$((i + 1))
	done
	sort -n "$TMP/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

ratio() {
	case "$1$2" in *-*) echo "-" ;; *) echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2fx", $1 / $2; else print "-" }' ;; esac
}

qemu=$(command -v qemu-system-i386 || true)
kvm_hw=no
if [ -c /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	kvm_hw=yes
fi

echo "bt86 benchmarks: median of $RUNS runs, wall-clock seconds"
[ -n "$qemu" ] || echo "(qemu-system-i386 not installed: no QEMU column)"
[ "$kvm_hw" = yes ] || echo "(KVM here is not hardware-backed: no KVM column)"
echo
printf '%-8s %9s %9s %9s %9s %10s %9s %10s\n' sample native bt qemu-tcg kvm bt/native qemu/bt kvm/native
stats=""
while read -r name args; do
	[ -n "$name" ] || continue
	case " ${BENCH_ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
	elf="$builddir/samples/$name.elf"
	native=$(median "$builddir/samples/native/$name" $args)
	bt=$(median "$BT86" --engine=bt --cmdline "$args" "$elf")
	q="-"
	if [ -n "$qemu" ]; then
		q=$(median "$qemu" -accel tcg -m 64 -display none -nodefaults -no-reboot \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 -chardev stdio,id=c -serial chardev:c \
			-kernel "$elf" -append "$args")
	fi
	k="-"
	[ "$kvm_hw" = yes ] && k=$(median "$BT86" --engine=kvm --cmdline "$args" "$elf")
	printf '%-8s %9s %9s %9s %9s %10s %9s %10s\n' "$name" "$native" "$bt" "$q" "$k" \
		"$(ratio "$bt" "$native")" "$(ratio "$q" "$bt")" "$(ratio "$k" "$native")"
	"$BT86" --engine=bt --stats --cmdline "$args" "$elf" >/dev/null 2>"$TMP/stats" </dev/null
	stats="$stats$(printf '%-8s %s' "$name" "$(sed -n 's/^bt86: stats: engine=bt //p' "$TMP/stats" | \
		tr ' ' '\n' | grep -E '^(ccfs|tc_bytes|guest_insns|chains|hits|lookups|indirect_fills|flushes|invalidations|callouts)=' | tr '\n' ' ')")
"
done <"$srcdir/samples/bench-args.txt"
echo
echo "bt translation-cache statistics:"
printf '%s' "$stats"

# ---- nanobenchmarks: ticks per sensitive operation, per treatment ----
NB_N=${BENCH_NANO_N:-200000}
nb_run() {   # nb_run LABEL CMD...: leaves "LABEL OP TICKS" lines in $TMP/nano
	label=$1
	shift
	"$@" >"$TMP/nb.out" 2>/dev/null </dev/null
	sed -n "s/^nanobench \([a-z/]*\) *n=[0-9]* ticks\/op=\([0-9.]*\)/$label \1 \2/p" "$TMP/nb.out" >>"$TMP/nano"
}
: >"$TMP/nano"
nb_run native "$builddir/samples/native/nanobench" "n=$NB_N"
for t in trap callout intc adaptive; do
	nb_run "bt-$t" "$BT86" --engine=bt --policy "all=$t" --cmdline "n=$NB_N" "$builddir/samples/nanobench.elf"
done
[ "$kvm_hw" = yes ] && nb_run kvm "$BT86" --engine=kvm --cmdline "n=$NB_N" "$builddir/samples/nanobench.elf"
echo
echo "Nanobenchmarks: time-stamp ticks per operation (n=$NB_N; the loop's own cost included)"
echo "(bt-T: every class that supports treatment T uses it; the others keep their defaults)"
printf '%-9s %9s %9s %10s %9s %11s %9s\n' op native bt-trap bt-callout bt-intc bt-adaptive kvm
for op in rdtsc in out cli/sti syscall call/ret divzero empty; do
	row=$(printf '%-9s' "$op")
	for col in native bt-trap bt-callout bt-intc bt-adaptive kvm; do
		v=$(awk -v c="$col" -v o="$op" '$1 == c && $2 == o { print $3 }' "$TMP/nano")
		row="$row $(printf '%9s' "${v:--}")"
	done
	echo "$row"
done
echo "Reference, a Pentium 4 under VMware (Adams & Agesen, ASPLOS 2006): RDTSC trap 2030, callout 1254, in-TC 216 cycles."

# ---- xv6: boot and usertests, bt vs QEMU TCG ----
srcdir=$srcdir builddir=$builddir BT86=$BT86 sh "$srcdir/tests/bench/xv6.sh"

# ---- Linux: boot to user space, compute and fork/exec vs native and QEMU TCG ----
srcdir=$srcdir builddir=$builddir BT86=$BT86 sh "$srcdir/tests/bench/linux.sh"
