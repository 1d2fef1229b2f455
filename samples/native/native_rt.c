/* native_rt.c — the rt.h API on Linux libc, so a compute kernel's source
 * builds unchanged as a native program (gcc -m32 -O2): the reference for
 * its output and for benchmark ratios. Argument parsing is the runtime's
 * own cmdline.c, fed with argv joined by spaces, like a multiboot command
 * line whose first word is the kernel path:
 *
 *     samples/native/sieve n=20000 reps=3
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static const char *cmdline = "";

const char *rt_cmdline(void)
{
	return cmdline;
}

void rt_putc(char c)
{
	putchar((unsigned char)c);
}

void rt_puts(const char *s)
{
	puts(s);
}

int rt_vprintf(const char *fmt, va_list ap)
{
	return vprintf(fmt, ap);
}

int rt_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void rt_exit(unsigned v)
{
	exit((int)v);
}

static char *join(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = malloc(len), *p = s;
	if (!s) {
		perror("malloc");
		exit(1);
	}
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);
		memcpy(p, argv[i], n);
		p += n;
		*p++ = ' ';
	}
	*(p > s ? p - 1 : p) = '\0';
	return s;
}

int main(int argc, char **argv)
{
	char *joined = join(argc, argv);
	cmdline = joined;
	int status = sample_main();
	free(joined);
	return status;
}
