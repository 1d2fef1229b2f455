/* bt86: run a 32-bit multiboot guest on a chosen engine, headless, to the end.
 *
 *   bt86 samples/hello.elf               # binary translation (default engine)
 *   bt86 --engine=kvm -m 128M kernel.elf
 *
 * The exit status is the guest's own (debug-exit port) or one of bt86's even
 * statuses (monitor/stop.h), so scripts can tell a guest verdict from a VMM one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/kvm_probe.h"
#include "monitor/machine.h"
#include "monitor/sensitive.h"
#include "ui/console.h"
#include "ui/disas.h"
#include "ui/options.h"

static int bt86_fail(int status, const char *msg)
{
	fprintf(stderr, "bt86: %s\n", msg);
	return status;
}

/* One line for a stop that is not the guest's own exit. */
static void bt86_report_stop(const struct machine *m, const struct stop_info *s)
{
	char insn[96];

	if (s->reason == STOP_EXIT)
		return;
	if (s->want_insn) {
		disas_guest(&m->mem, s->eip, insn, sizeof insn);
		fprintf(stderr, "bt86: %s: %s\n", s->msg, insn);
	} else {
		fprintf(stderr, "bt86: %s\n", s->msg);
	}
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
	struct machine_config cfg = {
		.ram_size = o.ram_size,
		.console_out = console_out,
		.console_opaque = &con,
	};
	if (machine_init(&m, &cfg, err, sizeof err) < 0)
		return bt86_fail(STATUS_USAGE, err);
	if (machine_load(&m, o.guest, o.cmdline, err, sizeof err) < 0) {
		machine_destroy(&m);
		return bt86_fail(STATUS_USAGE, err);
	}
	const struct engine_ops *ops = engine_find(o.engine);
	if (ops->create(&m, &e, &unavailable, err, sizeof err) < 0) {
		machine_destroy(&m);
		return bt86_fail(unavailable ? STATUS_UNAVAILABLE : STATUS_GUEST_ERROR, err);
	}
	if (o.policy && e->ops->configure(e, "policy", o.policy, err, sizeof err) < 0) {
		e->ops->destroy(e);
		machine_destroy(&m);
		return bt86_fail(STATUS_USAGE, err);
	}
	if (ops == &engine_kvm_ops && kvm_probe_software_backend())
		fprintf(stderr, "bt86: note: /dev/kvm here is a software backend (no VMX/SVM in /proc/cpuinfo); "
			"it emulates the guest instruction by instruction, far slower than hardware, and cannot run x87/SSE\n");
	console_start_input(&con, STDIN_FILENO, &m.com1);

	e->ops->run(e, &s);
	bt86_report_stop(&m, &s);
	if (o.stats)
		bt86_print_stats(e);
	int status = stop_exit_status(&s);
	e->ops->destroy(e);
	machine_destroy(&m);
	return status;
}
