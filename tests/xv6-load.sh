#!/bin/sh
# xv6 (../shared/guests, built by its build-xv6) loads as QEMU's -kernel
# loads it: segments by physical address, entered at its physical entry
# 0x10000c with the multiboot state, and its first instructions run under
# the translator (it turns on paging and jumps to its higher half). Booting
# it to a shell needs the platform of the next issue (MP table, APICs,
# IDE); this checks the loader's part. Skips where the guests are absent.
. "${srcdir:-.}/tests/lib.sh"

guests=${BT86_GUESTS:-$srcdir/../shared/guests}
[ -x "$guests/build-xv6" ] || skip_all "no $guests/build-xv6 (the shared guests are not beside this tree)"
command -v perl >/dev/null 2>&1 || skip_all "perl is needed to build xv6"
if ! "$guests/build-xv6" "$TMP/xv6" >"$TMP/build.log" 2>&1; then
	sed 's/^/  | /' "$TMP/build.log" | tail -20
	skip_all "xv6 does not build here"
fi

# At entry: EIP 0x10000c (physical), EAX the multiboot magic.
printf 'info registers\nstepi 40\ninfo cr\n' >"$TMP/entry.cmds"
timeout 60 "$BT86" -m 512 -x "$TMP/entry.cmds" "$TMP/xv6/kernel" >"$TMP/entry.out" 2>&1 </dev/null
if grep -q '^eip *0x0010000c' "$TMP/entry.out" && grep -q '^eax *0x2badb002' "$TMP/entry.out"; then
	pass "xv6: entered at its physical entry 0x10000c with the multiboot magic"
else
	fail "xv6: not at 0x10000c with EAX 0x2badb002"
	sed 's/^/  | /' "$TMP/entry.out" | head -20
fi
# Forty instructions on, its entry code has turned paging on (CR0.PG) and
# runs in its higher half.
if grep -Eq '^cr0 +0x8[0-9a-f]{7}' "$TMP/entry.out" && grep -Eq '^0x801[0-9a-f]{5} <' "$TMP/entry.out"; then
	pass "xv6: its entry code enabled paging and jumped to 0x801xxxxx"
else
	fail "xv6: paging and the higher half not reached"
	sed 's/^/  | /' "$TMP/entry.out" | tail -30
fi
finish
