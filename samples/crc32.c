/* crc32.c — compute kernel: CRC-32 (IEEE 802.3, as zlib) of an n-byte
 * pseudo-random buffer, regenerated and checksummed `reps` times with the
 * CRC chained across repetitions. Args: n (default 4096), reps (default 1).
 * The table-driven loop is byte loads, shifts, XORs and an indexed load. */
#include "rt.h"

#define CRC32_MAX  (4u << 20)   /* largest n: 4 MiB buffer in .bss */
#define CRC32_POLY 0xEDB88320u  /* x^32+x^26+...+1, bit-reversed */
#define CRC32_CHECK 0xCBF43926u /* CRC-32 of "123456789" */
#define LCG_MUL    1664525u     /* Numerical Recipes LCG constants */
#define LCG_ADD    1013904223u

static uint8_t buffer[CRC32_MAX];
static uint32_t table[256];

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32_POLY : c >> 1;
		table[i] = c;
	}
}

/* Fill buf with n bytes from an LCG seeded with seed (its top byte: the
 * low bits of an LCG are poor). */
static void fill(uint8_t *buf, unsigned n, uint32_t seed)
{
	uint32_t x = seed;
	for (unsigned i = 0; i < n; i++) {
		x = x * LCG_MUL + LCG_ADD;
		buf[i] = (uint8_t)(x >> 24);
	}
}

/* Continue CRC `crc` (0 to start) over n bytes of buf. */
uint32_t crc32(uint32_t crc, const uint8_t *buf, unsigned n)
{
	crc = ~crc;
	for (unsigned i = 0; i < n; i++)
		crc = table[(crc ^ buf[i]) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

int sample_main(void)
{
	unsigned n = rt_arg_uint("n", 4096);
	unsigned reps = rt_arg_uint("reps", 1);
	uint32_t checksum = 0;

	if (n > CRC32_MAX) {
		rt_printf("crc32: n=%u is above the maximum %u\n", n, CRC32_MAX);
		return RT_EXIT_BAD_ARG;
	}
	make_table();
	if (crc32(0, (const uint8_t *)"123456789", 9) != CRC32_CHECK) {
		rt_printf("crc32: self-test failed\n");
		return 1;
	}
	for (unsigned r = 0; r < reps; r++) {
		fill(buffer, n, r + 1);
		checksum = crc32(checksum, buffer, n);
	}
	rt_printf("crc32 n=%u reps=%u checksum=0x%08x\n", n, reps, checksum);
	return 0;
}
