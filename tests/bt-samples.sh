#!/bin/sh
# Every sample under --engine=bt (the binary translator) gives the expected
# serial output and exit status (tests/expected, checked against QEMU by
# qemu-samples.sh and against KVM by kvm-samples.sh).
. "${srcdir:-.}/tests/lib.sh"

for name in $(sample_names); do
	run_sample bt "$name"
	check_sample bt "$name"
done
finish
