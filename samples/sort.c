/* sort.c — compute kernel: sort n pseudo-random uint32_t with a
 * non-recursive quicksort, `reps` times with new data each time, and check
 * the result is sorted. The checksum hashes every sorted array (FNV-1a
 * style), so a lost or duplicated element shows too.
 * Args: n (default 500), reps (default 1). */
#include "rt.h"

#define SORT_MAX   (4u << 20)   /* largest n: 16 MiB of uint32_t in .bss */
#define SMALL      16           /* insertion-sort partitions this short */
#define LCG_MUL    1664525u     /* Numerical Recipes LCG constants */
#define LCG_ADD    1013904223u
#define FNV_PRIME  16777619u    /* 32-bit FNV prime */
#define FNV_BASIS  2166136261u  /* 32-bit FNV offset basis */

static uint32_t data[SORT_MAX];

static void fill(uint32_t *v, unsigned n, uint32_t seed)
{
	uint32_t x = seed;
	for (unsigned i = 0; i < n; i++) {
		x = x * LCG_MUL + LCG_ADD;
		/* Mix in the high half: the low bits of an LCG are poor. */
		v[i] = x ^ (x >> 16);
	}
}

static void swap(uint32_t *v, unsigned i, unsigned j)
{
	uint32_t t = v[i];
	v[i] = v[j];
	v[j] = t;
}

static void insertion_sort(uint32_t *v, unsigned lo, unsigned hi)
{
	for (unsigned i = lo + 1; i <= hi; i++) {
		uint32_t x = v[i];
		unsigned j = i;
		for (; j > lo && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Hoare partition of v[lo..hi] around the median of three; returns p with
 * v[lo..p] <= v[p+1..hi]. */
static unsigned partition(uint32_t *v, unsigned lo, unsigned hi)
{
	unsigned mid = lo + (hi - lo) / 2;
	if (v[mid] < v[lo])
		swap(v, mid, lo);
	if (v[hi] < v[lo])
		swap(v, hi, lo);
	if (v[hi] < v[mid])
		swap(v, hi, mid);
	uint32_t pivot = v[mid];
	unsigned i = lo - 1, j = hi + 1;
	for (;;) {
		do
			i++;
		while (v[i] < pivot);
		do
			j--;
		while (v[j] > pivot);
		if (i >= j)
			return j;
		swap(v, i, j);
	}
}

/* Sort v[0..n-1]. The larger half goes on an explicit stack and the loop
 * continues with the smaller, so the stack never exceeds log2(n) ranges. */
void quicksort(uint32_t *v, unsigned n)
{
	struct { unsigned lo, hi; } stack[32];
	unsigned depth = 0, lo = 0, hi = n - 1;

	if (n < 2)
		return;
	for (;;) {
		if (hi - lo < SMALL) {
			insertion_sort(v, lo, hi);
			if (!depth)
				return;
			depth--;
			lo = stack[depth].lo;
			hi = stack[depth].hi;
			continue;
		}
		unsigned p = partition(v, lo, hi);
		if (p - lo < hi - p) {          /* left part is smaller */
			stack[depth].lo = p + 1;
			stack[depth].hi = hi;
			hi = p;
		} else {
			stack[depth].lo = lo;
			stack[depth].hi = p;
			lo = p + 1;
		}
		depth++;
	}
}

static bool is_sorted(const uint32_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		if (v[i - 1] > v[i])
			return false;
	return true;
}

static uint32_t hash(uint32_t h, const uint32_t *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		h = (h ^ v[i]) * FNV_PRIME;
	return h;
}

int sample_main(void)
{
	unsigned n = rt_arg_uint("n", 500);
	unsigned reps = rt_arg_uint("reps", 1);
	uint32_t checksum = FNV_BASIS;

	if (n > SORT_MAX) {
		rt_printf("sort: n=%u is above the maximum %u\n", n, SORT_MAX);
		return RT_EXIT_BAD_ARG;
	}
	for (unsigned r = 0; r < reps; r++) {
		fill(data, n, r + 1);
		quicksort(data, n);
		if (!is_sorted(data, n)) {
			rt_printf("sort: n=%u rep %u: result is not sorted\n", n, r);
			return 1;
		}
		checksum = hash(checksum, data, n);
	}
	rt_printf("sort n=%u reps=%u checksum=0x%08x\n", n, reps, checksum);
	return 0;
}
