/* The command interpreter (see cmd.h): tokenizing, lookup by unique
 * prefix, dispatch, address expressions, and the stop report every front end
 * prints. */
#include "session/cmd.h"
#include "session/guestview.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/disas.h"

const char *const cmd_aliases[][2] = {
	{ "b", "break" }, { "c", "continue" }, { "d", "delete" }, { "i", "info" }, { "p", "print" },
	{ "q", "quit" }, { "r", "run" }, { "si", "stepi" }, { "sf", "stepf" }, { "u", "until" },
	{ "h", "help" }, { NULL, NULL },
};

static const struct cmd *const *cmd_tables(void)
{
	static const struct cmd *const tables[] = {
		cmd_table_run, cmd_table_break, cmd_table_info, cmd_table_mem, cmd_table_tc, cmd_table_misc, NULL,
	};
	return tables;
}

const struct cmd *const *cmd_all(void)
{
	static const struct cmd *all[128];
	if (!all[0]) {
		int n = 0;
		for (const struct cmd *const *t = cmd_tables(); *t; t++)
			for (const struct cmd *c = *t; c->name && n < 127; c++)
				all[n++] = c;
		all[n] = NULL;
	}
	return all;
}

const struct cmd *cmd_find(const char *name, bool *ambiguous)
{
	const struct cmd *hit = NULL;
	size_t len = strlen(name);
	int n = 0;
	if (ambiguous)
		*ambiguous = false;
	for (int i = 0; cmd_aliases[i][0]; i++)
		if (strcmp(cmd_aliases[i][0], name) == 0) {
			name = cmd_aliases[i][1];
			len = strlen(name);
			break;
		}
	for (const struct cmd *const *c = cmd_all(); *c; c++) {
		if (strcmp((*c)->name, name) == 0)
			return *c;   /* an exact name beats any prefix */
		if (len && strncmp((*c)->name, name, len) == 0) {
			hit = *c;
			n++;
		}
	}
	if (n > 1) {
		if (ambiguous)
			*ambiguous = true;
		return NULL;
	}
	return hit;
}

int cmd_error(struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out_vprintf(s->err, fmt, ap);
	va_end(ap);
	out_write(s->err, "\n", 1);
	return -1;
}

/* Split line into words; "quoted strings" keep their spaces. */
static int cmd_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (argc == max)
			return -1;
		if (*p == '"') {
			argv[argc++] = ++p;
			while (*p && *p != '"')
				p++;
		} else {
			argv[argc++] = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
		}
		if (*p)
			*p++ = 0;
	}
	return argc;
}

int cmd_exec(struct session *s, const char *line)
{
	char buf[1024], *argv[CMD_MAX_ARGS];
	bool amb;

	while (isspace((unsigned char)*line))
		line++;
	if (!*line || *line == '#')
		return 0;
	if (strlen(line) >= sizeof buf)
		return cmd_error(s, "command line too long");
	strcpy(buf, line);
	/* gdb's x/FMT: the format is part of the command word. */
	char *slash = strchr(buf, '/');
	char *space = strpbrk(buf, " \t");
	char name[64];
	size_t nl = (size_t)((slash && (!space || slash < space)) ? slash - buf : (space ? space - buf : (long)strlen(buf)));
	if (nl >= sizeof name)
		return cmd_error(s, "unknown command '%.40s' (try help)", buf);
	memcpy(name, buf, nl);
	name[nl] = 0;
	const struct cmd *c = cmd_find(name, &amb);
	if (!c)
		return cmd_error(s, amb ? "ambiguous command '%s' (try help)" : "unknown command '%s' (try help)", name);
	if (buf[nl] == '/' && c->args[0] != '/')
		return cmd_error(s, "%s takes no /FORMAT (only x does)", c->name);
	int argc = cmd_split(buf, argv, CMD_MAX_ARGS);
	if (argc < 0)
		return cmd_error(s, "%s: too many arguments", c->name);
	return c->fn(s, argc, argv);
}

int cmd_parse_num(const char *text, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;
	if (!text || !*text || *text == '-')
		return -1;
	unsigned long long x = strtoull(text, &end, 0);
	if (*end || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

void cmd_state(struct session *s, struct vcpu_state *st)
{
	runner_snapshot(s->r, st, NULL);
}

bool cmd_read(struct session *s, uint32_t lin, void *buf, size_t len)
{
	struct vcpu_state st;
	cmd_state(s, &st);
	return gv_read(&s->m->mem, s->m->maxphyaddr, &st, lin, buf, len);
}

bool cmd_mapped(struct session *s, uint32_t lin, size_t len)
{
	struct vcpu_state st;
	cmd_state(s, &st);
	return gv_readable(&s->m->mem, s->m->maxphyaddr, &st, lin, len) == len;
}

static bool cmd_reg_value(const struct vcpu_state *st, const char *name, uint32_t *v)
{
	static const char *const names[R_COUNT] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	for (int i = 0; i < R_COUNT; i++)
		if (strcmp(name, names[i]) == 0) {
			*v = st->gpr[i];
			return true;
		}
	if (strcmp(name, "eip") == 0 || strcmp(name, "pc") == 0) {
		*v = st->eip;
		return true;
	}
	if (strcmp(name, "sp") == 0) {
		*v = st->gpr[R_ESP];
		return true;
	}
	if (strcmp(name, "eflags") == 0) {
		*v = st->eflags;
		return true;
	}
	return false;
}

/* One term: number, $register or symbol. */
static int cmd_term(struct session *s, const char *t, uint32_t *v, char *err, size_t errlen)
{
	uint64_t n;
	if (cmd_parse_num(t, 0, 0xffffffffu, &n) == 0) {
		*v = (uint32_t)n;
		return 0;
	}
	if (t[0] == '$') {
		struct vcpu_state st;
		cmd_state(s, &st);
		if (cmd_reg_value(&st, t + 1, v))
			return 0;
		snprintf(err, errlen, "unknown register '%s'", t);
		return -1;
	}
	if (sym_lookup(&s->syms, t, v))
		return 0;
	snprintf(err, errlen, isdigit((unsigned char)t[0]) ? "bad number '%s'" : "unknown symbol '%s'", t);
	return -1;
}

int cmd_parse_addr(struct session *s, const char *text, uint32_t *addr, char *err, size_t errlen)
{
	char buf[128];
	bool deref = false;
	if (!text || !*text) {
		snprintf(err, errlen, "missing address");
		return -1;
	}
	if (*text == '*') {
		deref = true;
		text++;
	}
	if (strlen(text) >= sizeof buf) {
		snprintf(err, errlen, "address expression too long");
		return -1;
	}
	strcpy(buf, text);
	/* term [(+|-) term]... */
	uint32_t total = 0;
	char *p = buf;
	int sign = 1;
	while (*p) {
		char *q = p;
		while (*q && *q != '+' && (*q != '-' || q == p))
			q++;
		char op = *q;
		*q = 0;
		uint32_t v;
		if (!*p || cmd_term(s, p, &v, err, errlen) < 0) {
			if (!*p)
				snprintf(err, errlen, "bad address expression '%s'", text);
			return -1;
		}
		total += sign > 0 ? v : (uint32_t)-v;
		if (!op)
			break;
		sign = op == '+' ? 1 : -1;
		p = q + 1;
		if (!*p) {
			snprintf(err, errlen, "bad address expression '%s' (a term is missing after '%c')", text, op);
			return -1;
		}
	}
	if (deref) {
		uint32_t v;
		if (!cmd_read(s, total, &v, 4)) {
			snprintf(err, errlen, "cannot read memory at 0x%08x", total);
			return -1;
		}
		total = v;
	}
	*addr = total;
	return 0;
}

void cmd_print_stop(struct session *s, const struct stop_info *st)
{
	char sym[96], insn[96];
	sym_format(&s->syms, st->eip, sym, sizeof sym);
	if (st->reason == STOP_EXIT) {
		/* The debug-exit port's status is (value << 1) | 1. */
		out_printf(s->out, "guest exited with status %d (exit value 0x%x)\n", st->status,
			   (unsigned)st->status >> 1);
		return;
	}
	if (st->want_insn || st->reason == STOP_STEP || st->reason == STOP_BREAK || st->reason == STOP_REQUEST) {
		struct vcpu_state vs;
		cmd_state(s, &vs);
		disas_guest(&s->m->mem, s->m->maxphyaddr, &vs, st->eip, insn, sizeof insn);
		if (st->reason == STOP_STEP)
			out_printf(s->out, "0x%08x%s%s%s:  %s\n", st->eip, sym[0] ? " <" : "", sym, sym[0] ? ">" : "", insn);
		else
			out_printf(s->out, "%s%s%s%s\n0x%08x:  %s\n", st->msg, sym[0] ? " <" : "", sym, sym[0] ? ">" : "",
				   st->eip, insn);
		return;
	}
	out_printf(s->out, "%s\n", st->msg);
}

int cmd_need_stopped(struct session *s, const char *what)
{
	if (runner_state(s->r) == RUNNER_RUNNING)
		return cmd_error(s, "%s: the guest is running (stop it first)", what);
	return 0;
}

int cmd_on_vcpu(struct session *s, const char *what, void (*fn)(void *arg), void *arg)
{
	if (runner_call(s->r, fn, arg) < 0)
		return cmd_error(s, "%s: the guest is running (stop it first)", what);
	return 0;
}

/* Completion (see cmd.h). */
static void cmd_offer(const char *word, const char *cand, cmd_cand_fn *fn, void *ctx)
{
	if (strncmp(cand, word, strlen(word)) == 0)
		fn(ctx, cand);
}

static void cmd_offer_list(const char *word, const char *const *list, cmd_cand_fn *fn, void *ctx)
{
	for (; *list; list++)
		cmd_offer(word, *list, fn, ctx);
}

static void cmd_offer_addr(struct session *s, const char *word, cmd_cand_fn *fn, void *ctx)
{
	static const char *const regs[] = { "$eax", "$ecx", "$edx", "$ebx", "$esp", "$ebp", "$esi", "$edi",
					    "$eip", "$eflags", NULL };
	if (word[0] == '$' || word[0] == '*') {
		cmd_offer_list(word + (word[0] == '*'), regs, fn, ctx);
		if (word[0] == '$')
			return;
		word++;
	}
	for (int i = 0; i < s->syms.n; i++)
		if (i == 0 || strcmp(s->syms.s[i].name, s->syms.s[i - 1].name) != 0)
			cmd_offer(word, s->syms.s[i].name, fn, ctx);
}

static void cmd_offer_kinds(const char *word, cmd_cand_fn *fn, void *ctx)
{
	for (int k = 0; k < EV_KIND_COUNT; k++)
		cmd_offer(word, evlog_kind_name((enum ev_kind)k), fn, ctx);
}

int cmd_complete(struct session *s, int argc, char **argv, const char *word, cmd_cand_fn *fn, void *ctx)
{
	if (argc == 0) {
		for (const struct cmd *const *c = cmd_all(); *c; c++)
			cmd_offer(word, (*c)->name, fn, ctx);
		return 0;
	}
	char name[64];
	snprintf(name, sizeof name, "%s", argv[0]);
	name[strcspn(name, "/")] = 0;
	const struct cmd *c = cmd_find(name, NULL);
	if (!c)
		return 0;
	switch (c->complete) {
	case CC_ADDR:
		if (argc == 1)
			cmd_offer_addr(s, word, fn, ctx);
		break;
	case CC_UNTIL:
		if (argc == 1) {
			cmd_offer_kinds(word, fn, ctx);
			cmd_offer_addr(s, word, fn, ctx);
		}
		break;
	case CC_EVENT:
		if (argc <= 2) {
			cmd_offer(word, "all", fn, ctx);
			cmd_offer_kinds(word, fn, ctx);
		}
		break;
	case CC_INFO:
		if (argc == 1)
			cmd_offer_list(word, cmd_info_topics, fn, ctx);
		break;
	case CC_CLASS:
		if (argc == 1) {
			cmd_offer(word, "all", fn, ctx);
			for (int k = 0; k < SC_COUNT; k++)
				cmd_offer(word, sens_classes[k].name, fn, ctx);
		} else if (argc == 2) {
			for (int t = 0; t < TREAT_COUNT; t++)
				cmd_offer(word, treatment_name((enum treatment)t), fn, ctx);
		}
		break;
	case CC_TREATMENT:
		for (int t = 0; t < TREAT_COUNT; t++)
			cmd_offer(word, treatment_name((enum treatment)t), fn, ctx);
		break;
	case CC_COMMAND:
		if (argc == 1)
			for (const struct cmd *const *k = cmd_all(); *k; k++)
				cmd_offer(word, (*k)->name, fn, ctx);
		break;
	case CC_TC:
		if (argc == 1)
			cmd_offer_list(word, cmd_tc_subcommands, fn, ctx);
		else if (argc == 2 && (strcmp(argv[1], "show") == 0 || strcmp(argv[1], "list") == 0)) {
			if (strcmp(argv[1], "list") == 0)
				cmd_offer(word, "chained", fn, ctx);
			cmd_offer_addr(s, word, fn, ctx);
		}
		break;
	case CC_SET:
		if (argc == 1)
			cmd_offer_list(word, cmd_set_keys, fn, ctx);
		break;
	case CC_TRACE:
		if (argc == 1) {
			cmd_offer(word, "on", fn, ctx);
			cmd_offer(word, "off", fn, ctx);
		} else if (argc == 2 && strcmp(argv[1], "on") == 0) {
			return 1;
		}
		break;
	case CC_FILE:
		return 1;
	case CC_NONE:
		break;
	}
	return 0;
}
