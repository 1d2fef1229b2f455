#!/bin/sh
# The layers depend one way (docs/design.md): ui, gdb -> session -> engine ->
# monitor. Every #include "DIR/..." in a folder must name that folder or one
# below it, and the GDB protocol core (gdb/rsp*, regs_i386, transport_tcp)
# includes nothing of bt86 outside gdb/. And the front ends (ui, session,
# gdb) reach the debug state, the runner, the event log and the UART only
# through their accessors: none takes their locks or walks their tables.
# Fails naming each include or line that breaks a rule.
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
# forbid FILE WHAT ERE: each line of FILE matching ERE, comments aside.
forbid() {
	hits=$(grep -nE "$3" "$1" | sed 's|/[*].*[*]/||g' | grep -vE '^[0-9]+:[[:space:]]*(/[*]|[*]([[:space:]/]|$)|//)' |
		grep -E "$3")
	[ -n "$hits" ] || return 0
	printf '%s\n' "$hits" | sed "s|^\([0-9]*\):[[:space:]]*|layers: $1:\1: $2: |"
	bad=1
}
# guard STRUCT MEMBERS FIELDS WHAT FILES...: no FIELDS of a struct STRUCT,
# reached through a member named in MEMBERS (m->debug.lock, s->r->lock) or
# through a name the file declares as one (struct debugstate *d: d->lock).
W='([^A-Za-z0-9_]|$)'
guard() {
	st=$1 members=$2 fields=$3 what=$4
	shift 4
	for f in "$@"; do
		[ -f "$f" ] || continue
		names=$(grep -oE "struct $st[[:space:]]+[*]?[[:space:]]*(const[[:space:]]+)?[A-Za-z_][A-Za-z0-9_]*" "$f" |
			sed 's/.*[[:space:]*]//' | sort -u | paste -s -d '|' -)
		pre="[.>]($members)(->|[.])"
		[ -n "$names" ] && pre="($pre|(^|[^A-Za-z0-9_.>])($names)(->|[.]))"
		forbid "$f" "$what" "$pre($fields)"
	done
}
fronts="ui/*.c ui/*.h session/*.c session/*.h gdb/*.c gdb/*.h"
guard debugstate debug "(lock|nbp|nwp|nct|next_id|next_internal)$W|(bp|wp|ct)\\[" \
		"the debug state's lock or tables (use monitor/debug.h: dbg_break_at, dbg_snapshot)" $fronts
guard runner "r|runner" "(lock|cond|state|stops|last|notifying)$W" \
		"the runner's lock or fields (use engine/runner.h: runner_status, runner_stop_count)" $fronts
guard evlog events "lock$W" "the event log's lock (use monitor/evlog.h)" $fronts
guard uart "com1|uart" "lock$W" "the UART's lock (use monitor/uart.h: uart_status)" $fronts
# A folder's library must exist for each layer, and nothing else.
for lib in monitor/libmonitor.a engine/libengine.a session/libsession.a gdb/libgdb.a ui/libui.a; do
	grep -q "$lib" Makefile.am || { echo "layers: Makefile.am builds no $lib"; bad=1; }
done
[ $bad = 0 ] && echo "layers: every include follows ui, gdb -> session -> engine -> monitor; front ends use the accessors"
exit $bad
