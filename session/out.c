/* Output sinks (see out.h). */
#include "session/out.h"

#include <stdlib.h>
#include <string.h>

void out_stdio_write(void *ctx, const char *text, size_t len)
{
	fwrite(text, 1, len, (FILE *)ctx);
	fflush((FILE *)ctx);
}

void out_write(struct out *o, const char *text, size_t len)
{
	if (o && o->write && len)
		o->write(o->ctx, text, len);
}

void out_vprintf(struct out *o, const char *fmt, va_list ap)
{
	char small[512];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return;
	}
	if ((size_t)n < sizeof small) {
		out_write(o, small, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, ap2);
			out_write(o, big, (size_t)n);
			free(big);
		}
	}
	va_end(ap2);
}

void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out_vprintf(o, fmt, ap);
	va_end(ap);
}

void out_buf_write(void *ctx, const char *text, size_t len)
{
	struct out_buf *b = ctx;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, text, len);
	b->len += len;
	b->p[b->len] = 0;
}

void out_buf_free(struct out_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
