# Debian's i386 Linux for the tests (sourced after tests/lib.sh):
# linux_guest fetches and builds it once per build tree with
# build-aux/linux-guest into $builddir/linux-guest (tests running in
# parallel wait for the first), or skips the test where the packages cannot
# be fetched. BT86_LINUX_GUEST=DIR uses a directory made earlier instead.
# After it, $LG holds vmlinuz-686, vmlinuz-686-pae, initramfs.cpio.gz,
# System.map-686, System.map-686-pae and busybox.
linux_guest() {
	if [ -n "${BT86_LINUX_GUEST:-}" ]; then
		LG=$BT86_LINUX_GUEST
	else
		LG=$(cd "$builddir" && pwd)/linux-guest
	fi
	cache_lock "$LG" 15
	if ! BT86=$(cd "$(dirname "$BT86")" && pwd)/$(basename "$BT86") "$srcdir/build-aux/linux-guest" "$LG" >"$TMP/linux-guest.log" 2>&1; then
		cache_unlock "$LG"
		sed 's/^/  | /' "$TMP/linux-guest.log" | tail -20
		skip_all "Debian's i386 kernel and busybox packages cannot be fetched here"
	fi
	cache_unlock "$LG"
	for f in vmlinuz-686 vmlinuz-686-pae initramfs.cpio.gz System.map-686 System.map-686-pae; do
		[ -s "$LG/$f" ] || skip_all "build-aux/linux-guest left no $LG/$f"
	done
}

# The kernel's messages that bt86 does not cause, each with its reason
# (docs/linux.md, "What dmesg says"); linux_dmesg_unexplained filters them
# out of the lines that look like complaints.
linux_dmesg_unexplained() {
	grep -v -e 'NX (Execute Disable) protection cannot be enabled: non-PAE kernel' \
		-e 'L1TF: Kernel not compiled for PAE' \
		-e 'Performance Events: unsupported p6 CPU model' \
		-e 'PCI: Using host bridge windows from ACPI; if necessary, use "pci=nocrs" and report a bug' \
		-e 'intel_pstate: CPU model not supported' \
		-e 'iommu: DMA domain TLB invalidation policy' \
		-e 'PM-Timer running at invalid rate: 1[0-9][0-9]% of normal - aborting' \
		-e 'Unknown kernel command line parameters' \
		-e 'will be passed to user space' \
		-e 'dmesg | grep'
}
LINUX_COMPLAINTS='warn|fail|error|bug|unsupp|invalid|not present|cannot|unable|fixme|broken|taint|firmware'
