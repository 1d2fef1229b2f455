/* Guest memory: x/FMT ADDR in gdb's formats, and disas (guest code with
 * Capstone, symbols, the EIP and breakpoints marked). Memory is read through
 * the monitor's physical view, which any thread may read (paging is not
 * supported by the engines yet, so a linear address is a physical one). */
#include "session/cmd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/disas.h"

#define X_MAX_COUNT 4096
#define DISAS_MAX_COUNT 1000
#define X_STRING_MAX 200

/* The breakpoint marks for disassembly: 'B' enabled, 'b' disabled, ' ' none. */
struct mem_marks {
	uint32_t addr[DBG_MAX];
	bool on[DBG_MAX];
	int n;
};

static void mem_marks_load(struct session *s, struct mem_marks *mk)
{
	struct dbg_snapshot sn;
	dbg_snapshot(&s->m->debug, &sn);
	mk->n = 0;
	for (int i = 0; i < sn.nbp; i++)
		if (!sn.bp[i].internal) {
			mk->addr[mk->n] = sn.bp[i].addr;
			mk->on[mk->n++] = sn.bp[i].enabled;
		}
}

static char mem_mark(const struct mem_marks *mk, uint32_t addr)
{
	char c = ' ';
	for (int i = 0; i < mk->n; i++)
		if (mk->addr[i] == addr)
			c = mk->on[i] ? 'B' : (c == 'B' ? 'B' : 'b');
	return c;
}

/* "0x00101000 <sample_main+0x4>" */
static void mem_where(struct session *s, uint32_t addr, char *buf, size_t len)
{
	char sym[96];
	sym_format(&s->syms, addr, sym, sizeof sym);
	snprintf(buf, len, "0x%08x%s%s%s", addr, sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
}

/* One disassembled line; returns the instruction's length (0 if it is not
 * in RAM, then nothing is printed). */
static size_t mem_disas_line(struct session *s, uint32_t addr, uint32_t eip, bool have_eip,
			     const struct mem_marks *mk)
{
	char text[96], where[128], bytes[40] = "";
	if (!cmd_mapped(s, addr, 1))
		return 0;
	struct vcpu_state vs;
	cmd_state(s, &vs);
	size_t len = disas_guest(&s->m->mem, s->m->maxphyaddr, &vs, addr, text, sizeof text);
	size_t shown = len ? len : 1;
	uint8_t raw[16];
	if (shown > sizeof raw)
		shown = sizeof raw;
	while (shown > 1 && !cmd_read(s, addr, raw, shown))
		shown--;
	if (cmd_read(s, addr, raw, shown)) {
		size_t k = 0;
		for (size_t i = 0; i < shown && i < 7; i++)
			k += (size_t)snprintf(bytes + k, sizeof bytes - k, "%02x ", raw[i]);
		if (shown > 7)
			snprintf(bytes + k, sizeof bytes - k, "..");
	}
	mem_where(s, addr, where, sizeof where);
	out_printf(s->out, "%c%s %s:  %-23s %s\n", mem_mark(mk, addr), have_eip && addr == eip ? "=>" : "  ",
		   where, bytes, text);
	return len ? len : 1;
}

static int do_disas(struct session *s, int argc, char **argv)
{
	char err[160];
	uint32_t addr;
	uint64_t n = 10;
	struct vcpu_state st;
	bool stopped = runner_state(s->r) != RUNNER_RUNNING;
	memset(&st, 0, sizeof st);
	if (argc > 3)
		return cmd_error(s, "usage: disas [ADDR] [N]");
	if (stopped)
		cmd_state(s, &st);
	if (argc >= 2) {
		if (cmd_parse_addr(s, argv[1], &addr, err, sizeof err) < 0)
			return cmd_error(s, "disas: %s", err);
	} else {
		if (!stopped)
			return cmd_error(s, "disas: the guest is running (stop it first, or give an address)");
		addr = st.eip;
	}
	if (argc == 3 && cmd_parse_num(argv[2], 1, DISAS_MAX_COUNT, &n) < 0)
		return cmd_error(s, "disas: bad count '%s' (1 to %d)", argv[2], DISAS_MAX_COUNT);
	if (!cmd_mapped(s, addr, 1))
		return cmd_error(s, "disas: cannot access memory at 0x%08x (not guest RAM)", addr);
	struct mem_marks mk;
	mem_marks_load(s, &mk);
	for (uint64_t i = 0; i < n; i++) {
		size_t len = mem_disas_line(s, addr, st.eip, stopped, &mk);
		if (!len)
			break;
		addr += (uint32_t)len;
	}
	s->last_disas = addr;
	return 0;
}

/* gdb's x/NFU: count, format letter, unit size. */
struct x_fmt {
	uint64_t count;
	char fmt;       /* x d u o t a c s i */
	unsigned size;  /* 1 2 4 8 */
};

static int x_parse_fmt(struct session *s, const char *text, struct x_fmt *f)
{
	/* Defaults: the last format and size used. */
	f->count = 1;
	f->fmt = s->last_fmt[0] ? s->last_fmt[0] : 'x';
	f->size = s->last_fmt[1] ? (unsigned)(s->last_fmt[1] - '0') : 4;
	bool size_given = false;
	const char *p = text;
	if (isdigit((unsigned char)*p)) {
		char *end;
		unsigned long long c = strtoull(p, &end, 10);
		if (c == 0 || c > X_MAX_COUNT)
			return cmd_error(s, "x: bad count in '/%s' (1 to %d)", text, X_MAX_COUNT);
		f->count = c;
		p = end;
	}
	for (; *p; p++) {
		switch (*p) {
		case 'x': case 'd': case 'u': case 'o': case 't': case 'a': case 'c': case 's': case 'i':
			f->fmt = *p;
			break;
		case 'b': f->size = 1; size_given = true; break;
		case 'h': f->size = 2; size_given = true; break;
		case 'w': f->size = 4; size_given = true; break;
		case 'g': f->size = 8; size_given = true; break;
		case 'f':
			return cmd_error(s, "x: floating-point format 'f' is not supported (use x d u o t a c s i)");
		default:
			return cmd_error(s, "x: bad format letter '%c' in '/%s' (formats x d u o t a c s i, sizes b h w g)",
					 *p, text);
		}
	}
	if (f->fmt == 'a' && !size_given)
		f->size = 4;
	if (f->fmt == 'c' && !size_given)
		f->size = 1;
	return 0;
}

static void x_item(struct session *s, const struct x_fmt *f, uint64_t v, char *buf, size_t len)
{
	unsigned bits = f->size * 8;
	uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
	v &= mask;
	switch (f->fmt) {
	case 'd': {
		int64_t sv = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
		snprintf(buf, len, "%lld", (long long)sv);
		break;
	}
	case 'u':
		snprintf(buf, len, "%llu", (unsigned long long)v);
		break;
	case 'o':
		snprintf(buf, len, v ? "0%llo" : "0", (unsigned long long)v);
		break;
	case 't':
		for (unsigned i = 0; i < bits && i + 1 < len; i++)
			buf[i] = (v >> (bits - 1 - i)) & 1 ? '1' : '0';
		buf[bits < len ? bits : len - 1] = 0;
		break;
	case 'a': {
		char sym[96];
		sym_format(&s->syms, (uint32_t)v, sym, sizeof sym);
		snprintf(buf, len, "0x%08llx%s%s%s", (unsigned long long)v, sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
		break;
	}
	case 'c': {
		int sc = (int)(int8_t)v;
		if (v >= 0x20 && v < 0x7f && v != '\'' && v != '\\')
			snprintf(buf, len, "%d '%c'", sc, (char)v);
		else if (v == '\n')
			snprintf(buf, len, "%d '\\n'", sc);
		else if (v == '\'' || v == '\\')
			snprintf(buf, len, "%d '\\%c'", sc, (char)v);
		else
			snprintf(buf, len, "%d '\\%03llo'", sc, (unsigned long long)v);
		break;
	}
	case 'x':
	default:
		snprintf(buf, len, "0x%0*llx", (int)f->size * 2, (unsigned long long)v);
		break;
	}
}

/* x/s: one NUL-terminated string; returns the address after it, or 0 and an
 * error if it runs out of RAM. */
static int x_string(struct session *s, uint32_t *addr)
{
	char where[128], text[X_STRING_MAX * 4 + 8];
	size_t k = 0;
	uint32_t a = *addr;
	text[k++] = '"';
	int n = 0;
	for (;; n++) {
		uint8_t c;
		if (!cmd_read(s, a, &c, 1)) {
			mem_where(s, *addr, where, sizeof where);
			text[k++] = '"';
			text[k] = 0;
			out_printf(s->out, "%s:\t%s\n", where, text);
			return cmd_error(s, "x: cannot access memory at 0x%08x", a);
		}
		a++;
		if (!c)
			break;
		if (n == X_STRING_MAX) {
			a--;
			break;
		}
		if (c == '"' || c == '\\')
			k += (size_t)snprintf(text + k, sizeof text - k, "\\%c", c);
		else if (c == '\n')
			k += (size_t)snprintf(text + k, sizeof text - k, "\\n");
		else if (c == '\t')
			k += (size_t)snprintf(text + k, sizeof text - k, "\\t");
		else if (c == '\r')
			k += (size_t)snprintf(text + k, sizeof text - k, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			k += (size_t)snprintf(text + k, sizeof text - k, "\\%03o", c);
		else
			text[k++] = (char)c;
	}
	snprintf(text + k, sizeof text - k, "\"%s", n == X_STRING_MAX ? "..." : "");
	mem_where(s, *addr, where, sizeof where);
	out_printf(s->out, "%s:\t%s\n", where, text);
	*addr = a;
	return 0;
}

static int do_x(struct session *s, int argc, char **argv)
{
	char err[160], where[128];
	struct x_fmt f;
	const char *fmt = strchr(argv[0], '/');
	int argi = 1;
	if (!fmt && argc > 1 && argv[1][0] == '/')
		fmt = argv[argi++];
	if (x_parse_fmt(s, fmt ? fmt + 1 : "", &f) < 0)
		return -1;
	if (argc - argi > 1)
		return cmd_error(s, "x: too many arguments (usage: x/FMT ADDR)");
	uint32_t addr;
	if (argc - argi == 1) {
		if (cmd_parse_addr(s, argv[argi], &addr, err, sizeof err) < 0)
			return cmd_error(s, "x: %s", err);
	} else if (s->last_fmt[0]) {
		addr = s->last_x;   /* go on where the last x stopped */
	} else {
		return cmd_error(s, "x: missing address (usage: x/FMT ADDR)");
	}
	s->last_fmt[0] = f.fmt;
	s->last_fmt[1] = (char)('0' + f.size);
	s->last_fmt[2] = 0;
	if (!cmd_mapped(s, addr, 1))
		return cmd_error(s, "x: cannot access memory at 0x%08x (not guest RAM)", addr);

	if (f.fmt == 'i') {
		struct mem_marks mk;
		struct vcpu_state st;
		bool stopped = runner_state(s->r) != RUNNER_RUNNING;
		memset(&st, 0, sizeof st);
		if (stopped)
			cmd_state(s, &st);
		mem_marks_load(s, &mk);
		for (uint64_t i = 0; i < f.count; i++) {
			size_t len = mem_disas_line(s, addr, st.eip, stopped, &mk);
			if (!len) {
				s->last_x = addr;
				return cmd_error(s, "x: cannot access memory at 0x%08x", addr);
			}
			addr += (uint32_t)len;
		}
		s->last_x = addr;
		return 0;
	}
	if (f.fmt == 's') {
		for (uint64_t i = 0; i < f.count; i++)
			if (x_string(s, &addr) < 0) {
				s->last_x = addr;
				return -1;
			}
		s->last_x = addr;
		return 0;
	}
	unsigned per_line = f.size == 8 ? 2 : f.size == 4 ? 4 : 8;
	if (f.fmt == 'a')
		per_line = 2;
	for (uint64_t i = 0; i < f.count; i++) {
		uint64_t v = 0;
		if (!cmd_read(s, addr, &v, f.size)) {
			if (i % per_line)
				out_printf(s->out, "\n");
			s->last_x = addr;
			return cmd_error(s, "x: cannot access memory at 0x%08x", addr);
		}
		if (i % per_line == 0) {
			mem_where(s, addr, where, sizeof where);
			out_printf(s->out, "%s:", where);
		}
		char item[160];
		x_item(s, &f, v, item, sizeof item);
		out_printf(s->out, "\t%s", item);
		if (i % per_line == per_line - 1 || i + 1 == f.count)
			out_printf(s->out, "\n");
		addr += f.size;
	}
	s->last_x = addr;
	return 0;
}

const struct cmd cmd_table_mem[] = {
	{ "x", "/FMT [ADDR]", "examine guest memory, as gdb's x/NFU (x/4xw $esp, x/s msg, x/3i $eip)",
	  "  N: count. F: x hex, d signed, u unsigned, o octal, t binary, a address with symbol,\n"
	  "  c char, s string, i instruction. U: b byte, h 2 bytes, w 4 bytes, g 8 bytes.\n"
	  "  The format and size stick; x with no address goes on after the last one.",
	  do_x, CC_ADDR, false },
	{ "disas", "[ADDR] [N]", "disassemble N guest instructions at ADDR (default: 10 at EIP)",
	  "  => marks EIP, B an enabled breakpoint, b a disabled one; <symbol+offset> names each address.",
	  do_disas, CC_ADDR, false },
	{ NULL, NULL, NULL, NULL, NULL, CC_NONE, false },
};
