/* Run control: continue and step (c, C, s, S, vCont), the stop reason (?),
 * and the stop replies that end a continue or step.
 *
 * A resume packet gets no immediate reply: the stub marks itself running,
 * calls the target's cont/step, and the reply is sent when the target calls
 * rsp_notify_stop(). Stop replies:
 *
 *   T05swbreak:;thread:1;        SIGTRAP at a software breakpoint (Z0)
 *   T05hwbreak:;thread:1;        at a hardware breakpoint (Z1)
 *   T05watch:1000;thread:1;      a write watchpoint at 0x1000 (also rwatch, awatch)
 *   T02thread:1;                 stopped by Ctrl-C (SIGINT), or T05 after a step
 *   W00                          the program exited with status 0
 *
 * vCont carries actions for threads: "vCont;s:1;c" steps thread 1 and
 * continues the others. With one thread, the first action whose thread id
 * names it (or has none) is the one that applies.
 */
#include <string.h>

#include "gdb/rsp_int.h"

/* What a stop-reply field calls each stop kind. */
static const char *const stop_kind_names[] = {
	[RSP_STOP_NONE] = NULL,
	[RSP_STOP_SWBREAK] = "swbreak",
	[RSP_STOP_HWBREAK] = "hwbreak",
	[RSP_STOP_WATCH] = "watch",
	[RSP_STOP_RWATCH] = "rwatch",
	[RSP_STOP_AWATCH] = "awatch",
};

void rsp_send_stop(struct rsp *r, const struct rsp_stop *s)
{
	rsp_pkt_begin(r);
	if (s->exited) {
		rsp_pkt_addf(r, "W%02x", s->exit_code & 0xff);
		rsp_pkt_end(r);
		return;
	}
	rsp_pkt_addf(r, "T%02x", s->signal & 0xff);
	unsigned k = (unsigned)s->kind;
	if (k < sizeof stop_kind_names / sizeof stop_kind_names[0] && stop_kind_names[k]) {
		rsp_pkt_adds(r, stop_kind_names[k]);
		/* Watchpoints name the data address; breakpoints name nothing. */
		if (k >= RSP_STOP_WATCH)
			rsp_pkt_addf(r, ":%llx;", (unsigned long long)s->watch_addr);
		else
			rsp_pkt_adds(r, ":;");
	}
	rsp_pkt_addf(r, "thread:%x;", RSP_THREAD_ID);
	rsp_pkt_end(r);
}

static void current_stop(struct rsp *r, struct rsp_stop *s)
{
	memset(s, 0, sizeof *s);
	s->signal = RSP_SIGTRAP;
	if (r->t->stop_reason)
		r->t->stop_reason(r->target, s);
}

void rsp_h_why(struct rsp *r, char *arg, size_t len)
{
	struct rsp_stop s;

	(void)arg;
	if (len) {
		rsp_send_malformed(r);
		return;
	}
	current_stop(r, &s);
	rsp_send_stop(r, &s);
}

/* One thread id component: hex, or -1 (all). */
static bool parse_id(const char **p, const char *end, int64_t *id)
{
	uint64_t v;

	if (*p + 1 < end && (*p)[0] == '-' && (*p)[1] == '1' &&
	    (*p + 2 == end || rsp_hexval((*p)[2]) < 0)) {
		*p += 2;
		*id = -1;
		return true;
	}
	if (!rsp_parse_hex(p, end, &v) || v > 0x7fffffff)
		return false;
	*id = (int64_t)v;
	return true;
}

/* An id names our thread (or process) if it is ours, 0 (any) or -1 (all). */
static bool id_ours(int64_t id)
{
	return id == RSP_THREAD_ID || id == 0 || id == -1;
}

bool rsp_parse_thread(const char **p, const char *end, bool *ours)
{
	int64_t pid, tid;

	if (*p < end && **p == 'p') {
		/* Multiprocess form pPID[.TID]; gdb only uses it if we announce
		 * multiprocess+, but accept it anyway. */
		(*p)++;
		if (!parse_id(p, end, &pid))
			return false;
		tid = -1;
		if (*p < end && **p == '.') {
			(*p)++;
			if (!parse_id(p, end, &tid))
				return false;
		}
		*ours = id_ours(pid) && id_ours(tid);
		return true;
	}
	if (!parse_id(p, end, &tid))
		return false;
	*ours = id_ours(tid);
	return true;
}

static void resume(struct rsp *r, bool step, int sig, bool has_addr, uint64_t addr)
{
	int (*fn)(void *, int, bool, uint64_t) = step ? r->t->step : r->t->cont;

	if (!fn) {
		rsp_send_error(r, 1);
		return;
	}
	/* Running before the call: the target may report the stop from inside
	 * it (rsp_notify_stop), and that reply is then the answer. */
	r->running = true;
	if (fn(r->target, sig, has_addr, addr) && r->running) {
		r->running = false;
		rsp_send_error(r, 1);
	}
}

/* c[addr], s[addr]: resume, optionally at addr. */
static void plain(struct rsp *r, char *arg, size_t len, bool step)
{
	const char *p = arg, *end = arg + len;
	uint64_t addr = 0;
	bool has_addr = len > 0;

	if (has_addr && (!rsp_parse_hex(&p, end, &addr) || p != end)) {
		rsp_send_malformed(r);
		return;
	}
	resume(r, step, 0, has_addr, addr);
}

/* Csig[;addr], Ssig[;addr]: resume delivering a signal. */
static void with_signal(struct rsp *r, char *arg, size_t len, bool step)
{
	const char *p = arg, *end = arg + len;
	uint64_t sig, addr = 0;
	bool has_addr = false;

	if (!rsp_parse_hex(&p, end, &sig) || sig > 0xff) {
		rsp_send_malformed(r);
		return;
	}
	if (p < end) {
		if (*p++ != ';' || !rsp_parse_hex(&p, end, &addr) || p != end) {
			rsp_send_malformed(r);
			return;
		}
		has_addr = true;
	}
	resume(r, step, (int)sig, has_addr, addr);
}

void rsp_h_cont(struct rsp *r, char *arg, size_t len)
{
	plain(r, arg, len, false);
}

void rsp_h_step(struct rsp *r, char *arg, size_t len)
{
	plain(r, arg, len, true);
}

void rsp_h_cont_sig(struct rsp *r, char *arg, size_t len)
{
	with_signal(r, arg, len, false);
}

void rsp_h_step_sig(struct rsp *r, char *arg, size_t len)
{
	with_signal(r, arg, len, true);
}

/* The vCont actions we take: continue, continue with signal, step, step with
 * signal, stop. No 'r' (range stepping). */
void rsp_h_vcont_query(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	rsp_send(r, "vCont;c;C;s;S;t");
}

void rsp_h_vcont(struct rsp *r, char *arg, size_t len)
{
	const char *p = arg, *end = arg + len;
	char act = 0;
	int sig = 0;
	bool found = false;

	/* Check every action's syntax; remember the first one that is ours. */
	for (;;) {
		if (p == end) {
			rsp_send_malformed(r);
			return;
		}
		char a = *p++;
		uint64_t s = 0;
		bool ours = true;
		if (!strchr("cCsSt", a) || !a) {
			rsp_send_malformed(r);
			return;
		}
		if ((a == 'C' || a == 'S') && (!rsp_parse_hex(&p, end, &s) || s > 0xff)) {
			rsp_send_malformed(r);
			return;
		}
		if (p < end && *p == ':') {
			p++;
			if (!rsp_parse_thread(&p, end, &ours)) {
				rsp_send_malformed(r);
				return;
			}
		}
		if (ours && !found) {
			found = true;
			act = a;
			sig = (int)s;
		}
		if (p == end)
			break;
		if (*p++ != ';') {
			rsp_send_malformed(r);
			return;
		}
	}
	if (!found) {
		rsp_send_error(r, 1);   /* no action for the only thread */
		return;
	}
	if (act == 't') {
		if (r->running) {
			/* The stop reply comes through rsp_notify_stop(). */
			if (r->t->stop)
				r->t->stop(r->target);
		} else {
			struct rsp_stop s;
			current_stop(r, &s);
			rsp_send_stop(r, &s);
		}
		return;
	}
	resume(r, act == 's' || act == 'S', sig, false, 0);
}
