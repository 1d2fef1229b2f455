#!/bin/sh
# qemu-samples.sh — run every sample guest under QEMU TCG, the reference
# machine, and compare its serial output and exit status with
# tests/expected/NAME.out and NAME.status. This checks the samples and
# their expected files; the bt86 tests then hold bt86 to the same files.
#
# Run by `make check` (automake sets srcdir and builddir), or by hand from
# the build directory: srcdir=.. sh ../tests/qemu-samples.sh
# Exit status: 0 all match, 1 a mismatch, 77 skipped (no QEMU), 99 error.

srcdir=${srcdir:-.}
builddir=${builddir:-.}
qemu=${QEMU:-qemu-system-i386}

if ! command -v "$qemu" >/dev/null 2>&1; then
	echo "qemu-samples: $qemu not installed, skipping" >&2
	exit 77
fi

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

failed=0
count=0
for expected in "$srcdir"/tests/expected/*.out; do
	name=$(basename "$expected" .out)
	elf=$builddir/samples/$name.elf
	if [ ! -f "$elf" ]; then
		echo "qemu-samples: $elf missing: build the samples first" >&2
		exit 99
	fi
	# -nodefaults: no monitor, VGA or NIC, so stdout is only COM1.
	# isa-debug-exit at 0xf4 makes QEMU exit with (v << 1) | 1.
	timeout 60 "$qemu" -accel tcg -m 64 -display none -nodefaults \
		-no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-chardev stdio,id=com1 -serial chardev:com1 \
		-kernel "$elf" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
	status=$?
	count=$((count + 1))
	want=$(cat "$srcdir/tests/expected/$name.status")
	ok=yes
	if ! cmp -s "$expected" "$tmp/$name.out"; then
		echo "FAIL: $name: output differs from $expected:"
		diff -u "$expected" "$tmp/$name.out"
		ok=no
	fi
	if [ "$status" != "$want" ]; then
		echo "FAIL: $name: exit status $status, expected $want"
		[ "$status" = 124 ] && echo "  (timed out after 60 s)"
		sed 's/^/  qemu: /' "$tmp/$name.err"
		ok=no
	fi
	if [ "$ok" = yes ]; then
		echo "PASS: $name"
	else
		failed=$((failed + 1))
	fi
done

if [ "$count" = 0 ]; then
	echo "qemu-samples: no tests/expected/*.out under $srcdir" >&2
	exit 99
fi
echo "qemu-samples: $((count - failed)) of $count samples match QEMU"
[ "$failed" = 0 ]
