/* Everything else: events [KIND] [N], policy, set, trace, print, echo,
 * help, quit and gdb.
 *
 * The trace (trace on FILE) is a text file with one record a line:
 *   # ...                                  comments: the header, the end
 *   event SEQ KIND EIP ccf CCF|- DESC      every event the monitor logs, in order
 *   lost N events                          the ring overflowed between two flushes
 *   stop REASON EIP MSG                    every stop of the guest (each step too)
 *   ccf ID LO-HI runs +N total T [SYM]     at each stop: every CCF the dispatcher
 *                                          entered since the previous stop, and how often
 * Events are written by a thread that drains the event log every 20 ms and
 * at each stop; CCF runs come from the engine's per-CCF entry counts (runs
 * through a chained exit do not pass the dispatcher and are not counted, as
 * in the engine's own statistics). Stepping with stepf therefore records
 * every CCF run one by one. */
#include "session/cmd.h"
#include "monitor/i8042.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* events [KIND] [N] */
static int do_events(struct session *s, int argc, char **argv)
{
	int kind = -1;
	uint64_t n = 20;
	bool have_kind = false, have_n = false;
	for (int i = 1; i < argc; i++) {
		int k = evlog_kind_parse(argv[i]);
		if (!have_kind && (k >= 0 || strcmp(argv[i], "all") == 0)) {
			kind = k;
			have_kind = true;
		} else if (!have_n && cmd_parse_num(argv[i], 1, 100000, &n) == 0) {
			have_n = true;
		} else {
			return cmd_error(s, "events: '%s' is neither an event kind nor a count (usage: events [KIND] [N])",
					 argv[i]);
		}
	}
	struct evlog *log = &s->m->events;
	size_t cap = log->cap;
	struct ev *v = malloc(cap * sizeof *v);
	if (!v)
		return cmd_error(s, "events: out of memory");
	size_t got = evlog_tail(log, v, cap);
	/* The newest n of the kind, printed oldest first. */
	size_t first = got, shown = 0;
	while (first > 0 && shown < n) {
		first--;
		if (kind < 0 || v[first].kind == (enum ev_kind)kind)
			shown++;
	}
	for (size_t i = first; i < got; i++) {
		const struct ev *e = &v[i];
		if (kind >= 0 && e->kind != (enum ev_kind)kind)
			continue;
		char sym[96], ccf[16] = "-";
		sym_format(&s->syms, e->eip, sym, sizeof sym);
		if (e->ccf >= 0)
			snprintf(ccf, sizeof ccf, "%d", e->ccf);
		out_printf(s->out, "%7llu %-11s 0x%08x %s%s%s%sccf %s: %s\n", (unsigned long long)e->seq,
			   evlog_kind_name(e->kind), e->eip, sym[0] ? "<" : "", sym, sym[0] ? ">" : "", sym[0] ? " " : "",
			   ccf, e->desc);
	}
	if (!shown)
		out_printf(s->out, "no %s%sevents\n", kind >= 0 ? evlog_kind_name((enum ev_kind)kind) : "",
			   kind >= 0 ? " " : "");
	free(v);
	return 0;
}

/* policy [CLASS TREATMENT] */
struct cfg_call {
	struct session *s;
	const char *key;
	const char *value;
	int rc;
	char err[200];
};

static void cfg_run(void *arg)
{
	struct cfg_call *c = arg;
	c->rc = c->s->e->ops->configure(c->s->e, c->key, c->value, c->err, sizeof c->err);
}

static int misc_configure(struct session *s, const char *what, const char *key, const char *value)
{
	struct cfg_call c = { .s = s, .key = key, .value = value };
	if (!s->e->ops->configure)
		return cmd_error(s, "%s: the %s engine has no settings", what, s->e->ops->name);
	if (cmd_on_vcpu(s, what, cfg_run, &c) < 0)
		return -1;
	if (c.rc < 0)
		return cmd_error(s, "%s: %s", what, c.err);
	return 0;
}

static int do_policy(struct session *s, int argc, char **argv)
{
	if (argc == 1) {
		char line[256];
		sens_class_header(line, sizeof line, "treatment", "supported");
		out_printf(s->out, "%s\n", line);
		for (int c = 0; c < SC_COUNT; c++) {
			sens_class_row(line, sizeof line, (enum sens_class)c, s->m->policy.t[c]);
			out_printf(s->out, "%s\n", line);
		}
		return 0;
	}
	if (argc != 3)
		return cmd_error(s, "usage: policy [CLASS TREATMENT] (policy alone shows the classes)");
	if (strcmp(argv[1], "all") != 0 && sens_class_parse(argv[1]) < 0)
		return cmd_error(s, "policy: unknown class '%s' (policy alone lists them)", argv[1]);
	if (treatment_parse(argv[2]) < 0)
		return cmd_error(s, "policy: unknown treatment '%s' (trap callout intc adaptive naive)", argv[2]);
	char spec[96];
	snprintf(spec, sizeof spec, "%s=%s", argv[1], argv[2]);
	if (misc_configure(s, "policy", "policy", spec) < 0)
		return -1;
	out_printf(s->out, "policy: %s %s (the translation cache was flushed)\n", argv[1], argv[2]);
	return 0;
}

/* set [KEY VALUE] */
const char *const cmd_set_keys[] = { "tu-max", "tc-size", NULL };

static int do_set(struct session *s, int argc, char **argv)
{
	if (argc == 1) {
		out_printf(s->out, "%-8s %s\n", "engine", s->e->ops->name);
		if (s->tu_max)
			out_printf(s->out, "%-8s %u\n", "tu-max", s->tu_max);
		else
			out_printf(s->out, "%-8s 12 (default)\n", "tu-max");
		if (s->tc_size)
			out_printf(s->out, "%-8s %llu\n", "tc-size", (unsigned long long)s->tc_size);
		else
			out_printf(s->out, "%-8s %llu (default)\n", "tc-size", 64ull << 20);
		out_printf(s->out, "%-8s %s\n", "trace", s->trace ? "on" : "off");
		return 0;
	}
	if (argc != 3)
		return cmd_error(s, "usage: set KEY VALUE (keys: tu-max tc-size; set alone lists them)");
	uint64_t v;
	if (strcmp(argv[1], "tu-max") == 0) {
		if (cmd_parse_num(argv[2], 1, 64, &v) < 0)
			return cmd_error(s, "set tu-max: bad number '%s' (1 to 64 instructions)", argv[2]);
		if (misc_configure(s, "set tu-max", "tu-max", argv[2]) < 0)
			return -1;
		s->tu_max = (unsigned)v;
		out_printf(s->out, "tu-max %u (for translations from now on)\n", s->tu_max);
		return 0;
	}
	if (strcmp(argv[1], "tc-size") == 0) {
		if (cmd_parse_num(argv[2], 4096, 1ull << 30, &v) < 0)
			return cmd_error(s, "set tc-size: bad number '%s' (4096 to 1073741824 bytes)", argv[2]);
		if (misc_configure(s, "set tc-size", "tc-size", argv[2]) < 0)
			return -1;
		s->tc_size = v;
		out_printf(s->out, "tc-size %llu (a new, empty translation cache)\n", (unsigned long long)v);
		return 0;
	}
	return cmd_error(s, "set: unknown setting '%s' (tu-max, tc-size)", argv[1]);
}

/* trace on FILE | trace off */
struct cmd_trace {
	struct session *s;
	FILE *f;
	char path[256];
	pthread_mutex_t lock;
	pthread_t thread;
	bool thread_ok;
	atomic_bool quit;
	uint64_t seq;               /* the next event to write */
	uint64_t *entries;          /* by CCF id: entries as of the last stop */
	size_t nentries;
};

static void trace_events(struct cmd_trace *t)
{
	struct ev buf[64];
	for (;;) {
		size_t n = evlog_since(&t->s->m->events, t->seq, buf, 64);
		if (!n)
			return;
		if (buf[0].seq > t->seq)
			fprintf(t->f, "lost %llu events\n", (unsigned long long)(buf[0].seq - t->seq));
		for (size_t i = 0; i < n; i++) {
			char ccf[16] = "-";
			if (buf[i].ccf >= 0)
				snprintf(ccf, sizeof ccf, "%d", buf[i].ccf);
			fprintf(t->f, "event %llu %s 0x%08x ccf %s %s\n", (unsigned long long)buf[i].seq,
				evlog_kind_name(buf[i].kind), buf[i].eip, ccf, buf[i].desc);
		}
		t->seq = buf[n - 1].seq + 1;
		if (n < 64)
			return;
	}
}

static void *trace_main(void *arg)
{
	struct cmd_trace *t = arg;
	while (!atomic_load(&t->quit)) {
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
		pthread_mutex_lock(&t->lock);
		trace_events(t);
		fflush(t->f);
		pthread_mutex_unlock(&t->lock);
	}
	return NULL;
}

struct trace_ccf_ctx {
	struct cmd_trace *t;
	bool write;
};

static void trace_ccf(void *ctx, const struct engine_ccf *c)
{
	struct trace_ccf_ctx *x = ctx;
	struct cmd_trace *t = x->t;
	if (c->id >= t->nentries) {
		size_t n = t->nentries ? t->nentries : 256;
		while (n <= c->id)
			n *= 2;
		uint64_t *v = realloc(t->entries, n * sizeof *v);
		if (!v)
			return;
		memset(v + t->nentries, 0, (n - t->nentries) * sizeof *v);
		t->entries = v;
		t->nentries = n;
	}
	uint64_t before = t->entries[c->id] <= c->entries ? t->entries[c->id] : 0;
	if (x->write && c->entries > before) {
		char sym[96];
		sym_format(&t->s->syms, c->eip, sym, sizeof sym);
		fprintf(t->f, "ccf %u 0x%08x-0x%08x runs +%llu total %llu%s%s\n", c->id, c->eip, c->end,
			(unsigned long long)(c->entries - before), (unsigned long long)c->entries, sym[0] ? " " : "", sym);
	}
	t->entries[c->id] = c->entries;
}

/* The CCF entry counts now; written as runs if write. vCPU thread. */
static void trace_ccfs(struct cmd_trace *t, bool write)
{
	struct trace_ccf_ctx x = { t, write };
	if (engine_has(t->s->e, ENGINE_CAP_TC))
		t->s->e->ops->tc_list(t->s->e, trace_ccf, &x);
}

/* A runner stop listener: runs on the vCPU thread. */
static void trace_stop(void *ctx, const struct stop_info *st)
{
	struct cmd_trace *t = ctx;
	pthread_mutex_lock(&t->lock);
	trace_events(t);
	fprintf(t->f, "stop %s 0x%08x %s\n", stop_reason_name(st->reason), st->eip, st->msg);
	trace_ccfs(t, true);
	fflush(t->f);
	pthread_mutex_unlock(&t->lock);
}

static void trace_baseline(void *arg)
{
	struct cmd_trace *t = arg;
	trace_ccfs(t, false);
}

static void trace_noop(void *arg)
{
	(void)arg;
}

/* Stop writing and close. With force, a running guest is stopped first. */
static int trace_close(struct session *s, bool force)
{
	struct cmd_trace *t = s->tracer;
	if (!t)
		return 0;
	if (!force && runner_state(s->r) == RUNNER_RUNNING)
		return cmd_error(s, "trace off: the guest is running (stop it first)");
	runner_unlisten(s->r, trace_stop, t);
	/* A barrier: a listener call in progress ends before this runs. */
	while (runner_call(s->r, trace_noop, NULL) < 0) {
		runner_stop(s->r);
		runner_wait(s->r);
	}
	if (t->thread_ok) {
		atomic_store(&t->quit, true);
		pthread_join(t->thread, NULL);
	}
	trace_events(t);
	fprintf(t->f, "# trace ended\n");
	int rc = fclose(t->f);
	s->trace_seq = t->seq;
	pthread_mutex_destroy(&t->lock);
	free(t->entries);
	free(t);
	s->tracer = NULL;
	s->trace = NULL;
	if (rc != 0 && !force)
		return cmd_error(s, "trace off: writing the trace failed: %s", strerror(errno));
	return 0;
}

void cmd_session_close(struct session *s)
{
	trace_close(s, true);
}

static int do_trace(struct session *s, int argc, char **argv)
{
	if (argc == 1) {
		if (s->tracer)
			out_printf(s->out, "tracing to %s\n", s->tracer->path);
		else
			out_printf(s->out, "trace is off\n");
		return 0;
	}
	if (strcmp(argv[1], "off") == 0) {
		if (argc != 2)
			return cmd_error(s, "usage: trace off");
		if (!s->tracer)
			return cmd_error(s, "trace off: trace is not on");
		char path[256];
		snprintf(path, sizeof path, "%s", s->tracer->path);
		if (trace_close(s, false) < 0)
			return -1;
		out_printf(s->out, "trace written to %s\n", path);
		return 0;
	}
	if (strcmp(argv[1], "on") != 0 || argc != 3)
		return cmd_error(s, "usage: trace on FILE | trace off");
	if (s->tracer)
		return cmd_error(s, "trace on: already tracing to %s (trace off first)", s->tracer->path);
	if (cmd_need_stopped(s, "trace on") < 0)
		return -1;
	if (strlen(argv[2]) >= sizeof s->tracer->path)
		return cmd_error(s, "trace on: file name too long");
	struct cmd_trace *t = calloc(1, sizeof *t);
	if (!t)
		return cmd_error(s, "trace on: out of memory");
	t->f = fopen(argv[2], "w");
	if (!t->f) {
		free(t);
		return cmd_error(s, "trace on: cannot open %s: %s", argv[2], strerror(errno));
	}
	t->s = s;
	snprintf(t->path, sizeof t->path, "%s", argv[2]);
	pthread_mutex_init(&t->lock, NULL);
	t->seq = evlog_next_seq(&s->m->events);
	fprintf(t->f, "# bt86 trace of %s on the %s engine\n", s->guest_path ? s->guest_path : "(guest)",
		s->e->ops->name);
	fprintf(t->f, "# event SEQ KIND EIP ccf ID DESC | stop REASON EIP MSG | ccf ID LO-HI runs +N total T [SYM]\n");
	if (runner_call(s->r, trace_baseline, t) < 0 || runner_listen(s->r, trace_stop, t) < 0) {
		fclose(t->f);
		pthread_mutex_destroy(&t->lock);
		free(t->entries);
		free(t);
		return cmd_error(s, "trace on: cannot watch the guest's stops (too many listeners, or it is running)");
	}
	s->tracer = t;
	s->trace = t->f;
	t->thread_ok = pthread_create(&t->thread, NULL, trace_main, t) == 0;
	out_printf(s->out, "tracing events, stops and CCF runs to %s\n", t->path);
	return 0;
}

/* print EXPR */
static int do_print(struct session *s, int argc, char **argv)
{
	char err[160], sym[96];
	uint32_t v;
	if (argc != 2)
		return cmd_error(s, "usage: print EXPR (an address expression: $eax, sym+4, *0x1000...)");
	if (cmd_parse_addr(s, argv[1], &v, err, sizeof err) < 0)
		return cmd_error(s, "print: %s", err);
	sym_format(&s->syms, v, sym, sizeof sym);
	out_printf(s->out, "0x%08x %u%s%s%s\n", v, v, sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
	return 0;
}

static int do_echo(struct session *s, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		out_printf(s->out, "%s%s", i > 1 ? " " : "", argv[i]);
	out_printf(s->out, "\n");
	return 0;
}

/* TEXT with C escapes undone: \n \r \t \b \e (Escape) \\ \" and \xHH;
 * returns its length, or -1 for a bad escape. */
static int cmd_unescape(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (c == '\\') {
			switch (*++p) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case 'e': c = 0x1b; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x': {
				char hex[3] = { 0 };
				char *end;
				if (!p[1] || !p[2])
					return -1;
				hex[0] = p[1];
				hex[1] = p[2];
				c = (char)strtoul(hex, &end, 16);
				if (*end)
					return -1;
				p += 2;
				break;
			}
			default: return -1;
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	out[n] = 0;
	return (int)n;
}

static int do_type(struct session *s, int argc, char **argv)
{
	char text[1024], keys[1024];
	size_t n = 0;
	if (argc < 2)
		return cmd_error(s, "usage: type TEXT (escapes: \\n \\t \\b \\e \\xHH)");
	struct i8042 *k = machine_device(s->m, "i8042");
	if (!k)
		return cmd_error(s, "type: this machine has no keyboard controller");
	for (int i = 1; i < argc; i++) {
		int w = snprintf(text + n, sizeof text - n, "%s%s", i > 1 ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof text - n)
			return cmd_error(s, "type: the text is too long");
		n += (size_t)w;
	}
	int len = cmd_unescape(text, keys, sizeof keys);
	if (len < 0)
		return cmd_error(s, "type: bad escape in '%s'", text);
	size_t typed = i8042_type(k, keys, (size_t)len);
	if (typed < (size_t)len)
		return cmd_error(s, "type: %zu of %d characters have no key on a US keyboard (typed the rest)",
				 (size_t)len - typed, len);
	return 0;
}

static int do_help(struct session *s, int argc, char **argv)
{
	if (argc > 2)
		return cmd_error(s, "usage: help [COMMAND]");
	if (argc == 2) {
		bool amb;
		char name[64];
		snprintf(name, sizeof name, "%s", argv[1]);
		name[strcspn(name, "/")] = 0;
		const struct cmd *c = cmd_find(name, &amb);
		if (!c)
			return cmd_error(s, "help: %s command '%s' (help alone lists them)", amb ? "ambiguous" : "unknown",
					 argv[1]);
		out_printf(s->out, "usage: %s%s%s\n%s\n", c->name, c->args[0] && c->args[0] != '/' ? " " : "", c->args,
			   c->help);
		if (c->more)
			out_printf(s->out, "%s\n", c->more);
		return 0;
	}
	out_printf(s->out, "Commands (any unique prefix works; help COMMAND for details):\n");
	for (const struct cmd *const *c = cmd_all(); *c; c++) {
		char syn[64];
		snprintf(syn, sizeof syn, "%s%s%s", (*c)->name, (*c)->args[0] && (*c)->args[0] != '/' ? " " : "",
			 (*c)->args);
		out_printf(s->out, "  %-28s %s\n", syn, (*c)->help);
	}
	out_printf(s->out, "Aliases:");
	for (int i = 0; cmd_aliases[i][0]; i++)
		out_printf(s->out, " %s=%s", cmd_aliases[i][0], cmd_aliases[i][1]);
	out_printf(s->out, "\nAddresses: 0x1234, 1234, symbol, symbol+0x10, $eip, $esp+4, *ADDR (the dword there).\n");
	return 0;
}

static int do_quit(struct session *s, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cmd_error(s, "quit takes no arguments");
	s->quit = true;
	return 0;
}

static int do_gdb(struct session *s, int argc, char **argv)
{
	if (argc > 2)
		return cmd_error(s, "usage: gdb [SPEC] (e.g. tcp::1234)");
	if (!s->stub_ops)
		return cmd_error(s, "gdb: this front end cannot start a GDB stub");
	if (s->gdb)
		return cmd_error(s, "gdb: the stub already listens on %s", s->stub_ops->where(s->gdb));
	char where[160], err[256];
	s->gdb = s->stub_ops->start(s, argc == 2 ? argv[1] : "tcp::1234", where, sizeof where, err, sizeof err);
	if (!s->gdb)
		return cmd_error(s, "%s", err);
	out_printf(s->out, "gdb stub listening on %s (gdb: target remote %s)\n", where, where);
	return 0;
}

const struct cmd cmd_table_misc[] = {
	{ "events", "[KIND] [N]", "show the newest N events (default 20), of one kind or all",
	  "  Each line: sequence number, kind, guest EIP <symbol>, CCF, description.\n"
	  "  Kinds: translate chain callout trap invalidate retranslate interrupt exception vmexit io stop irq.",
	  do_events, CC_EVENT, false },
	{ "policy", "[CLASS TREATMENT]", "show or set the treatment of a class of sensitive instructions",
	  "  Treatments: trap callout intc adaptive naive; CLASS all sets every class that supports it.\n"
	  "  A change flushes the translation cache. Example: policy io trap",
	  do_policy, CC_CLASS, false },
	{ "set", "[KEY VALUE]", "show or change engine settings: tu-max N (1-64), tc-size BYTES",
	  "  tu-max: the most guest instructions in one TU; tc-size: a new, empty TC of that size.",
	  do_set, CC_SET, false },
	{ "trace", "on FILE | off", "write every event, stop and CCF run to FILE",
	  "  Records, one a line: 'event SEQ KIND EIP ccf ID DESC', 'stop REASON EIP MSG', and at each\n"
	  "  stop 'ccf ID LO-HI runs +N total T SYM' for every CCF the dispatcher entered since the\n"
	  "  last stop (entries through chained exits are not counted; stepf records each CCF).",
	  do_trace, CC_TRACE, false },
	{ "print", "EXPR", "show the value of an address expression ($eip, sym+4, *$esp)", NULL, do_print, CC_ADDR,
	  false },
	{ "echo", "TEXT", "print TEXT (for scripts)", NULL, do_echo, CC_NONE, false },
	{ "type", "TEXT", "type TEXT on the guest's PS/2 keyboard (make and break scancodes)",
	  "  The keys are queued in the keyboard behind the 8042 and reach the guest as it reads\n"
	  "  port 0x60 (IRQ 1). A US layout: Shift is pressed for capitals and shifted punctuation.\n"
	  "  Escapes: \\n Enter, \\t Tab, \\b Backspace, \\e Escape, \\xHH a control character\n"
	  "  (\\x01-\\x1a: Ctrl+letter), \\\\ and \\\". Example: type \"ls -l\\n\"",
	  do_type, CC_NONE, false },
	{ "help", "[COMMAND]", "list the commands, or show one in detail", NULL, do_help, CC_COMMAND, false },
	{ "quit", "", "leave bt86 (Ctrl-D at the prompt does the same)", NULL, do_quit, CC_NONE, false },
	{ "gdb", "[SPEC]", "serve the GDB remote protocol on SPEC (default tcp::1234)", NULL, do_gdb, CC_NONE, false },
	{ NULL, NULL, NULL, NULL, NULL, CC_NONE, false },
};
