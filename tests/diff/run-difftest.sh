#!/bin/sh
# The differential tester: random non-privileged instruction sequences run
# natively (the 32-bit helper diffnative), under the bt engine and, for the
# first few flat cases, under KVM; see tests/diff/difftest.c. One run per
# mode (flat, ring3, paging, segbase, mixed), then the regression cases:
# replays of mismatches the soak found (tests/diff/README.md lists them).
# With arguments, only `difftest ARGS` runs. Exit status as automake
# expects: 0 pass, 1 fail, 77 skip.
builddir=${builddir:-.}
difftest="$builddir/tests/diff/difftest"
native="$builddir/tests/diff/diffnative"

if [ $# -gt 0 ]; then
	exec "$difftest" --native "$native" "$@"
fi

# mode count (the flat run keeps the first 20 cases on KVM too)
runs="flat:3000 ring3:3000 paging:3000 segbase:3000 mixed:5000"
# Regression cases: mode:seed:index, replays of mismatches found and fixed.
#  XLAT with an FS/GS override (bt refused to translate it): plain bases,
#  and ones where EBX + AL + base wraps modulo 2^32 (60, 390, 567, 630)
regressions="
segbase:1:409 segbase:1:60 segbase:1:390 segbase:1:567 segbase:1:630
"

status=0
ran=0
for r in $runs; do
	mode=${r%%:*}
	count=${r#*:}
	kvm=0
	[ "$mode" = flat ] && kvm=20
	printf "mode %-8s " "$mode"
	"$difftest" --native "$native" --mode "$mode" --count "$count" --kvm-count "$kvm" --quiet
	rc=$?
	case $rc in
	0) ran=$((ran + 1)) ;;
	77) echo "difftest --mode $mode skipped" ;;
	*) echo "FAIL: difftest --mode $mode --count $count (exit $rc)"; status=1 ;;
	esac
done
[ $ran -gt 0 ] && for r in $regressions; do
	mode=${r%%:*}
	rest=${r#*:}
	seed=${rest%%:*}
	index=${rest#*:}
	if ! "$difftest" --native "$native" --mode "$mode" --seed "$seed" --first "$index" --count 1 \
		--kvm-count 0 --quiet >/dev/null; then
		echo "FAIL: regression case --mode $mode --seed $seed --first $index"
		"$difftest" --native "$native" --mode "$mode" --seed "$seed" --first "$index" --count 1 --kvm-count 0
		status=1
	fi
done
[ -n "$regressions" ] && [ $status -eq 0 ] && echo "difftest: $(echo $regressions | wc -w) regression cases passed"
if [ $status -eq 0 ] && [ $ran -eq 0 ]; then
	echo "SKIP: difftest could not run here"
	exit 77
fi
exit $status
