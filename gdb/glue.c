/* The bt86 target of the GDB stub (see glue.h): gdb's registers, memory,
 * breakpoints, run control and monitor commands on top of a session's runner.
 *
 * Threads: every callback runs on the server thread. The runner's stop
 * listener runs on the vCPU thread and only records the stop and writes the
 * eventfd; the server thread then calls gdb_glue_poll_stop. Changes to the
 * debug state and the translation cache go through runner_call, so they run
 * on the vCPU thread while the guest is stopped, as session/cmd_break.c does.
 *
 * Which stop answers a continue: the runner counts its stops
 * (runner_stop_count). A resume notes the count first; the first stop the listener
 * reports with a higher count is the answer. A listener call for an older
 * stop (the runner announces a stop after it has already become resumable)
 * is thereby never taken for the end of gdb's run.
 */
#include "gdb/glue.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "gdb/regs_i386.h"
#include "monitor/debug.h"
#include "monitor/guestmem.h"
#include "monitor/paging.h"
#include "monitor/stop.h"
#include "session/cmd.h"
#include "session/guestview.h"
#include "session/session.h"

/* gdb's signal numbers beyond rsp.h's (gdb/include/gdb/signals.def). */
#define GLUE_SIGSTOP 17

/* At most this many gdb breakpoints and watchpoints at once (the monitor's
 * table holds DBG_MAX of everything, the prompt's included). */
#define GLUE_MAX_BP 64
/* A watched range longer than a monitor watchpoint (8 bytes) is split. */
#define GLUE_WATCH_CHUNK 8
#define GLUE_MAX_CHUNKS 8
/* How often a monitor command that runs the guest looks for gdb's Ctrl-C. */
#define GLUE_WAIT_POLL_MS 20
/* How long a monitor command may run the guest. gdb sends no Ctrl-C while
 * it waits for a monitor command's reply (only while it waits for a stop),
 * so an endless `monitor continue` would hang it: bt86 stops the guest. */
#define GLUE_MONITOR_RUN_MS 10000

/* One breakpoint or watchpoint gdb inserted (a Z packet). */
struct glue_bp {
	int type;                /* enum rsp_bp_type */
	uint32_t addr, len;
	bool removing;           /* gdb removed it; applied at the next resume */
	int ids[GLUE_MAX_CHUNKS];  /* monitor ids: breakpoint (0: not ours) or watch chunks */
	int nids;
};

struct gdb_glue {
	struct session s;        /* our own: shares m, e, r, syms; output to gdb */
	struct out sink;         /* s.out and s.err */
	rsp_output_fn *mon_out;  /* while a monitor command runs */
	void *mon_ctx;
	int efd;                 /* the listener's eventfd */
	bool listening;

	struct rsp *rsp;         /* the connected gdb, or NULL */
	gdb_glue_interrupt_fn *intr;
	void *intr_ctx;

	pthread_mutex_t lock;    /* the listener's fields */
	uint64_t stop_seq;       /* the runner's stop count at the last stop the listener saw */
	struct stop_info stop;

	/* Server thread only. */
	bool waiting;            /* gdb waits for the stop of a run that started ... */
	uint64_t base;           /* ... after the runner's stop number base */
	bool killed, exited;
	int exit_status;
	struct glue_bp bp[GLUE_MAX_BP];
	int nbp;
	unsigned maxphyaddr;     /* the CPU's, for the page-table walk's reserved bits */
};

/* ---- Monitor output and the runner listener. ---- */

static void glue_sink_write(void *ctx, const char *text, size_t len)
{
	struct gdb_glue *g = ctx;
	if (g->mon_out)
		g->mon_out(g->mon_ctx, text, len);
}

static void glue_on_stop(void *ctx, const struct stop_info *s)
{
	struct gdb_glue *g = ctx;
	struct runner *r = g->s.r;

	/* On the vCPU thread, after the runner counted this stop and before it
	 * can make another: the count is this stop's number. */
	uint64_t seq = runner_stop_count(r);
	pthread_mutex_lock(&g->lock);
	g->stop_seq = seq;
	g->stop = *s;
	pthread_mutex_unlock(&g->lock);
	uint64_t one = 1;
	ssize_t n = write(g->efd, &one, sizeof one);
	(void)n;   /* a full counter is still readable */
}

static void glue_kick(struct gdb_glue *g)
{
	uint64_t one = 1;
	ssize_t n = write(g->efd, &one, sizeof one);
	(void)n;
}

/* The runner's stop count and state, together. */
static void glue_runner_now(struct runner *r, uint64_t *stops, enum runner_state *st, bool *notifying)
{
	struct runner_status now;
	runner_status(r, &now);
	*stops = now.stops;
	*st = now.state;
	if (notifying)
		*notifying = now.notifying;
}

/* ---- Guest memory: linear addresses, RAM and the VGA window only. ---- */

/* A debugger's access through the guest's page tables (monitor/paging.h):
 * any present mapping, read-only pages written too, no A/D bits set. */
#define GLUE_PG_FLAGS PG_FORCE

static bool glue_is_vga(const struct machine *m, uint64_t pa, size_t len)
{
	return m->vga && pa >= GMEM_VGA_BASE && pa + len <= GMEM_VGA_END;
}

static bool glue_phys_present(void *ctx, uint64_t pa, size_t len)
{
	struct gdb_glue *g = ctx;
	return gmem_is_ram(&g->s.m->mem, pa, len) || glue_is_vga(g->s.m, pa, len);
}

static bool glue_read_phys(void *ctx, uint64_t pa, void *buf, size_t len)
{
	struct gdb_glue *g = ctx;
	struct machine *m = g->s.m;
	if (gmem_read(&m->mem, pa, buf, len) == 0)
		return true;
	if (glue_is_vga(m, pa, len)) {
		memcpy(buf, m->vga->bytes + (pa - GMEM_VGA_BASE), len);
		return true;
	}
	return false;
}

/* On the vCPU thread (glue_do_write): RAM writes drop the translations of
 * what changed. */
static bool glue_write_phys(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	struct gdb_glue *g = ctx;
	struct machine *m = g->s.m;
	struct engine *e = g->s.e;
	if (gmem_write(&m->mem, pa, buf, len) == 0) {
		if (e->ops->invalidate)
			e->ops->invalidate(e, pa, len);
		return true;
	}
	if (glue_is_vga(m, pa, len)) {
		memcpy(m->vga->bytes + (pa - GMEM_VGA_BASE), buf, len);
		return true;
	}
	return false;
}

static struct pg_phys glue_phys(struct gdb_glue *g)
{
	return (struct pg_phys){ .ctx = g, .present = glue_phys_present, .read = glue_read_phys,
				 .write = glue_write_phys };
}

/* gdb's addresses are 64-bit: refuse what leaves the 4 GiB linear space
 * rather than wrap around as the CPU would. */
static bool glue_lin_range(uint64_t addr, size_t len)
{
	return addr <= 0xffffffffull && len <= 0x100000000ull - addr;
}

/* Read len bytes at linear addr, all or nothing: the debugger's reader
 * every front end shares (session/guestview.h). */
static bool glue_read_lin(struct gdb_glue *g, const struct vcpu_state *st, uint64_t addr, void *buf, size_t len)
{
	struct machine *m = g->s.m;
	return glue_lin_range(addr, len) &&
	       gv_read_vga(&m->mem, m->vga, g->maxphyaddr, st, (uint32_t)addr, buf, len);
}

static int glue_read_mem(void *target, uint64_t addr, void *buf, size_t len)
{
	struct gdb_glue *g = target;
	struct vcpu_state st;
	runner_snapshot(g->s.r, &st, NULL);
	return glue_read_lin(g, &st, addr, buf, len) ? 0 : EFAULT;
}

struct glue_write_call {
	struct gdb_glue *g;
	const struct vcpu_state *st;
	uint64_t addr;
	const uint8_t *data;
	size_t len;
	int rc;
};

/* On the vCPU thread: copy (glue_write_phys drops the translations of what
 * changed), and keep the watchpoints' remembered values in step with memory. */
static void glue_do_write(void *arg)
{
	struct glue_write_call *c = arg;
	struct gdb_glue *g = c->g;
	struct machine *m = g->s.m;
	struct pg_phys phys = glue_phys(g);
	struct pg_mode mode = pg_mode_of(c->st, g->maxphyaddr);

	c->rc = EFAULT;
	/* All or nothing: pg_write_lin checks every page before it writes any. */
	if (!glue_lin_range(c->addr, c->len) ||
	    pg_write_lin(&phys, &mode, (uint32_t)c->addr, c->data, c->len, GLUE_PG_FLAGS, NULL) != PG_OK)
		return;
	struct dbg_watch w[DBG_MAX];
	int nw = dbg_watch_list(&m->debug, w, DBG_MAX);
	for (int i = 0; i < nw; i++)
		if (w[i].addr < c->addr + c->len && c->addr < (uint64_t)w[i].addr + w[i].len) {
			uint64_t v = 0;
			if (glue_read_lin(g, c->st, w[i].addr, &v, w[i].len))
				dbg_watch_set_value(&m->debug, w[i].id, v);
		}
	c->rc = 0;
}

static int glue_write_mem(void *target, uint64_t addr, const void *buf, size_t len)
{
	struct gdb_glue *g = target;
	struct vcpu_state st;
	runner_snapshot(g->s.r, &st, NULL);
	struct glue_write_call c = { g, &st, addr, buf, len, EFAULT };
	if (runner_call(g->s.r, glue_do_write, &c) < 0)
		return EBUSY;   /* the guest runs (the prompt started it) */
	return c.rc;
}

/* ---- Registers. ---- */

/* gdb's segment register order (cs ss ds es fs gs) to ours. */
static const enum vcpu_segreg glue_segs[6] = { S_CS, S_SS, S_DS, S_ES, S_FS, S_GS };

/* The FXSAVE image's x87 pointers are host addresses under translation. */
static bool glue_fpu_pointers(const struct gdb_glue *g)
{
	return engine_has(g->s.e, ENGINE_CAP_FPU_POINTERS);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);   /* x86 hosts: little-endian, as gdb wants it */
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The x87 tag of one 80-bit register: 0 valid, 1 zero, 2 special. */
static unsigned glue_x87_class(const uint8_t *reg)
{
	uint64_t mant;
	memcpy(&mant, reg, 8);
	unsigned exp = get16(reg + 8) & 0x7fff;
	if (exp == 0x7fff)
		return 2;                       /* infinity, NaN */
	if (exp == 0)
		return mant ? 2 : 1;            /* denormal, zero */
	return (mant >> 63) ? 0 : 2;        /* normal, unnormal */
}

/* FXSAVE keeps an abridged tag (one bit a physical register: not empty);
 * gdb wants the full word (two bits a physical register, 3 empty). */
static uint32_t glue_full_tag(const uint8_t *fx)
{
	unsigned top = (get16(fx + 2) >> 11) & 7;
	uint32_t tag = 0;
	for (unsigned p = 0; p < 8; p++) {
		unsigned t = 3;
		if (fx[4] & (1u << p))
			t = glue_x87_class(fx + 32 + 16 * ((p - top) & 7));   /* ST(i) is physical (top + i) */
		tag |= t << (2 * p);
	}
	return tag;
}

static uint8_t glue_abridged_tag(uint32_t tag)
{
	uint8_t a = 0;
	for (unsigned p = 0; p < 8; p++)
		if (((tag >> (2 * p)) & 3) != 3)
			a |= (uint8_t)(1u << p);
	return a;
}

static int glue_read_reg(void *target, unsigned n, void *out, size_t *len)
{
	struct gdb_glue *g = target;
	struct vcpu_state st;
	uint8_t fx[512], *buf = out;
	size_t size = n < I386_NREGS ? rsp_arch_i386.regs[n].bitsize / 8 : 0;

	if (!size || *len != size)
		return RSP_ERROR;
	runner_snapshot(g->s.r, &st, NULL);
	runner_fpu(g->s.r, fx);
	memset(buf, 0, size);
	if (n <= I386_EDI) {
		put32(buf, st.gpr[n]);   /* gdb's order is the ModRM one, as ours */
	} else if (n == I386_EIP) {
		put32(buf, st.eip);
	} else if (n == I386_EFLAGS) {
		put32(buf, st.eflags);
	} else if (n >= I386_CS && n <= I386_GS) {
		put32(buf, st.seg[glue_segs[n - I386_CS]].sel);
	} else if (n >= I386_ST0 && n <= I386_ST7) {
		memcpy(buf, fx + 32 + 16 * (n - I386_ST0), 10);
	} else if (n >= I386_XMM0 && n <= I386_XMM7) {
		memcpy(buf, fx + 160 + 16 * (n - I386_XMM0), 16);
	} else {
		switch (n) {
		case I386_FCTRL: put32(buf, get16(fx + 0)); break;
		case I386_FSTAT: put32(buf, get16(fx + 2)); break;
		case I386_FTAG: put32(buf, glue_full_tag(fx)); break;
		/* The engines' images are FXSAVE64's: no selectors, and offsets
		 * 64 bits wide; under bt they are the host's (the x87 code runs
		 * translated, in 64-bit mode), so they are not shown. */
		case I386_FISEG: put32(buf, 0); break;
		case I386_FOSEG: put32(buf, 0); break;
		case I386_FIOFF:
			if (!glue_fpu_pointers(g))
				return RSP_UNSUPPORTED;
			put32(buf, get32(fx + 8));
			break;
		case I386_FOOFF:
			if (!glue_fpu_pointers(g))
				return RSP_UNSUPPORTED;
			put32(buf, get32(fx + 16));
			break;
		case I386_FOP: put32(buf, get16(fx + 6) & 0x7ff); break;
		case I386_MXCSR: put32(buf, get32(fx + 24)); break;
		case I386_CR0: put32(buf, st.cr0); break;
		case I386_CR2: put32(buf, st.cr2); break;
		case I386_CR3: put32(buf, st.cr3); break;
		case I386_CR4: put32(buf, st.cr4); break;
		case I386_EFER: put32(buf, (uint32_t)st.efer); break;
		case I386_GDTR_BASE: put32(buf, st.gdtr.base); break;
		case I386_GDTR_LIMIT: put32(buf, st.gdtr.limit); break;
		case I386_IDTR_BASE: put32(buf, st.idtr.base); break;
		case I386_IDTR_LIMIT: put32(buf, st.idtr.limit); break;
		default: return RSP_ERROR;
		}
	}
	return 0;
}

/* A new selector for segment register i: its descriptor from the GDT. */
static int glue_load_seg(struct gdb_glue *g, struct vcpu_state *st, enum vcpu_segreg i, uint32_t sel)
{
	if (sel > 0xffff)
		return RSP_ERROR;
	if (sel == st->seg[i].sel)
		return 0;
	if ((sel & ~3u) == 0) {
		if (i == S_CS || i == S_SS)
			return RSP_ERROR;   /* a null CS or SS cannot be loaded */
		st->seg[i] = (struct vcpu_seg){ .sel = (uint16_t)sel };
		return 0;
	}
	if (sel & 4)
		return RSP_ERROR;       /* LDT selectors are not loaded from here */
	uint32_t off = sel & ~7u;
	uint64_t d;
	if (off + 7 > st->gdtr.limit || !glue_read_lin(g, st, (uint64_t)st->gdtr.base + off, &d, 8))
		return RSP_ERROR;
	struct vcpu_seg seg = vcpu_seg_from_desc((uint16_t)sel, d);
	if (!(seg.attr & SEG_P) || !(seg.attr & SEG_S))
		return RSP_ERROR;       /* not present, or a system descriptor */
	if (i == S_CS && !(seg.attr & 0x8))
		return RSP_ERROR;       /* CS needs a code segment */
	st->seg[i] = seg;
	return 0;
}

static int glue_write_reg(void *target, unsigned n, const void *in, size_t len)
{
	struct gdb_glue *g = target;
	const uint8_t *buf = in;
	struct vcpu_state st, st0;
	uint8_t fx[512], fx0[512];
	size_t size = n < I386_NREGS ? rsp_arch_i386.regs[n].bitsize / 8 : 0;

	if (!size || len != size)
		return RSP_ERROR;
	runner_snapshot(g->s.r, &st, NULL);
	runner_fpu(g->s.r, fx);
	st0 = st;
	memcpy(fx0, fx, sizeof fx);
	uint32_t v = size >= 4 ? get32(buf) : 0;
	if (n <= I386_EDI) {
		st.gpr[n] = v;
	} else if (n == I386_EIP) {
		st.eip = v;
	} else if (n == I386_EFLAGS) {
		st.eflags = v | EFLAGS_FIXED;
	} else if (n >= I386_CS && n <= I386_GS) {
		if (glue_load_seg(g, &st, glue_segs[n - I386_CS], v) < 0)
			return RSP_ERROR;
	} else if (n >= I386_ST0 && n <= I386_ST7) {
		memcpy(fx + 32 + 16 * (n - I386_ST0), buf, 10);
	} else if (n >= I386_XMM0 && n <= I386_XMM7) {
		memcpy(fx + 160 + 16 * (n - I386_XMM0), buf, 16);
	} else {
		switch (n) {
		case I386_FCTRL: put16(fx + 0, v); break;
		case I386_FSTAT: put16(fx + 2, v); break;
		case I386_FTAG: fx[4] = glue_abridged_tag(v); break;
		case I386_FISEG:
		case I386_FOSEG:
			if (v)
				return RSP_ERROR;   /* not kept (see glue_read_reg) */
			break;
		case I386_FIOFF:
		case I386_FOOFF:
			if (!glue_fpu_pointers(g))
				return 0;   /* unavailable (host addresses): a G packet's write is ignored */
			memset(fx + (n == I386_FIOFF ? 8 : 16), 0, 8);
			put32(fx + (n == I386_FIOFF ? 8 : 16), v);
			break;
		case I386_FOP: put16(fx + 6, v & 0x7ff); break;
		case I386_MXCSR: memcpy(fx + 24, &v, 4); break;
		case I386_CR0: st.cr0 = v; break;
		case I386_CR2: st.cr2 = v; break;
		case I386_CR3: st.cr3 = v; break;
		case I386_CR4: st.cr4 = v; break;
		case I386_EFER: st.efer = (st.efer & ~0xffffffffull) | v; break;
		case I386_GDTR_BASE: st.gdtr.base = v; break;
		case I386_GDTR_LIMIT:
			if (v > 0xffff)
				return RSP_ERROR;
			st.gdtr.limit = (uint16_t)v;
			break;
		case I386_IDTR_BASE: st.idtr.base = v; break;
		case I386_IDTR_LIMIT:
			if (v > 0xffff)
				return RSP_ERROR;
			st.idtr.limit = (uint16_t)v;
			break;
		default: return RSP_ERROR;
		}
	}
	if (memcmp(&st, &st0, sizeof st) != 0 && runner_set_state(g->s.r, &st) < 0)
		return RSP_ERROR;
	if (memcmp(fx, fx0, sizeof fx) != 0 && runner_set_fpu(g->s.r, fx) < 0)
		return RSP_ERROR;
	return 0;
}

/* ---- Breakpoints and watchpoints. ---- */

static bool glue_is_break(int type)
{
	return type == RSP_BP_SW || type == RSP_BP_HW;
}

static enum wp_kind glue_wp_kind(int type)
{
	return type == RSP_WP_WRITE ? WP_WRITE : type == RSP_WP_READ ? WP_READ : WP_ACCESS;
}

static void glue_sync(struct gdb_glue *g)
{
	if (g->s.e->ops->debug_sync)
		g->s.e->ops->debug_sync(g->s.e);
	else
		machine_sync_catches(g->s.m);
}

/* Take entry i out of the monitor's table (vCPU thread) and out of ours. */
static void glue_bp_drop(struct gdb_glue *g, int i)
{
	struct glue_bp *b = &g->bp[i];
	struct debugstate *d = &g->s.m->debug;
	if (glue_is_break(b->type)) {
		if (b->ids[0] > 0) {
			/* Another gdb entry at the address keeps the breakpoint. */
			int heir = -1;
			for (int j = 0; j < g->nbp && heir < 0; j++)
				if (j != i && glue_is_break(g->bp[j].type) && g->bp[j].addr == b->addr && !g->bp[j].removing)
					heir = j;
			if (heir >= 0)
				g->bp[heir].ids[0] = b->ids[0];
			else
				dbg_delete(d, b->ids[0]);   /* -1 if the prompt deleted it: fine */
		}
	} else {
		for (int k = 0; k < b->nids; k++)
			dbg_delete(d, b->ids[k]);
	}
	g->bp[i] = g->bp[--g->nbp];
}

struct glue_commit_call {
	struct gdb_glue *g;
	bool all;         /* every entry (gdb went away), not only removed ones */
	bool step;        /* a single step follows: breakpoints cannot matter */
};

/* Apply gdb's removals (vCPU thread). Before a single step the removed
 * breakpoints stay: a step never stops at a breakpoint, and gdb usually
 * inserts the one it steps off again right after, which then costs nothing. */
static void glue_do_commit(void *arg)
{
	struct glue_commit_call *c = arg;
	struct gdb_glue *g = c->g;
	bool changed = false;
	for (int i = 0; i < g->nbp;) {
		struct glue_bp *b = &g->bp[i];
		if (c->all || (b->removing && !(c->step && glue_is_break(b->type)))) {
			glue_bp_drop(g, i);
			changed = true;
		} else {
			i++;
		}
	}
	if (changed)
		glue_sync(g);
}

static bool glue_commit(struct gdb_glue *g, bool all, bool step)
{
	bool pending = false;
	for (int i = 0; i < g->nbp; i++)
		pending |= all || g->bp[i].removing;
	if (!pending)
		return true;
	struct glue_commit_call c = { g, all, step };
	return runner_call(g->s.r, glue_do_commit, &c) == 0;
}

/* Enabled breakpoints plus watchpoints in the monitor's table (the limit of
 * an engine with hardware debug slots). */
static int glue_slots_used(struct gdb_glue *g)
{
	struct dbg_snapshot sn;
	dbg_snapshot(&g->s.m->debug, &sn);
	int n = 0;
	for (int i = 0; i < sn.nbp; i++)
		n += sn.bp[i].enabled;
	for (int i = 0; i < sn.nwp; i++)
		n += sn.wp[i].enabled;
	return n;
}

struct glue_insert_call {
	struct gdb_glue *g;
	struct glue_bp b;
	int rc;
};

static void glue_do_insert(void *arg)
{
	struct glue_insert_call *c = arg;
	struct gdb_glue *g = c->g;
	struct debugstate *d = &g->s.m->debug;
	struct glue_bp *b = &c->b;

	c->rc = RSP_ERROR;
	if (glue_is_break(b->type)) {
		bool ours = false;
		for (int j = 0; j < g->nbp; j++)
			if (glue_is_break(g->bp[j].type) && g->bp[j].addr == b->addr)
				ours = true;   /* an entry of ours keeps one there already */
		b->ids[0] = 0;
		b->nids = 1;
		if (!ours && !dbg_is_break(d, b->addr)) {
			b->ids[0] = dbg_break_add(d, b->addr, false, false);
			if (b->ids[0] < 0)
				return;      /* the table is full */
		}
	} else {
		struct vcpu_state st;
		runner_snapshot(g->s.r, &st, NULL);
		b->nids = 0;
		for (uint32_t off = 0; off < b->len; off += GLUE_WATCH_CHUNK) {
			uint32_t n = b->len - off < GLUE_WATCH_CHUNK ? b->len - off : GLUE_WATCH_CHUNK;
			uint64_t v = 0;
			glue_read_lin(g, &st, (uint64_t)b->addr + off, &v, n);
			int id = dbg_watch_add(d, b->addr + off, n, glue_wp_kind(b->type), v);
			if (id < 0) {
				for (int k = 0; k < b->nids; k++)
					dbg_delete(d, b->ids[k]);
				glue_sync(g);
				return;
			}
			b->ids[b->nids++] = id;
		}
	}
	g->bp[g->nbp++] = *b;
	glue_sync(g);
	c->rc = 0;
}

static int glue_set_bp(void *target, int type, uint64_t addr, unsigned kind)
{
	struct gdb_glue *g = target;

	if (type < RSP_BP_SW || type > RSP_WP_ACCESS || addr > 0xffffffffull)
		return RSP_ERROR;
	uint32_t len = glue_is_break(type) ? 1 : kind;
	if (!len || len > GLUE_WATCH_CHUNK * GLUE_MAX_CHUNKS || addr + len - 1 > 0xffffffffull)
		return RSP_ERROR;
	/* Again after a removal: it never left. */
	for (int i = 0; i < g->nbp; i++) {
		struct glue_bp *b = &g->bp[i];
		if (b->type == type && b->addr == addr && b->len == len) {
			b->removing = false;
			return 0;
		}
	}
	if (g->nbp == GLUE_MAX_BP)
		return RSP_ERROR;
	/* Breakpoints and watchpoints are on linear addresses, as the CPU's
	 * are: one nothing maps yet (a kernel's higher half before it turns
	 * paging on) is hit once the guest runs there. */
	int slots = g->s.e->ops->debug_slots;
	if (slots) {
		int need = glue_is_break(type) ? 1 : (int)((len + GLUE_WATCH_CHUNK - 1) / GLUE_WATCH_CHUNK);
		if (glue_slots_used(g) + need > slots) {
			glue_commit(g, false, false);   /* removals gdb made may free some */
			if (glue_slots_used(g) + need > slots)
				return RSP_ERROR;
		}
	}
	struct glue_insert_call c = { .g = g, .b = { .type = type, .addr = (uint32_t)addr, .len = len }, .rc = RSP_ERROR };
	if (runner_call(g->s.r, glue_do_insert, &c) < 0)
		return RSP_ERROR;   /* the guest runs */
	return c.rc;
}

static int glue_clear_bp(void *target, int type, uint64_t addr, unsigned kind)
{
	struct gdb_glue *g = target;
	uint32_t len = glue_is_break(type) ? 1 : kind;
	for (int i = 0; i < g->nbp; i++) {
		struct glue_bp *b = &g->bp[i];
		if (b->type == type && b->addr == addr && b->len == len && !b->removing) {
			b->removing = true;   /* applied at the next resume */
			return 0;
		}
	}
	return 0;   /* not there: gdb's view and ours agree it is gone */
}

/* ---- Stops. ---- */

static bool glue_final(enum stop_reason r)
{
	return r == STOP_EXIT || r == STOP_HALT || r == STOP_ERROR || r == STOP_UNAVAILABLE;
}

static int glue_final_signal(enum stop_reason r)
{
	switch (r) {
	case STOP_HALT: return GLUE_SIGSTOP;
	case STOP_UNAVAILABLE: return RSP_SIGILL;
	case STOP_ERROR: return RSP_SIGSEGV;
	default: return RSP_SIGTRAP;
	}
}

/* The gdb entry of a breakpoint type at addr (Z1 wins: hwbreak), or NULL. */
static const struct glue_bp *glue_find_break(const struct gdb_glue *g, uint32_t addr)
{
	const struct glue_bp *hit = NULL;
	for (int i = 0; i < g->nbp; i++)
		if (glue_is_break(g->bp[i].type) && g->bp[i].addr == addr && (!hit || g->bp[i].type == RSP_BP_HW))
			hit = &g->bp[i];
	return hit;
}

/* gdb's watchpoint that covers the monitor's hit at addr; kvm reports a hit
 * rounded down to 4 bytes, so failing an exact match, one that overlaps
 * [addr, addr+4). NULL if none does (the prompt's watchpoint). */
static const struct glue_bp *glue_find_watch(const struct gdb_glue *g, uint32_t addr)
{
	static const unsigned widths[2] = { 1, 4 };
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < g->nbp; i++) {
			const struct glue_bp *b = &g->bp[i];
			if (!glue_is_break(b->type) && b->addr < (uint64_t)addr + widths[pass] &&
			    addr < (uint64_t)b->addr + b->len)
				return b;
		}
	return NULL;
}

static void glue_say(struct gdb_glue *g, const char *msg)
{
	char line[300];
	int n = snprintf(line, sizeof line, "bt86: %s\n", msg);
	if (n > 0 && g->rsp)
		rsp_notify_output(g->rsp, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* The guest's exit value as gdb shows it ("exited with code N"): what the
 * guest wrote to the debug-exit port, whose bt86 status is (v << 1) | 1. */
static int glue_exit_code(const struct stop_info *s)
{
	if (s->reason == STOP_EXIT)
		return (s->status & 1) ? (s->status >> 1) & 0xff : s->status & 0xff;
	return stop_exit_status(s) & 0xff;
}

/* Report stop s of a run gdb waits for. */
static void glue_report(struct gdb_glue *g, const struct stop_info *s)
{
	struct rsp_stop rs = { .signal = RSP_SIGTRAP, .kind = RSP_STOP_NONE };

	g->waiting = false;
	switch (s->reason) {
	case STOP_EXIT:
		rs.exited = true;
		rs.exit_code = glue_exit_code(s);
		g->exited = true;
		g->exit_status = stop_exit_status(s);
		break;
	case STOP_HALT:
	case STOP_ERROR:
	case STOP_UNAVAILABLE:
		rs.signal = glue_final_signal(s->reason);
		glue_say(g, s->msg);
		break;
	case STOP_REQUEST:
		rs.signal = RSP_SIGINT;
		break;
	case STOP_BREAK:
		if (s->watch_kind >= 0) {
			/* The kind of gdb's own watchpoint: kvm arms a read watchpoint
			 * as an access one (x86 has no read-only debug register). */
			const struct glue_bp *w = glue_find_watch(g, s->watch_addr);
			if (w) {
				enum wp_kind kind = glue_wp_kind(w->type);
				rs.kind = kind == WP_WRITE ? RSP_STOP_WATCH :
					  kind == WP_READ ? RSP_STOP_RWATCH : RSP_STOP_AWATCH;
				rs.watch_addr = w->addr;
			} else {
				glue_say(g, s->msg);   /* the prompt's watchpoint: plain T05 */
			}
		} else {
			const struct glue_bp *b = s->bp_id >= 0 ? glue_find_break(g, s->eip) : NULL;
			if (b)
				rs.kind = b->type == RSP_BP_HW ? RSP_STOP_HWBREAK : RSP_STOP_SWBREAK;
			else
				glue_say(g, s->msg);   /* the prompt's breakpoint, a catch */
		}
		break;
	case STOP_STEP:
	case STOP_NONE:
	default:
		break;
	}
	rsp_notify_stop(g->rsp, &rs);
}

void gdb_glue_poll_stop(struct gdb_glue *g)
{
	uint64_t v;
	ssize_t n = read(g->efd, &v, sizeof v);
	(void)n;
	if (!g->rsp || !g->waiting)
		return;
	pthread_mutex_lock(&g->lock);
	bool ours = g->stop_seq > g->base;
	struct stop_info s = g->stop;
	pthread_mutex_unlock(&g->lock);
	if (ours)
		glue_report(g, &s);
}

/* gdb resumes a guest that cannot go on: the run is over. */
static void glue_report_end(struct gdb_glue *g)
{
	struct stop_info s;
	runner_snapshot(g->s.r, NULL, &s);
	if (s.reason != STOP_EXIT) {
		/* Halted or failed, which gdb saw as a signal: now the end, with
		 * bt86's exit status for it (an even one: glue_exit_code keeps it). */
		s.status = stop_exit_status(&s);
		s.reason = STOP_EXIT;
	}
	g->waiting = true;
	glue_report(g, &s);
}

static int glue_resume(struct gdb_glue *g, enum runner_kind kind, bool has_addr, uint64_t addr)
{
	struct runner *r = g->s.r;
	uint64_t base;
	enum runner_state st;

	glue_runner_now(r, &base, &st, NULL);
	if (st == RUNNER_EXITED) {
		glue_report_end(g);
		return 0;
	}
	if (has_addr) {
		struct vcpu_state vs;
		runner_snapshot(r, &vs, NULL);
		vs.eip = (uint32_t)addr;
		if (addr > 0xffffffffull || runner_set_state(r, &vs) < 0)
			return RSP_ERROR;
	}
	glue_commit(g, false, kind == RQ_STEP_INSN);   /* fails only if the guest runs */
	glue_runner_now(r, &base, &st, NULL);
	if (st == RUNNER_STOPPED && runner_resume(r, &(struct runner_req){ .kind = kind, .count = 1 }) < 0) {
		/* Someone else resumed it first, or it just ended. */
		glue_runner_now(r, &base, &st, NULL);
		if (st == RUNNER_EXITED) {
			glue_report_end(g);
			return 0;
		}
		if (st == RUNNER_STOPPED)
			return RSP_ERROR;
	}
	/* Running: ours, or a run the prompt or TUI started, which gdb joins. */
	g->waiting = true;
	g->base = base;
	glue_kick(g);   /* it may have stopped already */
	return 0;
}

static int glue_cont(void *target, int signal, bool has_addr, uint64_t addr)
{
	(void)signal;   /* a bare-metal guest has no signals to deliver */
	return glue_resume(target, RQ_CONT, has_addr, addr);
}

static int glue_step(void *target, int signal, bool has_addr, uint64_t addr)
{
	(void)signal;
	return glue_resume(target, RQ_STEP_INSN, has_addr, addr);
}

static void glue_stop(void *target)
{
	struct gdb_glue *g = target;
	uint64_t stops;
	enum runner_state st;
	bool notifying;

	glue_runner_now(g->s.r, &stops, &st, &notifying);
	if (st == RUNNER_RUNNING) {
		runner_stop(g->s.r);
		return;
	}
	if (!g->waiting || notifying || stops > g->base) {
		glue_kick(g);   /* the stop is on its way */
		return;
	}
	/* Waiting for a run that is not there: say where the guest is. */
	struct stop_info s;
	runner_snapshot(g->s.r, NULL, &s);
	s.reason = STOP_REQUEST;
	glue_report(g, &s);
}

static void glue_stop_reason(void *target, struct rsp_stop *out)
{
	struct gdb_glue *g = target;
	struct stop_info s;
	runner_snapshot(g->s.r, NULL, &s);
	memset(out, 0, sizeof *out);
	out->signal = glue_final(s.reason) && s.reason != STOP_EXIT ? glue_final_signal(s.reason) : RSP_SIGTRAP;
}

static int glue_attached(void *target)
{
	(void)target;
	return 1;
}

static void glue_detach(void *target)
{
	(void)target;   /* gdb_glue_end, called when the session ends, does the rest */
}

static void glue_kill(void *target)
{
	struct gdb_glue *g = target;
	g->killed = true;
	runner_stop(g->s.r);
}

/* ---- monitor CMD ---- */

/* session.wait_stop of our session: wait for the guest, stopping it on
 * gdb's Ctrl-C, and report the stop as the prompt would. */
static void glue_wait_stop(struct session *s)
{
	struct gdb_glue *g = s->frontend;
	struct stop_info st;
	int waited = 0;
	bool timed_out = false;
	while (!runner_wait_for(s->r, GLUE_WAIT_POLL_MS, &st)) {
		waited += GLUE_WAIT_POLL_MS;
		if (g->intr && g->intr(g->intr_ctx)) {
			runner_stop(s->r);
		} else if (waited >= GLUE_MONITOR_RUN_MS && !timed_out) {
			timed_out = true;
			runner_stop(s->r);
		}
	}
	if (timed_out)
		out_printf(s->out, "monitor: the guest ran for %d s, so bt86 stopped it (gdb cannot interrupt a "
			   "monitor command: use gdb's continue and Ctrl-C for long runs)\n", GLUE_MONITOR_RUN_MS / 1000);
	cmd_print_stop(s, &st);
}

static int glue_monitor(void *target, const char *cmd, rsp_output_fn *out, void *out_ctx)
{
	struct gdb_glue *g = target;
	char word[32];
	g->mon_out = out;
	g->mon_ctx = out_ctx;
	/* `gdb` from gdb would start a stub on this stub's own session. */
	if (sscanf(cmd, " %31[^ \t/]", word) == 1) {
		const struct cmd *c = cmd_find(word, NULL);
		if (c && strcmp(c->name, "gdb") == 0) {
			out_printf(&g->sink, "gdb: this gdb is already connected to bt86's stub\n");
			g->mon_out = NULL;
			return 1;
		}
	}
	int rc = cmd_exec(&g->s, cmd);
	if (g->s.quit) {
		g->s.quit = false;
		out_printf(&g->sink, "quit: not from gdb (detach leaves bt86 waiting for the next gdb, kill ends it)\n");
	}
	g->mon_out = NULL;
	g->mon_ctx = NULL;
	return rc < 0 ? 1 : 0;
}

const struct rsp_target gdb_glue_target = {
	.stop = glue_stop,
	.cont = glue_cont,
	.step = glue_step,
	.read_mem = glue_read_mem,
	.write_mem = glue_write_mem,
	.read_reg = glue_read_reg,
	.write_reg = glue_write_reg,
	.read_regs = NULL,   /* per register, so fioff/fooff can be unavailable */
	.set_breakpoint = glue_set_bp,
	.clear_breakpoint = glue_clear_bp,
	.monitor = glue_monitor,
	.detach = glue_detach,
	.kill = glue_kill,
	.attached = glue_attached,
	.stop_reason = glue_stop_reason,
};

/* ---- Life cycle. ---- */

struct gdb_glue *gdb_glue_create(struct session *s, char *err, size_t errlen)
{
	struct gdb_glue *g = calloc(1, sizeof *g);
	if (!g) {
		snprintf(err, errlen, "gdb: out of memory");
		return NULL;
	}
	g->s = *s;
	g->sink = (struct out){ glue_sink_write, g };
	g->s.out = &g->sink;
	g->s.err = &g->sink;
	g->s.trace = NULL;      /* the prompt's trace stays the prompt's */
	g->s.trace_seq = 0;
	g->s.tracer = NULL;
	g->s.gdb = NULL;        /* the server is the prompt's; `monitor gdb` is refused */
	g->s.stub_ops = NULL;
	g->s.quit = false;
	g->s.interactive = false;
	g->s.frontend = g;
	g->s.wait_stop = glue_wait_stop;
	g->maxphyaddr = s->m->maxphyaddr;
	pthread_mutex_init(&g->lock, NULL);
	g->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->efd < 0) {
		snprintf(err, errlen, "gdb: eventfd: %s", strerror(errno));
		gdb_glue_destroy(g);
		return NULL;
	}
	/* Stops so far are not gdb's: base starts at the current count. */
	enum runner_state st;
	glue_runner_now(s->r, &g->base, &st, NULL);
	g->stop_seq = g->base;
	if (runner_listen(s->r, glue_on_stop, g) < 0) {
		snprintf(err, errlen, "gdb: too many front ends watch this guest (at most %d)", RUNNER_MAX_LISTENERS);
		gdb_glue_destroy(g);
		return NULL;
	}
	g->listening = true;
	return g;
}

void gdb_glue_destroy(struct gdb_glue *g)
{
	if (!g)
		return;
	if (g->listening)
		runner_unlisten(g->s.r, glue_on_stop, g);
	cmd_session_close(&g->s);
	if (g->efd >= 0)
		close(g->efd);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

int gdb_glue_stop_fd(const struct gdb_glue *g)
{
	return g->efd;
}

void gdb_glue_begin(struct gdb_glue *g, struct rsp *r, gdb_glue_interrupt_fn *intr, void *intr_ctx)
{
	g->rsp = r;
	g->intr = intr;
	g->intr_ctx = intr_ctx;
	g->waiting = false;
	g->killed = false;
}

void gdb_glue_end(struct gdb_glue *g)
{
	struct runner *r = g->s.r;
	if (runner_state(r) == RUNNER_RUNNING) {
		runner_stop(r);
		runner_wait(r);
	}
	/* gdb's breakpoints and watchpoints go with it. If another front end
	 * resumed the guest in between, the entries stay for the next gdb to
	 * replace (gdb always inserts its own again). */
	if (!glue_commit(g, true, false)) {
		runner_stop(r);
		runner_wait(r);
		glue_commit(g, true, false);
	}
	g->rsp = NULL;
	g->intr = NULL;
	g->intr_ctx = NULL;
	g->waiting = false;
}

bool gdb_glue_killed(const struct gdb_glue *g, int *status)
{
	if (!g->killed)
		return false;
	if (status) {
		struct stop_info s;
		runner_snapshot(g->s.r, NULL, &s);
		*status = runner_state(g->s.r) == RUNNER_EXITED ? stop_exit_status(&s) : 0;
	}
	return true;
}

bool gdb_glue_exited(const struct gdb_glue *g, int *status)
{
	if (!g->exited)
		return false;
	if (status)
		*status = g->exit_status;
	return true;
}
