/* Where a command's text goes: stdout, a TUI pane, gdb's O packets. One
 * sink interface for them all, so every front end runs the same commands.
 *
 *   struct out o = OUT_STDIO(stdout);
 *   out_printf(&o, "eax 0x%08x\n", eax);
 */
#ifndef BT86_SESSION_OUT_H
#define BT86_SESSION_OUT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct out {
	void (*write)(void *ctx, const char *text, size_t len);
	void *ctx;
};

void out_stdio_write(void *ctx, const char *text, size_t len);
#define OUT_STDIO(f) ((struct out){ out_stdio_write, (f) })

void out_write(struct out *o, const char *text, size_t len);
void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_vprintf(struct out *o, const char *fmt, va_list ap);

/* A sink that collects text in memory (tests, gdb's monitor). */
struct out_buf {
	char *p;
	size_t len, cap;
};
void out_buf_write(void *ctx, const char *text, size_t len);
#define OUT_BUF(b) ((struct out){ out_buf_write, (b) })
void out_buf_free(struct out_buf *b);

#endif
