/* bt86 command-line parsing (see options.h). */
#include "ui/options.h"

#include <getopt.h>
#include <string.h>

#include "engine/engine.h"
#include "monitor/cpumodel.h"
#include "monitor/guestmem.h"
#include "monitor/machine.h"
#include "monitor/sensitive.h"

enum { OPT_ENGINE = 256, OPT_CMDLINE, OPT_STATS, OPT_POLICY, OPT_LIST_SENSITIVE, OPT_LIST_IDENT, OPT_CPU, OPT_TUI,
       OPT_DEMO, OPT_GDB, OPT_CHECK_HOST, OPT_DISK, OPT_NO_REBOOT, OPT_MODULE,
       OPT_INITRD, OPT_SYMBOLS };

static const struct option opt_long[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "memory", required_argument, NULL, 'm' },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "append", required_argument, NULL, OPT_CMDLINE },   /* QEMU's name for it */
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "symbols", required_argument, NULL, OPT_SYMBOLS },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "check-host", no_argument, NULL, OPT_CHECK_HOST },
	{ "list-sensitive", no_argument, NULL, OPT_LIST_SENSITIVE },
	{ "list-ident", no_argument, NULL, OPT_LIST_IDENT },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "interactive", no_argument, NULL, 'i' },
	{ "script", required_argument, NULL, 'x' },
	{ "tui", no_argument, NULL, OPT_TUI },
	{ "demo", required_argument, NULL, OPT_DEMO },
	{ "gdb", required_argument, NULL, OPT_GDB },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "no-reboot", no_argument, NULL, OPT_NO_REBOOT },
	{ "module", required_argument, NULL, OPT_MODULE },
	{ NULL, 0, NULL, 0 },
};

void opt_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [OPTIONS] GUEST\n"
		"Run a 32-bit multiboot kernel or Linux bzImage on bt86, a dynamic binary translator VMM.\n"
		"\n"
		"  -m, --memory=SIZE   guest RAM (e.g. 64, 64M, 1G; plain numbers are MiB; default 64M)\n"
		"      --engine=NAME   CPU engine:", prog);
	for (const struct engine_ops *const *e = engine_list(); *e; e++)
		fprintf(f, " %s", (*e)->name);
	fprintf(f, " (default %s)\n", engine_default_name());
	for (const struct engine_ops *const *e = engine_list(); *e; e++)
		fprintf(f, "                        %-4s %s\n", (*e)->name, (*e)->summary);
	fprintf(f, "      --cpu=MODEL     the guest's CPU (CPUID, MSRs, CR4, instructions):");
	for (const struct cpu_model *const *m = cpu_model_list(); *m; m++)
		fprintf(f, " %s", (*m)->name);
	fprintf(f, " (default %s)\n", cpu_model_list()[0]->name);
	for (const struct cpu_model *const *m = cpu_model_list(); *m; m++)
		fprintf(f, "                        %-7s %s\n", (*m)->name, (*m)->summary);
	fprintf(f,
		"      --cmdline=STR   arguments passed to the guest after its path; for a Linux\n"
		"                      bzImage, its whole command line\n"
		"      --append=STR    the same as --cmdline (QEMU's name): a bzImage's command line\n"
		"      --initrd=FILE   a Linux bzImage's initrd/initramfs, placed high in RAM as QEMU does\n"
		"      --symbols=FILE  the guest's symbols from FILE, an ELF32 (e.g. a vmlinux) or a\n"
		"                      System.map / copy of /proc/kallsyms (repeatable); the guest\n"
		"                      ELF's own symbols are read without it\n"
		"      --module=FILE[,ARGS]  a multiboot module (repeatable, at most 8): loaded after\n"
		"                      the kernel, page aligned, with the string \"FILE ARGS\"\n"
		"      --stats         print the engine's counters (TC, chains, exits) at the end\n"
		"      --policy=SPEC   treatments of sensitive instructions for bt, CLASS=TREATMENT,...\n"
		"                      (TREATMENT: trap callout intc adaptive naive; CLASS all sets\n"
		"                      every class that supports it; see --list-sensitive)\n"
		"      --check-host    bt: check at every stop that the guest changed no host state\n"
		"                      (FS/GS bases, PKRU, signal mask and handlers, canary pages\n"
		"                      around the window, the TC's stubs and tables); a change exits\n"
		"                      with status 4, a clean run ends \"host integrity: ok\" (also\n"
		"                      BT86_CHECK_HOST=1 in the environment)\n"
		"      --list-sensitive  print the sensitive-instruction table and exit\n"
		"      --list-ident    print the instructions the translator may run IDENT, and why, and exit\n"
		"  -i, --interactive   a debugger prompt (GNU Readline), the guest stopped at its entry\n"
		"  -x, --script=FILE   run the debugger commands in FILE against the stopped guest, then\n"
		"                      exit (status 1 if a command failed); see 'help' at the prompt\n"
		"      --tui           the full-screen debugger (ncurses)\n"
		"      --demo=SAMPLE   the full-screen debugger's guided tour of a sample (GUEST optional)\n"
		"      --gdb=SPEC      serve the GDB remote protocol on SPEC, e.g. tcp::1234\n"
		"      --disk=[N=]FILE[,readonly]  a raw disk image as IDE drive N (repeatable): 0\n"
		"                      primary master (the default), 1 primary slave, 2 secondary\n"
		"                      master, 3 secondary slave; ,readonly: the guest's writes fail\n"
		"      --no-reboot     a guest that resets the machine ends bt86 (status 0) instead of\n"
		"                      restarting it\n"
		"  -h, --help          show this help and exit\n"
		"  -V, --version       show the version and exit\n"
		"\n"
		"Exit status: the guest's debug-exit status ((v << 1) | 1, odd), or\n"
		"  0 guest halted with interrupts disabled, 2 bad usage or guest image,\n"
		"  4 guest stopped with an error, 6 engine unavailable on this host.\n");
}

/* --disk [N=]FILE[,readonly]. A file name may hold commas and '=': only a
 * leading digit and '=' is an index, only a final ",readonly" the flag. */
static int opt_disk(struct bt86_options *o, const char *arg, char *err, size_t errlen)
{
	unsigned index = 0;
	const char *file = arg;
	if (arg[0] >= '0' && arg[0] <= '9' && arg[1] == '=') {
		index = (unsigned)(arg[0] - '0');
		file = arg + 2;
	} else if (arg[0] >= '0' && arg[0] <= '9' && arg[1] >= '0' && arg[1] <= '9' && strchr(arg, '=')) {
		index = IDE_MAX_DRIVES;   /* a number of more digits: out of range */
	}
	if (index >= IDE_MAX_DRIVES) {
		snprintf(err, errlen, "--disk '%s': bad drive index (0-%d: 0 primary master, 1 primary slave, "
			 "2 secondary master, 3 secondary slave)", arg, IDE_MAX_DRIVES - 1);
		return -1;
	}
	size_t len = strlen(file);
	bool readonly = false;
	static const char ro[] = ",readonly";
	if (len >= sizeof ro - 1 && strcmp(file + len - (sizeof ro - 1), ro) == 0) {
		readonly = true;
		len -= sizeof ro - 1;
	}
	if (len == 0) {
		snprintf(err, errlen, "--disk '%s': no image file given", arg);
		return -1;
	}
	if (len >= OPT_PATH_MAX) {
		snprintf(err, errlen, "--disk: image path too long");
		return -1;
	}
	if (o->disks[index].path) {
		snprintf(err, errlen, "--disk '%s': drive %u is already given ('%s')", arg, index, o->disks[index].path);
		return -1;
	}
	memcpy(o->disk_path[index], file, len);
	o->disk_path[index][len] = 0;
	o->disks[index] = (struct ide_disk_spec){ .path = o->disk_path[index], .readonly = readonly };
	return 0;
}

int opt_parse(int argc, char **argv, struct bt86_options *o, char *err, size_t errlen)
{
	int c;

	memset(o, 0, sizeof *o);
	o->engine = engine_default_name();
	o->cmdline = "";
	o->ram_size = MACHINE_DEFAULT_RAM;
	opterr = 0;   /* we print our own one-line errors */
	optind = 0;   /* 0, not 1: also forgets a half-read option cluster */
	while ((c = getopt_long(argc, argv, "+:hVm:ix:", opt_long, NULL)) != -1) {
		switch (c) {
		case 'h': o->help = true; return 0;
		case 'V': o->version = true; return 0;
		case 'm':
			if (gmem_parse_size(optarg, &o->ram_size) < 0) {
				snprintf(err, errlen, "bad memory size '%s' (try 64M or 1G)", optarg);
				return -1;
			}
			break;
		case OPT_ENGINE:
			if (!engine_find(optarg)) {
				snprintf(err, errlen, "unknown engine '%s' (see --help)", optarg);
				return -1;
			}
			o->engine = optarg;
			break;
		case OPT_CMDLINE:
			o->cmdline = optarg;
			break;
		case OPT_INITRD:
			if (!*optarg) {
				snprintf(err, errlen, "--initrd: no file given");
				return -1;
			}
			o->initrd = optarg;
			break;
		case OPT_SYMBOLS:
			if (!*optarg) {
				snprintf(err, errlen, "--symbols: no file given");
				return -1;
			}
			if (o->nsymbols == OPT_MAX_SYMBOLS) {
				snprintf(err, errlen, "--symbols: at most %d files", OPT_MAX_SYMBOLS);
				return -1;
			}
			o->symbols[o->nsymbols++] = optarg;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_POLICY: {
			struct policy p;
			policy_default(&p);
			if (policy_parse(&p, optarg, err, errlen) < 0)
				return -1;
			o->policy = optarg;
			break;
		}
		case OPT_CHECK_HOST:
			o->check_host = true;
			break;
		case OPT_LIST_SENSITIVE:
			o->list_sensitive = true;
			return 0;
		case OPT_LIST_IDENT:
			o->list_ident = true;
			return 0;
		case OPT_CPU:
			if (!cpu_model_find(optarg) || !*optarg) {
				size_t n = (size_t)snprintf(err, errlen, "unknown CPU model '%s' (models:", optarg);
				for (const struct cpu_model *const *m = cpu_model_list(); *m && n < errlen; m++)
					n += (size_t)snprintf(err + n, errlen - n, " %s", (*m)->name);
				if (n < errlen)
					snprintf(err + n, errlen - n, ")");
				return -1;
			}
			o->cpu = optarg;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 'x':
			o->script = optarg;
			break;
		case OPT_TUI:
			o->tui = true;
			break;
		case OPT_DEMO:
			o->demo = optarg;
			o->tui = true;
			break;
		case OPT_GDB:
			o->gdb = optarg;
			break;
		case OPT_DISK:
			if (opt_disk(o, optarg, err, errlen) < 0)
				return -1;
			break;
		case OPT_NO_REBOOT:
			o->no_reboot = true;
			break;
		case OPT_MODULE: {
			if (o->nmodules == MB_MAX_MODULES) {
				snprintf(err, errlen, "--module: at most %d modules", MB_MAX_MODULES);
				return -1;
			}
			char *buf = o->modbuf[o->nmodules];
			if (snprintf(buf, sizeof o->modbuf[0], "%s", optarg) >= (int)sizeof o->modbuf[0] || !*buf ||
			    *buf == ',') {
				snprintf(err, errlen, "--module '%s': want FILE[,ARGS]", optarg);
				return -1;
			}
			char *comma = strchr(buf, ',');
			if (comma)
				*comma = 0;
			o->modules[o->nmodules++] = (struct mb_module){ buf, comma ? comma + 1 : NULL };
			break;
		}
		case ':':
			snprintf(err, errlen, "option '%s' needs an argument", argv[optind - 1]);
			return -1;
		default: {
			const char *arg = argv[optind - 1];
			const char *eq = strchr(arg, '=');
			if (strncmp(arg, "--", 2) == 0 && eq && optopt)
				snprintf(err, errlen, "'%s': option '%.*s' takes no argument", arg, (int)(eq - arg), arg);
			else if (strncmp(arg, "--", 2) == 0)
				snprintf(err, errlen, "unknown option '%s' (see --help)", arg);
			else
				snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt ? optopt : '?');
			return -1;
		}
		}
	}
	if ((o->interactive ? 1 : 0) + (o->script ? 1 : 0) + (o->tui ? 1 : 0) > 1) {
		snprintf(err, errlen, "-i, -x and --tui/--demo are different front ends: choose one");
		return -1;
	}
	if (optind >= argc && o->demo)
		return 0;   /* --demo SAMPLE names the guest itself */
	if (optind >= argc && o->script) {
		snprintf(err, errlen, "no guest given after -x %s (usage: bt86 -x SCRIPT GUEST)", o->script);
		return -1;
	}
	if (optind >= argc) {
		snprintf(err, errlen, "no guest given (usage: bt86 [OPTIONS] GUEST; see --help)");
		return -1;
	}
	if (argc - optind > 1) {
		snprintf(err, errlen, "unexpected argument '%s' after the guest (use --cmdline for guest arguments)", argv[optind + 1]);
		return -1;
	}
	o->guest = argv[optind];
	return 0;
}
