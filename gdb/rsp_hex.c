/* Hex numbers, hex-encoded bytes and '}'-escaped binary, the three ways RSP
 * packets carry values. Every parser takes an explicit end and rejects what it
 * does not understand, since packet bodies come straight off the wire.
 *
 *   const char *p = "1f00,4";
 *   uint64_t addr;
 *   rsp_parse_hex(&p, p + 6, &addr);      // addr = 0x1f00, p -> ",4"
 */
#include <string.h>

#include "gdb/rsp_int.h"

const char rsp_hexdigits[16] = "0123456789abcdef";

int rsp_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool rsp_parse_hex(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int digits = 0;

	while (s < end && rsp_hexval(*s) >= 0) {
		/* Leading zeros are harmless; only significant digits count. */
		if (x >> 60)
			return false;
		x = x << 4 | (uint64_t)rsp_hexval(*s);
		s++;
		digits++;
	}
	if (!digits)
		return false;
	*p = s;
	*v = x;
	return true;
}

bool rsp_hex_decode(const char *s, size_t n, uint8_t *out)
{
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		int hi = rsp_hexval(s[i]), lo = rsp_hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

size_t rsp_unescape(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] == RSP_ESC) {
			if (++i == n)
				return (size_t)-1;
			s[o++] = (char)(s[i] ^ RSP_ESC_XOR);
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}
