/* printf.c — a small printf for the serial console.
 *
 * Supports what rt.h promises and formats it exactly as glibc does, so a
 * compute kernel prints byte-identical lines as a guest and natively:
 * %c %s %d %i %u %x %X %p %%, flags '-' (left-justify) and '0' (pad
 * numbers with zeros), a decimal width, and length modifiers l and ll.
 */
#include "rt.h"

struct spec {
	bool left;              /* '-': pad on the right */
	bool zero;              /* '0': pad numbers with zeros after the sign */
	unsigned width;
	int longs;              /* 0, 1 (l) or 2 (ll) */
};

/* Emit `s` (len bytes) after `prefix` (sign or "0x"), padded to the width. */
static int emit(const struct spec *sp, const char *prefix, const char *s,
		unsigned len)
{
	unsigned plen = strlen(prefix);
	unsigned pad = sp->width > plen + len ? sp->width - plen - len : 0;
	int n = plen + len + pad;

	if (!sp->left && !sp->zero)
		for (; pad; pad--)
			rt_putc(' ');
	while (*prefix)
		rt_putc(*prefix++);
	if (!sp->left)                  /* zero padding goes after the sign */
		for (; pad; pad--)
			rt_putc('0');
	while (len--)
		rt_putc(*s++);
	for (; pad; pad--)              /* left-justified: trailing spaces */
		rt_putc(' ');
	return n;
}

/* Digits of v in base 10 or 16, written backwards from the buffer's end. */
static char *digits(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;
	do {
		*--p = set[v % base];   /* 64-bit division: libgcc's __umoddi3 */
		v /= base;
	} while (v);
	return p;
}

static int format_number(const struct spec *sp, uint64_t v, bool negative,
			 unsigned base, bool upper, const char *prefix)
{
	char buf[24];                   /* 2^64 has 20 decimal digits */
	char *end = buf + sizeof(buf);
	char *p = digits(end, v, base, upper);
	return emit(sp, negative ? "-" : prefix, p, end - p);
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	if (sp->longs == 2)
		return va_arg(*ap, unsigned long long);
	if (sp->longs == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	if (sp->longs == 2)
		return va_arg(*ap, long long);
	if (sp->longs == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

/* Format one conversion `conv` with the flags and width in sp. */
static int convert(struct spec *sp, char conv, va_list *ap)
{
	char c;
	const char *s;
	int64_t sv;
	uintptr_t ptr;

	switch (conv) {
	case 'c':
		c = (char)va_arg(*ap, int);
		sp->zero = false;
		return emit(sp, "", &c, 1);
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		sp->zero = false;
		return emit(sp, "", s, strlen(s));
	case 'd':
	case 'i':
		sv = arg_signed(sp, ap);
		/* Negate in unsigned arithmetic so INT64_MIN works too. */
		return format_number(sp, sv < 0 ? -(uint64_t)sv : (uint64_t)sv,
				     sv < 0, 10, false, "");
	case 'u':
		return format_number(sp, arg_unsigned(sp, ap), false, 10, false, "");
	case 'x':
	case 'X':
		return format_number(sp, arg_unsigned(sp, ap), false, 16,
				     conv == 'X', "");
	case 'p':
		ptr = (uintptr_t)va_arg(*ap, void *);
		sp->zero = false;
		if (!ptr)
			return emit(sp, "", "(nil)", 5);
		return format_number(sp, ptr, false, 16, false, "0x");
	case '%':
		rt_putc('%');
		return 1;
	default:                        /* unsupported: show it literally */
		rt_putc('%');
		rt_putc(conv);
		return 2;
	}
}

int rt_vprintf(const char *fmt, va_list ap)
{
	va_list args;
	int n = 0;

	/* Work on a copy so helpers can take its address (va_list may be an
	 * array type, which does not decay the same way when passed in). */
	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			rt_putc(*fmt++);
			n++;
			continue;
		}
		fmt++;
		struct spec sp = { 0 };
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' && sp.longs < 2) {
			sp.longs++;
			fmt++;
		}
		if (!*fmt)              /* a lone '%' at the end: drop it */
			break;
		if (sp.left)
			sp.zero = false; /* '-' overrides '0', as in C */
		n += convert(&sp, *fmt++, &args);
	}
	va_end(args);
	return n;
}

int rt_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = rt_vprintf(fmt, ap);
	va_end(ap);
	return n;
}
