/* The bt86 command line. */
#ifndef BT86_UI_OPTIONS_H
#define BT86_UI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "monitor/ide.h"

#define OPT_PATH_MAX 4096
#define OPT_MAX_SYMBOLS 8
#include "monitor/multiboot.h"

struct bt86_options {
	const char *guest;       /* the kernel image */
	const char *engine;      /* engine name */
	const char *cmdline;     /* --cmdline/--append: a bzImage's command line, a multiboot
				  * kernel's arguments after its path */
	const char *initrd;      /* --initrd FILE: a bzImage's initramfs, or NULL */
	const char *symbols[OPT_MAX_SYMBOLS];   /* --symbols FILE (repeatable) */
	int nsymbols;
	uint64_t ram_size;
	bool help, version;
	bool stats;              /* print engine counters at the end */
	bool list_sensitive;     /* print the sensitive-instruction table and exit */
	bool list_ident;         /* print the IDENT allowlist and exit */
	const char *cpu;         /* --cpu MODEL, or NULL: the default */
	const char *policy;      /* --policy CLASS=TREATMENT,... or NULL */
	bool check_host;         /* --check-host: bt checks the host state the guest must not change */
	bool interactive;        /* -i: the readline prompt, the guest stopped at its entry */
	const char *script;      /* -x FILE: run a command script against the stopped guest */
	bool tui;                /* --tui: the ncurses debugger */
	const char *demo;        /* --demo SAMPLE: the TUI's guided tour of a sample */
	const char *gdb;         /* --gdb SPEC: serve the GDB remote protocol (e.g. tcp::1234) */
	/* --disk [N=]FILE[,readonly]: IDE drives by index (path NULL: none);
	 * the paths point into disk_path. */
	struct ide_disk_spec disks[IDE_MAX_DRIVES];
	char disk_path[IDE_MAX_DRIVES][OPT_PATH_MAX];
	bool no_reboot;          /* --no-reboot: a guest reset ends bt86 (status 0) */
	/* --module FILE[,ARGS] (repeatable): multiboot modules; ARGS point into
	 * modbuf, FILE into argv or modbuf. */
	struct mb_module modules[MB_MAX_MODULES];
	size_t nmodules;
	char modbuf[MB_MAX_MODULES][1024];
};

/* Parse argv. Returns 0, or -1 with a one-line message in err. */
int opt_parse(int argc, char **argv, struct bt86_options *o, char *err, size_t errlen);
void opt_usage(FILE *f, const char *prog);

#endif
