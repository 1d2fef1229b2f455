# Shared helpers for the integration test scripts (sourced, not run).
# automake's harness sets srcdir, builddir and BT86; running a script by hand
# from the build directory works too.
srcdir=${srcdir:-.}
builddir=${builddir:-.}
BT86=${BT86:-$builddir/bt86}
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bt86-$TEST_NAME.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failures=0
passes=0
skips=0

skip_all() { echo "SKIP: $TEST_NAME: $*" >&2; exit 77; }
pass() { passes=$((passes + 1)); echo "ok: $*"; }
fail() { failures=$((failures + 1)); echo "FAIL: $*"; }
skip_one() { skips=$((skips + 1)); echo "skip: $*"; }

# The samples that have expected output, in a stable order.
sample_names() {
	for f in "$srcdir"/tests/expected/*.out; do
		basename "$f" .out
	done
}

# cache_lock DIR MINUTES: hold DIR.lock (a guest build shared by tests
# running in parallel), waiting for another test's hold; skips the test if
# it is held that long. cache_unlock DIR lets the next one in.
cache_lock() {
	i=0
	until mkdir "$1.lock" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt $(($2 * 60)) ] || skip_all "$1.lock held for $2 minutes"
		sleep 1
	done
}
cache_unlock() { rmdir "$1.lock"; }

kvm_usable() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }

# finish: the exit status automake expects (0 pass, 1 fail, 77 all skipped).
finish() {
	echo "$TEST_NAME: $passes passed, $failures failed, $skips skipped"
	if [ "$failures" -ne 0 ]; then exit 1; fi
	if [ "$passes" -eq 0 ] && [ "$skips" -ne 0 ]; then exit 77; fi
	exit 0
}

# run_sample ENGINE NAME: runs a sample with its expected args; sets $status and
# leaves its stdout in $TMP/NAME.out and its stderr in $TMP/NAME.err.
run_sample() {
	args=""
	[ -f "$srcdir/tests/expected/$2.args" ] && args=$(cat "$srcdir/tests/expected/$2.args")
	timeout "${BT86_TEST_TIMEOUT:-300}" "$BT86" --engine="$1" --cmdline="$args" \
		"$builddir/samples/$2.elf" >"$TMP/$2.out" 2>"$TMP/$2.err" </dev/null
	status=$?
}

# check_sample ENGINE NAME: compares a run_sample result with the expected files.
check_sample() {
	want_status=$(cat "$srcdir/tests/expected/$2.status")
	if [ "$status" = 6 ] && grep -q "cannot emulate" "$TMP/$2.err"; then
		skip_one "$2 on $1: $(head -n 1 "$TMP/$2.err" | tail -n 1)"
		return
	fi
	if ! cmp -s "$TMP/$2.out" "$srcdir/tests/expected/$2.out"; then
		fail "$2 on $1: serial output differs"
		diff -u "$srcdir/tests/expected/$2.out" "$TMP/$2.out" | head -n 40
		sed 's/^/  stderr: /' "$TMP/$2.err" | head -n 5
	elif [ "$status" != "$want_status" ]; then
		fail "$2 on $1: exit status $status, expected $want_status"
		sed 's/^/  stderr: /' "$TMP/$2.err" | head -n 5
	else
		pass "$2 on $1"
	fi
}
