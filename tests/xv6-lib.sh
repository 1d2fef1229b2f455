# xv6 for the tests (sourced after tests/lib.sh): xv6_build builds it once
# per build tree, from ../shared/guests' build-xv6, into $builddir/xv6-guest
# (tests running in parallel wait for the first build), or skips the test.
# After it, $XV6 holds kernel and fs.img; copy fs.img before booting it:
# xv6's usertests refuses to run twice on one image.
xv6_build() {
	guests=${BT86_GUESTS:-$srcdir/../shared/guests}
	[ -x "$guests/build-xv6" ] || skip_all "no $guests/build-xv6 (the shared guests are not beside this tree)"
	command -v perl >/dev/null 2>&1 || skip_all "perl is needed to build xv6"
	XV6=$(cd "$builddir" && pwd)/xv6-guest
	cache_lock "$XV6" 10
	if [ ! -s "$XV6/kernel" ] || [ ! -s "$XV6/fs.img" ]; then
		if ! "$guests/build-xv6" "$XV6" >"$TMP/build.log" 2>&1; then
			cache_unlock "$XV6"
			sed 's/^/  | /' "$TMP/build.log" | tail -20
			skip_all "xv6 does not build here"
		fi
	fi
	cache_unlock "$XV6"
}
