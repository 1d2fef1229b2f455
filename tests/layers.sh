#!/bin/sh
# The layers depend one way (docs/design.md): ui, gdb -> session -> engine ->
# monitor. Every #include "DIR/..." in a folder must name that folder or one
# below it, and the GDB protocol core (gdb/rsp*, regs_i386, transport_tcp)
# includes nothing of bt86 outside gdb/. Fails naming each include that
# breaks a rule.
. "${srcdir:-.}/tests/lib.sh"

top=${srcdir:-.}
bad=0
# check FILES... -- ALLOWED-DIRS...
check() {
	files=""
	while [ "$1" != "--" ]; do files="$files $1"; shift; done
	shift
	for f in $files; do
		[ -f "$f" ] || continue
		for dir in $(sed -n 's/^#include "\([a-z_]*\)\/.*/\1/p' "$f" | sort -u); do
			ok=0
			for a in "$@"; do [ "$dir" = "$a" ] && ok=1; done
			if [ $ok = 0 ]; then
				echo "layers: $f includes $dir/ (allowed: $*)"
				bad=1
			fi
		done
	done
}

cd "$top" || exit 1
check monitor/*.c monitor/*.h -- monitor
check engine/*.c engine/*.h engine/*.S -- engine monitor
check session/*.c session/*.h -- session engine monitor
check gdb/rsp*.c gdb/rsp*.h gdb/regs_i386.* gdb/transport_tcp.* -- gdb
check gdb/glue.* gdb/server.* -- gdb session engine monitor
check ui/*.c ui/*.h -- ui gdb session engine monitor
# The seams: engines reach interrupt controllers only through the machine
# (machine_intr_pending/ack), and front ends ask an engine what it can do
# (engine_has, ENGINE_CAP_*), never its name.
hits=$(grep -n 'pic_intr\|pic_ack\|m->pic\b\|->pic)' engine/*.c engine/*.h 2>/dev/null)
if [ -n "$hits" ]; then
	echo "layers: an engine calls an interrupt controller directly (use machine_intr_pending/ack):"
	echo "$hits"
	bad=1
fi
hits=$(grep -n 'ops->name[^;]*"\(bt\|kvm\)"\|"\(bt\|kvm\)"[^;]*ops->name\|engine_bt_ops\|engine_kvm_ops\|strcmp([^)]*ops->name' \
	ui/*.c session/*.c gdb/*.c 2>/dev/null)
if [ -n "$hits" ]; then
	echo "layers: a front end asks an engine's name (test a capability, engine_has):"
	echo "$hits"
	bad=1
fi
# A folder's library must exist for each layer, and nothing else.
for lib in monitor/libmonitor.a engine/libengine.a session/libsession.a gdb/libgdb.a ui/libui.a; do
	grep -q "$lib" Makefile.am || { echo "layers: Makefile.am builds no $lib"; bad=1; }
done
[ $bad = 0 ] && echo "layers: every include follows ui, gdb -> session -> engine -> monitor"
exit $bad
