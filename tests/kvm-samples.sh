#!/bin/sh
# Every sample under --engine=kvm gives the expected serial output and exit
# status (tests/expected, checked against QEMU by qemu-samples.sh).
# A sample the KVM backend cannot emulate (kvm_pvm and x87/SSE) is skipped.
. "${srcdir:-.}/tests/lib.sh"

kvm_usable || skip_all "/dev/kvm is missing or not accessible"
for name in $(sample_names); do
	run_sample kvm "$name"
	check_sample kvm "$name"
done
finish
