#!/bin/sh
# make bench, Linux part (Debian's 686 kernel and busybox initramfs from
# build-aux/linux-guest): wall time from start to the first user-space line
# under bt and QEMU TCG (-smp 1, -m 256, the same kernel, initramfs and
# command line), and two workloads run by the guest's busybox (bt86_run)
# timed between marker lines on the serial console, against the same
# busybox binary run natively on the host: a compute-bound shell loop and a
# fork/exec-bound loop of `busybox true`. Skips with a line where the
# packages cannot be fetched.
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
BT86=${BT86:-$builddir/bt86}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bt86-bench-linux.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
. "$srcdir/tests/serial-lib.sh"
LG=${BT86_LINUX_GUEST:-$(cd "$builddir" && pwd)/linux-guest}
echo
if [ ! -s "$LG/vmlinuz-686" ] && ! BT86=$(cd "$(dirname "$BT86")" && pwd)/$(basename "$BT86") \
	"$srcdir/build-aux/linux-guest" "$LG" >"$TMP/lg.log" 2>&1; then
	echo "linux: not benchmarked (Debian's i386 packages cannot be fetched here)"
	exit 0
fi
K=$LG/vmlinuz-686 I=$LG/initramfs.cpio.gz
now() { date +%s%N; }
secs() { echo "$1 $2" | awk '{ printf "%.2f", ($2 - $1) / 1e9 }'; }
wait_fast() {
	end=$(($(date +%s) + $2))
	while :; do
		tail -c +"$((SERIAL_MARK + 1))" "$TMP/serial.out" | grep -qF -- "$1" && return 0
		kill -0 "$SERIAL_PID" 2>/dev/null || return 1
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.02
	done
}
COMPUTE='i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done'
FORK='for i in $(seq 300); do /bin/busybox true; done'
RUN="echo mark-a; $COMPUTE; echo mark-b; $FORK; echo mark-c"

# guest_run LABEL CMD...: "LABEL BOOT COMPUTE FORK" (- where not reached).
guest_run() {
	label=$1
	shift
	t0=$(now)
	serial_start "$@"
	boot=- c=- f=-
	if wait_fast 'bt86 linux guest:' 120; then
		boot=$(secs "$t0" "$(now)")
		if wait_fast 'mark-a' 60; then
			ta=$(now)
			wait_fast 'mark-b' 300 && tb=$(now) && c=$(secs "$ta" "$tb") &&
				wait_fast 'mark-c' 300 && f=$(secs "$tb" "$(now)")
		fi
	fi
	serial_stop
	echo "$label $boot $c $f"
}
APPEND="console=ttyS0 quiet bt86_run=\"$RUN\""
bt=$(guest_run bt "$BT86" -m 256 --initrd "$I" --append "$APPEND" "$K")
qemu=$(command -v qemu-system-i386 || true)
q="qemu - - -"
[ -n "$qemu" ] && q=$(guest_run qemu "$qemu" -accel tcg -display none -monitor none -serial stdio -no-reboot \
	-m 256 -smp 1 -kernel "$K" -initrd "$I" -append "$APPEND")
# Natively: the same static busybox, the same loops.
BB=$LG/busybox nat_c=- nat_f=-
if "$BB" true 2>/dev/null; then
	t0=$(now); "$BB" sh -c "$COMPUTE"; t1=$(now)
	"$BB" sh -c "for i in \$($BB seq 300); do $BB true; done"; t2=$(now)
	nat_c=$(secs "$t0" "$t1") nat_f=$(secs "$t1" "$t2")
else
	echo "(this host cannot run i386 binaries: no native column)"
fi

r() { case "$1$2" in *-*) echo - ;; *) echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2fx", $1 / $2; else print "-" }' ;; esac; }
set -- $bt
bt_boot=$2 bt_c=$3 bt_f=$4
set -- $q
q_boot=$2 q_c=$3 q_f=$4
echo "Linux 686 with a busybox initramfs (one CPU, -m 256): wall-clock seconds"
printf '%-22s %8s %9s %8s %9s %9s\n' phase bt qemu-tcg native qemu/bt bt/native
printf '%-22s %8s %9s %8s %9s %9s\n' "boot to user space" "$bt_boot" "$q_boot" - "$(r "$q_boot" "$bt_boot")" -
printf '%-22s %8s %9s %8s %9s %9s\n' "compute (sh loop)" "$bt_c" "$q_c" "$nat_c" "$(r "$q_c" "$bt_c")" "$(r "$bt_c" "$nat_c")"
printf '%-22s %8s %9s %8s %9s %9s\n' "fork/exec (300 true)" "$bt_f" "$q_f" "$nat_f" "$(r "$q_f" "$bt_f")" "$(r "$bt_f" "$nat_f")"
