#!/bin/sh
# The libFuzzer targets (tests/fuzz/fuzz_*.c): first every input that once
# crashed one (tests/fuzz/regress/NAME/, run once each), then each target for
# FUZZ_SECONDS on its seed corpus (tests/fuzz/corpus/NAME/), printing its
# executions. `make check` runs it for 10 s a target on a scratch copy of the
# corpus; `make fuzz` (FUZZ_MODE=long) for FUZZ_SECONDS (600) each, keeping the
# grown corpus in tests/fuzz/work/NAME/ and crashes in tests/fuzz/crashes/.
# FUZZ_TARGETS="rsp cmd" picks targets. A crash fails the test and names the
# input that reproduces it (run the target with that file as its argument).
. "${srcdir:-.}/tests/lib.sh"

[ "${FUZZ_ENABLED:-no}" = yes ] ||
	skip_all "configure found no clang that links -fsanitize=fuzzer (install clang and libclang-rt-14-dev)"

mode=${FUZZ_MODE:-check}
seconds=${FUZZ_SECONDS:-10}
targets=${FUZZ_TARGETS:-rsp loader cmd devices}
if [ "$mode" = long ]; then
	work=$builddir/tests/fuzz/work
	crashes=$builddir/tests/fuzz/crashes
else
	work=$TMP/work
	crashes=$TMP/crashes
fi
mkdir -p "$work" "$crashes"

# Arguments a target needs beyond the common ones.
target_args() {
	case $1 in
	rsp) echo "-max_len=20000" ;;   # past RSP_PACKET_SIZE, for the oversized paths
	cmd) echo "-max_len=4096" ;;
	*) echo "" ;;
	esac
}

# stat NAME LOG: a libFuzzer final statistic.
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

# Show why a run failed: the sanitizer's or the target's own words.
show_failure() {
	grep -E 'ERROR: |SUMMARY: |fuzz_[a-z]+: |runtime error|Test unit written|^==[0-9]+==' "$1" | head -n 12 | sed 's/^/  /'
}

for name in $targets; do
	bin=$builddir/tests/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		fail "$name: $bin was not built"
		continue
	fi
	# The regressions: each file runs once.
	reg=$srcdir/tests/fuzz/regress/$name
	if [ -d "$reg" ] && [ -n "$(ls "$reg")" ]; then
		n=$(ls "$reg" | wc -l)
		if "$bin" $(target_args "$name") "$reg"/* >"$TMP/$name.regress.log" 2>&1; then
			pass "$name: $n regression inputs replayed"
		else
			fail "$name: a regression input fails again"
			show_failure "$TMP/$name.regress.log"
		fi
	fi
	# The fuzzing run: new inputs go to the work directory, never the seeds.
	mkdir -p "$work/$name"
	log=$TMP/$name.fuzz.log
	start=$(date +%s)
	timeout $((seconds * 2 + 120)) "$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/$name-" $(target_args "$name") \
		"$work/$name" "$srcdir/tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	elapsed=$(($(date +%s) - start))
	execs=$(stat number_of_executed_units "$log")
	rate=$(stat average_exec_per_sec "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	files=$(ls "$work/$name" | wc -l)
	echo "fuzz $name: ${execs:-?} executions in ${elapsed} s (${rate:-?}/s), coverage ${cov:-?}, $files new corpus files"
	if [ "$rc" -eq 0 ]; then
		pass "$name: fuzzed ${seconds} s without a crash"
	else
		fail "$name: the fuzzer stopped with status $rc"
		show_failure "$log"
		if [ "$mode" != long ]; then
			# Keep the crashing input where the build tree survives the test.
			mkdir -p "$builddir/tests/fuzz/crashes"
			cp "$crashes/$name-"* "$builddir/tests/fuzz/crashes/" 2>/dev/null &&
				echo "  saved in $builddir/tests/fuzz/crashes/ (add it to tests/fuzz/regress/$name/ once fixed)"
		fi
	fi
done
finish
