/* matmul.c — compute kernel: C = A x B for n x n matrices of uint32_t
 * (arithmetic mod 2^32) filled from an LCG, `reps` times with new contents
 * each time. The checksum hashes every element of every C (FNV-1a style).
 * Args: n (default 16), reps (default 1). */
#include "rt.h"

#define MATMUL_MAX 512u         /* largest n: 3 matrices of 1 MiB in .bss */
#define LCG_MUL    1664525u     /* Numerical Recipes LCG constants */
#define LCG_ADD    1013904223u
#define FNV_PRIME  16777619u    /* 32-bit FNV prime */
#define FNV_BASIS  2166136261u  /* 32-bit FNV offset basis */

static uint32_t a[MATMUL_MAX * MATMUL_MAX];
static uint32_t b[MATMUL_MAX * MATMUL_MAX];
static uint32_t c[MATMUL_MAX * MATMUL_MAX];

static void fill(uint32_t *m, unsigned n, uint32_t seed)
{
	uint32_t x = seed;
	for (unsigned i = 0; i < n * n; i++) {
		x = x * LCG_MUL + LCG_ADD;
		m[i] = x >> 16;         /* the low bits of an LCG are poor */
	}
}

/* c = a x b, row-major n x n; i-k-j order walks b and c by rows. */
void matmul(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t *ci = &c[i * n];
		for (unsigned j = 0; j < n; j++)
			ci[j] = 0;
		for (unsigned k = 0; k < n; k++) {
			uint32_t aik = a[i * n + k];
			const uint32_t *bk = &b[k * n];
			for (unsigned j = 0; j < n; j++)
				ci[j] += aik * bk[j];
		}
	}
}

static uint32_t hash(uint32_t h, const uint32_t *m, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		h = (h ^ m[i]) * FNV_PRIME;
	return h;
}

int sample_main(void)
{
	unsigned n = rt_arg_uint("n", 16);
	unsigned reps = rt_arg_uint("reps", 1);
	uint32_t checksum = FNV_BASIS;

	if (n > MATMUL_MAX) {
		rt_printf("matmul: n=%u is above the maximum %u\n", n, MATMUL_MAX);
		return RT_EXIT_BAD_ARG;
	}
	for (unsigned r = 0; r < reps; r++) {
		fill(a, n, 2 * r + 1);
		fill(b, n, 2 * r + 2);
		matmul(n);
		checksum = hash(checksum, c, n * n);
	}
	rt_printf("matmul n=%u reps=%u checksum=0x%08x\n", n, reps, checksum);
	return 0;
}
