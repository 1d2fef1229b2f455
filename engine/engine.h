/* The CPU execution engines behind one interface: run until a stop, step one
 * guest instruction, step one CCF, invalidate translations of a physical range,
 * read and write the architectural state, and ask a running engine to stop.
 * The binary translator and KVM both implement it; front ends only see this.
 *
 *   const struct engine_ops *ops = engine_find("kvm");
 *   struct engine *e;
 *   int unavailable;
 *   if (ops->create(&m, &e, &unavailable, err, sizeof err) < 0) ...
 *   struct stop_info s;
 *   e->ops->run(e, &s);        // on the vCPU thread
 *   e->ops->request_stop(e);   // from any thread
 *   if (engine_has(e, ENGINE_CAP_TC)) ...   // ask what it can do, never its name
 *
 * run/step_* and get/set_state are called on the vCPU thread only;
 * request_stop may be called from any thread at any time.
 */
#ifndef BT86_ENGINE_ENGINE_H
#define BT86_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/machine.h"
#include "monitor/stop.h"
#include "monitor/vcpu.h"

struct engine;

struct engine_stat {
	const char *name;     /* "ccfs", "chains", "vmexits"... */
	uint64_t value;
};

/* How the translator treated one guest instruction: one vocabulary for the
 * engine (the translator's CK_* are these), tc show, the TUI and the demo. */
enum engine_kind {
	EK_IDENT,       /* copied unchanged */
	EK_REENC,       /* IDENT, re-encoded to reach guest memory / R12 */
	EK_REWRITE,     /* non-IDENT: rewritten inline (stack, branch, string ops) */
	EK_CALLOUT,     /* non-IDENT: calls an emulation function */
	EK_INTC,        /* non-IDENT: emulated inline in the CCF */
	EK_EXIT,        /* ends the CCF: a branch or a leave */
	EK_TRAP,        /* IDENT, expected to fault: the fault handler emulates it */
	EK_NAIVE,       /* sensitive, run as if the guest were the host (to show what breaks) */
	EK_COUNT
};

/* "IDENT", "REENC"...; "?" for a value out of range. */
const char *engine_kind_name(enum engine_kind k);

/* One CCF as a debugger shows it (tc list, and the head of tc show). */
struct engine_ccf {
	uint32_t id, eip, end;        /* guest bytes [eip, end) */
	uint16_t ninsn;
	uint64_t host;                /* host address of its code */
	uint32_t host_len;
	uint64_t entries;             /* times the dispatcher entered it */
	uint8_t key;                  /* privilege key: 0 CPL 0, 1 CPL 1-3 */
	int nexits;
	uint32_t target[3];           /* exits' guest targets */
	uint32_t succ[3];             /* chained successor CCF ids, 0 if unchained */
	uint32_t forward;             /* CCF it forwards to (adaptive), or 0 */
	uint32_t forward_off;         /* ... from this host offset */
};

/* One host instruction of a CCF, at host offset off from the CCF's start. */
struct engine_host_insn {
	uint32_t off;
	uint8_t len;
	char text[96];                /* "mnemonic operands" */
};

/* One guest instruction of a CCF and the host code it became. */
struct engine_insn {
	uint32_t eip;
	uint8_t len;                  /* guest bytes */
	uint8_t nbytes;               /* of bytes[] read (0: the guest memory was unreadable) */
	uint8_t bytes[16];
	char text[96];                /* guest text, "(unreadable)" if nbytes is 0 */
	enum engine_kind kind;
	uint32_t host_off, host_len;  /* its host code, from the CCF's start */
	const char *handler;          /* EK_CALLOUT: the handler's name (static), else NULL */
	int host_first, nhost;        /* its host instructions: host[host_first..+nhost) */
};

/* A CCF in full (tc show, translate). The engine fills a caller-provided
 * view with arrays it allocates; engine_ccf_view_free releases them (and is
 * safe on a zeroed or already freed view). A failing call leaves it zeroed. */
struct engine_ccf_view {
	struct engine_ccf ccf;
	struct engine_insn *insn;     /* guest instructions in order */
	int ninsn;
	struct engine_host_insn *host;   /* all host instructions, by guest instruction */
	int nhost;
};

void engine_ccf_view_free(struct engine_ccf_view *v);

/* How a debugger marks a guest address in its disassembly. */
enum engine_mark { MARK_NONE, MARK_CCF_START, MARK_IN_CCF, MARK_CHAINED };

/* What an engine can do, for front ends that would otherwise ask its name. */
enum engine_cap {
	ENGINE_CAP_TC = 1u << 0,            /* a translation cache: tc_* and addr_mark */
	ENGINE_CAP_STEP_CCF = 1u << 1,      /* step_ccf runs one whole CCF (else one instruction) */
	ENGINE_CAP_VIRTUAL_SYSFLAGS = 1u << 2, /* guest code runs at host CPL 3 with IF=1, IOPL=0;
					     * the guest's IF and IOPL are virtual */
	ENGINE_CAP_FPU_POINTERS = 1u << 3,  /* the FXSAVE image's x87 instruction and operand
					     * offsets are the guest's (not host addresses) */
};

struct engine_ops {
	const char *name;     /* "bt", "kvm" */
	const char *summary;  /* one line for --help */
	unsigned caps;        /* enum engine_cap */
	/* Breakpoints and watchpoints together may use at most this many slots
	 * (hardware debug registers); 0: as many as the monitor's table holds. */
	int debug_slots;
	/* A one-line note about this host to print when the engine starts
	 * (a slow backend, say), or NULL; called before create. */
	const char *(*host_note)(void);
	/* Make an engine for m, whose guest is loaded; its state starts at m->boot_state.
	 * On failure fill err (one line) and return -1; *unavailable is set when the
	 * host lacks what the engine needs (so callers can skip, not fail). */
	int (*create)(struct machine *m, struct engine **out, int *unavailable, char *err, size_t errlen);
	void (*destroy)(struct engine *e);
	void (*run)(struct engine *e, struct stop_info *s);
	void (*step_insn)(struct engine *e, struct stop_info *s);
	void (*step_ccf)(struct engine *e, struct stop_info *s);
	void (*invalidate)(struct engine *e, uint64_t pa, uint64_t len);
	void (*get_state)(struct engine *e, struct vcpu_state *st);
	void (*set_state)(struct engine *e, const struct vcpu_state *st);
	void (*request_stop)(struct engine *e);
	/* The guest's x87/SSE state as a 512-byte FXSAVE image (vCPU thread). */
	void (*get_fpu)(struct engine *e, uint8_t fx[512]);
	void (*set_fpu)(struct engine *e, const uint8_t fx[512]);
	/* Breakpoints or watchpoints in m->debug changed (vCPU thread, stopped). */
	void (*debug_sync)(struct engine *e);
	/* The translation cache, for the debugger; NULL for an engine without
	 * one. tc_show takes a CCF id (by_id) or a guest EIP inside a CCF and
	 * fills *v (see struct engine_ccf_view); 0, or -1 with err. */
	int (*tc_list)(struct engine *e, void (*fn)(void *ctx, const struct engine_ccf *c), void *ctx);
	int (*tc_show)(struct engine *e, uint32_t what, bool by_id, struct engine_ccf_view *v,
		       char *err, size_t errlen);
	/* What a TU at eip would become, without running or keeping it (as tc_show). */
	int (*tc_translate)(struct engine *e, uint32_t eip, struct engine_ccf_view *v,
			    char *err, size_t errlen);
	void (*tc_flush)(struct engine *e);
	enum engine_mark (*addr_mark)(struct engine *e, uint32_t eip);
	/* Set an engine parameter ("tu-max", "tc-size" for bt); 0, or -1 with err. */
	int (*configure)(struct engine *e, const char *key, const char *value, char *err, size_t errlen);
	/* Counters for --stats and benchmarks: fills up to max, returns how many. */
	int (*stats)(struct engine *e, struct engine_stat *out, int max);
	/* The vCPU at power-on as the loader's boot leaves it (m->boot_state,
	 * the x87/SSE reset values, not halted), caches of guest code and
	 * memory dropped: after machine_reboot (vCPU thread, stopped). */
	void (*reset)(struct engine *e);
};

/* Every engine embeds this first. */
struct engine {
	const struct engine_ops *ops;
	struct machine *m;
};

static inline bool engine_has(const struct engine *e, enum engine_cap cap)
{
	return (e->ops->caps & cap) != 0;
}

extern const struct engine_ops engine_bt_ops;
extern const struct engine_ops engine_kvm_ops;

/* The guest reset the machine (STOP_RESET): machine_reboot, then the
 * engine's reset. 0, or -1 with err (the image could not be loaded again). */
int engine_reboot(struct engine *e, char *err, size_t errlen);

/* The engine named name, or NULL. */
const struct engine_ops *engine_find(const char *name);
/* The engines in preference order, NULL-terminated. */
const struct engine_ops *const *engine_list(void);
const char *engine_default_name(void);

#endif
