/* A debugging session: the machine, its engine, the vCPU runner, the
 * guest's symbols, and where command output goes. Every front end (the
 * readline prompt, batch scripts, the TUI, gdb's `monitor`) works on one. */
#ifndef BT86_SESSION_SESSION_H
#define BT86_SESSION_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "engine/engine.h"
#include "engine/runner.h"
#include "monitor/machine.h"
#include "monitor/symbols.h"
#include "session/out.h"

struct cmd_trace;
struct session;

/* The GDB stub lives above this layer (gdb/ uses session/), so the program
 * that has one hands the `gdb` command these; a session without them (gdb's
 * own `monitor` session) refuses the command. */
struct session_stub_ops {
	/* Listen on spec; the stub, or NULL with a one-line reason in err. */
	void *(*start)(struct session *s, const char *spec, char *where, size_t wherelen, char *err, size_t errlen);
	const char *(*where)(const void *stub);
};

struct session {
	struct machine *m;
	struct engine *e;
	struct runner *r;
	struct symtab syms;
	const char *guest_path;
	struct out *out;          /* normal output of the command being run */
	struct out *err;          /* its one-line errors */
	FILE *trace;              /* trace on FILE: every CCF entry and event */
	uint64_t trace_seq;       /* events already written to the trace */
	struct cmd_trace *tracer; /* the trace's writer (session/cmd_misc.c), or NULL */
	unsigned tu_max;          /* `set tu-max` as last set (0: the engine's default) */
	uint64_t tc_size;         /* `set tc-size` as last set (0: the engine's default) */
	const struct session_stub_ops *stub_ops;   /* NULL: no `gdb` command here */
	void *gdb;                /* the stub started by --gdb or `gdb SPEC`, or NULL */
	bool quit;                /* `quit` was given */
	bool interactive;         /* a person at a terminal (Ctrl-C stops the guest) */
	uint32_t last_x;          /* where x/disas continue when given no address */
	uint32_t last_disas;
	char last_fmt[16];
	void *frontend;           /* the front end's own state (TUI, CLI) */
	/* Called when a command starts the guest and wants to wait for the stop
	 * (the CLI waits with Ctrl-C handling; the TUI returns at once). */
	void (*wait_stop)(struct session *s);
};

#endif
