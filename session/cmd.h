/* The command language shared by the readline prompt, batch scripts, the
 * TUI's command line and gdb's `monitor`: a table of commands, each a name,
 * an argument synopsis, a help text, a completion kind and a function.
 * Commands may be abbreviated to any unique prefix, as in gdb.
 *
 *   struct session s = {...};
 *   if (cmd_exec(&s, "break sample_main") < 0) ...   // error line on s.err
 *
 * Commands live in session/cmd_*.c by topic; each file defines a table that
 * cmd.c lists. */
#ifndef BT86_SESSION_CMD_H
#define BT86_SESSION_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "session/session.h"

#define CMD_MAX_ARGS 16

/* What an argument position completes to (readline, the TUI). */
enum cmd_complete { CC_NONE, CC_ADDR, CC_EVENT, CC_INFO, CC_FILE, CC_CLASS, CC_TREATMENT, CC_COMMAND,
		    CC_TC, CC_SET, CC_TRACE, CC_UNTIL };

struct cmd {
	const char *name;
	const char *args;          /* synopsis, e.g. "[N]" */
	const char *help;          /* one line; `help CMD` prints it with the synopsis */
	const char *more;          /* optional further lines for `help CMD` */
	int (*fn)(struct session *s, int argc, char **argv);   /* argv[0] is the name */
	enum cmd_complete complete;
	bool starts_guest;         /* resumes the vCPU (the front end waits or not) */
};

/* Run one command line (blank and # comment lines do nothing). 0 or -1. */
int cmd_exec(struct session *s, const char *line);
/* The command a (possibly abbreviated) name denotes; NULL if none or ambiguous
 * (*ambiguous says which). */
const struct cmd *cmd_find(const char *name, bool *ambiguous);
/* All commands, NULL-terminated, for help and completion. */
const struct cmd *const *cmd_all(void);

/* An error for the current command: one line on s->err; returns -1. */
int cmd_error(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An address expression: 0x1234, 1234, a symbol, symbol+0x10, $eip, $esp+4,
 * *0x1234 (the dword stored there). */
int cmd_parse_addr(struct session *s, const char *text, uint32_t *addr, char *err, size_t errlen);
/* A number (decimal or 0x hex) in [lo, hi]. */
int cmd_parse_num(const char *text, uint64_t lo, uint64_t hi, uint64_t *v);

/* The guest state at the last stop. */
void cmd_state(struct session *s, struct vcpu_state *st);
/* Guest memory at a linear address, as the guest sees it now (through its
 * page tables when paging is on; RAM only): read all len bytes, or can they be. */
bool cmd_read(struct session *s, uint32_t lin, void *buf, size_t len);
bool cmd_mapped(struct session *s, uint32_t lin, size_t len);
/* Print a stop the way every front end shows it: "breakpoint 1 at 0x...: sample_main". */
void cmd_print_stop(struct session *s, const struct stop_info *st);

/* gdb-style short names that win over prefix matching ("c" is continue,
 * though catch also starts with c), NULL-terminated {alias, command} pairs. */
extern const char *const cmd_aliases[][2];

/* Run fn(arg) on the vCPU thread while the guest is stopped (the TC and the
 * breakpoint sync are not thread-safe). If the guest is running, an error
 * line "WHAT: the guest is running (stop it first)" and -1. */
int cmd_on_vcpu(struct session *s, const char *what, void (*fn)(void *arg), void *arg);
/* -1 with that same error line if the guest is running, else 0. */
int cmd_need_stopped(struct session *s, const char *what);

/* info sensitive [sites|retranslated [N]] (session/info_sensitive.c). */
int cmd_info_sensitive(struct session *s, int argc, char **argv);

/* Completion for the readline prompt and the TUI: the candidates for the
 * word being typed (word, possibly empty) when argc complete words argv
 * precede it on the line. fn gets every candidate that starts with word.
 * Returns 1 if file names should be offered instead (trace on FILE). */
typedef void cmd_cand_fn(void *ctx, const char *cand);
int cmd_complete(struct session *s, int argc, char **argv, const char *word, cmd_cand_fn *fn, void *ctx);

/* End a session's command state (the trace file and its listener); call it
 * before runner_destroy. Safe to call twice. */
void cmd_session_close(struct session *s);

/* Words the topic commands take, NULL-terminated (help, completion). */
extern const char *const cmd_info_topics[];
extern const char *const cmd_set_keys[];
extern const char *const cmd_tc_subcommands[];

/* Command tables, one per topic file (NULL-terminated name). */
extern const struct cmd cmd_table_run[];
extern const struct cmd cmd_table_break[];
extern const struct cmd cmd_table_info[];
extern const struct cmd cmd_table_mem[];
extern const struct cmd cmd_table_tc[];
extern const struct cmd cmd_table_misc[];

#endif
