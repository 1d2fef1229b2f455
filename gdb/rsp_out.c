/* The stub's output: packets are framed ("$body#cs") straight into one queue,
 * and rsp_flush() hands the transport as much of the queue as it takes, so a
 * slow or full connection never blocks the stub. The last packet is kept so
 * that a '-' from gdb (it saw a bad checksum) can be answered by resending it.
 *
 *   rsp_pkt_begin(r);
 *   rsp_pkt_adds(r, "T05");
 *   rsp_pkt_addf(r, "thread:%x;", 1);
 *   rsp_pkt_end(r);                  // queued: $T05thread:1;#xx
 *   rsp_flush(r);                    // written, possibly in pieces
 *
 * Allocation failure ends the session with RSP_NOMEM; the builders then do
 * nothing, so handlers need not check each call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/rsp_int.h"

/* Output gdb has not taken that is larger than this means gdb is not reading
 * at all; give up rather than grow without bound. */
#define RSP_OUT_MAX (64u << 20)

bool rsp_buf_reserve(struct rsp_buf *b, size_t more)
{
	if (more > SIZE_MAX / 2 - b->n)
		return false;
	if (b->n + more <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + more)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return false;
	b->p = p;
	b->cap = cap;
	return true;
}

bool rsp_buf_add(struct rsp_buf *b, const void *data, size_t len)
{
	if (!rsp_buf_reserve(b, len))
		return false;
	if (len)
		memcpy(b->p + b->n, data, len);
	b->n += len;
	return true;
}

void rsp_buf_free(struct rsp_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

static bool out_ok(struct rsp *r)
{
	return r->status != RSP_NOMEM && r->status != RSP_IO_ERROR;
}

/* Make room for len more bytes in the queue; false (and the session ends)
 * if that is impossible. */
static bool out_reserve(struct rsp *r, size_t len)
{
	if (!out_ok(r))
		return false;
	/* Reclaim the part already written before growing. A packet being
	 * built starts after out_head (rsp_flush stops before it). */
	if (r->out_head && r->out.n + len > r->out.cap) {
		memmove(r->out.p, r->out.p + r->out_head, r->out.n - r->out_head);
		r->out.n -= r->out_head;
		r->pkt_start -= r->pkt_start >= r->out_head ? r->out_head : r->pkt_start;
		r->out_head = 0;
	}
	if (len > RSP_OUT_MAX || r->out.n - r->out_head > RSP_OUT_MAX - len ||
	    !rsp_buf_reserve(&r->out, len)) {
		rsp_set_status(r, RSP_NOMEM);
		return false;
	}
	return true;
}

static void out_add(struct rsp *r, const void *data, size_t len)
{
	if (!out_reserve(r, len))
		return;
	if (len)
		memcpy(r->out.p + r->out.n, data, len);
	r->out.n += len;
}

void rsp_out_raw(struct rsp *r, const void *data, size_t len)
{
	out_add(r, data, len);
}

void rsp_pkt_begin(struct rsp *r)
{
	out_add(r, "$", 1);
	r->pkt_start = r->out.n;
	r->building = true;
}

void rsp_pkt_add(struct rsp *r, const void *data, size_t len)
{
	out_add(r, data, len);
}

void rsp_pkt_adds(struct rsp *r, const char *s)
{
	out_add(r, s, strlen(s));
}

void rsp_pkt_addf(struct rsp *r, const char *fmt, ...)
{
	char tmp[128];   /* enough for every formatted field the stub sends */
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_add(r, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void rsp_pkt_addhex(struct rsp *r, const void *data, size_t len)
{
	const uint8_t *d = data;

	if (len > RSP_OUT_MAX / 2)
		rsp_set_status(r, RSP_NOMEM);
	if (len > RSP_OUT_MAX / 2 || !out_reserve(r, 2 * len))
		return;
	char *o = r->out.p + r->out.n;
	for (size_t i = 0; i < len; i++) {
		*o++ = rsp_hexdigits[d[i] >> 4];
		*o++ = rsp_hexdigits[d[i] & 15];
	}
	r->out.n += 2 * len;
}

/* Binary data in a reply: the framing bytes and the escape itself are sent
 * as '}' then byte ^ 0x20; '*' too, since gdb would read it as run-length
 * encoding. */
void rsp_pkt_addbin(struct rsp *r, const void *data, size_t len)
{
	const uint8_t *d = data;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = d[i];
		if (c == RSP_START || c == RSP_END || c == RSP_ESC || c == RSP_RLE) {
			uint8_t esc[2] = { RSP_ESC, (uint8_t)(c ^ RSP_ESC_XOR) };
			out_add(r, esc, 2);
		} else {
			out_add(r, &c, 1);
		}
	}
}

void rsp_pkt_end(struct rsp *r)
{
	uint8_t sum = 0;

	if (!out_ok(r)) {
		r->building = false;
		return;
	}
	for (size_t i = r->pkt_start; i < r->out.n; i++)
		sum = (uint8_t)(sum + (uint8_t)r->out.p[i]);
	char tail[3] = { RSP_END, rsp_hexdigits[sum >> 4], rsp_hexdigits[sum & 15] };
	out_add(r, tail, 3);
	r->building = false;
	if (!out_ok(r) || r->noack)
		return;
	/* Keep a copy for a resend; the '$' is one byte before pkt_start. */
	size_t start = r->pkt_start - 1, len = r->out.n - start;
	r->last.n = 0;
	if (!rsp_buf_add(&r->last, r->out.p + start, len))
		rsp_set_status(r, RSP_NOMEM);
}

void rsp_send(struct rsp *r, const char *body)
{
	rsp_pkt_begin(r);
	rsp_pkt_adds(r, body);
	rsp_pkt_end(r);
}

void rsp_send_error(struct rsp *r, int code)
{
	/* Errors are two hex digits; E00 means "malformed" to some gdb code
	 * paths, so keep every target error at least 1. */
	if (code < 0)
		code = -code;
	if (code < 1 || code > 0xff)
		code = 1;
	rsp_pkt_begin(r);
	rsp_pkt_addf(r, "E%02x", code);
	rsp_pkt_end(r);
}

void rsp_send_malformed(struct rsp *r)
{
	r->stats.malformed++;
	rsp_send(r, "E01");
}

void rsp_resend_last(struct rsp *r)
{
	if (r->noack || !r->last.n)
		return;
	r->stats.retransmits++;
	out_add(r, r->last.p, r->last.n);
}

int rsp_flush(struct rsp *r)
{
	if (!r)
		return RSP_INVALID;
	/* A packet still being built stays queued until it is complete. */
	size_t end = r->out.n;
	if (r->building && r->pkt_start >= 1 && r->pkt_start - 1 < end)
		end = r->pkt_start - 1;
	while (r->out_head < end && r->status != RSP_IO_ERROR) {
		ssize_t n = r->io->write(r->io_ctx, r->out.p + r->out_head, end - r->out_head);
		if (n < 0 || (size_t)n > end - r->out_head) {
			rsp_set_status(r, RSP_IO_ERROR);
			break;
		}
		if (n == 0)
			break;          /* the transport is full: try again later */
		r->out_head += (size_t)n;
	}
	if (r->out_head == r->out.n && !r->building) {
		r->out_head = 0;
		r->out.n = 0;
		r->pkt_start = 0;
	}
	return r->status == RSP_IO_ERROR ? RSP_IO_ERROR : RSP_OK;
}

bool rsp_want_write(const struct rsp *r)
{
	return r && r->out_head < r->out.n;
}
