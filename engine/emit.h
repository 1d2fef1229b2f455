/* A byte emitter for x86-64 code, and the handful of encodings the
 * translator writes itself. Each helper names the instruction it emits.
 * Register numbers are the hardware's (0 RAX/EAX ... 7 RDI, 8 R8 ... 15 R15).
 *
 *   struct emit e = { .p = buf, .end = buf + sizeof buf };
 *   emit_mov_ctx32_imm(&e, BTC_NEXT_EIP, 0x100000);
 *   if (e.overflow) ...
 */
#ifndef BT86_ENGINE_EMIT_H
#define BT86_ENGINE_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define HR_RAX 0
#define HR_RCX 1
#define HR_RDX 2
#define HR_RBX 3
#define HR_RSP 4
#define HR_RBP 5
#define HR_RSI 6
#define HR_RDI 7
#define HR_R8  8
#define HR_R9  9
#define HR_R10 10
#define HR_R11 11
#define HR_R12 12   /* guest ESP */
#define HR_R13 13   /* -window base */
#define HR_R14 14   /* window base */
#define HR_R15 15   /* the vCPU context */

#define REX    0x40
#define REX_W  0x08   /* 64-bit operand size */
#define REX_R  0x04   /* extends ModRM.reg */
#define REX_X  0x02   /* extends SIB.index */
#define REX_B  0x01   /* extends ModRM.rm, SIB.base or the opcode register */
#define PFX_GS     0x65
#define PFX_ADDR32 0x67   /* 32-bit addressing in 64-bit mode: wraps at 4 GiB */

struct emit {
	uint8_t *p, *end;
	bool overflow;
};

static inline void emit_u8(struct emit *e, uint8_t b)
{
	if (e->p < e->end)
		*e->p++ = b;
	else
		e->overflow = true;
}

static inline void emit_bytes(struct emit *e, const void *b, size_t n)
{
	if (n == 0)
		return;
	if ((size_t)(e->end - e->p) < n) {
		e->overflow = true;
		e->p = e->end;
		return;
	}
	memcpy(e->p, b, n);
	e->p += n;
}

static inline void emit_u32(struct emit *e, uint32_t v) { emit_bytes(e, &v, 4); }
static inline void emit_u64(struct emit *e, uint64_t v) { emit_bytes(e, &v, 8); }

static inline void emit_rex(struct emit *e, bool w, unsigned reg, unsigned index, unsigned base)
{
	uint8_t rex = (uint8_t)(REX | (w ? REX_W : 0) | ((reg & 8) ? REX_R : 0) |
				((index & 8) ? REX_X : 0) | ((base & 8) ? REX_B : 0));
	if (rex != REX)
		emit_u8(e, rex);
}

/* ModRM + SIB + disp32 for [base + disp32] (base any register). */
static inline void emit_mem_base_disp32(struct emit *e, unsigned reg, unsigned base, int32_t disp)
{
	emit_u8(e, (uint8_t)(0x80 | ((reg & 7) << 3) | (base & 7)));   /* mod=10: disp32 */
	if ((base & 7) == 4)
		emit_u8(e, 0x24);   /* SIB: no index, base = RSP/R12 */
	emit_u32(e, (uint32_t)disp);
}

/* mov dword [r15 + off], imm32 */
static inline void emit_mov_ctx32_imm(struct emit *e, int32_t off, uint32_t imm)
{
	emit_u8(e, REX | REX_B);
	emit_u8(e, 0xc7);
	emit_mem_base_disp32(e, 0, HR_R15, off);
	emit_u32(e, imm);
}

/* mov dword [r15 + off], r32 */
static inline void emit_mov_ctx32_reg(struct emit *e, int32_t off, unsigned r)
{
	emit_rex(e, false, r, 0, HR_R15);
	emit_u8(e, 0x89);
	emit_mem_base_disp32(e, r, HR_R15, off);
}

/* mov r32, dword [r15 + off] (zero-extends) */
static inline void emit_mov_reg_ctx32(struct emit *e, unsigned r, int32_t off)
{
	emit_rex(e, false, r, 0, HR_R15);
	emit_u8(e, 0x8b);
	emit_mem_base_disp32(e, r, HR_R15, off);
}

/* mov r64, qword [r15 + off] */
static inline void emit_mov_reg_ctx64(struct emit *e, unsigned r, int32_t off)
{
	emit_rex(e, true, r, 0, HR_R15);
	emit_u8(e, 0x8b);
	emit_mem_base_disp32(e, r, HR_R15, off);
}

/* jmp qword [r15 + off] */
static inline void emit_jmp_ctx(struct emit *e, int32_t off)
{
	emit_u8(e, REX | REX_B);
	emit_u8(e, 0xff);
	emit_mem_base_disp32(e, 4, HR_R15, off);
}

/* call qword [r15 + off] */
static inline void emit_call_ctx(struct emit *e, int32_t off)
{
	emit_u8(e, REX | REX_B);
	emit_u8(e, 0xff);
	emit_mem_base_disp32(e, 2, HR_R15, off);
}

/* jmp rel32; returns the address of the rel32 field (to patch). */
static inline uint8_t *emit_jmp_rel32(struct emit *e, const uint8_t *target)
{
	emit_u8(e, 0xe9);
	uint8_t *site = e->p;
	emit_u32(e, (uint32_t)(target - (e->p + 4)));
	return site;
}

/* jcc rel32 (cc = condition code 0..15); returns the rel32 field. */
static inline uint8_t *emit_jcc_rel32(struct emit *e, unsigned cc, const uint8_t *target)
{
	emit_u8(e, 0x0f);
	emit_u8(e, (uint8_t)(0x80 | cc));
	uint8_t *site = e->p;
	emit_u32(e, (uint32_t)(target - (e->p + 4)));
	return site;
}

/* Point a rel32 field at target. */
static inline void emit_patch_rel32(uint8_t *site, const uint8_t *target)
{
	uint32_t rel = (uint32_t)(target - (site + 4));
	memcpy(site, &rel, 4);
}

/* mov r64, imm64 */
static inline void emit_mov_reg_imm64(struct emit *e, unsigned r, uint64_t imm)
{
	emit_u8(e, (uint8_t)(REX | REX_W | ((r & 8) ? REX_B : 0)));
	emit_u8(e, (uint8_t)(0xb8 | (r & 7)));
	emit_u64(e, imm);
}

/* mov r32, imm32 (zero-extends) */
static inline void emit_mov_reg_imm32(struct emit *e, unsigned r, uint32_t imm)
{
	emit_rex(e, false, 0, 0, r);
	emit_u8(e, (uint8_t)(0xb8 | (r & 7)));
	emit_u32(e, imm);
}

/* mov dst32, src32 */
static inline void emit_mov_reg_reg32(struct emit *e, unsigned dst, unsigned src)
{
	emit_rex(e, false, src, 0, dst);
	emit_u8(e, 0x89);
	emit_u8(e, (uint8_t)(0xc0 | ((src & 7) << 3) | (dst & 7)));
}

/* mov dst64, src64 */
static inline void emit_mov_reg_reg64(struct emit *e, unsigned dst, unsigned src)
{
	emit_rex(e, true, src, 0, dst);
	emit_u8(e, 0x89);
	emit_u8(e, (uint8_t)(0xc0 | ((src & 7) << 3) | (dst & 7)));
}

/* lea dst32, [base + disp32] with 32-bit addressing: flag-free add that wraps at 4 GiB. */
static inline void emit_lea32(struct emit *e, unsigned dst, unsigned base, int32_t disp)
{
	emit_u8(e, PFX_ADDR32);
	emit_rex(e, false, dst, 0, base);
	emit_u8(e, 0x8d);
	emit_mem_base_disp32(e, dst, base, disp);
}

/* lea dst64, [a + b] (flag-free 64-bit add). */
static inline void emit_lea64_add(struct emit *e, unsigned dst, unsigned a, unsigned b)
{
	emit_rex(e, true, dst, b, a);
	emit_u8(e, 0x8d);
	if ((a & 7) == 5) {   /* RBP/R13 as base needs a displacement */
		emit_u8(e, (uint8_t)(0x44 | ((dst & 7) << 3)));
		emit_u8(e, (uint8_t)(((b & 7) << 3) | (a & 7)));
		emit_u8(e, 0);
	} else {
		emit_u8(e, (uint8_t)(0x04 | ((dst & 7) << 3)));
		emit_u8(e, (uint8_t)(((b & 7) << 3) | (a & 7)));
	}
}

/* mov dword gs:[base32 + disp32], src32  (a guest memory store) */
static inline void emit_store_guest32(struct emit *e, unsigned base, int32_t disp, unsigned src)
{
	emit_u8(e, PFX_GS);
	emit_u8(e, PFX_ADDR32);
	emit_rex(e, false, src, 0, base);
	emit_u8(e, 0x89);
	emit_mem_base_disp32(e, src, base, disp);
}

/* mov dst32, dword gs:[base32 + disp32]  (a guest memory load) */
static inline void emit_load_guest32(struct emit *e, unsigned dst, unsigned base, int32_t disp)
{
	emit_u8(e, PFX_GS);
	emit_u8(e, PFX_ADDR32);
	emit_rex(e, false, dst, 0, base);
	emit_u8(e, 0x8b);
	emit_mem_base_disp32(e, dst, base, disp);
}

/* 16-bit forms of the two above (66 prefix). */
static inline void emit_store_guest16(struct emit *e, unsigned base, int32_t disp, unsigned src)
{
	emit_u8(e, PFX_GS);
	emit_u8(e, PFX_ADDR32);
	emit_u8(e, 0x66);
	emit_rex(e, false, src, 0, base);
	emit_u8(e, 0x89);
	emit_mem_base_disp32(e, src, base, disp);
}

/* movzx dst32, word gs:[base32 + disp32] */
static inline void emit_load_guest16(struct emit *e, unsigned dst, unsigned base, int32_t disp)
{
	emit_u8(e, PFX_GS);
	emit_u8(e, PFX_ADDR32);
	emit_rex(e, false, dst, 0, base);
	emit_u8(e, 0x0f);
	emit_u8(e, 0xb7);
	emit_mem_base_disp32(e, dst, base, disp);
}

/* mov dword gs:[base32 + disp32], imm32 */
static inline void emit_store_guest32_imm(struct emit *e, unsigned base, int32_t disp, uint32_t imm)
{
	emit_u8(e, PFX_GS);
	emit_u8(e, PFX_ADDR32);
	emit_rex(e, false, 0, 0, base);
	emit_u8(e, 0xc7);
	emit_mem_base_disp32(e, 0, base, disp);
	emit_u32(e, imm);
}

static inline void emit_pushfq(struct emit *e) { emit_u8(e, 0x9c); }
static inline void emit_popfq(struct emit *e) { emit_u8(e, 0x9d); }

/* push r64 / pop r64 (host stack) */
static inline void emit_push64(struct emit *e, unsigned r)
{
	emit_rex(e, false, 0, 0, r);
	emit_u8(e, (uint8_t)(0x50 | (r & 7)));
}

static inline void emit_pop64(struct emit *e, unsigned r)
{
	emit_rex(e, false, 0, 0, r);
	emit_u8(e, (uint8_t)(0x58 | (r & 7)));
}

#endif
