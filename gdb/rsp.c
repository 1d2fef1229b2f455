/* The stub's life cycle and its event-loop entry points: create a stub for a
 * connection, feed it input with rsp_poll() whenever the transport may have
 * some, tell it about target stops with rsp_notify_stop(), destroy it when
 * the session is over. See rsp.h for the whole picture.
 *
 *   struct rsp *r = rsp_create(&io, io_ctx, &target, vm, &rsp_arch_i386);
 *   while ((st = rsp_wait(r, 100)) == RSP_OK)
 *           if (guest_stopped(vm, &why))
 *                   rsp_notify_stop(r, &why);
 *   rsp_destroy(r);
 */
#include <stdlib.h>
#include <string.h>

#include "gdb/rsp_int.h"

/* Bytes read from the transport per read call. */
#define RSP_READ_CHUNK 4096

const char *rsp_strerror(int status)
{
	switch (status) {
	case RSP_OK:          return "ok";
	case RSP_ERROR:       return "operation failed";
	case RSP_CLOSED:      return "gdb closed the connection";
	case RSP_DETACHED:    return "gdb detached";
	case RSP_KILLED:      return "gdb killed the target";
	case RSP_IO_ERROR:    return "connection error";
	case RSP_NOMEM:       return "out of memory";
	case RSP_UNSUPPORTED: return "not supported";
	case RSP_INVALID:     return "invalid argument";
	}
	return "unknown status";
}

size_t rsp_arch_regs_size(const struct rsp_arch *arch)
{
	return rsp_arch_reg_offset(arch, arch->nregs);
}

size_t rsp_arch_reg_offset(const struct rsp_arch *arch, unsigned n)
{
	size_t off = 0;

	for (unsigned i = 0; i < n && i < arch->nregs; i++)
		off += arch->regs[i].bitsize / 8;
	return off;
}

static bool arch_ok(const struct rsp_arch *arch)
{
	if (!arch || !arch->regs || !arch->nregs)
		return false;
	for (unsigned i = 0; i < arch->nregs; i++) {
		const struct rsp_reg *g = &arch->regs[i];
		if (!g->name || !g->bitsize || g->bitsize % 8 || g->bitsize > 4096)
			return false;
	}
	/* A g reply (two hex digits a byte) must fit one packet. */
	return 2 * rsp_arch_regs_size(arch) <= RSP_PACKET_SIZE;
}

/* A target description only if every register says which feature it
 * belongs to; otherwise gdb has to guess the layout from its own defaults. */
static bool want_tdesc(const struct rsp_arch *arch)
{
	for (unsigned i = 0; i < arch->nregs; i++)
		if (!arch->regs[i].feature)
			return false;
	return true;
}

struct rsp *rsp_create(const struct rsp_io *io, void *io_ctx,
		       const struct rsp_target *t, void *target,
		       const struct rsp_arch *arch)
{
	static const struct rsp_target no_target;

	if (!io || !io->read || !io->write || !arch_ok(arch))
		return NULL;
	struct rsp *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->io = io;
	r->io_ctx = io_ctx;
	r->t = t ? t : &no_target;
	r->target = target;
	r->arch = arch;
	r->regs_size = rsp_arch_regs_size(arch);
	r->regbuf = calloc(1, r->regs_size);
	if (!r->regbuf)
		goto fail;
	if (arch->xml) {
		r->xml = (char *)arch->xml;
	} else if (want_tdesc(arch)) {
		r->xml = rsp_tdesc_xml(arch);
		if (!r->xml)
			goto fail;
		r->xml_owned = true;
	}
	r->xml_len = r->xml ? strlen(r->xml) : 0;
	return r;
fail:
	rsp_destroy(r);
	return NULL;
}

void rsp_destroy(struct rsp *r)
{
	if (!r)
		return;
	if (r->xml_owned)
		free(r->xml);
	free(r->regbuf);
	rsp_buf_free(&r->raw);
	rsp_buf_free(&r->body);
	rsp_buf_free(&r->out);
	rsp_buf_free(&r->last);
	free(r);
}

void rsp_set_status(struct rsp *r, int status)
{
	if (r->status == RSP_OK)
		r->status = status;
}

int rsp_poll(struct rsp *r)
{
	char buf[RSP_READ_CHUNK];

	if (!r)
		return RSP_INVALID;
	rsp_flush(r);
	while (r->status == RSP_OK) {
		if (r->io->peek && r->io->peek(r->io_ctx) <= 0)
			break;
		ssize_t n = r->io->read(r->io_ctx, buf, sizeof buf);
		if (n < 0) {
			rsp_set_status(r, RSP_CLOSED);
			break;
		}
		if (n == 0)
			break;
		if ((size_t)n > sizeof buf) {
			rsp_set_status(r, RSP_IO_ERROR);
			break;
		}
		/* Stop at the byte that ends the session (D, k): what gdb
		 * sent after it is not for this target. */
		for (ssize_t i = 0; i < n && r->status == RSP_OK; i++)
			rsp_rx_byte(r, (uint8_t)buf[i]);
		/* Keep the queue short when gdb streams many packets. */
		rsp_flush(r);
	}
	rsp_flush(r);
	return r->status;
}

int rsp_wait(struct rsp *r, int timeout_ms)
{
	if (!r)
		return RSP_INVALID;
	if (r->status == RSP_OK && r->io->poll && !rsp_want_write(r)) {
		if (r->io->poll(r->io_ctx, timeout_ms) < 0)
			rsp_set_status(r, RSP_IO_ERROR);
	}
	return rsp_poll(r);
}

void rsp_notify_stop(struct rsp *r, const struct rsp_stop *stop)
{
	if (!r || !stop || !r->running || r->status != RSP_OK)
		return;
	r->running = false;
	rsp_send_stop(r, stop);
	rsp_flush(r);
}

bool rsp_running(const struct rsp *r)
{
	return r && r->running;
}

bool rsp_noack(const struct rsp *r)
{
	return r && r->noack;
}

void rsp_get_stats(const struct rsp *r, struct rsp_stats *out)
{
	if (r && out)
		*out = r->stats;
}
