/* sieve.c — compute kernel: count the primes below n with the sieve of
 * Eratosthenes, `reps` times. Prints one line; the checksum is the sum of
 * the counts. Args: n (default 5000: 669 primes), reps (default 1). */
#include "rt.h"

#define SIEVE_MAX (8u << 20)    /* largest n: 8 MiB of flags in .bss */

static uint8_t composite[SIEVE_MAX];

/* Number of primes p with 2 <= p < n. */
uint32_t sieve(unsigned n)
{
	uint32_t count = 0;

	memset(composite, 0, n);
	/* i * i < n <= SIEVE_MAX keeps i below 2^12: no overflow. Multiples
	 * of i below i * i were crossed out by smaller primes. */
	for (unsigned i = 2; i * i < n; i++)
		if (!composite[i])
			for (unsigned j = i * i; j < n; j += i)
				composite[j] = 1;
	for (unsigned i = 2; i < n; i++)
		count += !composite[i];
	return count;
}

int sample_main(void)
{
	unsigned n = rt_arg_uint("n", 5000);
	unsigned reps = rt_arg_uint("reps", 1);
	uint32_t checksum = 0;

	if (n > SIEVE_MAX) {
		rt_printf("sieve: n=%u is above the maximum %u\n", n, SIEVE_MAX);
		return RT_EXIT_BAD_ARG;
	}
	for (unsigned r = 0; r < reps; r++)
		checksum += sieve(n);
	rt_printf("sieve n=%u reps=%u checksum=0x%08x\n", n, reps, checksum);
	return 0;
}
