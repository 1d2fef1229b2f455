#!/bin/sh
# Bad input gets one clear line on stderr and a non-zero exit, never a crash:
# missing file, not ELF, 64-bit ELF, no multiboot header, segments outside RAM,
# RAM too small or too large, unknown or malformed options, bad disk images
# (missing, a directory, empty, used twice) and drive indexes.
. "${srcdir:-.}/tests/lib.sh"

# expect_error STATUS PATTERN ARGS...: bt86 ARGS exits with STATUS and prints
# exactly one stderr line, starting "bt86: " and matching PATTERN (grep -E).
expect_error() {
	want=$1 pattern=$2
	shift 2
	timeout 60 "$BT86" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	st=$?
	lines=$(wc -l <"$TMP/err")
	if [ "$st" != "$want" ]; then
		fail "bt86 $*: exit status $st, expected $want ($(head -c 300 "$TMP/err"))"
	elif [ "$lines" != 1 ]; then
		fail "bt86 $*: $lines lines on stderr, expected 1: $(cat "$TMP/err")"
	elif ! grep -Eq "^bt86: .*$pattern" "$TMP/err"; then
		fail "bt86 $*: message '$(cat "$TMP/err")' does not match '$pattern'"
	elif [ -s "$TMP/out" ]; then
		fail "bt86 $*: unexpected output on stdout"
	else
		pass "bt86 $*: $(cat "$TMP/err")"
	fi
}

hello="$builddir/samples/hello.elf"
big="$builddir/samples/sieve.elf"          # its .bss needs more than 2 MiB
native="$builddir/samples/native/sieve"    # a 32-bit ELF without a multiboot header
printf 'just some text, not a kernel\n' >"$TMP/text"
: >"$TMP/empty"
head -c 30 "$hello" >"$TMP/truncated"

expect_error 2 "No such file" "$TMP/missing.elf"
expect_error 2 "not a regular file" "$TMP"
expect_error 2 "empty" "$TMP/empty"
expect_error 2 "not an ELF file" "$TMP/text"
expect_error 2 "truncated" "$TMP/truncated"
expect_error 2 "64-bit ELF" "$BT86"
expect_error 2 "no multiboot header" "$native"
expect_error 2 "outside guest RAM" -m 2M "$big"
expect_error 2 "out of range" -m 1M "$hello"
expect_error 2 "out of range" -m 8G "$hello"
expect_error 2 "bad memory size" -m lots "$hello"
expect_error 2 "unknown option '--frobnicate'" --frobnicate "$hello"
expect_error 2 "unknown option '-q'" -q "$hello"
expect_error 2 "unknown engine 'warp'" --engine=warp "$hello"
expect_error 2 "unknown CPU model 'k6' .models: bt86 p6 pentium 486 host" --cpu=k6 "$hello"
expect_error 2 "unknown CPU model ''" --cpu= "$hello"
expect_error 2 "needs an argument" -m
expect_error 2 "no guest given"
expect_error 2 "unexpected argument" "$hello" extra
# Disk images: each refusal names the file; the drive index is checked.
head -c 1024 /dev/zero >"$TMP/disk.img"
expect_error 2 "disk image '$TMP/missing.img': No such file" --disk "$TMP/missing.img" "$hello"
expect_error 2 "disk image '$TMP': Is a directory" --disk "$TMP" "$hello"
expect_error 2 "disk image '$TMP': not a regular file" --disk "1=$TMP,readonly" "$hello"
expect_error 2 "disk image '$TMP/empty': empty" --disk "2=$TMP/empty" "$hello"
expect_error 2 "disk image '$TMP/disk.img': in use" --disk "$TMP/disk.img" --disk "1=$TMP/disk.img" "$hello"
expect_error 2 "bad drive index" --disk "4=$TMP/disk.img" "$hello"
expect_error 2 "drive 0 is already given" --disk "$TMP/disk.img" --disk "0=$TMP/disk.img" "$hello"
expect_error 2 "no image file" --disk "3=" "$hello"
finish
