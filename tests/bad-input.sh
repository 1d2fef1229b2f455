#!/bin/sh
# Bad input gets one clear line on stderr and a non-zero exit, never a crash:
# missing file, not ELF, 64-bit ELF, no multiboot header, segments outside RAM,
# RAM too small or too large, unknown or malformed options, bad disk images
# (missing, a directory, empty, used twice) and drive indexes; Linux bzImages
# that are truncated, too old, 64-bit or too big for RAM, an initrd that is
# missing or does not fit, --initrd with a multiboot kernel (and, as the
# control, the same synthetic bzImage unbroken boots and checks its entry).
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
# A synthetic bzImage (boot protocol 2.15, 2 setup sectors, a 2 KiB kernel
# at 0x600 that exits 5 if ESI is boot_params and CS is 0x10, else 7).
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
mkbz() {
	head -c 3584 /dev/zero >"$1"
	poke "$1" 497 '\002'                 # 0x1f1 setup_sects
	poke "$1" 500 '\200'                 # 0x1f4 syssize: 128 paragraphs
	poke "$1" 510 '\125\252'             # 0x1fe boot flag 0xaa55
	poke "$1" 512 '\353\152HdrS'         # 0x200 jmp to 0x26c, 0x202 "HdrS"
	poke "$1" 518 "$2"                   # 0x206 version
	poke "$1" 529 '\001'                 # 0x211 loadflags: LOADED_HIGH
	poke "$1" 532 '\000\000\020\000'     # 0x214 code32_start 0x100000
	poke "$1" 556 '\377\377\377\177'     # 0x22c initrd_addr_max
	poke "$1" 560 '\000\000\020\000\001' # 0x230 kernel_alignment 1 MiB, relocatable
	poke "$1" 568 '\377\007'             # 0x238 cmdline_size 2047
	poke "$1" 600 '\000\000\020\000'     # 0x258 pref_address 0x100000
	poke "$1" 608 '\000\000\001\000'     # 0x260 init_size 64 KiB
	poke "$1" 1536 '\201\376\000\000\001\000\165\015\146\214\310\146\203\370\020\165\004\260\005\346\364\260\007\346\364\364'
}
mkbz "$TMP/bzImage" '\017\002'
timeout 60 "$BT86" --append "console=ttyS0" "$TMP/bzImage" >"$TMP/out" 2>"$TMP/err" </dev/null
st=$?
if [ "$st" = 11 ]; then
	pass "synthetic bzImage boots at code32_start with ESI = boot_params and CS = 0x10"
else
	fail "synthetic bzImage: exit status $st, expected 11 ($(head -c 300 "$TMP/err"))"
fi
head -c 3000 "$TMP/bzImage" >"$TMP/bz-truncated"
head -c 1000 "$TMP/bzImage" >"$TMP/bz-setup-cut"
mkbz "$TMP/bz-old" '\001\002'
cp "$TMP/bzImage" "$TMP/bz-64"
poke "$TMP/bz-64" 566 '\003'                # 0x236 xloadflags: XLF_KERNEL_64
cp "$TMP/bzImage" "$TMP/bz-huge"
poke "$TMP/bz-huge" 608 '\000\000\000\010'  # init_size 128 MiB
truncate -s 70000000 "$TMP/initrd-big"   # sparse
expect_error 2 "truncated bzImage: the header says 2048 bytes" "$TMP/bz-truncated"
expect_error 2 "truncated bzImage" "$TMP/bz-setup-cut"
expect_error 2 "kernel too old: boot protocol 2.01, need 2.02 or later" "$TMP/bz-old"
expect_error 2 "64-bit kernel: bt86 runs 32-bit guests" "$TMP/bz-64"
expect_error 2 "kernel does not fit in RAM" "$TMP/bz-huge"
expect_error 2 "initrd $TMP/missing.img: No such file" --initrd "$TMP/missing.img" "$TMP/bzImage"
expect_error 2 "initrd $TMP/initrd-big .* does not fit" --initrd "$TMP/initrd-big" "$TMP/bzImage"
expect_error 2 "--initrd is for a Linux bzImage" --initrd "$TMP/text" "$hello"
expect_error 2 "takes no --module" --module "$TMP/text" "$TMP/bzImage"
finish
