/* bt86: run a 32-bit multiboot guest on a chosen engine, headless, to the end,
 * or under the debugger's command language.
 *
 *   bt86 samples/hello.elf               # binary translation (default engine)
 *   bt86 --engine=kvm -m 128M kernel.elf
 *   bt86 -i samples/hello.elf            # the (bt86) prompt, stopped at the entry
 *   bt86 -x cmds.txt samples/hello.elf   # a batch of commands, then exit
 *
 * The exit status is the guest's own (debug-exit port) or one of bt86's even
 * statuses (monitor/stop.h), so scripts can tell a guest verdict from a VMM one.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/ident.h"
#include "engine/runner.h"
#include "gdb/server.h"
#include "monitor/machine.h"
#include "monitor/sensitive.h"
#include "monitor/symbols.h"
#include "ui/cli.h"
#include "session/cmd.h"
#include "ui/console.h"
#include "ui/interrupt.h"
#include "session/disas.h"
#include "ui/options.h"
#include "session/session.h"
#include "ui/tui.h"

static int bt86_fail(int status, const char *msg)
{
	fprintf(stderr, "bt86: %s\n", msg);
	return status;
}

/* What the engine wants said about this host (a slow KVM backend). */
static void bt86_host_note(const struct engine_ops *ops)
{
	const char *note = ops->host_note ? ops->host_note() : NULL;
	if (note)
		fprintf(stderr, "bt86: note: %s\n", note);
}

/* One line for a stop that is not the guest's own exit. */
static void bt86_report_stop(const struct machine *m, const struct vcpu_state *st, const struct stop_info *s)
{
	char insn[96];

	/* The guest's own debug-exit status is always odd: a status-0 exit is
	 * a power-off (or a reset under --no-reboot), which gets its line. */
	if (s->reason == STOP_EXIT && s->status != 0)
		return;
	if (s->want_insn) {
		disas_guest(&m->mem, m->maxphyaddr, st, s->eip, insn, sizeof insn);
		fprintf(stderr, "bt86: %s: %s\n", s->msg, insn);
	} else {
		fprintf(stderr, "bt86: %s\n", s->msg);
	}
}

/* The guest reset the machine and it starts again (a headless run, the
 * prompt, gdb): said on stderr, as other stops are. */
static void bt86_reset_note(void *ctx, const struct stop_info *s)
{
	(void)ctx;
	fprintf(stderr, "bt86: %s; restarting\n", s->msg);
}

/* The same in the TUI: a line in the console pane, where the guest's
 * output goes on (the terminal is the TUI's). */
static void bt86_tui_reset_note(void *ctx, const struct stop_info *s)
{
	char line[320];
	int n = snprintf(line, sizeof line, "\r\n[bt86: %s; restarting]\r\n", s->msg);
	for (int i = 0; i < n && i < (int)sizeof line - 1; i++)
		tui_console_out(ctx, (uint8_t)line[i]);
}

/* One line: "bt86: stats: engine=bt ccfs=12 chains=30 ..." (stable, for scripts). */
static void bt86_print_stats(struct engine *e)
{
	struct engine_stat st[32];
	int n = e->ops->stats ? e->ops->stats(e, st, 32) : 0;
	fprintf(stderr, "bt86: stats: engine=%s", e->ops->name);
	for (int i = 0; i < n; i++)
		fprintf(stderr, " %s=%llu", st[i].name, (unsigned long long)st[i].value);
	for (int k = 0; k < EV_KIND_COUNT; k++)
		fprintf(stderr, " ev_%s=%llu", evlog_kind_name((enum ev_kind)k),
			(unsigned long long)evlog_count(&e->m->events, (enum ev_kind)k));
	fputc('\n', stderr);
}

/* The engine parameters the command line sets (--policy, --check-host). */
static int bt86_configure(struct engine *e, const struct bt86_options *o, char *err, size_t errlen)
{
	if (o->policy && e->ops->configure(e, "policy", o->policy, err, errlen) < 0)
		return -1;
	if (o->check_host) {
		char why[256];
		if (!e->ops->configure || e->ops->configure(e, "check-host", "1", why, sizeof why) < 0) {
			snprintf(err, errlen, "--check-host: not with engine %s%s%s", e->ops->name,
				 e->ops->configure ? ": " : "", e->ops->configure ? why : "");
			return -1;
		}
	}
	return 0;
}

/* --demo SAMPLE without a GUEST: SAMPLE itself if it is a file, else
 * samples/SAMPLE.elf beside the bt86 binary, else in the current directory. */
static const char *bt86_demo_guest(const char *demo, char *buf, size_t len)
{
	if (access(demo, R_OK) == 0)
		return demo;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			int n2 = snprintf(buf, len, "%s/samples/%s.elf", exe, demo);
			if (n2 > 0 && (size_t)n2 < len && access(buf, R_OK) == 0)
				return buf;
		}
	}
	if (snprintf(buf, len, "samples/%s.elf", demo) >= (int)len)
		return demo;
	return buf;
}

/* The debugger front ends (-i, -x, --tui/--demo, --gdb): the guest loaded
 * and stopped at its entry point on a vCPU thread, commands on this one,
 * gdb's packets on the stub's. */
static int bt86_debug(const struct bt86_options *o)
{
	struct machine m;
	struct console con = { .out_fd = STDOUT_FILENO };
	struct engine *e;
	struct runner r;
	char err[512];
	int unavailable;

	/* Only this thread takes Ctrl-C: the clock, vCPU and trace threads
	 * inherit the block. */
	cli_block_sigint();
	struct machine_config cfg = {
		.ram_size = o->ram_size,
		.console_out = cli_console_out,
		.console_opaque = &con,
		.cpu = cpu_model_find(o->cpu),
		.modules = o->modules,
		.nmodules = o->nmodules,
		.initrd = o->initrd,
	};
	memcpy(cfg.disks, o->disks, sizeof cfg.disks);
	struct tui_console *tcon = NULL;
	if (o->tui) {
		/* The guest's serial output goes to the TUI's console pane. */
		tcon = tui_console_new();
		if (!tcon)
			return bt86_fail(STATUS_USAGE, "out of memory");
		cfg.console_out = tui_console_out;
		cfg.console_opaque = tcon;
	}
	if (machine_init(&m, &cfg, err, sizeof err) < 0) {
		tui_console_free(tcon);
		return bt86_fail(STATUS_USAGE, err);
	}
	m.no_reboot = o->no_reboot;
	if (machine_load(&m, o->guest, o->cmdline, err, sizeof err) < 0) {
		machine_destroy(&m);
		tui_console_free(tcon);
		return bt86_fail(STATUS_USAGE, err);
	}
	const struct engine_ops *ops = engine_find(o->engine);
	if (ops->create(&m, &e, &unavailable, err, sizeof err) < 0) {
		machine_destroy(&m);
		tui_console_free(tcon);
		return bt86_fail(unavailable ? STATUS_UNAVAILABLE : STATUS_GUEST_ERROR, err);
	}
	if (bt86_configure(e, o, err, sizeof err) < 0) {
		e->ops->destroy(e);
		machine_destroy(&m);
		tui_console_free(tcon);
		return bt86_fail(STATUS_USAGE, err);
	}
	if (!o->tui)
		bt86_host_note(ops);

	struct out out = OUT_STDIO(stdout), errs = OUT_STDIO(stderr);
	struct session s = {
		.m = &m,
		.e = e,
		.r = &r,
		.guest_path = o->guest,
		.out = &out,
		.err = &errs,
		.wait_stop = cli_wait_stop,
		.frontend = tcon,
		.stub_ops = &gdb_server_stub_ops,
	};
	if (sym_load(&s.syms, o->guest, err, sizeof err) < 0)
		fprintf(stderr, "bt86: no guest symbols: %s\n", err);
	for (int i = 0; i < o->nsymbols; i++)
		if (sym_add_file(&s.syms, o->symbols[i], err, sizeof err) < 0) {
			sym_free(&s.syms);
			e->ops->destroy(e);
			machine_destroy(&m);
			tui_console_free(tcon);
			return bt86_fail(STATUS_USAGE, err);
		}
	if (runner_start(&r, e, &m, err, sizeof err) < 0) {
		sym_free(&s.syms);
		e->ops->destroy(e);
		machine_destroy(&m);
		tui_console_free(tcon);
		return bt86_fail(STATUS_GUEST_ERROR, err);
	}
	if (o->tui)
		runner_on_reset(&r, bt86_tui_reset_note, tcon);
	else
		runner_on_reset(&r, bt86_reset_note, NULL);
	if (o->gdb) {
		char where[160], gerr[256];
		s.gdb = gdb_server_start(&s, o->gdb, where, sizeof where, gerr, sizeof gerr);
		if (!s.gdb) {
			runner_destroy(&r);
			sym_free(&s.syms);
			e->ops->destroy(e);
			machine_destroy(&m);
			tui_console_free(tcon);
			return bt86_fail(STATUS_USAGE, gerr);
		}
		if (!o->tui)
			fprintf(stderr, "bt86: gdb stub listening on %s; the guest waits at its entry point\n", where);
	}
	int status;
	if (o->gdb && !o->tui && !o->interactive && !o->script) {
		/* Headless: gdb alone drives the guest, until it kills it or the
		 * guest ends. Ctrl-C here ends bt86, as it does a headless run. */
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		gdb_server_wait(s.gdb, &status);
	} else if (o->tui) {
		/* The TUI handles SIGINT itself (tui_term.c), on this thread. */
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		status = tui_run(&s, o->demo);
	} else {
		status = cli_run(&s, o->script);
	}
	gdb_server_stop(s.gdb);   /* its glue listens to the runner */
	cmd_session_close(&s);
	runner_destroy(&r);   /* before the engine it runs */
	if (o->stats)
		bt86_print_stats(e);
	sym_free(&s.syms);
	e->ops->destroy(e);
	machine_destroy(&m);
	tui_console_free(tcon);
	return status;
}

int main(int argc, char **argv)
{
	struct bt86_options o;
	struct machine m;
	struct console con = { .out_fd = STDOUT_FILENO };
	struct engine *e;
	struct stop_info s;
	char err[512];
	int unavailable;

	if (opt_parse(argc, argv, &o, err, sizeof err) < 0)
		return bt86_fail(STATUS_USAGE, err);
	if (o.help) {
		opt_usage(stdout, "bt86");
		return 0;
	}
	if (o.version) {
		printf("bt86 %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (o.list_sensitive) {
		sens_print_table(stdout);
		return 0;
	}
	if (o.list_ident) {
		ident_print_table(stdout);
		return 0;
	}
	char demo_path[4096];
	if (!o.guest && o.demo)
		o.guest = bt86_demo_guest(o.demo, demo_path, sizeof demo_path);
	if (o.interactive || o.script || o.tui || o.gdb)
		return bt86_debug(&o);
	/* A plain run names nothing, but a bad --symbols file is still an error. */
	for (int i = 0; i < o.nsymbols; i++) {
		struct symtab st = { 0 };
		int rc = sym_add_file(&st, o.symbols[i], err, sizeof err);
		sym_free(&st);
		if (rc < 0)
			return bt86_fail(STATUS_USAGE, err);
	}
	interrupt_block();   /* before any thread starts */
	struct machine_config cfg = {
		.ram_size = o.ram_size,
		.console_out = console_out,
		.console_opaque = &con,
		.cpu = cpu_model_find(o.cpu),
		.modules = o.modules,
		.nmodules = o.nmodules,
		.initrd = o.initrd,
	};
	memcpy(cfg.disks, o.disks, sizeof cfg.disks);
	if (machine_init(&m, &cfg, err, sizeof err) < 0)
		return bt86_fail(STATUS_USAGE, err);
	m.no_reboot = o.no_reboot;
	if (machine_load(&m, o.guest, o.cmdline, err, sizeof err) < 0) {
		machine_destroy(&m);
		return bt86_fail(STATUS_USAGE, err);
	}
	const struct engine_ops *ops = engine_find(o.engine);
	if (ops->create(&m, &e, &unavailable, err, sizeof err) < 0) {
		machine_destroy(&m);
		return bt86_fail(unavailable ? STATUS_UNAVAILABLE : STATUS_GUEST_ERROR, err);
	}
	if (bt86_configure(e, &o, err, sizeof err) < 0) {
		e->ops->destroy(e);
		machine_destroy(&m);
		return bt86_fail(STATUS_USAGE, err);
	}
	bt86_host_note(ops);
	console_start_input(&con, STDIN_FILENO, &m.com1);

	struct interrupt_watch *iw = interrupt_watch(e);
	e->ops->run(e, &s);
	while (s.reason == STOP_RESET) {
		bt86_reset_note(NULL, &s);
		if (engine_reboot(e, err, sizeof err) < 0) {
			snprintf(s.msg, sizeof s.msg, "cannot restart the guest: %.200s", err);
			s.reason = STOP_ERROR;
			s.status = STATUS_GUEST_ERROR;
			s.want_insn = false;
			break;
		}
		e->ops->run(e, &s);
	}
	bool interrupted = interrupt_unwatch(iw) && s.reason == STOP_REQUEST;
	struct vcpu_state vs;
	e->ops->get_state(e, &vs);
	if (interrupted) {
		char msg[sizeof s.msg];
		snprintf(msg, sizeof msg, "%s", s.msg);
		snprintf(s.msg, sizeof s.msg, "interrupted: %.200s", msg);
		s.want_insn = true;
	}
	bt86_report_stop(&m, &vs, &s);
	if (o.stats)
		bt86_print_stats(e);
	int status = interrupted ? STATUS_INTERRUPTED : stop_exit_status(&s);
	e->ops->destroy(e);
	machine_destroy(&m);
	return status;
}
