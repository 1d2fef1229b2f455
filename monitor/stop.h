/* Why the guest stopped, shared by every engine and front end, and the exit
 * statuses bt86 uses for each. A guest that exits through the debug-exit port
 * gets an odd status ((v << 1) | 1), so bt86's own statuses are even. */
#ifndef BT86_MONITOR_STOP_H
#define BT86_MONITOR_STOP_H

#include <stdbool.h>
#include <stdint.h>

enum stop_reason {
	STOP_NONE,
	STOP_EXIT,         /* guest wrote the debug-exit port */
	STOP_HALT,         /* HLT with interrupts disabled: nothing can wake it */
	STOP_ERROR,        /* guest fault or instruction bt86 cannot handle */
	STOP_UNAVAILABLE,  /* the engine cannot run this guest here (e.g. KVM backend limits) */
	STOP_REQUEST,      /* a front end asked the vCPU to stop */
	STOP_STEP,         /* a step finished */
	STOP_BREAK,        /* a breakpoint */
	STOP_RESET,        /* the guest reset the machine; the front end restarts it */
};

#define STATUS_HALTED      0   /* guest halted with interrupts disabled */
#define STATUS_USAGE       2   /* bad command line or guest image */
#define STATUS_GUEST_ERROR 4   /* guest stopped with an error */
#define STATUS_UNAVAILABLE 6   /* engine unavailable on this host */
#define STATUS_INTERRUPTED 130 /* a headless run stopped by SIGINT or SIGTERM (128 + SIGINT) */

struct stop_info {
	enum stop_reason reason;
	int status;          /* for STOP_EXIT: the process exit status */
	uint32_t eip;        /* guest EIP at the stop */
	char msg[256];       /* one line for the user, without "bt86: " */
	bool want_insn;      /* the front end should add the instruction at eip */
	/* For STOP_BREAK: what hit. */
	int bp_id;           /* breakpoint or watchpoint id, 0 internal, -1 none */
	int watch_kind;      /* enum wp_kind of a watchpoint hit, or -1 */
	uint32_t watch_addr;
	uint64_t watch_old, watch_new;
};

const char *stop_reason_name(enum stop_reason r);

/* The process exit status for a final stop. */
int stop_exit_status(const struct stop_info *s);

#endif
