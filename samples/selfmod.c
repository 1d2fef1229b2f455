/* selfmod.c — code that rewrites itself, the case a binary translator must
 * notice: a translated page is written, its translations must go, and the new
 * bytes must run. Four shapes, each printing what it computed:
 *   1. patching the immediate of a function between calls;
 *   2. patching an instruction a few bytes ahead of the store, inside the
 *      same straight-line block (so inside the running translation);
 *   3. generating small functions into a buffer and calling them (a JIT);
 *   4. copying a routine over another with REP MOVSB and calling it; the
 *      same REP MOVSB first copies to the VGA text buffer 20 times, so a
 *      translator that adapts it to device memory (a callout, after enough
 *      faults) still has to notice that it then writes code.
 * The results are the same on real hardware, QEMU and KVM; run with
 * `rounds=N` to repeat the whole set (default 3). */
#include "rt.h"

/* Code the sample patches lives in .text, written through ordinary stores
 * (paging is off, so nothing makes .text read-only). */
extern uint8_t sm_ret_imm[], sm_ahead_store[], sm_ahead_target[];
extern uint8_t sm_copy_src[], sm_copy_src_end[], sm_copy_dst[];

__asm__(".text\n"
	/* int sm_ret_imm(void): mov $imm32, %eax; ret */
	".globl sm_ret_imm\n"
	"sm_ret_imm:\n\t"
	"movl $1, %eax\n\t"
	"ret\n"
	/* int sm_ahead(int v): the store rewrites the immediate of the mov two
	 * instructions later, then that mov runs. */
	".globl sm_ahead\n"
	"sm_ahead:\n\t"
	"movl 4(%esp), %ecx\n"
	".globl sm_ahead_store\n"
	"sm_ahead_store:\n\t"
	"movl %ecx, sm_ahead_target+1\n\t"
	"nop\n"
	".globl sm_ahead_target\n"
	"sm_ahead_target:\n\t"
	"movl $0, %eax\n\t"
	"addl $1, %eax\n\t"
	"ret\n"
	/* Two routines of the same length: dst is overwritten with src. */
	".globl sm_copy_src\n"
	"sm_copy_src:\n\t"
	"movl 4(%esp), %eax\n\t"
	"imull %eax, %eax\n\t"
	"ret\n"
	".globl sm_copy_src_end\n"
	"sm_copy_src_end:\n"
	".globl sm_copy_dst\n"
	"sm_copy_dst:\n\t"
	"movl 4(%esp), %eax\n\t"
	"addl %eax, %eax\n\t"
	"ret\n");

int sm_ahead(int v);

/* A JIT buffer: 4 KiB aligned so it has a page of its own. */
static uint8_t jit[4096] __attribute__((aligned(4096)));

static uint32_t call_ret_imm(void)
{
	return ((uint32_t (*)(void))sm_ret_imm)();
}

/* Emit "mov $v, %eax; add $k, %eax; ret" at p. */
static void jit_emit(uint8_t *p, uint32_t v, uint8_t k)
{
	p[0] = 0xb8;   /* mov eax, imm32 */
	memcpy(p + 1, &v, 4);
	p[5] = 0x83;   /* add eax, imm8 */
	p[6] = 0xc0;
	p[7] = k;
	p[8] = 0xc3;   /* ret */
}

static __attribute__((noinline)) void copy_code(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

int sample_main(void)
{
	unsigned rounds = rt_arg_uint("rounds", 3);
	uint32_t total = 0;

	/* The copy routine of 4. reaches device memory first. */
	static const uint8_t cells[4] = { 's', 0x07, 'm', 0x07 };
	for (unsigned k = 0; k < 20; k++)
		copy_code((uint8_t *)0xB8000 + 4 * k, cells, sizeof cells);

	for (unsigned r = 0; r < rounds; r++) {
		/* 1. Patch an immediate between calls. */
		uint32_t sum = 0;
		for (uint32_t i = 1; i <= 10; i++) {
			memcpy(sm_ret_imm + 1, &i, 4);
			sum += call_ret_imm();
		}
		rt_printf("round %u: patched immediate: sum=%u\n", r, sum);

		/* 2. A store into the running block. */
		uint32_t ahead = 0;
		for (int i = 0; i < 5; i++)
			ahead = ahead * 10 + (uint32_t)sm_ahead(i + (int)r);
		rt_printf("round %u: store ahead in the block: %u\n", r, ahead);

		/* 3. Generated code, rewritten between calls. */
		uint32_t jsum = 0;
		for (uint32_t i = 0; i < 20; i++) {
			jit_emit(jit + (i % 4) * 16, i * 100, (uint8_t)(i + r));
			jsum += ((uint32_t (*)(void))(jit + (i % 4) * 16))();
		}
		rt_printf("round %u: generated code: sum=%u\n", r, jsum);

		/* 4. Copy a routine over another (restored afterwards). */
		uint8_t saved[16];
		uint32_t len = (uint32_t)(sm_copy_src_end - sm_copy_src);
		int (*dst)(int) = (int (*)(int))(void *)sm_copy_dst;
		int before = dst(7);
		memcpy(saved, sm_copy_dst, len);
		copy_code(sm_copy_dst, sm_copy_src, len);
		int after = dst(7);
		copy_code(sm_copy_dst, saved, len);
		int restored = dst(7);
		rt_printf("round %u: copied routine: %d -> %d -> %d\n", r, before, after, restored);
		total += sum + ahead + jsum + (uint32_t)(before + after + restored);
	}
	rt_printf("selfmod: total=%u\n", total);
	return 0;
}
