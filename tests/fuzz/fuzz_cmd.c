/* libFuzzer target: the command language (session/cmd*.c). Each input is a
 * script, one command a line (at most FZ_MAX_LINES of them), run with
 * cmd_exec() on a session over a real machine, the bt engine and the runner,
 * as tests/unit/test_cmd.c builds one: a tiny guest that stores, prints 'A',
 * calls a function reading the UART and exits through the debug-exit port,
 * so every command that starts it (continue, stepi, until, ...) ends.
 *
 * Left out: `trace` (it writes files). `gdb` stays: this session has no stub
 * operations, so it must refuse. A guest that is still running after
 * FZ_WAIT_MS is stopped, and a command that stays that long is a hang.
 *
 * Checks: a command that fails leaves exactly one error line; everything is
 * torn down after each input, so LeakSanitizer sees what a command leaks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/runner.h"
#include "monitor/machine.h"
#include "session/cmd.h"

#define FZ_RAM       (4u << 20)
#define FZ_MAX_LINES 24
#define FZ_MAX_LINE  1100   /* past cmd_exec's 1024 bytes */
#define FZ_WAIT_MS   2000

#define CODE 0x100000u
#define FUNC 0x100040u
#define DATA 0x101000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t guest_main[] = {
	0xb8, 0x05, 0x00, 0x00, 0x00,   /* mov eax, 5 */
	0xa3, 0x00, 0x10, 0x10, 0x00,   /* mov [0x101000], eax */
	0x40,                           /* inc eax */
	0xba, 0xf8, 0x03, 0x00, 0x00,   /* mov edx, 0x3f8 */
	0xb0, 'A',                      /* mov al, 'A' */
	0xee,                           /* out dx, al */
	0xe8, 0x28, 0x00, 0x00, 0x00,   /* call 0x100040 */
	0xb8, 0x00, 0x00, 0x00, 0x00,   /* mov eax, 0 */
	0xe7, 0xf4,                     /* out 0xf4, eax */
	0xf4,                           /* hlt */
};
static const uint8_t guest_func[] = { 0xec, 0xc3 };   /* in al, dx; ret */

struct fz_session {
	struct machine m;
	struct engine *e;
	struct runner r;
	struct session s;
	struct out_buf ob, eb;
	struct out out, err;
};

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_cmd: %s: %s\n", what, detail);
	abort();
}

static void discard(void *opaque, uint8_t b)
{
	(void)opaque, (void)b;
}

/* The front end's wait: bounded, so a guest that runs on is a finding
 * only if it cannot even be stopped. */
static void fz_wait(struct session *s)
{
	struct stop_info st;
	if (!runner_wait_for(s->r, FZ_WAIT_MS, &st)) {
		runner_stop(s->r);
		st = runner_wait(s->r);
	}
	cmd_print_stop(s, &st);
}

static void add_sym(struct symtab *t, const char *name, uint32_t addr, uint32_t size, bool func)
{
	struct sym *p = realloc(t->s, (size_t)(t->n + 1) * sizeof *t->s);
	if (!p)
		abort();
	t->s = p;
	t->s[t->n++] = (struct sym){ strdup(name), addr, size, func };
}

static void fz_setup(struct fz_session *f)
{
	char err[256];
	int unavailable;
	memset(f, 0, sizeof *f);
	struct machine_config cfg = { .ram_size = FZ_RAM, .console_out = discard };
	if (machine_init(&f->m, &cfg, err, sizeof err) < 0)
		fail("machine_init", err);
	struct mb_boot b = { .entry = CODE, .mbi = 0 };
	mb_boot_state(&b, &f->m.boot_state);
	f->m.boot_state.gpr[R_ESP] = 0x90000;
	static const uint64_t gdt[] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	if (gmem_write(&f->m.mem, CODE, guest_main, sizeof guest_main) < 0 ||
	    gmem_write(&f->m.mem, FUNC, guest_func, sizeof guest_func) < 0 ||
	    gmem_write(&f->m.mem, f->m.boot_state.gdtr.base, gdt, sizeof gdt) < 0)
		fail("guest", "cannot write RAM");
	if (engine_bt_ops.create(&f->m, &f->e, &unavailable, err, sizeof err) < 0)
		fail("bt engine", err);
	if (runner_start(&f->r, f->e, &f->m, err, sizeof err) < 0)
		fail("runner", err);
	add_sym(&f->s.syms, "main", CODE, sizeof guest_main, true);
	add_sym(&f->s.syms, "func", FUNC, sizeof guest_func, true);
	add_sym(&f->s.syms, "data", DATA, 4, false);
	f->out = OUT_BUF(&f->ob);
	f->err = OUT_BUF(&f->eb);
	f->s.m = &f->m;
	f->s.e = f->e;
	f->s.r = &f->r;
	f->s.guest_path = "fuzz-guest";
	f->s.out = &f->out;
	f->s.err = &f->err;
	f->s.wait_stop = fz_wait;
}

static void fz_teardown(struct fz_session *f)
{
	cmd_session_close(&f->s);
	runner_destroy(&f->r);
	f->e->ops->destroy(f->e);
	sym_free(&f->s.syms);
	machine_destroy(&f->m);
	out_buf_free(&f->ob);
	out_buf_free(&f->eb);
}

/* Commands this target must not run. */
static bool filtered(const char *line)
{
	char word[64];
	if (sscanf(line, " %63s", word) != 1)
		return false;
	bool amb;
	const struct cmd *c = cmd_find(word, &amb);
	return c && !strcmp(c->name, "trace");
}

static void run_line(struct fz_session *f, const char *line)
{
	if (filtered(line))
		return;
	out_buf_free(&f->ob);
	out_buf_free(&f->eb);
	int rc = cmd_exec(&f->s, line);
	if (rc != 0 && rc != -1)
		fail("cmd_exec returned neither 0 nor -1", line);
	if (rc == -1) {
		const char *e = f->eb.p ? f->eb.p : "";
		size_t len = strlen(e);
		if (len < 2 || e[len - 1] != '\n' || strchr(e, '\n') != e + len - 1)
			fail("a failed command did not leave exactly one error line", line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_session f;   /* big: keep it off the stack */
	char line[FZ_MAX_LINE];

	fz_setup(&f);
	size_t pos = 0;
	for (int n = 0; n < FZ_MAX_LINES && pos < size; n++) {
		size_t len = 0;
		while (pos < size && data[pos] != '\n') {
			if (len + 1 < sizeof line)
				line[len++] = data[pos] ? (char)data[pos] : ' ';
			pos++;
		}
		pos++;   /* the newline */
		line[len] = 0;
		run_line(&f, line);
		if (f.s.quit)
			break;
	}
	fz_teardown(&f);
	return 0;
}
