#!/bin/sh
# The differential tester's soak: N random cases (default 1000000) against
# the host CPU, spread evenly over the modes flat, ring3, paging, segbase
# and mixed, in chunks of CHUNK cases (default 50000), each chunk with its own
# seed (1000, 1001, ... per mode). Progress is kept in DIR/done (one line
# per finished chunk: mode seed count status seconds), so an interrupted
# soak picks up where it stopped; a chunk's full output is DIR/MODE-SEED.log.
# At the end: cases run per mode, failed chunks, wall time. Exit status 0
# if every chunk passed.
#
#   tests/diff/soak.sh [N]          # or: make soak SOAK_COUNT=N
#   env: CHUNK, SOAK_DIR (default tests/diff/soak), DIFFTEST (the driver),
#        SOAK_MODES (a subset, in some order: two soaks sharing SOAK_DIR on
#        disjoint subsets use two cores; each mode still gets N/5 cases)
builddir=${builddir:-.}
total=${1:-1000000}
chunk=${CHUNK:-50000}
dir=${SOAK_DIR:-$builddir/tests/diff/soak}
difftest=${DIFFTEST:-$builddir/tests/diff/difftest}
native=$builddir/tests/diff/diffnative
modes=${SOAK_MODES:-flat ring3 paging segbase mixed}

case $total$chunk in
*[!0-9]*) echo "soak.sh: N and CHUNK must be numbers, not '$total' and '$chunk'" >&2; exit 2 ;;
esac
[ "$chunk" -gt 0 ] || { echo "soak.sh: CHUNK must be positive" >&2; exit 2; }
[ -x "$difftest" ] || { echo "soak.sh: no $difftest (make check builds it)" >&2; exit 2; }
mkdir -p "$dir" || exit 2
touch "$dir/done"

per_mode=$(( total / 5 ))
start=$(date +%s)
for mode in $modes; do
	left=$per_mode
	seed=1000
	while [ "$left" -gt 0 ]; do
		n=$chunk
		[ "$n" -gt "$left" ] && n=$left
		if ! grep -q "^$mode $seed $n " "$dir/done"; then
			t0=$(date +%s)
			"$difftest" --native "$native" --mode "$mode" --seed "$seed" --count "$n" --kvm-count 0 \
				>"$dir/$mode-$seed.log" 2>&1
			rc=$?
			st=pass
			[ $rc -eq 0 ] || st="FAIL($rc)"
			echo "$mode $seed $n $st $(( $(date +%s) - t0 ))" >>"$dir/done"
			echo "soak: $mode seed $seed: $n cases: $st ($(tail -n 1 "$dir/$mode-$seed.log"))"
		fi
		left=$(( left - n ))
		seed=$(( seed + 1 ))
	done
done

echo "soak: $total cases requested, this run took $(( $(date +%s) - start )) s; from $dir/done:"
awk '{ n[$1] += $3; t += $5; if ($4 != "pass") { bad[$1]++; nb++ } }
     END { for (m in n) printf "  %-8s %8d cases, %d failed chunks\n", m, n[m], bad[m];
	   printf "  chunk time in all: %d s\n", t; exit nb > 0 }' "$dir/done"
