/* cmdline.c — key=value arguments and flags from the command line.
 *
 * Shared by guests (rt_cmdline() is the multiboot command line) and the
 * native builds (argv joined), so both parse arguments identically. Tokens
 * are separated by whitespace and may appear anywhere: loaders put the
 * kernel path first, e.g. "samples/sieve.elf n=20000 reps=3".
 */
#include "rt.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Start of the next token at or after p, and its length in *len; NULL at
 * the end of the string. */
static const char *next_token(const char *p, size_t *len)
{
	while (is_space(*p))
		p++;
	if (!*p)
		return NULL;
	*len = 0;
	while (p[*len] && !is_space(p[*len]))
		(*len)++;
	return p;
}

/* Parse a decimal or 0x-hex number filling exactly len bytes; false if it
 * has no digits, a stray character or does not fit in 32 bits. */
static bool parse_uint(const char *s, size_t len, unsigned *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v * base + d;
		if (v > UINT32_MAX)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

unsigned rt_arg_uint(const char *key, unsigned dflt)
{
	size_t klen = strlen(key), len;
	const char *tok;

	for (tok = next_token(rt_cmdline(), &len); tok;
	     tok = next_token(tok + len, &len)) {
		if (len <= klen || memcmp(tok, key, klen) != 0 || tok[klen] != '=')
			continue;
		unsigned v;
		if (parse_uint(tok + klen + 1, len - klen - 1, &v))
			return v;
		rt_printf("rt: bad value in '");
		for (size_t i = 0; i < len; i++)
			rt_putc(tok[i]);
		rt_printf("': %s= wants a decimal or 0x-hex number below 2^32\n",
			  key);
		rt_exit(RT_EXIT_BAD_ARG);
	}
	return dflt;
}

bool rt_has_flag(const char *word)
{
	size_t wlen = strlen(word), len;
	const char *tok;

	for (tok = next_token(rt_cmdline(), &len); tok;
	     tok = next_token(tok + len, &len))
		if (len == wlen && memcmp(tok, word, wlen) == 0)
			return true;
	return false;
}
