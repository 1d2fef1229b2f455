/* A GDB Remote Serial Protocol stub as a small library that knows nothing of
 * the machine it debugs. The caller hands it two callback tables: a transport
 * (struct rsp_io: read/write bytes, never blocking) and a target (struct
 * rsp_target: stop, continue, step, memory, registers, breakpoints, monitor
 * commands), plus an architecture (struct rsp_arch: the register table, from
 * which the stub numbers registers and generates gdb's target description).
 * The stub parses packets, calls the target, and answers.
 *
 *   struct rsp_tcp tcp;                           // or any transport of yours
 *   rsp_tcp_init(&tcp);
 *   rsp_tcp_listen(&tcp, "127.0.0.1:1234", where, sizeof where, err, sizeof err);
 *   rsp_tcp_accept(&tcp, -1);
 *   struct rsp *r = rsp_create(&rsp_tcp_io, &tcp, &my_target, vm, &rsp_arch_i386);
 *   for (;;) {
 *           poll on rsp_tcp_fd(&tcp) (POLLOUT too if rsp_want_write(r))
 *           and on whatever tells you the guest stopped;
 *           if the guest stopped: rsp_notify_stop(r, &why);
 *           int st = rsp_poll(r);                 // never blocks
 *           if (st != RSP_OK) { puts(rsp_strerror(st)); break; }
 *   }
 *   rsp_destroy(r);
 *   rsp_tcp_close_client(&tcp);
 *
 * Run control is asynchronous, as in gdb's all-stop mode: on `c`, `s` or
 * `vCont` the stub calls the target's cont/step and returns at once; the
 * target reports the stop later with rsp_notify_stop(), which sends gdb the
 * stop reply (a `T` packet, or `W` if the guest exited). A Ctrl-C from gdb
 * calls the target's stop callback; the stop is again reported through
 * rsp_notify_stop(). The target may call rsp_notify_stop() from inside its
 * cont/step/stop callbacks if the stop is immediate.
 *
 * Threads: none inside. Every function, and every callback, runs on the thread
 * that calls rsp_poll() / rsp_notify_stop(); a target whose vCPU runs on
 * another thread hands its stops over (a pipe, an eventfd) and calls
 * rsp_notify_stop() from the stub's thread.
 *
 * Memory: the stub allocates its buffers as packets need them, never more than
 * RSP_PACKET_SIZE for one packet, and no globals, so several stubs may live in
 * one process.
 *
 * Bad input never reaches the target unchecked: a packet with a bad checksum
 * or a broken frame is NAKed ('-') and not run; a malformed, non-hex or
 * oversized one (longer than RSP_PACKET_SIZE, before or after run-length
 * expansion) gets E01; bytes outside packets are skipped. Input may arrive
 * in any pieces, output leaves as the transport takes it (partial writes).
 *
 * Packets served: qSupported, QStartNoAckMode, qXfer:features:read, ?, g, G,
 * p, P, m, M, X, c, C, s, S, vCont?, vCont, Z0-Z4, z0-z4, qAttached, qC,
 * qfThreadInfo, qsThreadInfo, H, T, qOffsets, qSymbol, qRcmd, D, k, vKill,
 * vMustReplyEmpty; anything else gets the empty reply ("not supported"). The
 * target has a single thread, whose id is 1.
 */
#ifndef BT86_GDB_RSP_H
#define BT86_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The largest packet body (between '$' and '#') the stub accepts or sends,
 * announced to gdb as qSupported PacketSize. gdb sizes its m/M/X transfers to
 * it; 16 KiB makes `load` fast while keeping buffers small. */
#define RSP_PACKET_SIZE 16384

/* What rsp_poll() returns, and what some target callbacks return. */
enum rsp_status {
	RSP_OK = 0,
	RSP_ERROR = -1,        /* target callbacks: the operation failed */
	RSP_CLOSED = -2,       /* the transport closed (gdb went away) */
	RSP_DETACHED = -3,     /* gdb sent D: the target's detach ran; close the link */
	RSP_KILLED = -4,       /* gdb sent k or vKill: the target's kill ran; close the link */
	RSP_IO_ERROR = -5,     /* the transport's read or write failed */
	RSP_NOMEM = -6,        /* out of memory, or 64 MiB of output gdb never read */
	RSP_UNSUPPORTED = -7,  /* target callbacks: not implemented (gdb gets the empty reply) */
	RSP_INVALID = -8,      /* bad arguments to an rsp_ function */
};

/* One line describing a status ("gdb detached"). */
const char *rsp_strerror(int status);

/* ---- The transport. ctx is the io_ctx given to rsp_create. ---- */
struct rsp_io {
	/* Optional: > 0 if input is waiting, 0 if none. Without it the stub
	 * just calls read, which must then not block. */
	int (*peek)(void *ctx);
	/* Read up to len bytes: bytes read, 0 if nothing is available now,
	 * -1 if the connection is closed or broken. Must not block. */
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	/* Write up to len bytes: bytes accepted (may be fewer, even 0, when the
	 * transport is full; the stub keeps the rest), -1 on error. */
	ssize_t (*write)(void *ctx, const void *buf, size_t len);
	/* Optional: wait up to timeout_ms (-1: forever) for input. Returns > 0
	 * if input may be waiting, 0 on timeout, -1 on error. Used only by
	 * rsp_wait(). */
	int (*poll)(void *ctx, int timeout_ms);
};

/* ---- Stops. ---- */

/* Why the target stopped, as gdb's stop reply tells it. */
enum rsp_stop_kind {
	RSP_STOP_NONE,     /* a plain signal: step done, Ctrl-C, fault */
	RSP_STOP_SWBREAK,  /* a software breakpoint (Z0); pc is at the breakpoint */
	RSP_STOP_HWBREAK,  /* a hardware breakpoint (Z1) */
	RSP_STOP_WATCH,    /* a write watchpoint (Z2) hit at watch_addr */
	RSP_STOP_RWATCH,   /* a read watchpoint (Z3) */
	RSP_STOP_AWATCH,   /* an access watchpoint (Z4) */
};

/* gdb's signal numbers (not the host's) most targets need. */
#define RSP_SIGINT  2   /* stopped by Ctrl-C / interrupt request */
#define RSP_SIGILL  4   /* illegal instruction */
#define RSP_SIGTRAP 5   /* breakpoint, watchpoint, step done */
#define RSP_SIGSEGV 11  /* memory fault */

struct rsp_stop {
	int signal;                /* gdb signal number, 0-255 */
	enum rsp_stop_kind kind;
	uint64_t watch_addr;       /* the data address, for the three watch kinds */
	bool exited;               /* the program ended: sent as W exit_code */
	int exit_code;             /* 0-255 */
};

/* ---- Breakpoint types, as numbered in Z/z packets. ---- */
enum rsp_bp_type {
	RSP_BP_SW = 0,        /* Z0: software breakpoint */
	RSP_BP_HW = 1,        /* Z1: hardware breakpoint */
	RSP_WP_WRITE = 2,     /* Z2: write watchpoint */
	RSP_WP_READ = 3,      /* Z3: read watchpoint */
	RSP_WP_ACCESS = 4,    /* Z4: access (read or write) watchpoint */
};

/* Where a monitor command writes its text; the stub sends it to gdb as O
 * packets, which gdb prints as they arrive. */
typedef void rsp_output_fn(void *out_ctx, const char *text, size_t len);

/* ---- The target. Every callback gets the target pointer given to
 * rsp_create; any callback may be NULL, and the stub then answers as a
 * target without that feature would (the empty reply, or an error).
 * Callbacks may call rsp_notify_stop() and rsp_flush(), never
 * rsp_destroy(). ---- */
struct rsp_target {
	/* Interrupt the running target (Ctrl-C, vCont;t). Asynchronous: report
	 * the stop later with rsp_notify_stop(), usually with RSP_SIGINT. */
	void (*stop)(void *target);
	/* Resume, or execute one instruction and stop. signal is the signal to
	 * deliver (0: none); if has_addr, resume at addr. Return 0, or
	 * RSP_ERROR. The stop is reported later with rsp_notify_stop(). */
	int (*cont)(void *target, int signal, bool has_addr, uint64_t addr);
	int (*step)(void *target, int signal, bool has_addr, uint64_t addr);
	/* Copy len bytes of target memory. Return 0, or an errno value (EFAULT)
	 * which gdb sees as E<errno>. All or nothing. */
	int (*read_mem)(void *target, uint64_t addr, void *buf, size_t len);
	int (*write_mem)(void *target, uint64_t addr, const void *buf, size_t len);
	/* Register n of the arch table, little-endian. *len is the table size
	 * in bytes on entry; fill exactly that many. Return 0, RSP_ERROR, or
	 * RSP_UNSUPPORTED for "value unavailable" (sent as xx..). */
	int (*read_reg)(void *target, unsigned n, void *buf, size_t *len);
	int (*write_reg)(void *target, unsigned n, const void *buf, size_t len);
	/* Optional fast path for g: every register in table order, len =
	 * rsp_arch_regs_size(). Return 0 or RSP_ERROR. */
	int (*read_regs)(void *target, void *buf, size_t len);
	/* Insert or remove a breakpoint or watchpoint. kind is the breakpoint
	 * size in bytes (1 for x86 int3) or the watched length. Return 0,
	 * RSP_ERROR, or RSP_UNSUPPORTED (gdb then falls back, e.g. to writing
	 * int3 itself for Z0). */
	int (*set_breakpoint)(void *target, int type, uint64_t addr, unsigned kind);
	int (*clear_breakpoint)(void *target, int type, uint64_t addr, unsigned kind);
	/* Run `monitor cmd` (cmd is NUL-terminated); write the output through
	 * out(out_ctx, ...). Return 0 (gdb gets OK) or nonzero (gdb gets an
	 * error and says "Protocol error with Rcmd", failing a script). */
	int (*monitor)(void *target, const char *cmd, rsp_output_fn *out, void *out_ctx);
	/* gdb detached (D): the target should resume on its own. */
	void (*detach)(void *target);
	/* gdb killed the target (k, vKill). */
	void (*kill)(void *target);
	/* qAttached: 1 if gdb attached to a running target (gdb then detaches
	 * on quit), 0 if gdb "created" it (gdb kills it on quit). NULL: 1. */
	int (*attached)(void *target);
	/* The current stop, to answer `?`. NULL: SIGTRAP, no reason. */
	void (*stop_reason)(void *target, struct rsp_stop *out);
};

/* ---- The architecture: the register table as data. ---- */

/* One register, as the target description names it. Registers are numbered
 * (in g/p packets) by their index in the table. */
struct rsp_reg {
	const char *name;       /* "eax" */
	unsigned bitsize;       /* a multiple of 8 */
	const char *type;       /* gdb type: "int32", "code_ptr", "i387_ext", or an id from types */
	const char *group;      /* "general", "float", "vector", "system", or NULL */
	const char *feature;    /* "org.gnu.gdb.i386.core" */
};

/* A field of a flags, struct or union type. For flags: a bit range
 * start..end (type NULL). For unions: a name and a type. */
struct rsp_field {
	const char *name;
	const char *type;
	int start, end;
};

enum rsp_type_kind {
	RSP_TYPE_FLAGS,     /* <flags id size>: named bits of a register */
	RSP_TYPE_VECTOR,    /* <vector id type count> */
	RSP_TYPE_UNION,     /* <union id>: alternative views of a register */
};

/* A type a feature defines before its registers use it. */
struct rsp_type {
	const char *feature;     /* the feature that defines it */
	enum rsp_type_kind kind;
	const char *id;
	unsigned size;           /* flags: size in bytes */
	const char *elem;        /* vector: element type */
	unsigned count;          /* vector: element count */
	const struct rsp_field *fields;
	unsigned nfields;
};

struct rsp_arch {
	const char *architecture;        /* <architecture>: "i386" */
	const struct rsp_reg *regs;
	unsigned nregs;
	const struct rsp_type *types;
	unsigned ntypes;
	/* A fixed target description; NULL to generate one from the tables. */
	const char *xml;
	/* <osabi>: "none" for bare metal, so gdb does not assume the host's
	 * (GNU/Linux) conventions; NULL to leave it to gdb. */
	const char *osabi;
};

/* Bytes of all registers together (the g packet's payload / 2). */
size_t rsp_arch_regs_size(const struct rsp_arch *arch);
/* Byte offset of register n in the g payload. */
size_t rsp_arch_reg_offset(const struct rsp_arch *arch, unsigned n);

/* The target description XML generated from arch's tables (features in the
 * order their first register appears, each with its types and registers;
 * regnum = table index). Returns a malloc'd NUL-terminated string, or NULL
 * if out of memory or the tables are inconsistent. */
char *rsp_tdesc_xml(const struct rsp_arch *arch);

/* ---- The stub. ---- */
struct rsp;

/* A stub for one connection. io and t (and arch) must outlive it. Returns
 * NULL if out of memory, if io lacks read or write, or if the arch's
 * registers do not fit one packet. */
struct rsp *rsp_create(const struct rsp_io *io, void *io_ctx,
		       const struct rsp_target *t, void *target,
		       const struct rsp_arch *arch);
void rsp_destroy(struct rsp *r);

/* Read and handle whatever input is waiting, send what can be sent, and
 * return: RSP_OK (call again when there is input), or a reason the session
 * is over (RSP_CLOSED, RSP_DETACHED, RSP_KILLED, RSP_IO_ERROR, RSP_NOMEM),
 * which later calls return again. Never blocks. */
int rsp_poll(struct rsp *r);

/* Wait for input with the transport's poll callback (at most timeout_ms),
 * then rsp_poll(). Without a poll callback, just rsp_poll(). */
int rsp_wait(struct rsp *r, int timeout_ms);

/* The target stopped (a continue or step finished, or a stop request was
 * honoured). If gdb is waiting for a stop reply it is sent now; otherwise the
 * call does nothing (gdb asks with `?` when it wants to know). */
void rsp_notify_stop(struct rsp *r, const struct rsp_stop *stop);

/* Console output while gdb waits for a stop reply (after c, s, vCont): sent
 * as O packets, which gdb prints as they come, e.g. why the target stopped
 * in words gdb has none for. Ignored when gdb is not waiting (O packets are
 * only valid then, or during a monitor command). */
void rsp_notify_output(struct rsp *r, const char *text, size_t len);

/* True while gdb waits for the target to stop (after c, s, vCont). */
bool rsp_running(const struct rsp *r);
/* True if output is queued that the transport has not taken yet: poll for
 * writability and call rsp_poll() (or rsp_flush()) when it is writable. */
bool rsp_want_write(const struct rsp *r);
/* Send queued output; RSP_OK or RSP_IO_ERROR. */
int rsp_flush(struct rsp *r);
/* True once gdb has switched acknowledgements off (QStartNoAckMode). */
bool rsp_noack(const struct rsp *r);

/* Counters for tests and `info` commands. */
struct rsp_stats {
	unsigned long packets;       /* well-formed packets handled */
	unsigned long bad_checksum;  /* packets NAKed (or dropped in no-ack mode) */
	unsigned long malformed;     /* packets answered with an error for bad syntax */
	unsigned long garbage;       /* bytes outside any packet that were ignored */
	unsigned long retransmits;   /* our packets resent after a '-' */
	unsigned long interrupts;    /* Ctrl-C bytes */
};
void rsp_get_stats(const struct rsp *r, struct rsp_stats *out);

#endif
