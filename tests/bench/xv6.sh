#!/bin/sh
# make bench, xv6 part: boot to the shell's `$ ` and usertests to ALL TESTS
# PASSED, wall time under bt and under QEMU TCG (-smp 1, -m 512, the same
# kernel and a fresh copy of fs.img each run), and the ratio. Skips with a
# line where ../shared/guests or QEMU is missing.
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
BT86=${BT86:-$builddir/bt86}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bt86-bench-xv6.XXXXXX")
. "$srcdir/tests/serial-lib.sh"

guests=${BT86_GUESTS:-$srcdir/../shared/guests}
echo
if [ ! -x "$guests/build-xv6" ] || ! "$guests/build-xv6" "$TMP/xv6" >"$TMP/build.log" 2>&1; then
	echo "xv6: not benchmarked (no $guests/build-xv6, or it does not build here)"
	exit 0
fi
K=$TMP/xv6/kernel
now() { date +%s%N; }
secs() { echo "$1 $2" | awk '{ printf "%.2f", ($2 - $1) / 1e9 }'; }

# xv6_run LABEL CMD...: boot, then usertests; prints "LABEL BOOT USERTESTS"
# (a "-" where it did not get there).
xv6_run() {
	label=$1
	shift
	cp "$TMP/xv6/fs.img" "$TMP/fs.img"
	t0=$(now)
	serial_start "$@"
	boot=- ut=-
	if serial_wait_fast '$ ' 120; then
		t1=$(now)
		boot=$(secs "$t0" "$t1")
		serial_send usertests
		if serial_wait_fast 'ALL TESTS PASSED' "${BENCH_XV6_TIMEOUT:-300}"; then
			ut=$(secs "$t1" "$(now)")
		fi
	fi
	serial_stop
	echo "$label $boot $ut"
}

# serial_wait at a finer grain, for timing.
serial_wait_fast() {
	end=$(($(date +%s) + $2))
	while :; do
		tail -c +"$((SERIAL_MARK + 1))" "$TMP/serial.out" | grep -qF -- "$1" && return 0
		kill -0 "$SERIAL_PID" 2>/dev/null || return 1
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

bt=$(xv6_run bt "$BT86" --engine=bt -m 512 --disk 1="$TMP/fs.img" "$K")
qemu=$(command -v qemu-system-i386 || true)
q="qemu - -"
[ -n "$qemu" ] && q=$(xv6_run qemu "$qemu" -accel tcg -display none -monitor none -serial stdio -no-reboot \
	-m 512 -smp 1 -kernel "$K" -drive file="$TMP/fs.img",index=1,media=disk,format=raw)
echo "xv6 (one CPU, -m 512): wall-clock seconds"
printf '%-10s %9s %9s %9s\n' phase bt qemu-tcg qemu/bt
set -- $bt
bt_boot=$2 bt_ut=$3
set -- $q
q_boot=$2 q_ut=$3
r() { case "$1$2" in *-*) echo - ;; *) echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2fx", $1 / $2; else print "-" }' ;; esac; }
printf '%-10s %9s %9s %9s\n' boot "$bt_boot" "$q_boot" "$(r "$q_boot" "$bt_boot")"
printf '%-10s %9s %9s %9s\n' usertests "$bt_ut" "$q_ut" "$(r "$q_ut" "$bt_ut")"
