/* Breakpoints, watchpoints and catches: break, tbreak, delete, disable,
 * enable, watch, rwatch, awatch, catch. They live in the monitor's
 * debugstate (monitor/debug.h) and are honoured by the engine, never by
 * patching guest memory. Every change is made on the vCPU thread, followed by
 * the engine's debug_sync there: the translation cache is not thread-safe,
 * and a change made while the guest runs could miss CCFs already translated,
 * so changes are refused while it runs. */
#include "session/cmd.h"
#include "session/guestview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One change to the debug state, made on the vCPU thread. */
enum brk_op { BO_BREAK, BO_WATCH, BO_CATCH, BO_DELETE, BO_ENABLE, BO_DISABLE, BO_CLEAR };

struct brk_call {
	struct session *s;
	enum brk_op op;
	uint32_t addr, len;
	bool temporary;
	enum wp_kind wkind;
	uint64_t value;
	enum ev_kind ekind;
	const char *filter;
	int ids[CMD_MAX_ARGS];
	int nids;
	int rc[CMD_MAX_ARGS];      /* per id: 0 or -1 */
	int id;                    /* the new item's id, or -1 */
};

static void brk_sync(struct session *s)
{
	if (s->e->ops->debug_sync)
		s->e->ops->debug_sync(s->e);
	else
		machine_sync_catches(s->m);
}

static void brk_apply(void *arg)
{
	struct brk_call *c = arg;
	struct debugstate *d = &c->s->m->debug;
	switch (c->op) {
	case BO_BREAK:
		c->id = dbg_break_add(d, c->addr, c->temporary, false);
		break;
	case BO_WATCH:
		/* The value now, read on the vCPU thread so it is the guest's. */
		c->value = 0;
		struct vcpu_state vs;
		c->s->e->ops->get_state(c->s->e, &vs);
		gv_read(&c->s->m->mem, c->s->m->maxphyaddr, &vs, c->addr, &c->value, c->len);
		c->id = dbg_watch_add(d, c->addr, c->len, c->wkind, c->value);
		break;
	case BO_CATCH:
		c->id = dbg_catch_add(d, c->ekind, c->filter, false);
		break;
	case BO_DELETE:
	case BO_ENABLE:
	case BO_DISABLE:
		for (int i = 0; i < c->nids; i++)
			c->rc[i] = c->op == BO_DELETE ? dbg_delete(d, c->ids[i]) : dbg_enable(d, c->ids[i], c->op == BO_ENABLE);
		break;
	case BO_CLEAR:
		dbg_clear(d);
		break;
	}
	brk_sync(c->s);
}

static const char *brk_sym(struct session *s, uint32_t addr, char *buf, size_t len)
{
	char sym[96];
	sym_format(&s->syms, addr, sym, sizeof sym);
	snprintf(buf, len, "%s%s%s", sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
	return buf;
}

static int do_break_common(struct session *s, int argc, char **argv, bool temporary)
{
	char err[160], sym[112];
	uint32_t addr;
	if (argc > 2)
		return cmd_error(s, "%s: too many arguments (usage: %s [ADDR])", argv[0], argv[0]);
	if (argc == 1) {
		if (cmd_need_stopped(s, argv[0]) < 0)
			return -1;
		struct vcpu_state st;
		cmd_state(s, &st);
		addr = st.eip;
	} else if (cmd_parse_addr(s, argv[1], &addr, err, sizeof err) < 0) {
		return cmd_error(s, "%s: %s", argv[0], err);
	}
	/* Breakpoints are on linear addresses, as the CPU's are: one where
	 * nothing is mapped yet (a kernel's higher half before it turns paging
	 * on) is hit once code there runs. */
	bool unmapped = !cmd_mapped(s, addr, 1);
	int old = dbg_break_at(&s->m->debug, addr);
	if (old)
		return cmd_error(s, "%s: breakpoint %d is already at 0x%08x", argv[0], old, addr);
	struct brk_call c = { .s = s, .op = BO_BREAK, .addr = addr, .temporary = temporary };
	if (cmd_on_vcpu(s, argv[0], brk_apply, &c) < 0)
		return -1;
	if (c.id < 0)
		return cmd_error(s, "%s: too many breakpoints (at most %d)", argv[0], DBG_MAX);
	out_printf(s->out, "%s %d at 0x%08x%s%s\n", temporary ? "temporary breakpoint" : "breakpoint", c.id, addr,
		   brk_sym(s, addr, sym, sizeof sym), unmapped ? " (not mapped yet)" : "");
	return 0;
}

static int do_break(struct session *s, int argc, char **argv)
{
	return do_break_common(s, argc, argv, false);
}

static int do_tbreak(struct session *s, int argc, char **argv)
{
	return do_break_common(s, argc, argv, true);
}

/* delete/enable/disable [ID...]: no ids means every one. */
static int do_ids(struct session *s, int argc, char **argv, enum brk_op op)
{
	struct brk_call c = { .s = s, .op = op };
	for (int i = 1; i < argc; i++) {
		uint64_t v;
		if (cmd_parse_num(argv[i], 1, 1000000, &v) < 0)
			return cmd_error(s, "%s: bad number '%s' (a breakpoint, watchpoint or catch number)", argv[0],
					 argv[i]);
		c.ids[c.nids++] = (int)v;
	}
	if (argc == 1) {
		if (op == BO_DELETE) {
			c.op = BO_CLEAR;
		} else {
			struct dbg_snapshot sn;
			dbg_snapshot(&s->m->debug, &sn);
			for (int i = 0; i < sn.nbp && c.nids < CMD_MAX_ARGS; i++)
				if (!sn.bp[i].internal)
					c.ids[c.nids++] = sn.bp[i].id;
			for (int i = 0; i < sn.nwp && c.nids < CMD_MAX_ARGS; i++)
				c.ids[c.nids++] = sn.wp[i].id;
			for (int i = 0; i < sn.nct && c.nids < CMD_MAX_ARGS; i++)
				c.ids[c.nids++] = sn.ct[i].id;
		}
	}
	if (cmd_on_vcpu(s, argv[0], brk_apply, &c) < 0)
		return -1;
	/* Every unknown number in one error line, as for any bad input. */
	char bad[CMD_MAX_ARGS * 12] = "";
	size_t nbad = 0, used = 0;
	for (int i = 0; i < c.nids; i++)
		if (c.rc[i] < 0 && used < sizeof bad) {
			used += (size_t)snprintf(bad + used, sizeof bad - used, "%s%d", nbad ? ", " : "", c.ids[i]);
			nbad++;
		}
	if (nbad)
		return cmd_error(s, "%s: no breakpoint, watchpoint or catch number%s %s", argv[0], nbad > 1 ? "s" : "",
				 bad);
	return 0;
}

static int do_delete(struct session *s, int argc, char **argv)
{
	return do_ids(s, argc, argv, BO_DELETE);
}

static int do_enable(struct session *s, int argc, char **argv)
{
	return do_ids(s, argc, argv, BO_ENABLE);
}

static int do_disable(struct session *s, int argc, char **argv)
{
	return do_ids(s, argc, argv, BO_DISABLE);
}

static int do_watch_common(struct session *s, int argc, char **argv, enum wp_kind kind)
{
	char err[160], sym[112];
	uint32_t addr;
	uint64_t len = 4;
	if (argc < 2 || argc > 3)
		return cmd_error(s, "usage: %s ADDR [LEN]", argv[0]);
	if (cmd_parse_addr(s, argv[1], &addr, err, sizeof err) < 0)
		return cmd_error(s, "%s: %s", argv[0], err);
	if (argc == 3 && (cmd_parse_num(argv[2], 1, 8, &len) < 0 || (len & (len - 1))))
		return cmd_error(s, "%s: bad length '%s' (1, 2, 4 or 8 bytes)", argv[0], argv[2]);
	bool unmapped = !cmd_mapped(s, addr, len);
	struct brk_call c = { .s = s, .op = BO_WATCH, .addr = addr, .len = (uint32_t)len, .wkind = kind };
	if (cmd_on_vcpu(s, argv[0], brk_apply, &c) < 0)
		return -1;
	if (c.id < 0)
		return cmd_error(s, "%s: too many watchpoints (at most %d)", argv[0], DBG_MAX);
	static const char *const what[] = { [WP_WRITE] = "watchpoint", [WP_READ] = "read watchpoint",
					     [WP_ACCESS] = "access watchpoint" };
	if (unmapped)
		out_printf(s->out, "%s %d: [0x%08x]%s len %u (not mapped yet)\n", what[kind], c.id, addr,
			   brk_sym(s, addr, sym, sizeof sym), (unsigned)len);
	else
		out_printf(s->out, "%s %d: [0x%08x]%s len %u, value 0x%llx\n", what[kind], c.id, addr,
			   brk_sym(s, addr, sym, sizeof sym), (unsigned)len, (unsigned long long)c.value);
	return 0;
}

static int do_watch(struct session *s, int argc, char **argv)
{
	return do_watch_common(s, argc, argv, WP_WRITE);
}

static int do_rwatch(struct session *s, int argc, char **argv)
{
	return do_watch_common(s, argc, argv, WP_READ);
}

static int do_awatch(struct session *s, int argc, char **argv)
{
	return do_watch_common(s, argc, argv, WP_ACCESS);
}

static int do_catch(struct session *s, int argc, char **argv)
{
	char filter[64] = "";
	if (argc < 2)
		return cmd_error(s, "usage: catch EVENT-KIND [FILTER] (kinds: translate chain callout trap invalidate "
				    "retranslate interrupt exception vmexit io irq)");
	int kind = evlog_kind_parse(argv[1]);
	if (kind < 0)
		return cmd_error(s, "catch: unknown event kind '%s' (try help catch)", argv[1]);
	if (kind == EV_STOP)
		return cmd_error(s, "catch: stop events cannot be caught (they are logged as the guest stops)");
	size_t n = 0;
	if (kind == EV_IRQ && argc > 2) {
		/* catch irq N: that ISA line (the filter must not take 1 for 10-15). */
		uint64_t line;
		if (argc != 3 || cmd_parse_num(argv[2], 0, MACHINE_NR_IRQS - 1, &line) < 0)
			return cmd_error(s, "catch irq: bad line '%s' (an ISA IRQ line, 0-%d)", argv[2], MACHINE_NR_IRQS - 1);
		snprintf(filter, sizeof filter, "irq %u raised", (unsigned)line);
		argc = 2;
	}
	for (int i = 2; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (n + l + (i > 2) >= sizeof filter)
			return cmd_error(s, "catch: filter too long (at most %zu characters)", sizeof filter - 1);
		if (i > 2)
			filter[n++] = ' ';
		memcpy(filter + n, argv[i], l + 1);
		n += l;
	}
	struct brk_call c = { .s = s, .op = BO_CATCH, .ekind = (enum ev_kind)kind, .filter = filter };
	if (cmd_on_vcpu(s, "catch", brk_apply, &c) < 0)
		return -1;
	if (c.id < 0)
		return cmd_error(s, "catch: too many catches (at most %d)", DBG_MAX);
	if (kind == EV_IRQ && filter[0])
		out_printf(s->out, "catch %d: stop when a device raises ISA line %s\n", c.id, argv[2]);
	else if (filter[0])
		out_printf(s->out, "catch %d: %s events whose description contains \"%s\"\n", c.id, argv[1], filter);
	else
		out_printf(s->out, "catch %d: %s events\n", c.id, argv[1]);
	return 0;
}

const struct cmd cmd_table_break[] = {
	{ "break", "[ADDR]", "set a breakpoint at an address or symbol (default: the current EIP)",
	  "  The translator ends a TU at a breakpoint address; guest memory is never patched.\n"
	  "  ADDR: 0x1234, 1234, a symbol, symbol+0x10, $eip, $esp+4, *ADDR (the dword stored there).",
	  do_break, CC_ADDR, false },
	{ "tbreak", "[ADDR]", "set a temporary breakpoint, deleted when it is hit", NULL, do_tbreak, CC_ADDR, false },
	{ "delete", "[ID...]", "delete breakpoints, watchpoints or catches by number (all with no number)", NULL,
	  do_delete, CC_NONE, false },
	{ "disable", "[ID...]", "disable breakpoints, watchpoints or catches (all with no number)", NULL, do_disable,
	  CC_NONE, false },
	{ "enable", "[ID...]", "enable breakpoints, watchpoints or catches (all with no number)", NULL, do_enable,
	  CC_NONE, false },
	{ "watch", "ADDR [LEN]", "stop after the guest writes a new value to [ADDR, ADDR+LEN) (LEN 1 2 4 8, default 4)",
	  "  The stop shows the old and the new value. Watched pages are protected in the\n"
	  "  translator's window; a write of the same value does not stop, as in gdb.",
	  do_watch, CC_ADDR, false },
	{ "rwatch", "ADDR [LEN]", "stop after the guest reads [ADDR, ADDR+LEN)", NULL, do_rwatch, CC_ADDR, false },
	{ "awatch", "ADDR [LEN]", "stop after the guest reads or writes [ADDR, ADDR+LEN)", NULL, do_awatch, CC_ADDR,
	  false },
	{ "catch", "EVENT-KIND [FILTER]", "stop at every event of a kind (whose description contains FILTER)",
	  "  Event kinds: translate chain callout trap invalidate retranslate interrupt exception vmexit io irq.\n"
	  "  Example: catch callout out   (stop at callouts whose description mentions 'out').\n"
	  "  catch irq N stops when a device raises ISA line N (a rising edge at the interrupt\n"
	  "  controllers, whether or not it is masked; the vector delivered is an interrupt event).",
	  do_catch, CC_EVENT, false },
	{ NULL, NULL, NULL, NULL, NULL, CC_NONE, false },
};
