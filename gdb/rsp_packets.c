/* The packet table, and the handlers for the query and session packets
 * (qSupported, qXfer, thread queries, qRcmd, D, k ...). Memory and register
 * packets live in rsp_data.c, run control in rsp_run.c.
 *
 * A table entry names a packet and says whether the name is a prefix that
 * arguments follow ("m" in "m1000,4") or the whole packet ("qC"). The first
 * entry that matches wins, so longer names come before shorter ones that
 * start them. A packet no entry matches gets the empty reply, which tells gdb
 * "not supported" and makes it try something else.
 *
 *   "qSupported:swbreak+;..."  -> "PacketSize=4000;qXfer:features:read+;..."
 *   "qRcmd,68656c70"           -> "O<hex text>" ... then "OK"   (monitor help)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/rsp_int.h"

struct rsp_cmd {
	const char *name;
	bool prefix;          /* arguments follow the name */
	rsp_handler *fn;
};

/* qSupported: what this stub can do. PacketSize is hex; the rest are
 * "feature+" flags gdb looks for. */
static void h_supported(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	rsp_pkt_begin(r);
	rsp_pkt_addf(r, "PacketSize=%x", RSP_PACKET_SIZE);
	if (r->xml)
		rsp_pkt_adds(r, ";qXfer:features:read+");   /* we serve target.xml */
	rsp_pkt_adds(r, ";swbreak+;hwbreak+");           /* stop replies name the breakpoint kind */
	rsp_pkt_adds(r, ";vContSupported+");             /* vCont? is answered */
	rsp_pkt_adds(r, ";QStartNoAckMode+");            /* acks may be switched off */
	rsp_pkt_end(r);
}

/* QStartNoAckMode: the OK still goes out with gdb's ack expected (gdb sends
 * it), after that neither side acks. */
static void h_noack(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	rsp_send(r, "OK");
	r->noack = true;
	r->last.n = 0;
}

/* qXfer:features:read:ANNEX:OFFSET,LENGTH -> "m" + data (more follows) or
 * "l" + data (the last part). Data is binary, escaped. E00 is the protocol's
 * "bad request or unknown annex". */
static void h_xfer_features(struct rsp *r, char *arg, size_t len)
{
	const char *end = arg + len, *p;
	uint64_t off, want;

	if (!r->xml) {
		rsp_send(r, "");
		return;
	}
	p = memchr(arg, ':', len);
	if (!p || (size_t)(p - arg) != strlen("target.xml") || memcmp(arg, "target.xml", 10)) {
		rsp_send(r, "E00");
		return;
	}
	p++;
	if (!rsp_parse_hex(&p, end, &off) || p == end || *p++ != ',' ||
	    !rsp_parse_hex(&p, end, &want) || p != end) {
		r->stats.malformed++;
		rsp_send(r, "E00");
		return;
	}
	if (off >= r->xml_len) {
		rsp_send(r, "l");
		return;
	}
	/* Send at most want bytes, and no more than fits one packet once
	 * escaped (an escaped byte takes two). */
	size_t n = r->xml_len - (size_t)off;
	if (n > want)
		n = (size_t)want;
	if (n > (RSP_PACKET_SIZE - 1) / 2)
		n = (RSP_PACKET_SIZE - 1) / 2;
	rsp_pkt_begin(r);
	rsp_pkt_adds(r, off + n < r->xml_len ? "m" : "l");
	rsp_pkt_addbin(r, r->xml + off, n);
	rsp_pkt_end(r);
}

/* qAttached[:pid]: "1" attached to an existing process, "0" created by us. */
static void h_attached(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	if (len && arg[0] != ':') {
		rsp_send(r, "");
		return;
	}
	rsp_send(r, !r->t->attached || r->t->attached(r->target) ? "1" : "0");
}

/* The single thread: qC -> QC1, thread list m1 then l (end of list). */
static void h_current_thread(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	rsp_pkt_begin(r);
	rsp_pkt_addf(r, "QC%x", RSP_THREAD_ID);
	rsp_pkt_end(r);
}

static void h_thread_first(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	rsp_pkt_begin(r);
	rsp_pkt_addf(r, "m%x", RSP_THREAD_ID);
	rsp_pkt_end(r);
}

static void h_thread_next(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	rsp_send(r, "l");
}

/* H op thread: pick the thread for later g/m (op g) or c/s (op c). There is
 * only one; any well-formed id (0 any, -1 all, 1) is fine. */
static void h_set_thread(struct rsp *r, char *arg, size_t len)
{
	const char *p = arg + 1, *end = arg + len;
	bool ours;

	if (len < 2 || !rsp_parse_thread(&p, end, &ours) || p != end) {
		rsp_send_malformed(r);
		return;
	}
	rsp_send(r, "OK");
}

/* T thread: is it alive? */
static void h_thread_alive(struct rsp *r, char *arg, size_t len)
{
	const char *p = arg, *end = arg + len;
	bool ours;

	if (!rsp_parse_thread(&p, end, &ours) || p != end) {
		rsp_send_malformed(r);
		return;
	}
	if (ours)
		rsp_send(r, "OK");
	else
		rsp_send_error(r, 1);
}

/* qOffsets: where the program was relocated to. A bare-metal guest is loaded
 * where its ELF says. */
static void h_offsets(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	rsp_send(r, "Text=0;Data=0;Bss=0");
}

/* qSymbol::: gdb offers to look up symbols; OK = none needed. */
static void h_symbol(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	rsp_send(r, "OK");
}

/* Monitor output: gdb prints each O packet (hex text) as it arrives. */
static void monitor_out(void *ctx, const char *text, size_t len)
{
	struct rsp *r = ctx;
	/* "O" + two hex digits a byte must fit one packet. */
	const size_t chunk = (RSP_PACKET_SIZE - 1) / 2;

	if (!text)
		return;
	while (len && r->status == RSP_OK) {
		size_t n = len < chunk ? len : chunk;
		rsp_pkt_begin(r);
		rsp_pkt_adds(r, "O");
		rsp_pkt_addhex(r, text, n);
		rsp_pkt_end(r);
		text += n;
		len -= n;
	}
}

void rsp_notify_output(struct rsp *r, const char *text, size_t len)
{
	if (!r || !text || !r->running || r->status != RSP_OK)
		return;
	monitor_out(r, text, len);
	rsp_flush(r);
}

/* qRcmd,HEX: `monitor CMD`, the command hex-encoded. */
static void h_rcmd(struct rsp *r, char *arg, size_t len)
{
	if (!r->t->monitor) {
		rsp_send(r, "");
		return;
	}
	/* Decode in place: the text is half as long as its hex. */
	if (!rsp_hex_decode(arg, len, (uint8_t *)arg) || memchr(arg, 0, len / 2)) {
		rsp_send_malformed(r);
		return;
	}
	arg[len / 2] = 0;
	int rc = r->t->monitor(r->target, arg, monitor_out, r);
	if (rc)
		rsp_send_error(r, 1);
	else
		rsp_send(r, "OK");
}

/* D[;pid]: detach; the target runs on. The session ends after the OK. */
static void h_detach(struct rsp *r, char *arg, size_t len)
{
	if (len && arg[0] != ';') {
		rsp_send_malformed(r);
		return;
	}
	if (r->t->detach)
		r->t->detach(r->target);
	r->running = false;
	rsp_send(r, "OK");
	rsp_set_status(r, RSP_DETACHED);
}

/* k: kill, no reply. vKill;pid: kill, reply OK. */
static void h_kill(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	if (r->t->kill)
		r->t->kill(r->target);
	r->running = false;
	rsp_set_status(r, RSP_KILLED);
}

static void h_vkill(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	if (r->t->kill)
		r->t->kill(r->target);
	r->running = false;
	rsp_send(r, "OK");
	rsp_set_status(r, RSP_KILLED);
}

/* Packets answered with the empty reply on purpose (vMustReplyEmpty is gdb's
 * probe of how we treat unknown v packets). */
static void h_empty(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	(void)len;
	rsp_send(r, "");
}

static const struct rsp_cmd rsp_cmds[] = {
	{ "qSupported", true, h_supported },
	{ "QStartNoAckMode", false, h_noack },
	{ "qXfer:features:read:", true, h_xfer_features },
	{ "qAttached", true, h_attached },
	{ "qC", false, h_current_thread },
	{ "qfThreadInfo", false, h_thread_first },
	{ "qsThreadInfo", false, h_thread_next },
	{ "qOffsets", false, h_offsets },
	{ "qSymbol:", true, h_symbol },
	{ "qRcmd,", true, h_rcmd },
	{ "vCont?", false, rsp_h_vcont_query },
	{ "vCont;", true, rsp_h_vcont },
	{ "vKill;", true, h_vkill },
	{ "vMustReplyEmpty", false, h_empty },
	{ "?", true, rsp_h_why },
	{ "g", true, rsp_h_read_regs },
	{ "G", true, rsp_h_write_regs },
	{ "p", true, rsp_h_read_reg },
	{ "P", true, rsp_h_write_reg },
	{ "m", true, rsp_h_read_mem },
	{ "M", true, rsp_h_write_mem },
	{ "X", true, rsp_h_write_bin },
	{ "c", true, rsp_h_cont },
	{ "C", true, rsp_h_cont_sig },
	{ "s", true, rsp_h_step },
	{ "S", true, rsp_h_step_sig },
	{ "Z", true, rsp_h_insert_bp },
	{ "z", true, rsp_h_remove_bp },
	{ "H", true, h_set_thread },
	{ "T", true, h_thread_alive },
	{ "D", true, h_detach },
	{ "k", true, h_kill },
};

void rsp_dispatch(struct rsp *r, char *body, size_t len)
{
	for (size_t i = 0; i < sizeof rsp_cmds / sizeof rsp_cmds[0]; i++) {
		const struct rsp_cmd *c = &rsp_cmds[i];
		size_t n = strlen(c->name);
		if (len < n || memcmp(body, c->name, n) || (!c->prefix && len != n))
			continue;
		c->fn(r, body + n, len - n);
		return;
	}
	rsp_send(r, "");
}
