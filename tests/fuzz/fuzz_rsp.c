/* libFuzzer target: the GDB remote protocol stub (gdb/rsp*.c). The input is
 * what gdb sends, fed through an in-memory transport (struct rsp_io) to a
 * fake target with 4 KiB of memory at 0x1000 and the i386 register table, so
 * framing, acks and no-ack mode, run-length input, binary X, qXfer, qRcmd,
 * Ctrl-C and every handler see it.
 *
 * Input layout: byte 0 picks the transport's behaviour (peek or not, read
 * and write chunk sizes) and the target's (stops reported inside cont/step,
 * resume and breakpoint failures, an unavailable register with the g fast
 * path, or a target with no callbacks at all); the rest is the byte
 * stream. While gdb waits for a stop reply the target reports one,
 * its kind taken from the stream's position.
 *
 * After the stream: every byte the stub wrote must be an ack ('+', '-') or
 * a whole packet "$body#cs" with a correct checksum, no '$' or '#' inside
 * and a body of at most RSP_PACKET_SIZE; anything else aborts. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/regs_i386.h"
#include "gdb/rsp.h"

#define MEM_BASE 0x1000
#define MEM_SIZE 0x1000
#define MAX_BPS  16

struct fz_io {
	const uint8_t *in;
	size_t n, pos;
	size_t read_chunk;     /* bytes per read, at least 1 */
	size_t write_chunk;    /* bytes per write, 0: all */
	unsigned long writes;
	uint8_t *out;
	size_t out_n, out_cap;
};

struct fz_target {
	uint8_t mem[MEM_SIZE];
	uint8_t regs[4096];
	struct rsp *r;
	struct rsp_stop why;
	bool stop_now, resume_fails, bp_fails;
	int unavailable;       /* register whose value is unavailable */
	int nbp;
};

static int io_peek(void *ctx)
{
	struct fz_io *io = ctx;
	return io->pos < io->n;
}

static ssize_t io_read(void *ctx, void *buf, size_t len)
{
	struct fz_io *io = ctx;
	size_t n = io->n - io->pos;
	if (!n)
		return 0;
	if (n > io->read_chunk)
		n = io->read_chunk;
	if (n > len)
		n = len;
	memcpy(buf, io->in + io->pos, n);
	io->pos += n;
	return (ssize_t)n;
}

static ssize_t io_write(void *ctx, const void *buf, size_t len)
{
	struct fz_io *io = ctx;
	/* Every few writes accept nothing, as a full socket does. */
	if (io->write_chunk && ++io->writes % 7 == 0)
		return 0;
	if (io->write_chunk && len > io->write_chunk)
		len = io->write_chunk;
	if (io->out_n + len > io->out_cap) {
		size_t cap = (io->out_n + len) * 2;
		uint8_t *p = realloc(io->out, cap);
		if (!p)
			abort();
		io->out = p;
		io->out_cap = cap;
	}
	memcpy(io->out + io->out_n, buf, len);
	io->out_n += len;
	return (ssize_t)len;
}

static const struct rsp_io fz_io_plain = { NULL, io_read, io_write, NULL };
static const struct rsp_io fz_io_peek = { io_peek, io_read, io_write, NULL };

static bool mem_range(uint64_t addr, size_t len)
{
	return addr >= MEM_BASE && addr - MEM_BASE <= MEM_SIZE && len <= MEM_SIZE - (addr - MEM_BASE);
}

static size_t reg_off(unsigned n)
{
	return rsp_arch_reg_offset(&rsp_arch_i386, n);
}

static void t_stop(void *t)
{
	(void)t;
}

static int t_resume(void *t, int sig, bool has_addr, uint64_t addr)
{
	struct fz_target *f = t;
	(void)sig, (void)has_addr, (void)addr;
	if (f->stop_now)
		rsp_notify_stop(f->r, &f->why);
	return f->resume_fails ? RSP_ERROR : 0;
}

static int t_read_mem(void *t, uint64_t addr, void *buf, size_t len)
{
	struct fz_target *f = t;
	if (!mem_range(addr, len))
		return EFAULT;
	memcpy(buf, f->mem + (addr - MEM_BASE), len);
	return 0;
}

static int t_write_mem(void *t, uint64_t addr, const void *buf, size_t len)
{
	struct fz_target *f = t;
	if (!mem_range(addr, len))
		return EFAULT;
	memcpy(f->mem + (addr - MEM_BASE), buf, len);
	return 0;
}

static int t_read_reg(void *t, unsigned n, void *buf, size_t *len)
{
	struct fz_target *f = t;
	if (n >= rsp_arch_i386.nregs || *len != rsp_arch_i386.regs[n].bitsize / 8)
		abort();   /* the stub must never ask for a register the table lacks */
	if ((int)n == f->unavailable)
		return RSP_UNSUPPORTED;
	memcpy(buf, f->regs + reg_off(n), *len);
	return 0;
}

static int t_write_reg(void *t, unsigned n, const void *buf, size_t len)
{
	struct fz_target *f = t;
	if (n >= rsp_arch_i386.nregs || len != rsp_arch_i386.regs[n].bitsize / 8)
		abort();
	memcpy(f->regs + reg_off(n), buf, len);
	return 0;
}

static int t_set_bp(void *t, int type, uint64_t addr, unsigned kind)
{
	struct fz_target *f = t;
	(void)addr, (void)kind;
	if (type < 0 || type > 4)
		abort();
	if (f->bp_fails || f->nbp >= MAX_BPS)
		return RSP_ERROR;
	f->nbp++;
	return 0;
}

static int t_clear_bp(void *t, int type, uint64_t addr, unsigned kind)
{
	struct fz_target *f = t;
	(void)addr, (void)kind;
	if (type < 0 || type > 4)
		abort();
	if (f->bp_fails || !f->nbp)
		return RSP_ERROR;
	f->nbp--;
	return 0;
}

/* Echoes the command, long commands several times (more than one O packet). */
static int t_monitor(void *t, const char *cmd, rsp_output_fn *out, void *ctx)
{
	(void)t;
	size_t len = strlen(cmd);
	int times = len > 8 ? 3 : 1;
	for (int i = 0; i < times; i++)
		out(ctx, cmd, len);
	return len % 2;
}

static int t_read_regs(void *t, void *buf, size_t len)
{
	struct fz_target *f = t;
	if (len != rsp_arch_regs_size(&rsp_arch_i386) || len > sizeof f->regs)
		abort();
	memcpy(buf, f->regs, len);
	return 0;
}

static int t_attached(void *t)
{
	(void)t;
	return 1;
}

static void t_stop_reason(void *t, struct rsp_stop *s)
{
	*s = ((struct fz_target *)t)->why;
}

static void t_nop(void *t)
{
	(void)t;
}

static const struct rsp_target fz_target_ops = {
	.stop = t_stop, .cont = t_resume, .step = t_resume,
	.read_mem = t_read_mem, .write_mem = t_write_mem,
	.read_reg = t_read_reg, .write_reg = t_write_reg,
	.set_breakpoint = t_set_bp, .clear_breakpoint = t_clear_bp,
	.monitor = t_monitor, .detach = t_nop, .kill = t_nop,
	.attached = t_attached, .stop_reason = t_stop_reason,
};

/* The same with the g fast path. */
static const struct rsp_target fz_target_fast = {
	.stop = t_stop, .cont = t_resume, .step = t_resume,
	.read_mem = t_read_mem, .write_mem = t_write_mem,
	.read_reg = t_read_reg, .write_reg = t_write_reg, .read_regs = t_read_regs,
	.set_breakpoint = t_set_bp, .clear_breakpoint = t_clear_bp,
	.monitor = t_monitor, .detach = t_nop, .kill = t_nop,
	.attached = t_attached, .stop_reason = t_stop_reason,
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;   /* the stub sends lower case only */
}

/* Every output byte is an ack or part of a well-formed packet. */
static void check_output(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (p[i] == '+' || p[i] == '-') {
			i++;
			continue;
		}
		if (p[i] != '$') {
			fprintf(stderr, "fuzz_rsp: output byte 0x%02x at %zu is neither an ack nor a packet\n", p[i], i);
			abort();
		}
		size_t start = ++i;
		uint8_t sum = 0;
		while (i < n && p[i] != '#') {
			if (p[i] == '$') {
				fprintf(stderr, "fuzz_rsp: '$' inside the packet at %zu\n", start - 1);
				abort();
			}
			sum += p[i++];
		}
		if (i + 2 >= n) {
			fprintf(stderr, "fuzz_rsp: packet at %zu is cut off\n", start - 1);
			abort();
		}
		if (i - start > RSP_PACKET_SIZE) {
			fprintf(stderr, "fuzz_rsp: packet at %zu has %zu bytes\n", start - 1, i - start);
			abort();
		}
		int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
		if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != sum) {
			fprintf(stderr, "fuzz_rsp: packet at %zu has a bad checksum\n", start - 1);
			abort();
		}
		i += 3;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t read_chunks[8] = { 4096, 1, 2, 3, 7, 64, 500, 16384 };
	static const enum rsp_stop_kind kinds[] = { RSP_STOP_NONE, RSP_STOP_SWBREAK, RSP_STOP_HWBREAK,
						    RSP_STOP_WATCH, RSP_STOP_RWATCH, RSP_STOP_AWATCH };
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	struct fz_io io = {
		.in = data + 1, .n = size - 1,
		.read_chunk = read_chunks[mode >> 1 & 7],
		.write_chunk = (mode & 0x10) ? 5 : 0,
	};
	struct fz_target *tg = calloc(1, sizeof *tg);
	if (!tg)
		abort();
	for (size_t i = 0; i < sizeof tg->mem; i++)
		tg->mem[i] = (uint8_t)(i * 7);
	tg->stop_now = mode & 0x20;
	tg->resume_fails = (mode & 0xc0) == 0x40;
	tg->bp_fails = (mode & 0xc0) == 0x80;
	tg->unavailable = (mode & 0xc0) == 0xc0 ? 8 : -1;
	tg->why = (struct rsp_stop){ .signal = 5, .kind = kinds[size % 6], .watch_addr = 0x1234,
				     .exited = (size % 11) == 0, .exit_code = 3 };
	const struct rsp_target *ops = &fz_target_ops;
	if ((mode & 0xc0) == 0xc0)
		ops = (mode >> 1 & 7) == 7 ? NULL : &fz_target_fast;
	struct rsp *r = rsp_create((mode & 1) ? &fz_io_peek : &fz_io_plain, &io, ops, tg, &rsp_arch_i386);
	if (!r)
		abort();
	tg->r = r;
	/* Poll until the input is used up and the output has gone; a stub that
	 * stops taking input or output within that budget is a hang. */
	for (int rounds = 0; rounds < 1000000; rounds++) {
		int st = rsp_poll(r);
		if (st != RSP_OK)
			break;
		if (rsp_running(r)) {
			tg->why.kind = kinds[io.pos % 6];
			rsp_notify_stop(r, &tg->why);
		}
		if (io.pos == io.n && !rsp_want_write(r))
			break;
	}
	if (io.pos < io.n && rsp_poll(r) == RSP_OK) {
		fprintf(stderr, "fuzz_rsp: the stub stopped reading its input\n");
		abort();
	}
	/* Drain the queue (the session may be over: D and k still answer). */
	for (int tries = 0; tries < 1000000 && rsp_want_write(r); tries++)
		rsp_flush(r);
	if (rsp_want_write(r)) {
		fprintf(stderr, "fuzz_rsp: output stays queued\n");
		abort();
	}
	rsp_destroy(r);
	check_output(io.out, io.out_n);
	free(io.out);
	free(tg);
	return 0;
}
