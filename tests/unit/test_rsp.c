/* Unit tests for the GDB Remote Serial Protocol stub (gdb/rsp*.c), the i386
 * register table and target description (gdb/regs_i386.c) and the socket
 * transport (gdb/transport_tcp.c). The stub is driven through an in-memory
 * transport (input fed as gdb would send it, in any pieces; output collected,
 * optionally taken a byte at a time or not at all) against a fake target
 * with 4 KiB of memory at 0x1000 and a register file laid out by the table.
 *
 * Every packet the stub serves, with good and with malformed input (bad
 * checksum, truncated, oversized, non-hex, garbage between packets, no '$'),
 * acks and no-ack mode, resends, Ctrl-C, run-length input, X escapes, qXfer
 * chunking, qRcmd output, each stop reply, detach and kill; then a fuzz loop
 * with a fixed seed whose every output byte must still be a well-formed ack
 * or packet. Real-gdb tests drive the real program elsewhere.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "gdb/regs_i386.h"
#include "gdb/rsp.h"
#include "gdb/transport_tcp.h"

/* ---- The in-memory transport. ---- */

struct mio {
	char *in;
	size_t in_n, in_pos, in_cap;
	size_t read_chunk;     /* at most this many bytes a read; 0: all */
	bool eof;              /* read reports "closed" once the input is used up */
	char *out;
	size_t out_n, out_cap;
	size_t write_chunk;    /* at most this many bytes a write; 0: all */
	bool write_full;       /* write accepts nothing */
	size_t write_budget;   /* if nonzero: bytes accepted before it is full */
	bool write_fail;       /* write reports an error */
	bool use_peek;
};

static int mio_peek(void *ctx)
{
	struct mio *m = ctx;
	return m->in_pos < m->in_n;
}

static ssize_t mio_read(void *ctx, void *buf, size_t len)
{
	struct mio *m = ctx;
	size_t n = m->in_n - m->in_pos;

	if (!n)
		return m->eof ? -1 : 0;
	if (m->read_chunk && n > m->read_chunk)
		n = m->read_chunk;
	if (n > len)
		n = len;
	memcpy(buf, m->in + m->in_pos, n);
	m->in_pos += n;
	return (ssize_t)n;
}

static ssize_t mio_write(void *ctx, const void *buf, size_t len)
{
	struct mio *m = ctx;

	if (m->write_fail)
		return -1;
	if (m->write_full)
		return 0;
	if (m->write_chunk && len > m->write_chunk)
		len = m->write_chunk;
	if (m->write_budget) {
		if (m->out_n >= m->write_budget)
			return 0;
		if (len > m->write_budget - m->out_n)
			len = m->write_budget - m->out_n;
	}
	if (m->out_n + len + 1 > m->out_cap) {
		m->out_cap = (m->out_n + len + 1) * 2;
		m->out = realloc(m->out, m->out_cap);
		ck_assert_ptr_nonnull(m->out);
	}
	memcpy(m->out + m->out_n, buf, len);
	m->out_n += len;
	m->out[m->out_n] = 0;
	return (ssize_t)len;
}

static struct rsp_io mio_io = { NULL, mio_read, mio_write, NULL };
static struct rsp_io mio_io_peek = { mio_peek, mio_read, mio_write, NULL };

static void mio_feed(struct mio *m, const void *data, size_t len)
{
	if (m->in_n + len > m->in_cap) {
		m->in_cap = (m->in_n + len) * 2 + 64;
		m->in = realloc(m->in, m->in_cap);
		ck_assert_ptr_nonnull(m->in);
	}
	memcpy(m->in + m->in_n, data, len);
	m->in_n += len;
}

static void mio_free(struct mio *m)
{
	free(m->in);
	free(m->out);
	memset(m, 0, sizeof *m);
}

/* ---- The fake target. ---- */

#define MEM_BASE 0x1000
#define MEM_SIZE 0x1000
#define MAX_REGS 1024

struct bp {
	int type;
	uint64_t addr;
	unsigned kind;
};

struct fake {
	uint8_t mem[MEM_SIZE];
	uint8_t regs[MAX_REGS];
	int conts, steps, stops, detaches, kills, monitors, reg_reads;
	int sig;
	bool has_addr;
	uint64_t addr;
	struct bp bps[64];
	int nbp;
	int bp_rc;              /* what set/clear_breakpoint return */
	int unavailable;        /* register read_reg calls unavailable, or -1 */
	int failing_reg;        /* register whose read fails, or -1 */
	int attached;
	struct rsp_stop why;
	bool stop_now;          /* report the stop from inside cont/step */
	bool resume_fails;      /* cont/step return RSP_ERROR */
	int mem_err;            /* if nonzero: what read_mem returns */
	struct rsp *r;
	char monitor_cmd[256];
};

static struct mio io;
static struct fake tg;
static struct rsp *r;

static size_t reg_off(unsigned n)
{
	return rsp_arch_reg_offset(&rsp_arch_i386, n);
}

static size_t reg_size(unsigned n)
{
	return rsp_arch_i386.regs[n].bitsize / 8;
}

static bool mem_range(uint64_t addr, size_t len)
{
	return addr >= MEM_BASE && addr - MEM_BASE <= MEM_SIZE && len <= MEM_SIZE - (addr - MEM_BASE);
}

static void f_stop(void *t)
{
	struct fake *f = t;
	f->stops++;
}

static int f_resume(struct fake *f, int sig, bool has_addr, uint64_t addr)
{
	f->sig = sig;
	f->has_addr = has_addr;
	f->addr = addr;
	if (f->stop_now)
		rsp_notify_stop(f->r, &f->why);
	return f->resume_fails ? RSP_ERROR : 0;
}

static int f_cont(void *t, int sig, bool has_addr, uint64_t addr)
{
	struct fake *f = t;
	f->conts++;
	return f_resume(f, sig, has_addr, addr);
}

static int f_step(void *t, int sig, bool has_addr, uint64_t addr)
{
	struct fake *f = t;
	f->steps++;
	return f_resume(f, sig, has_addr, addr);
}

static int f_read_mem(void *t, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = t;
	if (f->mem_err)
		return f->mem_err;
	if (!mem_range(addr, len))
		return EFAULT;
	memcpy(buf, f->mem + (addr - MEM_BASE), len);
	return 0;
}

static int f_write_mem(void *t, uint64_t addr, const void *buf, size_t len)
{
	struct fake *f = t;
	if (!mem_range(addr, len))
		return EFAULT;
	memcpy(f->mem + (addr - MEM_BASE), buf, len);
	return 0;
}

static int f_read_reg(void *t, unsigned n, void *buf, size_t *len)
{
	struct fake *f = t;
	f->reg_reads++;
	ck_assert_uint_lt(n, I386_NREGS);
	ck_assert_uint_eq(*len, reg_size(n));
	if ((int)n == f->unavailable)
		return RSP_UNSUPPORTED;
	if ((int)n == f->failing_reg)
		return RSP_ERROR;
	memcpy(buf, f->regs + reg_off(n), *len);
	return 0;
}

static int f_read_regs(void *t, void *buf, size_t len)
{
	struct fake *f = t;
	ck_assert_uint_eq(len, rsp_arch_regs_size(&rsp_arch_i386));
	memcpy(buf, f->regs, len);
	return f->failing_reg >= 0 ? RSP_ERROR : 0;
}

static int f_write_reg(void *t, unsigned n, const void *buf, size_t len)
{
	struct fake *f = t;
	ck_assert_uint_lt(n, I386_NREGS);
	ck_assert_uint_eq(len, reg_size(n));
	if ((int)n == f->failing_reg)
		return RSP_ERROR;
	memcpy(f->regs + reg_off(n), buf, len);
	return 0;
}

static int f_set_bp(void *t, int type, uint64_t addr, unsigned kind)
{
	struct fake *f = t;
	if (f->bp_rc)
		return f->bp_rc;
	ck_assert_int_lt(f->nbp, 64);
	f->bps[f->nbp++] = (struct bp){ type, addr, kind };
	return 0;
}

static int f_clear_bp(void *t, int type, uint64_t addr, unsigned kind)
{
	struct fake *f = t;
	if (f->bp_rc)
		return f->bp_rc;
	for (int i = 0; i < f->nbp; i++) {
		if (f->bps[i].type == type && f->bps[i].addr == addr && f->bps[i].kind == kind) {
			f->bps[i] = f->bps[--f->nbp];
			return 0;
		}
	}
	return RSP_ERROR;
}

static int f_monitor(void *t, const char *cmd, rsp_output_fn *out, void *ctx)
{
	struct fake *f = t;
	f->monitors++;
	snprintf(f->monitor_cmd, sizeof f->monitor_cmd, "%s", cmd);
	if (!strcmp(cmd, "help")) {
		out(ctx, "help  this text\n", 16);
		out(ctx, "regs  registers\n", 16);
		return 0;
	}
	if (!strcmp(cmd, "big")) {
		/* More than one O packet's worth. */
		char line[64];
		for (int i = 0; i < 2000; i++) {
			int n = snprintf(line, sizeof line, "line %04d of the big output\n", i);
			out(ctx, line, (size_t)n);
		}
		return 0;
	}
	if (!strcmp(cmd, "huge")) {
		/* One call larger than a packet. */
		size_t n = 3 * RSP_PACKET_SIZE;
		char *s = malloc(n);
		ck_assert_ptr_nonnull(s);
		for (size_t i = 0; i < n; i++)
			s[i] = (char)('a' + i % 26);
		out(ctx, s, n);
		free(s);
		return 0;
	}
	if (!strcmp(cmd, "quiet"))
		return 0;
	out(ctx, "unknown command\n", 16);
	return 1;
}

static void f_detach(void *t)
{
	((struct fake *)t)->detaches++;
}

static void f_kill(void *t)
{
	((struct fake *)t)->kills++;
}

static int f_attached(void *t)
{
	return ((struct fake *)t)->attached;
}

static void f_stop_reason(void *t, struct rsp_stop *s)
{
	*s = ((struct fake *)t)->why;
}

static const struct rsp_target fake_target = {
	.stop = f_stop,
	.cont = f_cont,
	.step = f_step,
	.read_mem = f_read_mem,
	.write_mem = f_write_mem,
	.read_reg = f_read_reg,
	.write_reg = f_write_reg,
	.set_breakpoint = f_set_bp,
	.clear_breakpoint = f_clear_bp,
	.monitor = f_monitor,
	.detach = f_detach,
	.kill = f_kill,
	.attached = f_attached,
	.stop_reason = f_stop_reason,
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < MEM_SIZE; i++)
		f->mem[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < MAX_REGS; i++)
		f->regs[i] = (uint8_t)(i * 13 + 5);
	f->unavailable = -1;
	f->failing_reg = -1;
	f->attached = 1;
	f->why.signal = RSP_SIGTRAP;
}

static void setup(void)
{
	memset(&io, 0, sizeof io);
	fake_init(&tg);
	r = rsp_create(&mio_io, &io, &fake_target, &tg, &rsp_arch_i386);
	ck_assert_ptr_nonnull(r);
	tg.r = r;
}

static void teardown(void)
{
	rsp_destroy(r);
	r = NULL;
	mio_free(&io);
}

/* ---- Packet helpers. ---- */

static uint8_t checksum(const char *s, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + (uint8_t)s[i]);
	return sum;
}

/* Feed "$body#cs" (body may hold any bytes). */
static void send_raw_pkt(const char *body, size_t n)
{
	char tail[4];
	mio_feed(&io, "$", 1);
	mio_feed(&io, body, n);
	snprintf(tail, sizeof tail, "#%02x", checksum(body, n));
	mio_feed(&io, tail, 3);
}

static void send_pkt(const char *body)
{
	send_raw_pkt(body, strlen(body));
}

static void feed(const char *s)
{
	mio_feed(&io, s, strlen(s));
}

static int poll_ok(void)
{
	int st = rsp_poll(r);
	ck_assert_msg(st == RSP_OK, "rsp_poll: %s", rsp_strerror(st));
	return st;
}

/* The stub's output, taken (and cleared). */
static char out_copy[1 << 20];
static size_t out_len;

static const char *take_out(void)
{
	ck_assert_uint_lt(io.out_n, sizeof out_copy);
	memcpy(out_copy, io.out ? io.out : "", io.out_n);
	out_len = io.out_n;
	out_copy[out_len] = 0;
	io.out_n = 0;
	return out_copy;
}

/* Parse one packet from s[*pos..n): checks framing and checksum, returns the
 * body (NUL-terminated copy in buf). */
static size_t parse_pkt(const char *s, size_t n, size_t *pos, char *buf, size_t buflen)
{
	ck_assert_msg(*pos < n && s[*pos] == '$', "expected a packet at %zu in '%.*s'",
		      *pos, (int)n, s);
	const char *hash = memchr(s + *pos, '#', n - *pos);
	ck_assert_ptr_nonnull(hash);
	size_t start = *pos + 1, len = (size_t)(hash - s) - start;
	ck_assert_uint_le((size_t)(hash - s) + 3, n);
	char cs[3] = { hash[1], hash[2], 0 };
	ck_assert_uint_eq(strtoul(cs, NULL, 16), checksum(s + start, len));
	ck_assert_uint_lt(len, buflen);
	memcpy(buf, s + start, len);
	buf[len] = 0;
	*pos = (size_t)(hash - s) + 3;
	return len;
}

static char body_buf[4 * RSP_PACKET_SIZE];

/* Send body, poll, expect "+" and exactly one reply packet; return its body. */
static const char *xchg(const char *body)
{
	size_t pos = 0;

	send_pkt(body);
	poll_ok();
	const char *o = take_out();
	if (!rsp_noack(r) || !strcmp(body, "QStartNoAckMode")) {
		ck_assert_msg(out_len && o[0] == '+', "no ack for '%s': '%s'", body, o);
		pos = 1;
	}
	parse_pkt(o, out_len, &pos, body_buf, sizeof body_buf);
	ck_assert_msg(pos == out_len, "more than one reply to '%s': '%s'", body, o);
	return body_buf;
}

/* Send body, expect only the ack (packets such as c have no reply). */
static void send_no_reply(const char *body)
{
	send_pkt(body);
	poll_ok();
	const char *o = take_out();
	ck_assert_str_eq(o, rsp_noack(r) ? "" : "+");
}

static void hex(const void *data, size_t n, char *out)
{
	const uint8_t *d = data;
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * n] = 0;
}

#define XCHG_EQ(pkt, want) ck_assert_str_eq(xchg(pkt), want)

/* ---- qSupported, no-ack mode, empty replies. ---- */

START_TEST(supported_features)
{
	const char *rep = xchg("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
	ck_assert_str_eq(rep, "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;"
			 "vContSupported+;QStartNoAckMode+");
	ck_assert_int_eq(RSP_PACKET_SIZE, 0x4000);
	XCHG_EQ("qSupported", rep);
}
END_TEST

START_TEST(noack_mode)
{
	ck_assert(!rsp_noack(r));
	XCHG_EQ("QStartNoAckMode", "OK");
	ck_assert(rsp_noack(r));
	/* gdb acks our OK; stray acks are ignored. */
	feed("+");
	poll_ok();
	ck_assert_str_eq(take_out(), "");
	/* No '+' before replies any more. */
	send_pkt("qC");
	poll_ok();
	ck_assert_str_eq(take_out(), "$QC1#c5");
	/* A bad checksum is dropped, not NAKed, and not executed. */
	feed("$M1000,1:ff#00");
	poll_ok();
	ck_assert_str_eq(take_out(), "");
	ck_assert_uint_eq(tg.mem[0], 1);
	/* '-' no longer resends anything. */
	feed("-");
	poll_ok();
	ck_assert_str_eq(take_out(), "");
	XCHG_EQ("m1000,1", "01");
}
END_TEST

START_TEST(empty_replies)
{
	XCHG_EQ("vMustReplyEmpty", "");
	XCHG_EQ("qTStatus", "");
	XCHG_EQ("vFile:open:6a7573742070726f62696e67,0,1c0", "");
	XCHG_EQ("!", "");
	XCHG_EQ("qXfer:auxv:read::0,1000", "");
	XCHG_EQ("bogus", "");
	XCHG_EQ("", "");
	XCHG_EQ("vMustReplyEmptyX", "");
	XCHG_EQ("qCX", "");           /* exact names need exact matches */
	XCHG_EQ("vCont", "");
}
END_TEST

START_TEST(misc_queries)
{
	XCHG_EQ("qC", "QC1");
	XCHG_EQ("qfThreadInfo", "m1");
	XCHG_EQ("qsThreadInfo", "l");
	XCHG_EQ("qOffsets", "Text=0;Data=0;Bss=0");
	XCHG_EQ("qSymbol::", "OK");
	XCHG_EQ("qAttached", "1");
	XCHG_EQ("qAttached:a410", "1");
	tg.attached = 0;
	XCHG_EQ("qAttached", "0");
	XCHG_EQ("Hg0", "OK");
	XCHG_EQ("Hc-1", "OK");
	XCHG_EQ("Hg1", "OK");
	XCHG_EQ("Hgp1.1", "OK");
	XCHG_EQ("Hgp1.-1", "OK");
	XCHG_EQ("Hg", "E01");
	XCHG_EQ("H", "E01");
	XCHG_EQ("Hgxyz", "E01");
	XCHG_EQ("Hg-2", "E01");
	XCHG_EQ("T1", "OK");
	XCHG_EQ("T-1", "OK");
	XCHG_EQ("T2", "E01");
	XCHG_EQ("T", "E01");
	XCHG_EQ("Tzz", "E01");
}
END_TEST

/* ---- The target description. ---- */

/* Read the whole target.xml with chunks of at most len, unescaping. */
static char *read_xml(unsigned len)
{
	size_t cap = 1 << 16, n = 0;
	char *xml = malloc(cap);
	char pkt[64];
	ck_assert_ptr_nonnull(xml);
	for (int guard = 0; guard < 100000; guard++) {
		snprintf(pkt, sizeof pkt, "qXfer:features:read:target.xml:%zx,%x", n, len);
		const char *rep = xchg(pkt);
		ck_assert(rep[0] == 'm' || rep[0] == 'l');
		/* rep is NUL-free text here, but the data is '}'-escaped. */
		size_t got = 0;
		for (const char *p = rep + 1; *p; p++) {
			char c = *p;
			if (c == '}')
				c = (char)(*++p ^ 0x20);
			ck_assert_uint_lt(n, cap - 1);
			xml[n++] = c;
			got++;
		}
		ck_assert_uint_le(got, len);
		ck_assert_uint_le(strlen(rep), RSP_PACKET_SIZE);
		if (rep[0] == 'l')
			break;
		/* An 'm' chunk is full, or as full as one packet allows. */
		ck_assert(got == len || got == (RSP_PACKET_SIZE - 1) / 2);
	}
	xml[n] = 0;
	return xml;
}

START_TEST(xfer_chunking_reassembles)
{
	char *want = rsp_tdesc_xml(&rsp_arch_i386);
	ck_assert_ptr_nonnull(want);
	static const unsigned sizes[] = { 1, 7, 100, 0x3ff, 0xfff, 0x3ffb, 0x10000 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *got = read_xml(sizes[i]);
		ck_assert_str_eq(got, want);
		free(got);
	}
	/* Past the end: an empty last chunk. */
	XCHG_EQ("qXfer:features:read:target.xml:100000,100", "l");
	/* Unknown annex, malformed offsets. */
	XCHG_EQ("qXfer:features:read:i386-core.xml:0,100", "E00");
	XCHG_EQ("qXfer:features:read:target.xml:zz,100", "E00");
	XCHG_EQ("qXfer:features:read:target.xml:0", "E00");
	XCHG_EQ("qXfer:features:read:target.xml:0,", "E00");
	XCHG_EQ("qXfer:features:read:target.xml:0,10x", "E00");
	XCHG_EQ("qXfer:features:read:target.xml", "E00");
	XCHG_EQ("qXfer:features:read:", "E00");
	XCHG_EQ("qXfer:features:read:target.xml:11111111111111111,1", "E00");
	free(want);
}
END_TEST

static int count(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

START_TEST(xml_well_formed)
{
	char *xml = rsp_tdesc_xml(&rsp_arch_i386);
	ck_assert_ptr_nonnull(xml);
	ck_assert(!strncmp(xml, "<?xml version=\"1.0\"?>", 21));
	ck_assert_ptr_nonnull(strstr(xml, "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"));
	ck_assert_ptr_nonnull(strstr(xml, "<target version=\"1.0\">"));
	ck_assert_ptr_nonnull(strstr(xml, "<architecture>i386</architecture>\n  <osabi>none</osabi>\n"));
	ck_assert_ptr_nonnull(strstr(xml, "<feature name=\"org.gnu.gdb.i386.core\">"));
	ck_assert_ptr_nonnull(strstr(xml, "<feature name=\"org.gnu.gdb.i386.sse\">"));
	ck_assert_ptr_nonnull(strstr(xml, "<feature name=\"org.bt86.system\">"));
	ck_assert_int_eq(count(xml, "<feature "), 3);
	ck_assert_int_eq(count(xml, "</feature>"), 3);
	ck_assert_int_eq(count(xml, "<flags "), count(xml, "</flags>"));
	ck_assert_int_eq(count(xml, "<union "), count(xml, "</union>"));
	ck_assert_int_eq(count(xml, "<"), count(xml, ">"));
	/* Every quote belongs to an attribute, but the DOCTYPE's two. */
	ck_assert_int_eq(count(xml, "\""), 2 * count(xml, "=\"") + 2);
	ck_assert_int_eq(count(xml, "<reg "), I386_NREGS);
	const char *end = strstr(xml, "</target>");
	ck_assert_ptr_nonnull(end);
	ck_assert_str_eq(end, "</target>\n");
	/* Every register, numbered by its place in the table. */
	for (unsigned i = 0; i < I386_NREGS; i++) {
		char want[128];
		const struct rsp_reg *g = &rsp_arch_i386.regs[i];
		snprintf(want, sizeof want, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"",
			 g->name, g->bitsize, g->type, i);
		ck_assert_msg(strstr(xml, want), "missing %s", want);
	}
	/* The types gdb 13's i386 code expects to see. */
	ck_assert_ptr_nonnull(strstr(xml, "<flags id=\"i386_eflags\" size=\"4\">"));
	ck_assert_ptr_nonnull(strstr(xml, "<field name=\"IOPL\" start=\"12\" end=\"13\"/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<field name=\"VIP\" start=\"20\" end=\"20\"/>"));
	ck_assert_ptr_nonnull(strstr(xml, "<union id=\"vec128\">"));
	ck_assert_ptr_nonnull(strstr(xml, "<flags id=\"i386_mxcsr\" size=\"4\">"));
	ck_assert_ptr_nonnull(strstr(xml, "<field name=\"FZ\" start=\"15\" end=\"15\"/>"));
	/* Types come before the registers of their feature (gdb's DTD). */
	ck_assert(strstr(xml, "<flags id=\"i386_eflags\"") < strstr(xml, "<reg name=\"eax\""));
	ck_assert(strstr(xml, "<union id=\"vec128\"") < strstr(xml, "<reg name=\"xmm0\""));
	free(xml);
}
END_TEST

START_TEST(i386_table)
{
	static const char *const core[] = {
		"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
		"cs", "ss", "ds", "es", "fs", "gs", "st0", "st1", "st2", "st3", "st4",
		"st5", "st6", "st7", "fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg",
		"fooff", "fop",
	};
	const struct rsp_arch *a = &rsp_arch_i386;
	ck_assert_uint_eq(a->nregs, I386_NREGS);
	ck_assert_str_eq(a->architecture, "i386");
	for (unsigned i = 0; i < 32; i++) {
		ck_assert_str_eq(a->regs[i].name, core[i]);
		ck_assert_str_eq(a->regs[i].feature, "org.gnu.gdb.i386.core");
	}
	ck_assert_str_eq(a->regs[I386_XMM0 + 5].name, "xmm5");
	ck_assert_uint_eq(a->regs[I386_XMM0].bitsize, 128);
	ck_assert_str_eq(a->regs[I386_MXCSR].name, "mxcsr");
	ck_assert_str_eq(a->regs[I386_MXCSR].feature, "org.gnu.gdb.i386.sse");
	ck_assert_uint_eq(a->regs[I386_ST0 + 3].bitsize, 80);
	static const char *const sys[] = {
		"cr0", "cr2", "cr3", "cr4", "efer", "gdtr_base", "gdtr_limit", "idtr_base", "idtr_limit",
	};
	for (unsigned i = 0; i < 9; i++) {
		ck_assert_str_eq(a->regs[I386_CR0 + i].name, sys[i]);
		ck_assert_str_eq(a->regs[I386_CR0 + i].feature, "org.bt86.system");
	}
	/* 16 x 4 + 8 x 10 + 8 x 4 + 8 x 16 + 4 + 9 x 4 */
	ck_assert_uint_eq(rsp_arch_regs_size(a), 64 + 80 + 32 + 128 + 4 + 36);
	for (unsigned i = I386_CR0; i < I386_NREGS; i++)
		ck_assert_uint_eq(a->regs[i].bitsize, 32);
	ck_assert_uint_eq(rsp_arch_reg_offset(a, I386_EIP), 32);
	ck_assert_uint_eq(rsp_arch_reg_offset(a, I386_FCTRL), 144);
	ck_assert_uint_eq(rsp_arch_reg_offset(a, I386_XMM0), 176);
}
END_TEST

/* An arch with a fixed XML, registers without features, bad names. */
START_TEST(tdesc_generator_rejects_bad_tables)
{
	static const struct rsp_reg bad_name[] = { { "a<b", 32, "int32", NULL, "f" } };
	static const struct rsp_arch a1 = { .architecture = "i386", .regs = bad_name, .nregs = 1 };
	ck_assert_ptr_null(rsp_tdesc_xml(&a1));
	ck_assert_ptr_null(rsp_create(&mio_io, &io, &fake_target, &tg, &a1));

	static const struct rsp_field f[] = { { "X", NULL, 5, 40 } };   /* past 32 bits */
	static const struct rsp_type t[] = { { "f", RSP_TYPE_FLAGS, "t", 4, NULL, 0, f, 1 } };
	static const struct rsp_reg ok[] = { { "a", 32, "t", NULL, "f" } };
	static const struct rsp_arch a2 = { .architecture = "i386", .regs = ok, .nregs = 1,
					    .types = t, .ntypes = 1 };
	ck_assert_ptr_null(rsp_tdesc_xml(&a2));

	/* No features: no XML, and qXfer is neither announced nor served. */
	static const struct rsp_reg plain[] = { { "a", 32, "int32", NULL, NULL } };
	static const struct rsp_arch a3 = { .regs = plain, .nregs = 1 };
	struct rsp *s = rsp_create(&mio_io, &io, &fake_target, &tg, &a3);
	ck_assert_ptr_nonnull(s);
	rsp_destroy(r);
	r = s;
	ck_assert_str_eq(xchg("qSupported"),
			 "PacketSize=4000;swbreak+;hwbreak+;vContSupported+;QStartNoAckMode+");
	XCHG_EQ("qXfer:features:read:target.xml:0,100", "");

	/* A fixed XML is served as it is, escaped where it must be, and cut
	 * to fit a packet however much gdb asks for. */
	size_t big_n = 20000;
	char *big = malloc(big_n + 1);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < big_n; i++)
		big[i] = "<x a='$#}*'/>\n"[i % 14];
	big[big_n] = 0;
	const struct rsp_arch a5 = { .regs = plain, .nregs = 1, .xml = big };
	s = rsp_create(&mio_io, &io, &fake_target, &tg, &a5);
	ck_assert_ptr_nonnull(s);
	rsp_destroy(r);
	r = s;
	char *got = read_xml(0x10000);
	ck_assert_str_eq(got, big);
	free(got);
	rsp_destroy(r);
	r = NULL;
	free(big);

	/* A fixed XML is served as it is. */
	static const struct rsp_arch a4 = { .regs = plain, .nregs = 1, .xml = "<target/>" };
	r = rsp_create(&mio_io, &io, &fake_target, &tg, &a4);
	ck_assert_ptr_nonnull(r);
	XCHG_EQ("qXfer:features:read:target.xml:0,100", "l<target/>");
}
END_TEST

START_TEST(create_rejects_bad_arguments)
{
	struct rsp_io no_write = { NULL, mio_read, NULL, NULL };
	static const struct rsp_reg odd[] = { { "a", 12, "int32", NULL, "f" } };
	static const struct rsp_arch a_odd = { .regs = odd, .nregs = 1 };
	/* 17 x 512 bytes: a g reply would be longer than a packet. */
	static struct rsp_reg huge[17];
	for (int i = 0; i < 17; i++)
		huge[i] = (struct rsp_reg){ "r", 4096, "int32", NULL, "f" };
	const struct rsp_arch a_huge = { .regs = huge, .nregs = 17 };
	const struct rsp_arch a_fits = { .regs = huge, .nregs = 16 };
	static const struct rsp_arch a_empty = { .regs = NULL };

	ck_assert_ptr_null(rsp_create(NULL, &io, &fake_target, &tg, &rsp_arch_i386));
	ck_assert_ptr_null(rsp_create(&no_write, &io, &fake_target, &tg, &rsp_arch_i386));
	ck_assert_ptr_null(rsp_create(&mio_io, &io, &fake_target, &tg, NULL));
	ck_assert_ptr_null(rsp_create(&mio_io, &io, &fake_target, &tg, &a_odd));
	ck_assert_ptr_null(rsp_create(&mio_io, &io, &fake_target, &tg, &a_huge));
	struct rsp *fits = rsp_create(&mio_io, &io, &fake_target, &tg, &a_fits);
	ck_assert_ptr_nonnull(fits);
	rsp_destroy(fits);
	ck_assert_ptr_null(rsp_create(&mio_io, &io, &fake_target, &tg, &a_empty));
	ck_assert_int_eq(rsp_poll(NULL), RSP_INVALID);
	rsp_notify_stop(NULL, &tg.why);
	rsp_destroy(NULL);
	/* A NULL target answers as a target with nothing. */
	struct rsp *s = rsp_create(&mio_io, &io, NULL, NULL, &rsp_arch_i386);
	ck_assert_ptr_nonnull(s);
	rsp_destroy(r);
	r = s;
	XCHG_EQ("g", "E01");
	XCHG_EQ("m1000,4", "E01");
	XCHG_EQ("M1000,1:00", "E01");
	XCHG_EQ("X1000,0:", "");
	XCHG_EQ("Z0,1000,1", "");
	XCHG_EQ("c", "E01");
	XCHG_EQ("qRcmd,68656c70", "");
	XCHG_EQ("?", "T05thread:1;");
	XCHG_EQ("qAttached", "1");
}
END_TEST

START_TEST(status_strings)
{
	static const int codes[] = { RSP_OK, RSP_ERROR, RSP_CLOSED, RSP_DETACHED, RSP_KILLED,
				     RSP_IO_ERROR, RSP_NOMEM, RSP_UNSUPPORTED, RSP_INVALID };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		ck_assert_str_ne(rsp_strerror(codes[i]), "unknown status");
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(rsp_strerror(codes[i]), rsp_strerror(codes[j]));
	}
	ck_assert_str_eq(rsp_strerror(12345), "unknown status");
}
END_TEST

/* ---- Registers. ---- */

START_TEST(read_all_registers)
{
	size_t size = rsp_arch_regs_size(&rsp_arch_i386);
	char want[2 * MAX_REGS + 1];
	hex(tg.regs, size, want);
	const char *rep = xchg("g");
	ck_assert_uint_eq(strlen(rep), 2 * size);
	ck_assert_str_eq(rep, want);
	XCHG_EQ("g1", "E01");

	/* An unavailable register is xx.. in place. */
	tg.unavailable = I386_EIP;
	rep = xchg("g");
	ck_assert_uint_eq(strlen(rep), 2 * size);
	ck_assert(!strncmp(rep + 2 * reg_off(I386_EIP), "xxxxxxxx", 8));
	ck_assert(!strncmp(rep, want, 2 * reg_off(I386_EIP)));
	ck_assert_str_eq(rep + 2 * reg_off(I386_EFLAGS), want + 2 * reg_off(I386_EFLAGS));
	tg.unavailable = -1;

	tg.failing_reg = I386_CR3;
	XCHG_EQ("g", "E01");
}
END_TEST

START_TEST(read_all_registers_fast_path)
{
	struct rsp_target t = fake_target;
	t.read_regs = f_read_regs;
	struct rsp *s = rsp_create(&mio_io, &io, &t, &tg, &rsp_arch_i386);
	ck_assert_ptr_nonnull(s);
	rsp_destroy(r);
	r = tg.r = s;
	char want[2 * MAX_REGS + 1];
	hex(tg.regs, rsp_arch_regs_size(&rsp_arch_i386), want);
	tg.reg_reads = 0;
	XCHG_EQ("g", want);
	ck_assert_int_eq(tg.reg_reads, 0);
	/* Without read_reg, p uses read_regs too. */
	t.read_reg = NULL;
	hex(tg.regs + reg_off(I386_XMM0 + 3), 16, want);
	XCHG_EQ("p23", want);
	tg.failing_reg = 0;
	XCHG_EQ("g", "E01");
}
END_TEST

START_TEST(write_all_registers)
{
	size_t size = rsp_arch_regs_size(&rsp_arch_i386);
	uint8_t regs[MAX_REGS];
	char pkt[2 * MAX_REGS + 8] = "G";
	for (size_t i = 0; i < size; i++)
		regs[i] = (uint8_t)(0xa0 + i);
	hex(regs, size, pkt + 1);
	XCHG_EQ(pkt, "OK");
	ck_assert_mem_eq(tg.regs, regs, size);

	/* Wrong lengths, non-hex: rejected, nothing written. */
	memset(tg.regs, 0, size);
	pkt[strlen(pkt) - 2] = 0;
	XCHG_EQ(pkt, "E01");
	strcat(pkt, "0000");
	XCHG_EQ(pkt, "E01");
	pkt[strlen(pkt) - 2] = 0;
	pkt[5] = 'g';
	XCHG_EQ(pkt, "E01");
	XCHG_EQ("G", "E01");
	for (size_t i = 0; i < size; i++)
		ck_assert_uint_eq(tg.regs[i], 0);
	/* A target refusing a register. */
	pkt[5] = '0';
	tg.failing_reg = I386_EFER;
	XCHG_EQ(pkt, "E01");
}
END_TEST

START_TEST(read_one_register)
{
	char want[64];
	hex(tg.regs + reg_off(I386_EIP), 4, want);
	XCHG_EQ("p8", want);
	hex(tg.regs + reg_off(I386_ST0 + 2), 10, want);
	XCHG_EQ("p12", want);
	hex(tg.regs + reg_off(I386_XMM0 + 7), 16, want);
	XCHG_EQ("p27", want);
	hex(tg.regs + reg_off(I386_EFER), 4, want);
	XCHG_EQ("p2d", want);
	hex(tg.regs + reg_off(I386_IDTR_LIMIT), 4, want);
	XCHG_EQ("P31=00000000", "OK");   /* idtr_limit is the last one, 0x31 */
	XCHG_EQ("p31", "00000000");
	XCHG_EQ("p32", "E01");           /* past the table */
	XCHG_EQ("pffffffffffffffff", "E01");
	XCHG_EQ("p", "E01");
	XCHG_EQ("pz", "E01");
	XCHG_EQ("p8,", "E01");
	XCHG_EQ("p11111111111111111", "E01");
	tg.unavailable = 3;
	XCHG_EQ("p3", "xxxxxxxx");
	tg.failing_reg = 4;
	XCHG_EQ("p4", "E01");
}
END_TEST

START_TEST(write_one_register)
{
	XCHG_EQ("P8=78563412", "OK");
	ck_assert_mem_eq(tg.regs + reg_off(I386_EIP), "\x78\x56\x34\x12", 4);
	XCHG_EQ("P10=00000000000000c0ff3f", "OK");   /* st0 = 1.5 */
	ck_assert_mem_eq(tg.regs + reg_off(I386_ST0), "\0\0\0\0\0\0\0\xc0\xff\x3f", 10);
	XCHG_EQ("P8=785634", "E01");       /* too short */
	XCHG_EQ("P8=7856341200", "E01");   /* too long */
	XCHG_EQ("P8=7856341g", "E01");
	XCHG_EQ("P8:78563412", "E01");
	XCHG_EQ("P8", "E01");
	XCHG_EQ("P=78563412", "E01");
	XCHG_EQ("P99=78563412", "E01");
	tg.failing_reg = 0;
	XCHG_EQ("P0=00000000", "E01");
	ck_assert_mem_eq(tg.regs + reg_off(I386_EIP), "\x78\x56\x34\x12", 4);
}
END_TEST

/* ---- Memory. ---- */

START_TEST(read_memory)
{
	char want[2 * MEM_SIZE + 1];
	hex(tg.mem, 4, want);
	XCHG_EQ("m1000,4", want);
	hex(tg.mem + 0xff0, 16, want);
	XCHG_EQ("m1ff0,10", want);
	hex(tg.mem, MEM_SIZE, want);
	XCHG_EQ("m1000,1000", want);
	hex(tg.mem, 4, want);
	XCHG_EQ("m0001000,0004", want);   /* leading zeros */
	XCHG_EQ("m1000,0", "");
	XCHG_EQ("m1ffc,8", "E0e");        /* EFAULT = 14 */
	XCHG_EQ("m0,4", "E0e");
	XCHG_EQ("mffffffffffffffff,2", "E0e");
	XCHG_EQ("m1000", "E01");
	XCHG_EQ("m1000,", "E01");
	XCHG_EQ("m,4", "E01");
	XCHG_EQ("m1000;4", "E01");
	XCHG_EQ("m1000,4x", "E01");
	XCHG_EQ("mzz,4", "E01");
	XCHG_EQ("m", "E01");
	XCHG_EQ("m10000000000000000,4", "E01");   /* more than 64 bits */
	/* Huge lengths are clamped to a packet's worth (and fault here). */
	XCHG_EQ("m1000,ffffffffffffffff", "E0e");
}
END_TEST

START_TEST(write_memory)
{
	XCHG_EQ("M1004,4:deadbeef", "OK");
	ck_assert_mem_eq(tg.mem + 4, "\xde\xad\xbe\xef", 4);
	XCHG_EQ("M1004,0:", "OK");
	XCHG_EQ("M1ffe,4:00000000", "E0e");
	XCHG_EQ("M1004,4:deadbe", "E01");
	XCHG_EQ("M1004,2:deadbeef", "E01");
	XCHG_EQ("M1004,4:deadbeeg", "E01");
	XCHG_EQ("M1004,4:deadbee", "E01");
	XCHG_EQ("M1004,4", "E01");
	XCHG_EQ("M1004,4;deadbeef", "E01");
	XCHG_EQ("M1004:deadbeef", "E01");
	XCHG_EQ("M1004,8000000000000002:0000", "E01");   /* 2 * len wraps */
	ck_assert_mem_eq(tg.mem + 4, "\xde\xad\xbe\xef", 4);
}
END_TEST

START_TEST(write_binary_with_escapes)
{
	/* Bytes that must be escaped ($ # } *) and bytes that need not be
	 * (NUL, Ctrl-C, 0xff): binary-safe. */
	static const uint8_t data[] = { 0x24, 0x23, 0x7d, 0x2a, 0x00, 0x03, 0xff, 0x41, 0x7d };
	char pkt[64];
	size_t n = (size_t)snprintf(pkt, sizeof pkt, "X1010,%zx:", sizeof data);
	for (size_t i = 0; i < sizeof data; i++) {
		if (data[i] == 0x24 || data[i] == 0x23 || data[i] == 0x7d || data[i] == 0x2a) {
			pkt[n++] = 0x7d;
			pkt[n++] = (char)(data[i] ^ 0x20);
		} else {
			pkt[n++] = (char)data[i];
		}
	}
	send_raw_pkt(pkt, n);
	poll_ok();
	ck_assert_str_eq(take_out(), "+$OK#9a");
	ck_assert_mem_eq(tg.mem + 0x10, data, sizeof data);

	XCHG_EQ("X1000,0:", "OK");                  /* gdb's probe for X */
	XCHG_EQ("X1000,2:a", "E01");                /* too short */
	XCHG_EQ("X1000,1:ab", "E01");               /* too long */
	XCHG_EQ("X1000,1:}", "E01");                /* a lone escape */
	XCHG_EQ("X1000,1", "E01");
	XCHG_EQ("X1000:a", "E01");
	XCHG_EQ("Xq,1:a", "E01");
	XCHG_EQ("X2000,1:a", "E0e");
	/* Without write_mem: X is not supported (gdb then uses M). */
	struct rsp_target t = fake_target;
	t.write_mem = NULL;
	struct rsp *s = rsp_create(&mio_io, &io, &t, &tg, &rsp_arch_i386);
	rsp_destroy(r);
	r = s;
	XCHG_EQ("X1000,0:", "");
	XCHG_EQ("M1000,1:00", "E01");
}
END_TEST

/* ---- Breakpoints. ---- */

START_TEST(breakpoints)
{
	XCHG_EQ("Z0,1234,1", "OK");
	XCHG_EQ("Z1,2000,1", "OK");
	XCHG_EQ("Z2,3000,4", "OK");
	XCHG_EQ("Z3,3004,2", "OK");
	XCHG_EQ("Z4,3008,1", "OK");
	XCHG_EQ("Z0,4000,1;X2,ab", "OK");   /* a condition list is ignored */
	ck_assert_int_eq(tg.nbp, 6);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(tg.bps[i].type, i);
	ck_assert_uint_eq(tg.bps[0].addr, 0x1234);
	ck_assert_uint_eq(tg.bps[2].kind, 4);
	ck_assert_uint_eq(tg.bps[3].addr, 0x3004);
	XCHG_EQ("z3,3004,2", "OK");
	XCHG_EQ("z3,3004,2", "E01");        /* not there any more */
	XCHG_EQ("z0,1234,1", "OK");
	ck_assert_int_eq(tg.nbp, 4);
	XCHG_EQ("Z5,1000,1", "");           /* unknown type: not supported */
	XCHG_EQ("z9,1000,1", "");
	XCHG_EQ("Z0,1000", "E01");
	XCHG_EQ("Z0,1000,", "E01");
	XCHG_EQ("Z0", "E01");
	XCHG_EQ("Z", "E01");
	XCHG_EQ("Z0;1000,1", "E01");
	XCHG_EQ("Z0,1000,1x", "E01");
	XCHG_EQ("Zx,1000,1", "E01");
	XCHG_EQ("Z0,1000,100000000", "E01");
	tg.bp_rc = RSP_UNSUPPORTED;
	XCHG_EQ("Z1,1000,1", "");
	tg.bp_rc = RSP_ERROR;
	XCHG_EQ("Z0,1000,1", "E01");
	XCHG_EQ("z0,1000,1", "E01");
}
END_TEST

/* ---- Run control and stop replies. ---- */

#define RSP_SIGSTOP_FOR_TEST 17   /* gdb's SIGSTOP: any signal number will do */

static void stop_with(enum rsp_stop_kind kind, int sig, uint64_t addr)
{
	struct rsp_stop s = { .signal = sig, .kind = kind, .watch_addr = addr };
	rsp_notify_stop(r, &s);
}

/* The one packet the stub wrote since the last take_out(). */
static const char *one_packet(void)
{
	size_t pos = 0;
	const char *o = take_out();
	parse_pkt(o, out_len, &pos, body_buf, sizeof body_buf);
	ck_assert_uint_eq(pos, out_len);
	return body_buf;
}

START_TEST(continue_and_stop_replies)
{
	send_no_reply("c");
	ck_assert_int_eq(tg.conts, 1);
	ck_assert(!tg.has_addr);
	ck_assert(rsp_running(r));
	stop_with(RSP_STOP_SWBREAK, RSP_SIGTRAP, 0);
	ck_assert(!rsp_running(r));
	ck_assert_str_eq(one_packet(), "T05swbreak:;thread:1;");

	/* A second stop with nobody waiting is not sent. */
	stop_with(RSP_STOP_NONE, RSP_SIGTRAP, 0);
	ck_assert_str_eq(take_out(), "");

	send_no_reply("c2000");
	ck_assert(tg.has_addr);
	ck_assert_uint_eq(tg.addr, 0x2000);
	stop_with(RSP_STOP_HWBREAK, RSP_SIGTRAP, 0);
	ck_assert_str_eq(one_packet(), "T05hwbreak:;thread:1;");

	send_no_reply("C0b");
	ck_assert_int_eq(tg.sig, 11);
	ck_assert(!tg.has_addr);
	stop_with(RSP_STOP_WATCH, RSP_SIGTRAP, 0x3000);
	ck_assert_str_eq(one_packet(), "T05watch:3000;thread:1;");

	send_no_reply("C0b;1234");
	ck_assert(tg.has_addr);
	ck_assert_uint_eq(tg.addr, 0x1234);
	stop_with(RSP_STOP_RWATCH, RSP_SIGTRAP, 0xdeadbeef);
	ck_assert_str_eq(one_packet(), "T05rwatch:deadbeef;thread:1;");

	send_no_reply("s");
	ck_assert_int_eq(tg.steps, 1);
	stop_with(RSP_STOP_AWATCH, RSP_SIGTRAP, 0x10);
	ck_assert_str_eq(one_packet(), "T05awatch:10;thread:1;");

	send_no_reply("s1000");
	ck_assert_uint_eq(tg.addr, 0x1000);
	stop_with(RSP_STOP_NONE, RSP_SIGTRAP, 0);
	ck_assert_str_eq(one_packet(), "T05thread:1;");

	send_no_reply("S05;1004");
	ck_assert_int_eq(tg.sig, 5);
	ck_assert_uint_eq(tg.addr, 0x1004);
	struct rsp_stop ex = { .exited = true, .exit_code = 3 };
	rsp_notify_stop(r, &ex);
	ck_assert_str_eq(one_packet(), "W03");

	send_no_reply("S0e");
	ck_assert_int_eq(tg.steps, 4);
	struct rsp_stop odd = { .signal = 11, .kind = (enum rsp_stop_kind)99 };
	rsp_notify_stop(r, &odd);
	ck_assert_str_eq(one_packet(), "T0bthread:1;");

	XCHG_EQ("cxyz", "E01");
	XCHG_EQ("C", "E01");
	XCHG_EQ("C100", "E01");
	XCHG_EQ("C05;", "E01");
	XCHG_EQ("C05,1000", "E01");
	XCHG_EQ("S05;10x", "E01");
	XCHG_EQ("s;", "E01");
	ck_assert(!rsp_running(r));
	ck_assert_int_eq(tg.conts, 4);
	ck_assert_int_eq(tg.steps, 4);
}
END_TEST

START_TEST(resume_errors)
{
	tg.resume_fails = true;
	XCHG_EQ("c", "E01");
	XCHG_EQ("s", "E01");
	XCHG_EQ("vCont;s:1;c", "E01");
	ck_assert(!rsp_running(r));
	/* Stopped at once and then failed: the stop reply was the answer. */
	tg.stop_now = true;
	XCHG_EQ("c", "T05thread:1;");
	ck_assert(!rsp_running(r));
}
END_TEST

START_TEST(target_error_codes)
{
	tg.mem_err = -EIO;              /* negative errno is fine too */
	XCHG_EQ("m1000,4", "E05");
	tg.mem_err = 0x1234;            /* out of range: a plain error */
	XCHG_EQ("m1000,4", "E01");
	tg.mem_err = RSP_ERROR;
	XCHG_EQ("m1000,4", "E01");
}
END_TEST

/* Console output before a stop reply: O packets, only while gdb waits. */
START_TEST(output_while_running)
{
	rsp_notify_output(r, "early\n", 6);          /* gdb is not waiting: dropped */
	ck_assert_str_eq(take_out(), "");
	send_no_reply("c");
	rsp_notify_output(r, "hi\n", 3);
	ck_assert_str_eq(one_packet(), "O68690a");
	stop_with(RSP_STOP_NONE, RSP_SIGSTOP_FOR_TEST, 0);
	ck_assert_str_eq(one_packet(), "T11thread:1;");
	rsp_notify_output(NULL, "x", 1);
	rsp_notify_output(r, NULL, 1);
	ck_assert_str_eq(take_out(), "");
}
END_TEST

START_TEST(stop_reported_from_inside_cont)
{
	tg.stop_now = true;
	tg.why = (struct rsp_stop){ .signal = RSP_SIGTRAP, .kind = RSP_STOP_SWBREAK };
	send_pkt("c");
	poll_ok();
	ck_assert(io.out_n && io.out[0] == '+');
	memmove(io.out, io.out + 1, io.out_n--);
	ck_assert_str_eq(one_packet(), "T05swbreak:;thread:1;");
	ck_assert(!rsp_running(r));
	ck_assert_int_eq(tg.conts, 1);
}
END_TEST

START_TEST(question_mark)
{
	XCHG_EQ("?", "T05thread:1;");
	tg.why = (struct rsp_stop){ .signal = RSP_SIGINT };
	XCHG_EQ("?", "T02thread:1;");
	tg.why = (struct rsp_stop){ .signal = RSP_SIGTRAP, .kind = RSP_STOP_SWBREAK };
	XCHG_EQ("?", "T05swbreak:;thread:1;");
	tg.why = (struct rsp_stop){ .signal = RSP_SIGTRAP, .kind = RSP_STOP_WATCH, .watch_addr = 0xb8000 };
	XCHG_EQ("?", "T05watch:b8000;thread:1;");
	tg.why = (struct rsp_stop){ .exited = true, .exit_code = 0x1ff };
	XCHG_EQ("?", "Wff");
	XCHG_EQ("?x", "E01");
}
END_TEST

START_TEST(ctrl_c)
{
	/* Not running: nothing to interrupt, nothing sent. */
	feed("\x03");
	poll_ok();
	ck_assert_str_eq(take_out(), "");
	ck_assert_int_eq(tg.stops, 0);

	send_no_reply("c");
	feed("\x03");
	poll_ok();
	ck_assert_int_eq(tg.stops, 1);
	ck_assert_str_eq(take_out(), "");
	stop_with(RSP_STOP_NONE, RSP_SIGINT, 0);
	ck_assert_str_eq(one_packet(), "T02thread:1;");

	/* 0x03 inside a packet is data. */
	send_raw_pkt("X1000,1:\x03", 9);
	poll_ok();
	ck_assert_str_eq(take_out(), "+$OK#9a");
	ck_assert_uint_eq(tg.mem[0], 3);
	ck_assert_int_eq(tg.stops, 1);

	struct rsp_stats st;
	rsp_get_stats(r, &st);
	ck_assert_uint_eq(st.interrupts, 2);
}
END_TEST

START_TEST(vcont)
{
	XCHG_EQ("vCont?", "vCont;c;C;s;S;t");
	send_no_reply("vCont;c");
	ck_assert_int_eq(tg.conts, 1);
	stop_with(RSP_STOP_NONE, RSP_SIGTRAP, 0);
	take_out();

	send_no_reply("vCont;s:1;c");           /* what gdb sends for stepi */
	ck_assert_int_eq(tg.steps, 1);
	stop_with(RSP_STOP_NONE, RSP_SIGTRAP, 0);
	take_out();

	send_no_reply("vCont;C0b:-1");
	ck_assert_int_eq(tg.conts, 2);
	ck_assert_int_eq(tg.sig, 11);
	stop_with(RSP_STOP_NONE, RSP_SIGTRAP, 0);
	take_out();

	send_no_reply("vCont;c:2;S05:p1.1");    /* thread 2's action is not ours */
	ck_assert_int_eq(tg.steps, 2);
	ck_assert_int_eq(tg.sig, 5);
	stop_with(RSP_STOP_NONE, RSP_SIGTRAP, 0);
	take_out();

	send_no_reply("vCont;s:p1.-1");
	ck_assert_int_eq(tg.steps, 3);
	stop_with(RSP_STOP_NONE, RSP_SIGTRAP, 0);
	take_out();

	send_no_reply("vCont;c:0");
	ck_assert_int_eq(tg.conts, 3);
	/* t while running asks the target to stop; the reply comes later. */
	send_no_reply("vCont;t");
	ck_assert_int_eq(tg.stops, 1);
	stop_with(RSP_STOP_NONE, 0, 0);
	ck_assert_str_eq(one_packet(), "T00thread:1;");
	/* t while stopped: the stop reply at once. */
	XCHG_EQ("vCont;t:1", "T05thread:1;");

	XCHG_EQ("vCont;c:2", "E01");            /* no action for our thread */
	XCHG_EQ("vCont;", "E01");
	XCHG_EQ("vCont;x", "E01");
	XCHG_EQ("vCont;r1000,2000", "E01");     /* range stepping is not offered */
	XCHG_EQ("vCont;C", "E01");
	XCHG_EQ("vCont;C100", "E01");
	XCHG_EQ("vCont;c;", "E01");
	XCHG_EQ("vCont;c:", "E01");
	XCHG_EQ("vCont;c:zz", "E01");
	XCHG_EQ("vCont;c:1,s", "E01");
	XCHG_EQ("vCont;c:p", "E01");
	XCHG_EQ("vCont;c:p1.", "E01");
	XCHG_EQ("vCont;s:1;c;x", "E01");        /* every action is checked */
	ck_assert_int_eq(tg.conts, 3);
	ck_assert_int_eq(tg.steps, 3);
	ck_assert(!rsp_running(r));
}
END_TEST

/* ---- monitor. ---- */

/* Send a qRcmd and collect the O output; returns the final reply. */
static const char *rcmd(const char *cmd, char *text, size_t textlen, int *npackets)
{
	char pkt[600] = "qRcmd,";
	static char last[64];
	size_t pos = 1, t = 0;

	hex(cmd, strlen(cmd), pkt + 6);
	send_pkt(pkt);
	poll_ok();
	const char *o = take_out();
	ck_assert(o[0] == '+');
	*npackets = 0;
	for (;;) {
		size_t n = parse_pkt(o, out_len, &pos, body_buf, sizeof body_buf);
		(*npackets)++;
		/* O<hex> is output; OK (not hex) or an error ends it, as gdb reads it. */
		if (body_buf[0] != 'O' || n == 1 || !strcmp(body_buf, "OK")) {
			ck_assert_uint_lt(n, sizeof last);
			memcpy(last, body_buf, n + 1);
			break;
		}
		ck_assert_uint_le(n, RSP_PACKET_SIZE);
		ck_assert_uint_eq((n - 1) % 2, 0);
		for (size_t i = 1; i < n; i += 2) {
			char b[3] = { body_buf[i], body_buf[i + 1], 0 };
			ck_assert_uint_lt(t, textlen - 1);
			text[t++] = (char)strtoul(b, NULL, 16);
		}
	}
	text[t] = 0;
	ck_assert_uint_eq(pos, out_len);
	return last;
}

START_TEST(monitor_commands)
{
	static char text[4 * RSP_PACKET_SIZE];
	int n;

	ck_assert_str_eq(rcmd("help", text, sizeof text, &n), "OK");
	ck_assert_str_eq(text, "help  this text\nregs  registers\n");
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(tg.monitor_cmd, "help");
	/* The exact packets, hex-encoded. */
	send_pkt("qRcmd,68656c70");
	poll_ok();
	ck_assert(!strncmp(take_out(), "+$O68656c70202074686973", 23));

	ck_assert_str_eq(rcmd("quiet", text, sizeof text, &n), "OK");
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(n, 1);

	ck_assert_str_eq(rcmd("big", text, sizeof text, &n), "OK");
	ck_assert_int_eq(n, 2001);
	ck_assert_uint_eq(strlen(text), 2000 * 28);
	ck_assert(!strncmp(text + 1999 * 28, "line 1999 of the big output\n", 28));

	ck_assert_str_eq(rcmd("huge", text, sizeof text, &n), "OK");
	ck_assert_uint_eq(strlen(text), 3 * RSP_PACKET_SIZE);
	ck_assert_int_ge(n, 7);   /* split to fit PacketSize */
	ck_assert(text[3 * RSP_PACKET_SIZE - 1] == 'a' + (3 * RSP_PACKET_SIZE - 1) % 26);

	ck_assert_str_eq(rcmd("frobnicate 1 2", text, sizeof text, &n), "E01");
	ck_assert_str_eq(text, "unknown command\n");
	ck_assert_str_eq(tg.monitor_cmd, "frobnicate 1 2");

	/* `monitor` with no words sends an empty command. */
	ck_assert_str_eq(rcmd("", text, sizeof text, &n), "E01");
	ck_assert_str_eq(tg.monitor_cmd, "");

	int before = tg.monitors;
	XCHG_EQ("qRcmd,6", "E01");          /* odd hex */
	XCHG_EQ("qRcmd,zz", "E01");
	XCHG_EQ("qRcmd,680065", "E01");     /* a NUL inside */
	XCHG_EQ("qRcmd", "");               /* not the qRcmd, prefix */
	ck_assert_int_eq(tg.monitors, before);
}
END_TEST

/* ---- Ending the session. ---- */

START_TEST(detach)
{
	send_pkt("D");
	send_pkt("g");                      /* after D: not for us */
	ck_assert_int_eq(rsp_poll(r), RSP_DETACHED);
	ck_assert_str_eq(take_out(), "+$OK#9a");
	ck_assert_int_eq(tg.detaches, 1);
	/* Sticky. */
	ck_assert_int_eq(rsp_poll(r), RSP_DETACHED);
	ck_assert_str_eq(take_out(), "");

	rsp_destroy(r);
	r = rsp_create(&mio_io, &io, &fake_target, &tg, &rsp_arch_i386);
	send_pkt("D;a410");
	ck_assert_int_eq(rsp_poll(r), RSP_DETACHED);
	ck_assert_str_eq(take_out(), "+$OK#9a");

	rsp_destroy(r);
	r = rsp_create(&mio_io, &io, &fake_target, &tg, &rsp_arch_i386);
	XCHG_EQ("Dx", "E01");
	ck_assert_int_eq(tg.detaches, 2);
}
END_TEST

START_TEST(kill)
{
	send_pkt("k");
	ck_assert_int_eq(rsp_poll(r), RSP_KILLED);
	ck_assert_str_eq(take_out(), "+");          /* k has no reply */
	ck_assert_int_eq(tg.kills, 1);

	rsp_destroy(r);
	r = rsp_create(&mio_io, &io, &fake_target, &tg, &rsp_arch_i386);
	send_pkt("vKill;a410");
	ck_assert_int_eq(rsp_poll(r), RSP_KILLED);
	ck_assert_str_eq(take_out(), "+$OK#9a");
	ck_assert_int_eq(tg.kills, 2);
	ck_assert_str_eq(rsp_strerror(RSP_KILLED), "gdb killed the target");
}
END_TEST

START_TEST(transport_closed)
{
	send_pkt("qC");
	io.eof = true;
	ck_assert_int_eq(rsp_poll(r), RSP_CLOSED);
	ck_assert_str_eq(take_out(), "+$QC1#c5");   /* what came before still answered */
	ck_assert_int_eq(rsp_poll(r), RSP_CLOSED);
	/* Closed in the middle of a packet. */
	rsp_destroy(r);
	r = rsp_create(&mio_io, &io, &fake_target, &tg, &rsp_arch_i386);
	feed("$m1000,");
	ck_assert_int_eq(rsp_poll(r), RSP_CLOSED);
	ck_assert_str_eq(take_out(), "");
}
END_TEST

START_TEST(write_errors)
{
	io.write_fail = true;
	send_pkt("qC");
	ck_assert_int_eq(rsp_poll(r), RSP_IO_ERROR);
	ck_assert_int_eq(rsp_flush(r), RSP_IO_ERROR);
	ck_assert_int_eq(rsp_poll(r), RSP_IO_ERROR);
}
END_TEST

/* ---- Framing robustness. ---- */

START_TEST(bad_checksum_is_naked_and_not_run)
{
	feed("$M1000,1:ff#00");
	poll_ok();
	ck_assert_str_eq(take_out(), "-");
	ck_assert_uint_eq(tg.mem[0], 1);
	/* Checksum digits that are not hex: the frame is broken. */
	feed("$M1000,1:ff#zz");
	poll_ok();
	ck_assert_str_eq(take_out(), "-");
	ck_assert_uint_eq(tg.mem[0], 1);
	/* Upper-case checksum digits are fine. */
	char pkt[32];
	snprintf(pkt, sizeof pkt, "$qC#%02X", checksum("qC", 2));
	feed(pkt);
	poll_ok();
	ck_assert_str_eq(take_out(), "+$QC1#c5");
	struct rsp_stats st;
	rsp_get_stats(r, &st);
	ck_assert_uint_eq(st.bad_checksum, 2);
	ck_assert_uint_eq(st.packets, 1);
}
END_TEST

START_TEST(truncated_packets)
{
	/* A packet cut short by the next '$': NAK the first, serve the second. */
	feed("$m1000,");
	send_pkt("qC");
	poll_ok();
	ck_assert_str_eq(take_out(), "-+$QC1#c5");
	/* A checksum cut short by the next '$'. */
	feed("$qC#c");
	send_pkt("qC");
	poll_ok();
	ck_assert_str_eq(take_out(), "-+$QC1#c5");
	/* Input in pieces is not truncation. */
	feed("$qC");
	poll_ok();
	feed("#b");
	poll_ok();
	ck_assert_str_eq(take_out(), "");
	feed("4");
	poll_ok();
	ck_assert_str_eq(take_out(), "+$QC1#c5");
}
END_TEST

START_TEST(garbage_between_packets)
{
	feed("hello\r\n\xff\x80}*#");
	send_pkt("qC");
	feed("+++---xyz");
	send_pkt("qfThreadInfo");
	poll_ok();
	/* Each '-' resends our last reply. */
	ck_assert_str_eq(take_out(), "+$QC1#c5$QC1#c5$QC1#c5$QC1#c5+$m1#9e");
	struct rsp_stats st;
	rsp_get_stats(r, &st);
	ck_assert_uint_eq(st.garbage, 15);
	ck_assert_uint_eq(st.retransmits, 3);
	/* A packet without its '$' is garbage: no reply. */
	feed("m1000,4#c6");
	poll_ok();
	ck_assert_str_eq(take_out(), "");
	rsp_get_stats(r, &st);
	ck_assert_uint_eq(st.garbage, 25);
	ck_assert_uint_eq(st.packets, 2);
}
END_TEST

START_TEST(oversized_packet)
{
	size_t n = RSP_PACKET_SIZE + 100;
	char *big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "M1000,1:", 8);
	memset(big + 8, '0', n - 8);
	send_raw_pkt(big, n);
	poll_ok();
	ck_assert_str_eq(take_out(), "+$E01#a6");
	/* Exactly PacketSize is accepted (and answered on its merits). */
	send_raw_pkt(big, RSP_PACKET_SIZE);
	poll_ok();
	ck_assert_str_eq(take_out(), "+$E01#a6");
	/* A large valid write: 0x1000 bytes of hex fit. */
	size_t k = (size_t)sprintf(big, "M1000,1000:");
	memset(big + k, 'a', 0x2000);
	send_raw_pkt(big, k + 0x2000);
	poll_ok();
	ck_assert_str_eq(take_out(), "+$OK#9a");
	ck_assert_uint_eq(tg.mem[0xfff], 0xaa);
	/* Bad checksum on an oversized packet: NAK. */
	memset(big, 'g', n);
	mio_feed(&io, "$", 1);
	mio_feed(&io, big, n);
	feed("#00");
	poll_ok();
	ck_assert_str_eq(take_out(), "-");
	free(big);
	/* The stub still works. */
	XCHG_EQ("qC", "QC1");
}
END_TEST

START_TEST(run_length_input)
{
	/* "1* " is '1' and three more: 1111. */
	XCHG_EQ("M1000,4:1* 2* ", "OK");
	ck_assert_mem_eq(tg.mem, "\x11\x11\x22\x22", 4);
	/* "m1* ,4" is "m1111,4"; '!' (33 - 29) repeats four more times. */
	char want[64];
	hex(tg.mem + 0x111, 4, want);
	XCHG_EQ("m1* ,4", want);
	hex(tg.mem + 0x111, 8, want);
	XCHG_EQ("m1* ,8", want);
	XCHG_EQ("m1*!,4", "E0e");              /* 0x11111 is not memory */
	/* The longest run: '~' = 97 more. */
	char pkt[256] = "M1000,31:";
	strcat(pkt, "a*~");
	XCHG_EQ(pkt, "OK");   /* 98 'a's = 49 bytes = 0x31 */
	for (int i = 0; i < 49; i++)
		ck_assert_uint_eq(tg.mem[i], 0xaa);
	/* Malformed runs. */
	XCHG_EQ("*  ", "E01");                 /* nothing to repeat */
	XCHG_EQ("m1000,4*", "E01");            /* no count */
	send_raw_pkt("m1000,4*\x1f", 9);        /* count below ' ' */
	poll_ok();
	ck_assert_str_eq(take_out(), "+$E01#a6");
	/* A run past PacketSize. */
	size_t n = 0;
	static char big[RSP_PACKET_SIZE];
	n += (size_t)sprintf(big, "M1000,1:");
	while (n + 3 < sizeof big) {
		memcpy(big + n, "0*~", 3);
		n += 3;
	}
	send_raw_pkt(big, n);
	poll_ok();
	ck_assert_str_eq(take_out(), "+$E01#a6");
	/* Runs that fit, then plain bytes past PacketSize. */
	n = (size_t)sprintf(big, "M1000,1:");
	for (int i = 0; i < 160; i++, n += 3)
		memcpy(big + n, "0*~", 3);
	memset(big + n, '0', 1000);
	n += 1000;
	send_raw_pkt(big, n);
	poll_ok();
	ck_assert_str_eq(take_out(), "+$E01#a6");
}
END_TEST

START_TEST(input_in_single_bytes)
{
	io.read_chunk = 1;
	send_pkt("m1000,4");
	send_pkt("qC");
	feed("\x03");
	send_pkt("p8");
	poll_ok();
	char want[16], regs[16];
	hex(tg.mem, 4, want);
	hex(tg.regs + reg_off(I386_EIP), 4, regs);
	char expect[256];
	char p1[32], p2[32], p3[32];
	snprintf(p1, sizeof p1, "$%s#%02x", want, checksum(want, strlen(want)));
	snprintf(p2, sizeof p2, "$QC1#c5");
	snprintf(p3, sizeof p3, "$%s#%02x", regs, checksum(regs, strlen(regs)));
	snprintf(expect, sizeof expect, "+%s+%s+%s", p1, p2, p3);
	ck_assert_str_eq(take_out(), expect);
}
END_TEST

START_TEST(peek_callback)
{
	struct rsp *s = rsp_create(&mio_io_peek, &io, &fake_target, &tg, &rsp_arch_i386);
	rsp_destroy(r);
	r = s;
	XCHG_EQ("qC", "QC1");
	poll_ok();
	ck_assert_str_eq(take_out(), "");
}
END_TEST

START_TEST(partial_writes)
{
	char want[2 * MEM_SIZE + 1];
	hex(tg.mem, MEM_SIZE, want);

	io.write_chunk = 1;
	XCHG_EQ("m1000,1000", want);

	/* The transport takes nothing: the stub keeps it all. */
	io.write_chunk = 0;
	io.write_full = true;
	send_pkt("m1000,1000");
	send_pkt("qC");
	poll_ok();
	ck_assert(rsp_want_write(r));
	ck_assert_str_eq(take_out(), "");
	/* Now it takes 7 bytes a time. */
	io.write_full = false;
	io.write_chunk = 7;
	ck_assert_int_eq(rsp_flush(r), RSP_OK);
	ck_assert(!rsp_want_write(r));
	const char *o = take_out();
	size_t pos = 1;
	ck_assert(o[0] == '+');
	parse_pkt(o, out_len, &pos, body_buf, sizeof body_buf);
	ck_assert_str_eq(body_buf, want);
	ck_assert(o[pos] == '+');
	pos++;
	parse_pkt(o, out_len, &pos, body_buf, sizeof body_buf);
	ck_assert_str_eq(body_buf, "QC1");
	ck_assert_uint_eq(pos, out_len);
}
END_TEST

START_TEST(output_queue_grows_while_blocked)
{
	char want1[2 * MEM_SIZE + 1], want2[2 * MEM_SIZE + 1];
	hex(tg.mem, 0x800, want1);
	hex(tg.mem + 0x100, 0xf00, want2);
	/* The transport takes 100 bytes, then nothing: the queue is partly
	 * sent when the next, larger reply is added. */
	io.write_budget = 100;
	send_pkt("m1000,800");
	poll_ok();
	ck_assert_uint_eq(io.out_n, 100);
	ck_assert(rsp_want_write(r));
	send_pkt("m1100,f00");
	send_pkt("qC");
	poll_ok();
	io.write_budget = 0;
	ck_assert_int_eq(rsp_flush(r), RSP_OK);
	const char *o = take_out();
	size_t pos = 1;
	ck_assert(o[0] == '+');
	parse_pkt(o, out_len, &pos, body_buf, sizeof body_buf);
	ck_assert_str_eq(body_buf, want1);
	ck_assert(o[pos++] == '+');
	parse_pkt(o, out_len, &pos, body_buf, sizeof body_buf);
	ck_assert_str_eq(body_buf, want2);
	ck_assert(o[pos++] == '+');
	parse_pkt(o, out_len, &pos, body_buf, sizeof body_buf);
	ck_assert_str_eq(body_buf, "QC1");
	ck_assert_uint_eq(pos, out_len);
}
END_TEST

START_TEST(output_limit_when_gdb_never_reads)
{
	/* 8 KiB replies pile up while the transport takes nothing; past the
	 * stub's limit (64 MiB) the session ends instead of growing on. */
	io.write_full = true;
	for (int i = 0; i < 9000; i++)
		send_pkt("m1000,1000");
	ck_assert_int_eq(rsp_poll(r), RSP_NOMEM);
	ck_assert_int_eq(rsp_poll(r), RSP_NOMEM);
	ck_assert_str_eq(take_out(), "");
}
END_TEST

START_TEST(resend_on_nak)
{
	XCHG_EQ("qC", "QC1");
	feed("-");
	poll_ok();
	ck_assert_str_eq(take_out(), "$QC1#c5");
	feed("-");
	poll_ok();
	ck_assert_str_eq(take_out(), "$QC1#c5");
	feed("+");
	poll_ok();
	ck_assert_str_eq(take_out(), "");
	/* Nothing sent yet: nothing to resend. */
	rsp_destroy(r);
	r = rsp_create(&mio_io, &io, &fake_target, &tg, &rsp_arch_i386);
	feed("-");
	poll_ok();
	ck_assert_str_eq(take_out(), "");
}
END_TEST

/* ---- Fuzzing. ---- */

static uint64_t rng = 0x5eed1234abcd9876ull;

static uint32_t rnd(void)
{
	/* xorshift64*: fixed seed, same sequence on every run. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Check that everything the stub wrote is acks and well-formed packets. */
static void check_output_wellformed(void)
{
	size_t pos = 0;
	const char *o = take_out();
	while (pos < out_len) {
		if (o[pos] == '+' || o[pos] == '-') {
			pos++;
			continue;
		}
		parse_pkt(o, out_len, &pos, body_buf, sizeof body_buf);
	}
}

static const char *const fuzz_prefixes[] = {
	"g", "G", "p", "P", "m", "M", "X", "c", "C", "s", "S", "?", "Z", "z", "H", "T",
	"vCont;", "vCont?", "vMustReplyEmpty", "vKill;", "D", "k", "qSupported:",
	"QStartNoAckMode", "qXfer:features:read:target.xml:", "qXfer:features:read:",
	"qAttached", "qC", "qfThreadInfo", "qsThreadInfo", "qOffsets", "qSymbol::",
	"qRcmd,", "", "q", "v",
};

static const char fuzz_alphabet[] = "0123456789abcdefABCDEF,:;=-.p}*$#xyz\x03\x00\x7f\xff";

/* Totals over every stub the fuzzer made, to check it reached the handlers. */
static struct rsp_stats fuzz_total;
static unsigned long fuzz_sessions;

static void fuzz_count(void)
{
	struct rsp_stats st;
	rsp_get_stats(r, &st);
	fuzz_total.packets += st.packets;
	fuzz_total.malformed += st.malformed;
	fuzz_total.bad_checksum += st.bad_checksum;
	fuzz_total.garbage += st.garbage;
	fuzz_sessions++;
}

static void fuzz_reset(void)
{
	fuzz_count();
	rsp_destroy(r);
	io.in_n = io.in_pos = 0;
	io.eof = false;
	r = rsp_create(&mio_io, &io, &fake_target, &tg, &rsp_arch_i386);
	ck_assert_ptr_nonnull(r);
	tg.r = r;
}

static void fuzz_poll(void)
{
	int st = rsp_poll(r);
	check_output_wellformed();
	if (rnd() % 4 == 0 || rsp_running(r)) {
		struct rsp_stop s = { .signal = (int)(rnd() % 300) - 20,
				      .kind = (enum rsp_stop_kind)(rnd() % 8),
				      .watch_addr = rnd(), .exited = rnd() % 10 == 0,
				      .exit_code = (int)rnd() };
		rsp_notify_stop(r, &s);
		check_output_wellformed();
	}
	if (st != RSP_OK) {
		ck_assert(st == RSP_DETACHED || st == RSP_KILLED);
		fuzz_reset();
	}
}

START_TEST(fuzz_packets)
{
	char body[512];

	for (int iter = 0; iter < 6000; iter++) {
		const char *pre = fuzz_prefixes[rnd() % (sizeof fuzz_prefixes / sizeof fuzz_prefixes[0])];
		size_t n = strlen(pre);
		memcpy(body, pre, n);
		size_t extra = rnd() % (rnd() % 4 == 0 ? 400 : 40);
		for (size_t i = 0; i < extra && n < sizeof body; i++)
			body[n++] = fuzz_alphabet[rnd() % (sizeof fuzz_alphabet - 1)];
		/* Keep the framing intact most of the time so the handlers see
		 * the bodies; sometimes not. */
		if (rnd() % 8) {
			for (size_t i = 0; i < n; i++)
				if (body[i] == '$' || body[i] == '#')
					body[i] = 'x';
		}
		switch (rnd() % 10) {
		case 0: {
			/* Wrong checksum. */
			mio_feed(&io, "$", 1);
			mio_feed(&io, body, n);
			feed("#00");
			break;
		}
		case 1:
			/* Random bytes between packets. */
			for (int i = rnd() % 20; i > 0; i--) {
				char c = (char)rnd();
				mio_feed(&io, &c, 1);
			}
			send_raw_pkt(body, n);
			break;
		case 2:
			/* Truncated. */
			mio_feed(&io, "$", 1);
			mio_feed(&io, body, n / 2);
			break;
		default:
			send_raw_pkt(body, n);
			break;
		}
		io.read_chunk = rnd() % 3 == 0 ? 1 + rnd() % 16 : 0;
		io.write_chunk = rnd() % 3 == 0 ? 1 + rnd() % 16 : 0;
		fuzz_poll();
	}
	fuzz_count();
	ck_assert_uint_gt(fuzz_total.packets, 3000);
	ck_assert_uint_gt(fuzz_total.malformed, 500);
	ck_assert_uint_gt(fuzz_total.bad_checksum, 300);
	ck_assert_uint_gt(fuzz_sessions, 10);
}
END_TEST

START_TEST(fuzz_byte_streams)
{
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = rnd() % 300;
		for (size_t i = 0; i < n; i++) {
			/* Framing bytes often, so the framer sees many states. */
			static const char special[] = "$#+-*}\x03" "0123456789abcdef";
			char c = rnd() % 2 ? special[rnd() % (sizeof special - 1)] : (char)rnd();
			mio_feed(&io, &c, 1);
		}
		io.read_chunk = rnd() % 2 ? 1 + rnd() % 32 : 0;
		fuzz_poll();
	}
	/* And mutated valid packets: flip one byte, fix the checksum. */
	static const char *const valid[] = {
		"m1000,10", "M1000,2:abcd", "X1000,2:ab", "p8", "P8=01020304", "Z0,1000,1",
		"vCont;s:1;c", "qXfer:features:read:target.xml:0,100", "qRcmd,68656c70",
		"C05;1000", "G00",
	};
	for (int iter = 0; iter < 3000; iter++) {
		char body[64];
		const char *v = valid[rnd() % (sizeof valid / sizeof valid[0])];
		size_t n = strlen(v);
		memcpy(body, v, n);
		body[rnd() % n] = (char)rnd();
		send_raw_pkt(body, n);
		fuzz_poll();
	}
	XCHG_EQ("qC", "QC1");
}
END_TEST

/* ---- The socket transport. ---- */

static void transport_exchange(struct rsp_tcp *t, int cfd)
{
	static const char q[] = "$qC#b4";
	char buf[64];
	size_t got = 0;

	ck_assert_int_eq(rsp_tcp_accept(t, 2000), 1);
	ck_assert(rsp_tcp_connected(t));
	ck_assert_int_eq(rsp_tcp_fd(t), t->client_fd);
	ck_assert_int_eq(rsp_tcp_accept(t, 0), 1);   /* already connected */
	struct rsp *s = rsp_create(&rsp_tcp_io, t, &fake_target, &tg, &rsp_arch_i386);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(rsp_poll(s), RSP_OK);       /* nothing yet */
	ck_assert_int_eq(write(cfd, q, strlen(q)), (ssize_t)strlen(q));
	for (int i = 0; i < 100 && got < 8; i++) {
		ck_assert_int_eq(rsp_wait(s, 50), RSP_OK);
		ssize_t n = recv(cfd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
	}
	buf[got] = 0;
	ck_assert_str_eq(buf, "+$QC1#c5");
	close(cfd);
	int st = RSP_OK;
	for (int i = 0; i < 100 && st == RSP_OK; i++)
		st = rsp_wait(s, 50);
	ck_assert_int_eq(st, RSP_CLOSED);
	rsp_destroy(s);
	rsp_tcp_close_client(t);
	ck_assert(!rsp_tcp_connected(t));
	ck_assert_int_eq(rsp_tcp_fd(t), t->listen_fd);
	ck_assert_int_eq(rsp_tcp_accept(t, 0), 0);   /* nobody waiting */
}

START_TEST(tcp_transport)
{
	struct rsp_tcp t;
	char where[128], err[256];

	rsp_tcp_init(&t);
	ck_assert_int_eq(rsp_tcp_listen(&t, "127.0.0.1:0", where, sizeof where, err, sizeof err), 0);
	ck_assert(!strncmp(where, "127.0.0.1:", 10));
	int port = atoi(where + 10);
	ck_assert_int_gt(port, 0);
	ck_assert_int_eq(rsp_tcp_listen(&t, "0", where, sizeof where, err, sizeof err), -1);
	ck_assert_str_eq(err, "already listening");
	/* Two clients in turn. */
	for (int round = 0; round < 2; round++) {
		int cfd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_int_eq(connect(cfd, (struct sockaddr *)&sa, sizeof sa), 0);
		transport_exchange(&t, cfd);
	}
	rsp_tcp_destroy(&t);
	ck_assert_int_eq(t.listen_fd, -1);

	/* Port only: loopback. */
	rsp_tcp_init(&t);
	ck_assert_int_eq(rsp_tcp_listen(&t, "0", where, sizeof where, err, sizeof err), 0);
	ck_assert(!strncmp(where, "127.0.0.1:", 10));
	rsp_tcp_destroy(&t);
	rsp_tcp_init(&t);
	ck_assert_int_eq(rsp_tcp_listen(&t, ":0", where, sizeof where, err, sizeof err), 0);
	ck_assert(!strncmp(where, "127.0.0.1:", 10));
	rsp_tcp_destroy(&t);
}
END_TEST

START_TEST(unix_transport)
{
	struct rsp_tcp t;
	char where[128], err[256], path[64];

	snprintf(path, sizeof path, "/tmp/test_rsp.%d.sock", (int)getpid());
	rsp_tcp_init(&t);
	ck_assert_int_eq(rsp_tcp_listen(&t, path, where, sizeof where, err, sizeof err), 0);
	ck_assert_str_eq(where, path);
	/* A second listener on a live socket is refused. */
	struct rsp_tcp t2;
	rsp_tcp_init(&t2);
	ck_assert_int_eq(rsp_tcp_listen(&t2, path, where, sizeof where, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "another program"));
	/* Its probe connection is queued on the live listener: a client that
	 * hangs up at once. */
	ck_assert_int_eq(rsp_tcp_accept(&t, 1000), 1);
	rsp_tcp_close_client(&t);

	int cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(connect(cfd, (struct sockaddr *)&sa, sizeof sa), 0);
	transport_exchange(&t, cfd);
	rsp_tcp_destroy(&t);
	ck_assert_int_eq(access(path, F_OK), -1);   /* removed */

	/* A stale socket file is replaced; a regular file is not. */
	int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(sfd, (struct sockaddr *)&sa, sizeof sa), 0);
	close(sfd);
	rsp_tcp_init(&t);
	ck_assert_int_eq(rsp_tcp_listen(&t, path, where, sizeof where, err, sizeof err), 0);
	rsp_tcp_destroy(&t);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	rsp_tcp_init(&t);
	ck_assert_int_eq(rsp_tcp_listen(&t, path, where, sizeof where, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a socket"));
	unlink(path);
}
END_TEST

START_TEST(transport_bad_specs)
{
	static const char *const bad[] = {
		"", "abc", "host:", "127.0.0.1:65536", "127.0.0.1:12x", "::1:1234",
		"[::1", "[::1]1234", "127.0.0.1:-1", "no.such.host.invalid:1234",
		"/nonexistent-dir/x/sock",
	};
	char where[128], err[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct rsp_tcp t;
		rsp_tcp_init(&t);
		err[0] = 0;
		ck_assert_msg(rsp_tcp_listen(&t, bad[i], where, sizeof where, err, sizeof err) == -1,
			      "'%s' accepted", bad[i]);
		ck_assert_msg(err[0], "no message for '%s'", bad[i]);
		ck_assert_int_eq(t.listen_fd, -1);
		rsp_tcp_destroy(&t);
	}
	struct rsp_tcp t;
	rsp_tcp_init(&t);
	ck_assert_int_eq(rsp_tcp_listen(&t, NULL, where, sizeof where, err, sizeof err), -1);
	ck_assert_int_eq(rsp_tcp_accept(&t, 0), -1);
	char longpath[200];
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = 0;
	ck_assert_int_eq(rsp_tcp_listen(&t, longpath, where, sizeof where, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	rsp_tcp_destroy(&t);
}
END_TEST

static Suite *rsp_suite(void)
{
	Suite *s = suite_create("rsp");
	TCase *tc = tcase_create("packets");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, supported_features);
	tcase_add_test(tc, noack_mode);
	tcase_add_test(tc, empty_replies);
	tcase_add_test(tc, misc_queries);
	tcase_add_test(tc, xfer_chunking_reassembles);
	tcase_add_test(tc, xml_well_formed);
	tcase_add_test(tc, i386_table);
	tcase_add_test(tc, tdesc_generator_rejects_bad_tables);
	tcase_add_test(tc, create_rejects_bad_arguments);
	tcase_add_test(tc, status_strings);
	tcase_add_test(tc, read_all_registers);
	tcase_add_test(tc, read_all_registers_fast_path);
	tcase_add_test(tc, write_all_registers);
	tcase_add_test(tc, read_one_register);
	tcase_add_test(tc, write_one_register);
	tcase_add_test(tc, read_memory);
	tcase_add_test(tc, write_memory);
	tcase_add_test(tc, write_binary_with_escapes);
	tcase_add_test(tc, breakpoints);
	tcase_add_test(tc, continue_and_stop_replies);
	tcase_add_test(tc, output_while_running);
	tcase_add_test(tc, stop_reported_from_inside_cont);
	tcase_add_test(tc, resume_errors);
	tcase_add_test(tc, target_error_codes);
	tcase_add_test(tc, question_mark);
	tcase_add_test(tc, ctrl_c);
	tcase_add_test(tc, vcont);
	tcase_add_test(tc, monitor_commands);
	tcase_add_test(tc, detach);
	tcase_add_test(tc, kill);
	tcase_add_test(tc, transport_closed);
	tcase_add_test(tc, write_errors);
	tcase_add_test(tc, bad_checksum_is_naked_and_not_run);
	tcase_add_test(tc, truncated_packets);
	tcase_add_test(tc, garbage_between_packets);
	tcase_add_test(tc, oversized_packet);
	tcase_add_test(tc, run_length_input);
	tcase_add_test(tc, input_in_single_bytes);
	tcase_add_test(tc, peek_callback);
	tcase_add_test(tc, partial_writes);
	tcase_add_test(tc, output_queue_grows_while_blocked);
	tcase_add_test(tc, output_limit_when_gdb_never_reads);
	tcase_add_test(tc, resend_on_nak);
	tcase_add_test(tc, fuzz_packets);
	tcase_add_test(tc, fuzz_byte_streams);
	suite_add_tcase(s, tc);

	TCase *tt = tcase_create("transport");
	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_set_timeout(tt, 30);
	tcase_add_test(tt, tcp_transport);
	tcase_add_test(tt, unix_transport);
	tcase_add_test(tt, transport_bad_specs);
	suite_add_tcase(s, tt);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rsp_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
