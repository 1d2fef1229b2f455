/* Registers, memory and breakpoints: the packets that move data between gdb
 * and the target.
 *
 *   g                  -> all registers, hex, little-endian, in table order
 *   G<hex>             -> write them all                        -> OK
 *   p<n>               -> register n                            (xx.. if unavailable)
 *   P<n>=<hex>         -> write register n                      -> OK
 *   m<addr>,<len>      -> len bytes of memory as hex            (E<errno> on a fault)
 *   M<addr>,<len>:<hex>, X<addr>,<len>:<binary, '}'-escaped>   -> OK
 *   Z<type>,<addr>,<kind> / z...  -> OK, E01, or "" (unsupported type)
 *
 * The register layout comes only from the arch table: register n is
 * regs[n].bitsize / 8 bytes at rsp_arch_reg_offset(arch, n) in the g payload.
 */
#include <stdlib.h>
#include <string.h>

#include "gdb/rsp_int.h"

static size_t reg_size(const struct rsp *r, unsigned n)
{
	return r->arch->regs[n].bitsize / 8;
}

/* Read register n into buf: RSP_OK, RSP_UNSUPPORTED (unavailable) or
 * RSP_ERROR. */
static int read_one(struct rsp *r, unsigned n, uint8_t *buf)
{
	size_t size = reg_size(r, n), got = size;

	if (r->t->read_reg) {
		int rc = r->t->read_reg(r->target, n, buf, &got);
		if (rc == RSP_UNSUPPORTED)
			return RSP_UNSUPPORTED;
		return rc == 0 && got == size ? RSP_OK : RSP_ERROR;
	}
	if (r->t->read_regs) {
		if (r->t->read_regs(r->target, r->regbuf, r->regs_size))
			return RSP_ERROR;
		memmove(buf, r->regbuf + rsp_arch_reg_offset(r->arch, n), size);
		return RSP_OK;
	}
	return RSP_ERROR;
}

/* "xx" per byte: gdb shows the register as <unavailable>. */
static void add_unavailable(struct rsp *r, size_t size)
{
	for (size_t i = 0; i < size; i++)
		rsp_pkt_add(r, "xx", 2);
}

void rsp_h_read_regs(struct rsp *r, char *arg, size_t len)
{
	(void)arg;
	if (len) {
		rsp_send_malformed(r);
		return;
	}
	if (r->t->read_regs) {
		if (r->t->read_regs(r->target, r->regbuf, r->regs_size)) {
			rsp_send_error(r, 1);
			return;
		}
		rsp_pkt_begin(r);
		rsp_pkt_addhex(r, r->regbuf, r->regs_size);
		rsp_pkt_end(r);
		return;
	}
	/* Read everything before replying, so an error is a clean E01. The
	 * availability of each register is remembered in a small bitmap. */
	size_t off = 0;
	unsigned char *gone = calloc(r->arch->nregs, 1);
	if (!gone) {
		rsp_set_status(r, RSP_NOMEM);
		return;
	}
	for (unsigned n = 0; n < r->arch->nregs; n++) {
		int rc = read_one(r, n, r->regbuf + off);
		if (rc == RSP_ERROR) {
			free(gone);
			rsp_send_error(r, 1);
			return;
		}
		gone[n] = rc == RSP_UNSUPPORTED;
		off += reg_size(r, n);
	}
	rsp_pkt_begin(r);
	off = 0;
	for (unsigned n = 0; n < r->arch->nregs; n++) {
		if (gone[n])
			add_unavailable(r, reg_size(r, n));
		else
			rsp_pkt_addhex(r, r->regbuf + off, reg_size(r, n));
		off += reg_size(r, n);
	}
	rsp_pkt_end(r);
	free(gone);
}

void rsp_h_write_regs(struct rsp *r, char *arg, size_t len)
{
	if (len != 2 * r->regs_size || !rsp_hex_decode(arg, len, r->regbuf)) {
		rsp_send_malformed(r);
		return;
	}
	if (!r->t->write_reg) {
		rsp_send_error(r, 1);
		return;
	}
	size_t off = 0;
	for (unsigned n = 0; n < r->arch->nregs; n++) {
		if (r->t->write_reg(r->target, n, r->regbuf + off, reg_size(r, n))) {
			rsp_send_error(r, 1);
			return;
		}
		off += reg_size(r, n);
	}
	rsp_send(r, "OK");
}

/* A register number: hex, and in the table. */
static bool parse_regno(struct rsp *r, const char **p, const char *end, unsigned *n)
{
	uint64_t v;

	if (!rsp_parse_hex(p, end, &v) || v >= r->arch->nregs)
		return false;
	*n = (unsigned)v;
	return true;
}

void rsp_h_read_reg(struct rsp *r, char *arg, size_t len)
{
	const char *p = arg, *end = arg + len;
	unsigned n;

	if (!parse_regno(r, &p, end, &n) || p != end) {
		rsp_send_malformed(r);
		return;
	}
	/* regbuf holds every register, so it holds one. */
	int rc = read_one(r, n, r->regbuf);
	if (rc == RSP_ERROR) {
		rsp_send_error(r, 1);
		return;
	}
	rsp_pkt_begin(r);
	if (rc == RSP_UNSUPPORTED)
		add_unavailable(r, reg_size(r, n));
	else
		rsp_pkt_addhex(r, r->regbuf, reg_size(r, n));
	rsp_pkt_end(r);
}

void rsp_h_write_reg(struct rsp *r, char *arg, size_t len)
{
	const char *p = arg, *end = arg + len;
	unsigned n;

	if (!parse_regno(r, &p, end, &n) || p == end || *p++ != '=' ||
	    (size_t)(end - p) != 2 * reg_size(r, n) ||
	    !rsp_hex_decode(p, (size_t)(end - p), r->regbuf)) {
		rsp_send_malformed(r);
		return;
	}
	if (!r->t->write_reg || r->t->write_reg(r->target, n, r->regbuf, reg_size(r, n)))
		rsp_send_error(r, 1);
	else
		rsp_send(r, "OK");
}

/* "addr,len" then, for writes, ':' and the data. */
static bool parse_addr_len(const char **p, const char *end, uint64_t *addr, uint64_t *len)
{
	return rsp_parse_hex(p, end, addr) && *p < end && *(*p)++ == ',' &&
	       rsp_parse_hex(p, end, len);
}

void rsp_h_read_mem(struct rsp *r, char *arg, size_t len)
{
	const char *p = arg, *end = arg + len;
	uint64_t addr, n;

	if (!parse_addr_len(&p, end, &addr, &n) || p != end) {
		rsp_send_malformed(r);
		return;
	}
	if (!r->t->read_mem) {
		rsp_send_error(r, 1);
		return;
	}
	/* The reply may be shorter than asked; it must fit a packet. */
	if (n > RSP_PACKET_SIZE / 2)
		n = RSP_PACKET_SIZE / 2;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		rsp_set_status(r, RSP_NOMEM);
		return;
	}
	int err = n ? r->t->read_mem(r->target, addr, buf, (size_t)n) : 0;
	if (err) {
		rsp_send_error(r, err);
	} else {
		rsp_pkt_begin(r);
		rsp_pkt_addhex(r, buf, (size_t)n);
		rsp_pkt_end(r);
	}
	free(buf);
}

static void write_mem(struct rsp *r, uint64_t addr, const void *data, size_t n)
{
	if (!r->t->write_mem) {
		rsp_send_error(r, 1);
		return;
	}
	int err = n ? r->t->write_mem(r->target, addr, data, n) : 0;
	if (err)
		rsp_send_error(r, err);
	else
		rsp_send(r, "OK");
}

void rsp_h_write_mem(struct rsp *r, char *arg, size_t len)
{
	const char *p = arg, *end = arg + len;
	uint64_t addr, n;

	if (!parse_addr_len(&p, end, &addr, &n) || p == end || *p++ != ':' ||
	    n > RSP_PACKET_SIZE || (uint64_t)(end - p) != 2 * n) {
		rsp_send_malformed(r);
		return;
	}
	/* Decode in place: the bytes take half the room of their hex. */
	uint8_t *data = (uint8_t *)arg;
	if (!rsp_hex_decode(p, (size_t)(end - p), data)) {
		rsp_send_malformed(r);
		return;
	}
	write_mem(r, addr, data, (size_t)n);
}

void rsp_h_write_bin(struct rsp *r, char *arg, size_t len)
{
	const char *p = arg, *end = arg + len;
	uint64_t addr, n;

	if (!parse_addr_len(&p, end, &addr, &n) || p == end || *p++ != ':') {
		rsp_send_malformed(r);
		return;
	}
	/* gdb probes for X with a zero-length write; "" would mean "use M". */
	if (!r->t->write_mem) {
		rsp_send(r, "");
		return;
	}
	char *data = arg + (p - arg);
	size_t got = rsp_unescape(data, (size_t)(end - p));
	if (got == (size_t)-1 || got != n) {
		rsp_send_malformed(r);
		return;
	}
	write_mem(r, addr, data, got);
}

/* Z/z type,addr,kind[;cond...]: the optional conditions are gdb's to
 * evaluate (we do not announce ConditionalBreakpoints), so they are ignored.
 * Types this stub does not know get "" so gdb falls back. */
static void breakpoint(struct rsp *r, char *arg, size_t len, bool insert)
{
	const char *p = arg, *end = arg + len;
	uint64_t type, addr, kind;

	if (!rsp_parse_hex(&p, end, &type) || p == end || *p++ != ',' ||
	    !parse_addr_len(&p, end, &addr, &kind) || (p != end && *p != ';') ||
	    kind > 0xffffffffu) {
		rsp_send_malformed(r);
		return;
	}
	int (*fn)(void *, int, uint64_t, unsigned) =
		insert ? r->t->set_breakpoint : r->t->clear_breakpoint;
	if (type > RSP_WP_ACCESS || !fn) {
		rsp_send(r, "");
		return;
	}
	int rc = fn(r->target, (int)type, addr, (unsigned)kind);
	if (rc == 0)
		rsp_send(r, "OK");
	else if (rc == RSP_UNSUPPORTED)
		rsp_send(r, "");
	else
		rsp_send_error(r, 1);
}

void rsp_h_insert_bp(struct rsp *r, char *arg, size_t len)
{
	breakpoint(r, arg, len, true);
}

void rsp_h_remove_bp(struct rsp *r, char *arg, size_t len)
{
	breakpoint(r, arg, len, false);
}
