/* Unit tests for engine/reencode: every re-encoding form of a guest (32-bit)
 * instruction for the 64-bit host. Each table row gives the guest bytes, the
 * exact host bytes expected (an alternative where two encodings are equally
 * right), the host disassembly, and the fixup; every result is also decoded
 * here with Capstone in 64-bit mode (our own handle) and its operands compared
 * with the guest's: ESP named as R12D, AH..BH swapped to AL..BL, memory through
 * GS with 32-bit addressing (not for LEA and hint NOPs), absolute [disp32] not
 * RIP-relative. Rows cover plain, ESP-based, absolute, moffs, SIB with and
 * without base, zero displacements, segment overrides (CS/DS/ES/SS dropped for
 * GS; FS/GS computed into R9D with the segment base from the context), the
 * high-byte swap, x87, MMX, SSE with mandatory prefixes and 3-byte opcodes,
 * LOCK, the 0x82 alias and IDENT copies. Then the refusals (16-bit addressing,
 * a high byte next to its own low half), emitter overflow, and reenc_memop /
 * reenc_lea_r8 for each addressing form. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>

#include "engine/bt_ctx.h"
#include "engine/reencode.h"
#include "tests/unit/bt_testlib.h"

#define EIP 0x00102000u

static struct dec d;

static void setup(void)
{
	ck_assert_int_eq(dec_init(&d), 0);
}

static void teardown(void)
{
	dec_destroy(&d);
}

static void decode_guest(const char *hex, struct bt_insn *in)
{
	uint8_t b[32];
	size_t n = tl_hex(hex, b, sizeof b);
	ck_assert_msg(dec_insn(&d, b, n, EIP, in) == 0, "guest bytes %s do not decode", hex);
	ck_assert_msg(in->len == n, "guest bytes %s: decoded %u bytes", hex, in->len);
}

/* ---- our own check of a re-encoding, by decoding it ---- */

/* The host register the guest register g must become. swap: -1, or 0..3
 * when AH/CH/DH/BH was renamed to AL/CL/DL/BL. */
static unsigned expect_reg(unsigned g, int swap)
{
	static const unsigned hi[4] = { X86_REG_AH, X86_REG_CH, X86_REG_DH, X86_REG_BH };
	static const unsigned lo[4] = { X86_REG_AL, X86_REG_CL, X86_REG_DL, X86_REG_BL };
	if (g == X86_REG_ESP)
		return X86_REG_R12D;
	if (g == X86_REG_SP)
		return X86_REG_R12W;
	if (swap >= 0 && g == hi[swap])
		return lo[swap];
	return g;
}

/* host[0..n) must do what guest does: same instruction and operands, with the
 * guest's memory reached through GS and 32-bit addressing (as gs:[r9d] if
 * mem_r9: the FS/GS forms compute the linear address into R9D first). */
static void check_same_operands(const struct bt_insn *g, const uint8_t *host, size_t n, int swap,
				bool mem_r9)
{
	struct tl_insn64 t;
	char hs[200];
	const cs_insn *h = tl_decode64(&t, host, n);
	ck_assert_msg(h != NULL, "host bytes %s do not decode", tl_hexstr(host, n, hs, sizeof hs));
	ck_assert_msg(h->size == n, "host bytes %s: one instruction of %u bytes", tl_hexstr(host, n, hs, sizeof hs),
		      h->size);
	ck_assert_msg(h->id == g->id, "'%s' became '%s %s'", g->text, h->mnemonic, h->op_str);
	const cs_x86 *hx = &h->detail->x86;
	bool guest_access = g->id != X86_INS_LEA && g->id != X86_INS_NOP;
	/* Capstone sizes FXSAVE/FXRSTOR's operand differently in 32- and 64-bit mode. */
	bool size_quirk = g->id == X86_INS_FXSAVE || g->id == X86_INS_FXRSTOR;
	ck_assert_int_eq(hx->op_count, g->x86.op_count);
	for (int i = 0; i < hx->op_count; i++) {
		const cs_x86_op *go = &g->x86.operands[i], *ho = &hx->operands[i];
		ck_assert_msg(go->type == ho->type, "'%s' operand %d type", g->text, i);
		if (!(size_quirk && go->type == X86_OP_MEM))
			ck_assert_msg(go->size == ho->size, "'%s' operand %d size %u vs %u", g->text, i,
				      go->size, ho->size);
		switch (go->type) {
		case X86_OP_REG:
			ck_assert_msg(ho->reg == expect_reg(go->reg, swap), "'%s' operand %d: host register %s",
				      g->text, i, cs_reg_name(t.h, ho->reg));
			break;
		case X86_OP_IMM:
			ck_assert_msg((uint32_t)go->imm == (uint32_t)ho->imm, "'%s' operand %d immediate", g->text, i);
			break;
		case X86_OP_MEM:
			ck_assert_int_eq(hx->addr_size, 4);
			ck_assert_msg(ho->mem.segment == (guest_access ? X86_REG_GS : X86_REG_INVALID),
				      "'%s': host segment %s", g->text, cs_reg_name(t.h, ho->mem.segment));
			ck_assert_msg(ho->mem.base != X86_REG_RIP && ho->mem.base != X86_REG_EIP,
				      "'%s' became RIP-relative", g->text);
			if (mem_r9) {
				ck_assert_uint_eq(ho->mem.base, X86_REG_R9D);
				ck_assert_uint_eq(ho->mem.index, X86_REG_INVALID);
				ck_assert_int_eq(ho->mem.disp, 0);
				break;
			}
			ck_assert_msg(ho->mem.base == expect_reg(g->x86.operands[i].mem.base, -1),
				      "'%s': host base %s", g->text, cs_reg_name(t.h, ho->mem.base));
			ck_assert_uint_eq(ho->mem.index, go->mem.index);
			if (go->mem.index != X86_REG_INVALID)
				ck_assert_int_eq(ho->mem.scale, go->mem.scale);
			ck_assert_uint_eq((uint32_t)ho->mem.disp, (uint32_t)go->mem.disp);
			break;
		default:
			ck_abort_msg("'%s': unexpected operand type", g->text);
		}
	}
	tl_free64(&t);
}

/* ---- reenc_ident: the table ---- */

struct ident_case {
	const char *guest;
	const char *host;      /* exact bytes */
	const char *alt;       /* another acceptable encoding, or NULL */
	const char *text;      /* 64-bit disassembly of the host bytes */
	uint8_t fixup;
};

static const struct ident_case ident_cases[] = {
	/* plain memory operands */
	{ "8b 03", "65 67 8b 03", NULL, "mov eax, dword ptr gs:[ebx]", 0 },
	{ "89 18", "65 67 89 18", NULL, "mov dword ptr gs:[eax], ebx", 0 },
	{ "8b 45 00", "65 67 8b 45 00", NULL, "mov eax, dword ptr gs:[ebp]", 0 },
	{ "8b 85 00 01 00 00", "65 67 8b 85 00 01 00 00", NULL, "mov eax, dword ptr gs:[ebp + 0x100]", 0 },
	{ "66 89 07", "65 67 66 89 07", NULL, "mov word ptr gs:[edi], ax", 0 },
	{ "01 54 88 10", "65 67 01 54 88 10", NULL, "add dword ptr gs:[eax + ecx*4 + 0x10], edx", 0 },
	{ "c7 05 34 12 00 00 78 56 00 00", "65 67 c7 04 25 34 12 00 00 78 56 00 00", NULL,
	  "mov dword ptr gs:[0x1234], 0x5678", 0 },
	{ "0f b6 04 24", "65 67 41 0f b6 04 24", NULL, "movzx eax, byte ptr gs:[r12d]", 0 },
	/* ESP as a base: REX.B names R12 */
	{ "8b 44 24 04", "65 67 41 8b 44 24 04", NULL, "mov eax, dword ptr gs:[r12d + 4]", 0 },
	{ "8b 04 24", "65 67 41 8b 04 24", NULL, "mov eax, dword ptr gs:[r12d]", 0 },
	{ "89 0c 44", "65 67 41 89 0c 44", NULL, "mov dword ptr gs:[r12d + eax*2], ecx", 0 },
	{ "89 04 2c", "65 67 41 89 04 2c", NULL, "mov dword ptr gs:[r12d + ebp], eax", 0 },
	{ "c7 44 24 04 78 56 34 12", "65 67 41 c7 44 24 04 78 56 34 12", NULL,
	  "mov dword ptr gs:[r12d + 4], 0x12345678", 0 },
	{ "66 c7 44 24 02 34 12", "65 67 66 41 c7 44 24 02 34 12", NULL,
	  "mov word ptr gs:[r12d + 2], 0x1234", 0 },
	{ "80 3c 24 00", "65 67 41 80 3c 24 00", NULL, "cmp byte ptr gs:[r12d], 0", 0 },
	{ "c1 64 24 04 03", "65 67 41 c1 64 24 04 03", NULL, "shl dword ptr gs:[r12d + 4], 3", 0 },
	/* ESP as a register operand too: REX.R and/or REX.B */
	{ "8b 24 24", "65 67 45 8b 24 24", NULL, "mov r12d, dword ptr gs:[r12d]", 0 },
	{ "89 24 24", "65 67 45 89 24 24", NULL, "mov dword ptr gs:[r12d], r12d", 0 },
	{ "87 20", "65 67 44 87 20", NULL, "xchg dword ptr gs:[eax], r12d", 0 },
	{ "6b 64 24 04 05", "65 67 45 6b 64 24 04 05", NULL, "imul r12d, dword ptr gs:[r12d + 4], 5", 0 },
	/* absolute [disp32]: SIB "no base, no index" (not RIP-relative) */
	{ "8b 05 34 12 00 00", "65 67 8b 04 25 34 12 00 00", NULL, "mov eax, dword ptr gs:[0x1234]", 0 },
	{ "8b 05 00 00 00 00", "65 67 8b 04 25 00 00 00 00", NULL, "mov eax, dword ptr gs:[0]", 0 },
	{ "89 25 00 80 0b 00", "65 67 44 89 24 25 00 80 0b 00", NULL, "mov dword ptr gs:[0xb8000], r12d", 0 },
	/* SIB with no base: [index*scale + disp32] */
	{ "8b 04 8d 00 10 00 00", "65 67 8b 04 8d 00 10 00 00", NULL, "mov eax, dword ptr gs:[ecx*4 + 0x1000]", 0 },
	{ "8b 04 8d 00 00 00 00", "65 67 8b 04 8d 00 00 00 00", NULL, "mov eax, dword ptr gs:[ecx*4]", 0 },
	{ "8b 04 25 34 12 00 00", "65 67 8b 04 25 34 12 00 00", NULL, "mov eax, dword ptr gs:[0x1234]", 0 },
	/* moffs */
	{ "a0 34 12 00 00", "65 67 a0 34 12 00 00", NULL, "mov al, byte ptr gs:[0x1234]", 0 },
	{ "a3 78 56 34 12", "65 67 a3 78 56 34 12", NULL, "mov dword ptr gs:[0x12345678], eax", 0 },
	{ "66 a1 34 12 00 00", "65 67 66 a1 34 12 00 00", NULL, "mov ax, word ptr gs:[0x1234]", 0 },
	/* ESP register operands without memory */
	{ "89 e5", "44 89 e5", "41 8b ec", "mov ebp, r12d", 0 },
	{ "89 e0", "44 89 e0", "41 8b c4", "mov eax, r12d", 0 },
	{ "89 c4", "41 89 c4", "44 8b e0", "mov r12d, eax", 0 },
	{ "66 89 e5", "66 44 89 e5", "66 41 8b ec", "mov bp, r12w", 0 },
	{ "83 ec 10", "41 83 ec 10", NULL, "sub r12d, 0x10", 0 },
	{ "83 e4 f0", "41 83 e4 f0", NULL, "and r12d, 0xfffffff0", 0 },
	{ "81 c4 00 01 00 00", "41 81 c4 00 01 00 00", NULL, "add r12d, 0x100", 0 },
	{ "66 83 ec 10", "66 41 83 ec 10", NULL, "sub r12w, 0x10", 0 },
	{ "bc 00 10 00 00", "41 bc 00 10 00 00", NULL, "mov r12d, 0x1000", 0 },
	{ "94", "41 94", NULL, "xchg eax, r12d", 0 },
	{ "0f cc", "41 0f cc", NULL, "bswap r12d", 0 },
	{ "0f 44 e0", "44 0f 44 e0", NULL, "cmove r12d, eax", 0 },
	{ "66 0f 7e c4", "66 41 0f 7e c4", NULL, "movd r12d, xmm0", 0 },
	/* LEA: 32-bit address arithmetic, no GS */
	{ "8d 44 24 08", "67 41 8d 44 24 08", NULL, "lea eax, [r12d + 8]", 0 },
	{ "8d 64 24 04", "67 45 8d 64 24 04", NULL, "lea r12d, [r12d + 4]", 0 },
	{ "8d 36", "67 8d 36", NULL, "lea esi, [esi]", 0 },
	{ "8d 76 00", "67 8d 76 00", NULL, "lea esi, [esi]", 0 },
	{ "8d 74 26 00", "67 8d 74 26 00", NULL, "lea esi, [esi]", 0 },
	{ "8d b4 26 00 00 00 00", "67 8d b4 26 00 00 00 00", NULL, "lea esi, [esi]", 0 },
	{ "8d 05 34 12 00 00", "67 8d 04 25 34 12 00 00", NULL, "lea eax, [0x1234]", 0 },
	{ "8d 04 8d 00 10 00 00", "67 8d 04 8d 00 10 00 00", NULL, "lea eax, [ecx*4 + 0x1000]", 0 },
	/* hint NOP with a memory operand: no access, so no GS */
	{ "0f 1f 44 00 00", "67 0f 1f 44 00 00", NULL, "nop dword ptr [eax + eax]", 0 },
	/* segment overrides: dropped, GS instead (flat CS/DS/ES/SS) */
	{ "2e 8b 03", "65 67 8b 03", NULL, "mov eax, dword ptr gs:[ebx]", 0 },
	{ "3e 8b 03", "65 67 8b 03", NULL, "mov eax, dword ptr gs:[ebx]", 0 },
	{ "26 8b 03", "65 67 8b 03", NULL, "mov eax, dword ptr gs:[ebx]", 0 },
	{ "36 8b 03", "65 67 8b 03", NULL, "mov eax, dword ptr gs:[ebx]", 0 },
	{ "36 8b 44 24 04", "65 67 41 8b 44 24 04", NULL, "mov eax, dword ptr gs:[r12d + 4]", 0 },
	{ "2e a1 34 12 00 00", "65 67 a1 34 12 00 00", NULL, "mov eax, dword ptr gs:[0x1234]", 0 },
	{ "26 66 89 07", "65 67 66 89 07", NULL, "mov word ptr gs:[edi], ax", 0 },
	{ "3e 8d 03", "67 8d 03", NULL, "lea eax, [ebx]", 0 },
	{ "64 8d 03", "67 8d 03", NULL, "lea eax, [ebx]", 0 },   /* LEA ignores the segment */
	/* high byte registers with ESP: swapped with the low byte around the instruction */
	{ "88 64 24 04", "86 e0 65 67 41 88 44 24 04 86 e0", NULL,
	  "xchg al, ah; mov byte ptr gs:[r12d + 4], al; xchg al, ah", FIX_SWAP_AX },
	{ "88 24 24", "86 e0 65 67 41 88 04 24 86 e0", NULL,
	  "xchg al, ah; mov byte ptr gs:[r12d], al; xchg al, ah", FIX_SWAP_AX },
	{ "8a 24 24", "86 e0 65 67 41 8a 04 24 86 e0", NULL,
	  "xchg al, ah; mov al, byte ptr gs:[r12d]; xchg al, ah", FIX_SWAP_AX },
	{ "88 6c 24 04", "86 e9 65 67 41 88 4c 24 04 86 e9", NULL,
	  "xchg cl, ch; mov byte ptr gs:[r12d + 4], cl; xchg cl, ch", FIX_SWAP_CX },
	{ "88 74 24 04", "86 f2 65 67 41 88 54 24 04 86 f2", NULL,
	  "xchg dl, dh; mov byte ptr gs:[r12d + 4], dl; xchg dl, dh", FIX_SWAP_DX },
	{ "88 7c 24 04", "86 fb 65 67 41 88 5c 24 04 86 fb", NULL,
	  "xchg bl, bh; mov byte ptr gs:[r12d + 4], bl; xchg bl, bh", FIX_SWAP_BX },
	{ "86 24 24", "86 e0 65 67 41 86 04 24 86 e0", NULL,
	  "xchg al, ah; xchg byte ptr gs:[r12d], al; xchg al, ah", FIX_SWAP_AX },
	{ "0f b6 e4", "86 e0 44 0f b6 e0 86 e0", NULL,
	  "xchg al, ah; movzx r12d, al; xchg al, ah", FIX_SWAP_AX },
	{ "0f be e4", "86 e0 44 0f be e0 86 e0", NULL,
	  "xchg al, ah; movsx r12d, al; xchg al, ah", FIX_SWAP_AX },
	{ "0f b6 e5", "86 e9 44 0f b6 e1 86 e9", NULL,
	  "xchg cl, ch; movzx r12d, cl; xchg cl, ch", FIX_SWAP_CX },
	{ "0f be e7", "86 fb 44 0f be e3 86 fb", NULL,
	  "xchg bl, bh; movsx r12d, bl; xchg bl, bh", FIX_SWAP_BX },
	/* x87 */
	{ "d9 06", "65 67 d9 06", NULL, "fld dword ptr gs:[esi]", 0 },
	{ "dd 1c 24", "65 67 41 dd 1c 24", NULL, "fstp qword ptr gs:[r12d]", 0 },
	{ "db 28", "65 67 db 28", NULL, "fld xword ptr gs:[eax]", 0 },
	{ "d9 7c 24 02", "65 67 41 d9 7c 24 02", NULL, "fnstcw word ptr gs:[r12d + 2]", 0 },
	{ "de 04 24", "65 67 41 de 04 24", NULL, "fiadd word ptr gs:[r12d]", 0 },
	{ "dd 34 24", "65 67 41 dd 34 24", NULL, "fnsave dword ptr gs:[r12d]", 0 },
	/* MMX, SSE (mandatory prefixes stay in front of REX), 3-byte opcodes */
	{ "0f 6f 04 24", "65 67 41 0f 6f 04 24", NULL, "movq mm0, qword ptr gs:[r12d]", 0 },
	{ "0f 10 00", "65 67 0f 10 00", NULL, "movups xmm0, xmmword ptr gs:[eax]", 0 },
	{ "f2 0f 10 4c 24 08", "65 67 f2 41 0f 10 4c 24 08", NULL, "movsd xmm1, qword ptr gs:[r12d + 8]", 0 },
	{ "f3 0f 10 04 24", "65 67 f3 41 0f 10 04 24", NULL, "movss xmm0, dword ptr gs:[r12d]", 0 },
	{ "66 0f fe 13", "65 67 66 0f fe 13", NULL, "paddd xmm2, xmmword ptr gs:[ebx]", 0 },
	{ "66 0f 6f 44 24 10", "65 67 66 41 0f 6f 44 24 10", NULL,
	  "movdqa xmm0, xmmword ptr gs:[r12d + 0x10]", 0 },
	{ "66 0f 70 04 24 1b", "65 67 66 41 0f 70 04 24 1b", NULL,
	  "pshufd xmm0, xmmword ptr gs:[r12d], 0x1b", 0 },
	{ "66 0f 38 00 04 24", "65 67 66 41 0f 38 00 04 24", NULL, "pshufb xmm0, xmmword ptr gs:[r12d]", 0 },
	{ "66 0f 3a 0f 44 24 04 04", "65 67 66 41 0f 3a 0f 44 24 04 04", NULL,
	  "palignr xmm0, xmmword ptr gs:[r12d + 4], 4", 0 },
	{ "0f ae 14 24", "65 67 41 0f ae 14 24", NULL, "ldmxcsr dword ptr gs:[r12d]", 0 },
	{ "0f ae 00", "65 67 0f ae 00", NULL, "fxsave gs:[eax]", 0 },
	{ "0f ae 0c 24", "65 67 41 0f ae 0c 24", NULL, "fxrstor gs:[r12d]", 0 },
	/* CMPXCHG8B, LOCK */
	{ "0f c7 0f", "65 67 0f c7 0f", NULL, "cmpxchg8b qword ptr gs:[edi]", 0 },
	{ "f0 0f c7 0f", "65 67 f0 0f c7 0f", NULL, "lock cmpxchg8b qword ptr gs:[edi]", 0 },
	{ "f0 01 01", "65 67 f0 01 01", NULL, "lock add dword ptr gs:[ecx], eax", 0 },
	{ "f0 0f b1 0c 24", "65 67 f0 41 0f b1 0c 24", NULL, "lock cmpxchg dword ptr gs:[r12d], ecx", 0 },
	/* 0x82: 0x80 without 64-bit mode's consent */
	{ "82 c0 05", "80 c0 05", NULL, "add al, 5", 0 },
	{ "82 e8 05", "80 e8 05", NULL, "sub al, 5", 0 },
	{ "82 00 05", "65 67 80 00 05", NULL, "add byte ptr gs:[eax], 5", 0 },
	{ "82 04 24 05", "65 67 41 80 04 24 05", NULL, "add byte ptr gs:[r12d], 5", 0 },
	/* IDENT: no memory operand, no ESP: copied unchanged */
	{ "01 d8", "01 d8", NULL, "add eax, ebx", 0 },
	{ "90", "90", NULL, "nop", 0 },
	{ "31 c0", "31 c0", NULL, "xor eax, eax", 0 },
	{ "b8 78 56 34 12", "b8 78 56 34 12", NULL, "mov eax, 0x12345678", 0 },
	{ "f7 f1", "f7 f1", NULL, "div ecx", 0 },
	{ "0f af c3", "0f af c3", NULL, "imul eax, ebx", 0 },
	{ "88 e0", "88 e0", NULL, "mov al, ah", 0 },
	{ "c1 e0 04", "c1 e0 04", NULL, "shl eax, 4", 0 },
	{ "d9 c1", "d9 c1", NULL, "fld st(1)", 0 },
	{ "de c1", "de c1", NULL, "faddp st(1)", 0 },
	{ "df e0", "df e0", NULL, "fnstsw ax", 0 },
	{ "0f 28 c1", "0f 28 c1", NULL, "movaps xmm0, xmm1", 0 },
	{ "66 0f fe d1", "66 0f fe d1", NULL, "paddd xmm2, xmm1", 0 },
	{ "f3 90", "f3 90", NULL, "pause", 0 },
	{ "3e 01 d8", "3e 01 d8", NULL, "add eax, ebx", 0 },
};

START_TEST(ident)
{
	const struct ident_case *k = &ident_cases[_i];
	struct bt_insn in;
	uint8_t buf[64], want[32], alt[32];
	char why[200] = "", text[300], hs[200];
	uint8_t fix = 0xee;

	decode_guest(k->guest, &in);
	memset(buf, 0xcc, sizeof buf);
	struct emit e = { .p = buf, .end = buf + sizeof buf };
	int rc = reenc_ident(&d, &in, &e, &fix, why, sizeof why);
	ck_assert_msg(rc == 0, "'%s' (%s): reenc_ident failed: %s", in.text, k->guest, why);
	ck_assert(!e.overflow);
	size_t n = (size_t)(e.p - buf);
	ck_assert_msg(fix == k->fixup, "'%s': fixup %u, want %u", in.text, fix, k->fixup);

	size_t wn = tl_hex(k->host, want, sizeof want);
	size_t an = k->alt ? tl_hex(k->alt, alt, sizeof alt) : 0;
	bool exact = (n == wn && memcmp(buf, want, n) == 0) || (an && n == an && memcmp(buf, alt, n) == 0);
	ck_assert_msg(exact, "'%s' (%s): host bytes %s, want %s%s%s", in.text, k->guest,
		      tl_hexstr(buf, n, hs, sizeof hs), k->host, k->alt ? " or " : "", k->alt ? k->alt : "");
	ck_assert_uint_eq(buf[n], 0xcc);   /* nothing written past what it reported */

	ck_assert_msg(tl_dis64(buf, n, text, sizeof text) > 0, "'%s': host bytes do not decode", in.text);
	ck_assert_str_eq(text, k->text);

	/* Decode and compare operands, the swap around the instruction apart. */
	if (k->fixup >= FIX_SWAP_AX && k->fixup <= FIX_SWAP_BX) {
		int s = k->fixup - FIX_SWAP_AX;
		uint8_t x = (uint8_t)(0xc0 | ((4 + s) << 3) | s);   /* xchg lo8, hi8 */
		ck_assert_uint_ge(n, 5);
		ck_assert_uint_eq(buf[0], 0x86);
		ck_assert_uint_eq(buf[1], x);
		ck_assert_uint_eq(buf[n - 2], 0x86);
		ck_assert_uint_eq(buf[n - 1], x);
		check_same_operands(&in, buf + 2, n - 4, s, false);
	} else {
		check_same_operands(&in, buf, n, -1, false);
	}
}
END_TEST

/* ---- refusals ---- */

struct fail_case {
	const char *guest;
	const char *why;   /* substring of the message, or "" for any */
};

static const struct fail_case fail_cases[] = {
	{ "67 8d 07", "16-bit addressing" },   /* LEA of a 16-bit address: not yet */
};

/* 16-bit addressing: the address is computed into R9D (LEA of the 32-bit
 * registers, cut to 16 bits by MOVZX, so it wraps at 64 KiB), plus an FS/GS
 * base, and the operand becomes gs:[r9d]. */
static const struct { const char *guest, *host; } addr16_cases[] = {
	{ "67 8b 07", "lea r9d, [ebx]; movzx r9d, r9w; mov eax, dword ptr gs:[r9d]" },
	{ "26 66 67 89 07", "lea r9d, [ebx]; movzx r9d, r9w; mov word ptr gs:[r9d], ax" },
	{ "67 8b 44 10", "lea r9d, [esi + 0x10]; movzx r9d, r9w; mov eax, dword ptr gs:[r9d]" },
	{ "67 8b 00", "lea r9d, [ebx + esi]; movzx r9d, r9w; mov eax, dword ptr gs:[r9d]" },
	{ "67 03 4a fe", "lea r9d, [ebp + esi - 2]; movzx r9d, r9w; add ecx, dword ptr gs:[r9d]" },
	{ "67 8b 0e 34 12", "mov r9d, 0x1234; mov ecx, dword ptr gs:[r9d]" },
	{ "67 a0 34 12", "mov r9d, 0x1234; mov al, byte ptr gs:[r9d]" },
	{ "64 67 8b 01", "lea r9d, [ebx + edi]; movzx r9d, r9w; mov r10d, dword ptr [r15 + " },
};

START_TEST(addr16)
{
	struct bt_insn in;
	uint8_t buf[64];
	char why[200] = "", text[400];
	uint8_t fix = 0xee;
	decode_guest(addr16_cases[_i].guest, &in);
	struct emit e = { .p = buf, .end = buf + sizeof buf };
	ck_assert_msg(reenc_ident(&d, &in, &e, &fix, why, sizeof why) == 0, "%s: %s", addr16_cases[_i].guest, why);
	tl_dis64(buf, (size_t)(e.p - buf), text, sizeof text);
	ck_assert_msg(strncmp(text, addr16_cases[_i].host, strlen(addr16_cases[_i].host)) == 0, "%s became '%s'",
		      addr16_cases[_i].guest, text);
	ck_assert_uint_eq(fix, FIX_NONE);
}
END_TEST

/* AH..BH with ESP where swapping with AL..BL would disturb the instruction's
 * own low half (CMPXCHG's implicit AL, EAX as the index): the high byte is
 * copied to R8B around the instruction instead, flags kept by PUSHFQ/POPFQ. */
struct r8b_case {
	const char *guest;
	const char *core;   /* the instruction on R8B, as Capstone prints it */
	const char *fam;    /* the 32-bit register holding the high byte */
};

static const struct r8b_case r8b_cases[] = {
	{ "0f b0 24 24", "cmpxchg byte ptr gs:[r12d], r8b", "eax" },
	{ "88 24 04", "mov byte ptr gs:[r12d + eax], r8b", "eax" },
	{ "88 7c 1c 04", "mov byte ptr gs:[r12d + ebx + 4], r8b", "ebx" },
	{ "64 0f b0 20", "cmpxchg byte ptr gs:[r9d], r8b", "eax" },
	{ "65 0f b0 24 24", "cmpxchg byte ptr gs:[r9d], r8b", "eax" },
};

START_TEST(high_byte_through_r8b)
{
	const struct r8b_case *k = &r8b_cases[_i];
	struct bt_insn in;
	uint8_t buf[96];
	char why[200] = "", text[600], want[300];
	uint8_t fix = 0xee;

	decode_guest(k->guest, &in);
	struct emit e = { .p = buf, .end = buf + sizeof buf };
	ck_assert_msg(reenc_ident(&d, &in, &e, &fix, why, sizeof why) == 0, "%s: %s", k->guest, why);
	tl_dis64(buf, (size_t)(e.p - buf), text, sizeof text);
	snprintf(want, sizeof want, "pushfq; mov r8d, %s; shr r8d, 8; popfq; %s; pushfq; and %s, 0xffff00ff; "
		 "movzx r9d, r8b; shl r9d, 8; or %s, r9d; popfq", k->fam, k->core, k->fam, k->fam);
	ck_assert_msg(strstr(text, want), "%s became '%s', want '...%s'", k->guest, text, want);
	ck_assert_uint_eq(fix, FIX_NONE);   /* the guest's registers change only after the access */
}
END_TEST

START_TEST(refused)
{
	const struct fail_case *k = &fail_cases[_i];
	struct bt_insn in;
	uint8_t buf[64];
	char why[200] = "";
	uint8_t fix = 0xee;

	decode_guest(k->guest, &in);
	memset(buf, 0xcc, sizeof buf);
	struct emit e = { .p = buf, .end = buf + sizeof buf };
	int rc = reenc_ident(&d, &in, &e, &fix, why, sizeof why);
	char hs[200], text[400];
	if (rc == 0)
		tl_dis64(buf, (size_t)(e.p - buf), text, sizeof text);
	ck_assert_msg(rc == -1, "'%s' (%s) was re-encoded as %s (%s), fixup %u", in.text, k->guest,
		      tl_hexstr(buf, (size_t)(e.p - buf), hs, sizeof hs), rc == 0 ? text : "", fix);
	ck_assert_msg(why[0] != 0, "'%s': no message", in.text);
	ck_assert_msg(strstr(why, k->why), "'%s': message '%s' lacks '%s'", in.text, why, k->why);
	ck_assert_ptr_eq(e.p, buf);   /* nothing emitted */
	ck_assert_uint_eq(buf[0], 0xcc);
	ck_assert_uint_eq(fix, FIX_NONE);
}
END_TEST

/* ---- FS/GS overrides: R9D = EA + segment base, then the operand is gs:[r9d] ---- */

/* Offset of the FS or GS base in struct bt_ctx, as emitted code reads it. */
static int32_t segbase_off(int seg)
{
	return (int32_t)(offsetof(struct bt_ctx, arch) + offsetof(struct vcpu_state, seg) +
			 (size_t)seg * sizeof(struct vcpu_seg) + offsetof(struct vcpu_seg, base));
}

/* "45 8b 97 <off32>" (mov r10d, [r15+off]) and "67 47 8d 0c 11" (lea r9d, [r9d+r10d]). */
static void segbase_add_hex(int seg, char *out, size_t outlen)
{
	uint32_t off = (uint32_t)segbase_off(seg);
	snprintf(out, outlen, "45 8b 97 %02x %02x %02x %02x 67 47 8d 0c 11", off & 0xff, (off >> 8) & 0xff,
		 (off >> 16) & 0xff, off >> 24);
}

struct seg_case {
	const char *guest;
	int seg;              /* S_FS or S_GS */
	const char *ea;       /* host bytes putting the effective address in R9D */
	const char *ea_text;
	const char *main;     /* the instruction on gs:[r9d] */
	const char *main_text;
	uint8_t fixup;
};

static const struct seg_case seg_cases[] = {
	{ "64 8b 03", S_FS, "67 44 8d 0b", "lea r9d, [ebx]",
	  "65 67 41 8b 01", "mov eax, dword ptr gs:[r9d]", 0 },
	{ "65 8b 44 24 04", S_GS, "67 45 8d 4c 24 04", "lea r9d, [r12d + 4]",
	  "65 67 41 8b 01", "mov eax, dword ptr gs:[r9d]", 0 },
	{ "64 8b 24 24", S_FS, "67 45 8d 0c 24", "lea r9d, [r12d]",
	  "65 67 45 8b 21", "mov r12d, dword ptr gs:[r9d]", 0 },
	{ "65 89 04 8d 00 10 00 00", S_GS, "67 44 8d 0c 8d 00 10 00 00", "lea r9d, [ecx*4 + 0x1000]",
	  "65 67 41 89 01", "mov dword ptr gs:[r9d], eax", 0 },
	{ "64 c7 05 34 12 00 00 78 56 00 00", S_FS, "67 44 8d 0c 25 34 12 00 00", "lea r9d, [0x1234]",
	  "65 67 41 c7 01 78 56 00 00", "mov dword ptr gs:[r9d], 0x5678", 0 },
	{ "64 a1 34 12 00 00", S_FS, "41 b9 34 12 00 00", "mov r9d, 0x1234",
	  "65 67 41 8b 01", "mov eax, dword ptr gs:[r9d]", 0 },
	{ "65 a2 34 12 00 00", S_GS, "41 b9 34 12 00 00", "mov r9d, 0x1234",
	  "65 67 41 88 01", "mov byte ptr gs:[r9d], al", 0 },
	{ "64 66 89 07", S_FS, "67 44 8d 0f", "lea r9d, [edi]",
	  "65 67 66 41 89 01", "mov word ptr gs:[r9d], ax", 0 },
	{ "64 f0 0f b1 0a", S_FS, "67 44 8d 0a", "lea r9d, [edx]",
	  "65 67 f0 41 0f b1 09", "lock cmpxchg dword ptr gs:[r9d], ecx", 0 },
	{ "64 d9 06", S_FS, "67 44 8d 0e", "lea r9d, [esi]",
	  "65 67 41 d9 01", "fld dword ptr gs:[r9d]", 0 },
	{ "65 f2 0f 10 4c 24 08", S_GS, "67 45 8d 4c 24 08", "lea r9d, [r12d + 8]",
	  "65 67 f2 41 0f 10 09", "movsd xmm1, qword ptr gs:[r9d]", 0 },
	/* a high byte: the swap wraps only the access; EAX was only the address */
	{ "64 88 20", S_FS, "67 44 8d 08", "lea r9d, [eax]",
	  "86 e0 65 67 41 88 01 86 e0", "xchg al, ah; mov byte ptr gs:[r9d], al; xchg al, ah", FIX_SWAP_AX },
	{ "65 88 7c 24 04", S_GS, "67 45 8d 4c 24 04", "lea r9d, [r12d + 4]",
	  "86 fb 65 67 41 88 19 86 fb", "xchg bl, bh; mov byte ptr gs:[r9d], bl; xchg bl, bh", FIX_SWAP_BX },
};

START_TEST(seg_fsgs)
{
	const struct seg_case *k = &seg_cases[_i];
	struct bt_insn in;
	uint8_t buf[96];
	char why[200] = "", want[300], mid[100], text[400], want_text[400];
	uint8_t fix = 0xee;

	decode_guest(k->guest, &in);
	memset(buf, 0xcc, sizeof buf);
	struct emit e = { .p = buf, .end = buf + sizeof buf };
	ck_assert_msg(reenc_ident(&d, &in, &e, &fix, why, sizeof why) == 0, "'%s': %s", in.text, why);
	size_t n = (size_t)(e.p - buf);
	segbase_add_hex(k->seg, mid, sizeof mid);
	snprintf(want, sizeof want, "%s %s %s", k->ea, mid, k->main);
	TL_ASSERT_BYTES(buf, n, want);
	ck_assert_uint_eq(fix, k->fixup);

	snprintf(want_text, sizeof want_text, "%s; mov r10d, dword ptr [r15 + 0x%x]; lea r9d, [r9d + r10d]; %s",
		 k->ea_text, (unsigned)segbase_off(k->seg), k->main_text);
	ck_assert_int_gt(tl_dis64(buf, n, text, sizeof text), 0);
	ck_assert_str_eq(text, want_text);

	uint8_t mb[32];
	size_t mn = tl_hex(k->main, mb, sizeof mb);
	if (k->fixup)
		check_same_operands(&in, mb + 2, mn - 4, k->fixup - FIX_SWAP_AX, true);
	else
		check_same_operands(&in, mb, mn, -1, true);
}
END_TEST

/* The FS base and the GS base are different fields, both inside the context. */
START_TEST(seg_offsets)
{
	ck_assert_int_ne(segbase_off(S_FS), segbase_off(S_GS));
	ck_assert_int_lt(segbase_off(S_GS) + 4, BTC_HFLAGS);
	ck_assert_int_eq(segbase_off(S_FS), (int32_t)offsetof(struct bt_ctx, arch.seg[S_FS].base));
}
END_TEST

/* reenc_memop and reenc_lea_r8 with FS/GS: the same R9D prologue. */
START_TEST(seg_memop_lea)
{
	static const struct {
		const char *guest;
		int seg, lea;        /* lea: reenc_lea_r8, else reenc_memop with opc */
		uint8_t opc;
		const char *ea, *tail, *tail_text;
	} cases[] = {
		{ "65 ff 33", S_GS, 0, 0x8b, "67 44 8d 0b", "65 67 45 8b 01", "mov r8d, dword ptr gs:[r9d]" },
		{ "64 8f 44 24 04", S_FS, 0, 0x89, "67 45 8d 4c 24 04", "65 67 45 89 01",
		  "mov dword ptr gs:[r9d], r8d" },
		{ "64 8b 03", S_FS, 1, 0, "67 44 8d 0b", "45 89 c8", "mov r8d, r9d" },
		{ "65 a1 34 12 00 00", S_GS, 1, 0, "41 b9 34 12 00 00", "45 89 c8", "mov r8d, r9d" },
		{ "64 0f 01 10", S_FS, 1, 0, "67 44 8d 08", "45 89 c8", "mov r8d, r9d" },   /* lgdt fs:[eax] */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bt_insn in;
		uint8_t buf[96];
		char why[200] = "", mid[100], want[300];
		decode_guest(cases[i].guest, &in);
		struct emit e = { .p = buf, .end = buf + sizeof buf };
		int rc = cases[i].lea ? reenc_lea_r8(&in, &e, why, sizeof why)
				      : reenc_memop(&in, &e, NULL, 0, &cases[i].opc, 1, HR_R8, 1, why, sizeof why);
		ck_assert_msg(rc == 0, "'%s': %s", in.text, why);
		segbase_add_hex(cases[i].seg, mid, sizeof mid);
		snprintf(want, sizeof want, "%s %s %s", cases[i].ea, mid, cases[i].tail);
		size_t n = (size_t)(e.p - buf);
		TL_ASSERT_BYTES(buf, n, want);
		char text[400];
		ck_assert_int_eq(tl_dis64(buf, n, text, sizeof text), 4);
		ck_assert_msg(strstr(text, cases[i].tail_text), "'%s': got '%s'", in.text, text);
	}
}
END_TEST

/* An emitter without room says so and writes nothing past its end. */
START_TEST(overflow)
{
	struct bt_insn in;
	uint8_t buf[16];
	char why[200];
	uint8_t fix;
	static const char *const g[] = { "8b 44 24 04", "88 64 24 04", "01 d8" };

	for (int i = 0; i < 3; i++) {
		decode_guest(g[i], &in);
		memset(buf, 0xcc, sizeof buf);
		struct emit e = { .p = buf, .end = buf + 1 };
		reenc_ident(&d, &in, &e, &fix, why, sizeof why);
		ck_assert_msg(e.overflow, "'%s': no overflow", in.text);
		ck_assert(e.p <= e.end);
		for (size_t j = 1; j < sizeof buf; j++)
			ck_assert_uint_eq(buf[j], 0xcc);
	}
}
END_TEST

/* ---- reenc_memop ---- */

struct memop_case {
	const char *guest;
	const char *pfx;     /* hex, may be "" */
	const char *opc;     /* hex */
	unsigned reg;
	int guest_access;
	const char *host;
	const char *text;
};

static const struct memop_case memop_cases[] = {
	{ "8b 03", "", "8b", HR_R8, 1, "65 67 44 8b 03", "mov r8d, dword ptr gs:[ebx]" },
	{ "ff 33", "", "8b", HR_R8, 1, "65 67 44 8b 03", "mov r8d, dword ptr gs:[ebx]" },   /* push [ebx] */
	{ "8b 44 24 04", "", "8b", HR_R8, 1, "65 67 45 8b 44 24 04", "mov r8d, dword ptr gs:[r12d + 4]" },
	{ "8b 44 24 04", "", "8b", HR_RAX, 1, "65 67 41 8b 44 24 04", "mov eax, dword ptr gs:[r12d + 4]" },
	{ "ff 64 24 08", "", "8b", HR_R8, 1, "65 67 45 8b 44 24 08", "mov r8d, dword ptr gs:[r12d + 8]" },  /* jmp [esp+8] */
	{ "8b 05 34 12 00 00", "", "8b", HR_R8, 1, "65 67 44 8b 04 25 34 12 00 00",
	  "mov r8d, dword ptr gs:[0x1234]" },
	{ "ff 15 78 56 34 12", "", "8b", HR_R8, 1, "65 67 44 8b 04 25 78 56 34 12",
	  "mov r8d, dword ptr gs:[0x12345678]" },   /* call [0x12345678] */
	{ "8b 04 8d 00 10 00 00", "", "8b", HR_R8, 1, "65 67 44 8b 04 8d 00 10 00 00",
	  "mov r8d, dword ptr gs:[ecx*4 + 0x1000]" },
	{ "ff 24 85 00 20 10 00", "", "8b", HR_R8, 1, "65 67 44 8b 04 85 00 20 10 00",
	  "mov r8d, dword ptr gs:[eax*4 + 0x102000]" },   /* jmp [eax*4+table] */
	{ "01 54 88 10", "", "8b", HR_R8, 1, "65 67 44 8b 44 88 10", "mov r8d, dword ptr gs:[eax + ecx*4 + 0x10]" },
	{ "8b 85 00 01 00 00", "", "8b", HR_R8, 1, "65 67 44 8b 85 00 01 00 00",
	  "mov r8d, dword ptr gs:[ebp + 0x100]" },
	{ "8b 45 00", "", "8b", HR_R8, 1, "65 67 44 8b 45 00", "mov r8d, dword ptr gs:[ebp]" },
	{ "3e 8b 03", "", "8b", HR_R8, 1, "65 67 44 8b 03", "mov r8d, dword ptr gs:[ebx]" },
	/* the guest's immediate is not part of the operand */
	{ "c7 44 24 04 78 56 34 12", "", "89", HR_R8, 1, "65 67 45 89 44 24 04",
	  "mov dword ptr gs:[r12d + 4], r8d" },
	{ "8f 44 24 04", "", "89", HR_R8, 1, "65 67 45 89 44 24 04", "mov dword ptr gs:[r12d + 4], r8d" },
	/* prefixes and two-byte opcodes */
	{ "66 8f 03", "66", "89", HR_R8, 1, "65 67 66 44 89 03", "mov word ptr gs:[ebx], r8w" },
	{ "66 ff 74 24 04", "", "0f b7", HR_R8, 1, "65 67 45 0f b7 44 24 04",
	  "movzx r8d, word ptr gs:[r12d + 4]" },
	/* guest_access 0: no GS, no 0x67 unless the caller passes it */
	{ "8b 44 24 04", "67", "8d", HR_R8, 0, "67 45 8d 44 24 04", "lea r8d, [r12d + 4]" },
	{ "8b 03", "67", "8d", HR_R9, 0, "67 44 8d 0b", "lea r9d, [ebx]" },
	/* an FS/GS operand without guest access is just the effective address */
	{ "64 8b 03", "67", "8d", HR_R8, 0, "67 44 8d 03", "lea r8d, [ebx]" },
};

START_TEST(memop)
{
	const struct memop_case *k = &memop_cases[_i];
	struct bt_insn in;
	uint8_t pfx[4], opc[4], buf[64];
	char why[200] = "", text[300];

	decode_guest(k->guest, &in);
	size_t np = tl_hex(k->pfx, pfx, sizeof pfx), no = tl_hex(k->opc, opc, sizeof opc);
	memset(buf, 0xcc, sizeof buf);
	struct emit e = { .p = buf, .end = buf + sizeof buf };
	int rc = reenc_memop(&in, &e, pfx, np, opc, no, k->reg, k->guest_access, why, sizeof why);
	ck_assert_msg(rc == 0, "'%s': reenc_memop failed: %s", in.text, why);
	size_t n = (size_t)(e.p - buf);
	TL_ASSERT_BYTES(buf, n, k->host);
	ck_assert_int_gt(tl_dis64(buf, n, text, sizeof text), 0);
	ck_assert_str_eq(text, k->text);

	/* The operand is the guest's, through GS iff guest_access. */
	struct tl_insn64 t;
	const cs_insn *h = tl_decode64(&t, buf, n);
	ck_assert_ptr_nonnull(h);
	const cs_x86 *hx = &h->detail->x86;
	const cs_x86_op *gm = &in.x86.operands[in.mem_op];
	int hm = -1;
	for (int i = 0; i < hx->op_count; i++)
		if (hx->operands[i].type == X86_OP_MEM)
			hm = i;
	ck_assert_int_ge(hm, 0);
	ck_assert_uint_eq(hx->operands[hm].mem.segment, k->guest_access ? X86_REG_GS : X86_REG_INVALID);
	ck_assert_uint_eq(hx->operands[hm].mem.base, expect_reg(gm->mem.base, -1));
	ck_assert_uint_eq(hx->operands[hm].mem.index, gm->mem.index);
	ck_assert_uint_eq((uint32_t)hx->operands[hm].mem.disp, (uint32_t)gm->mem.disp);
	ck_assert_int_eq(hx->addr_size, 4);
	tl_free64(&t);
}
END_TEST

START_TEST(memop_refused)
{
	static const struct { const char *guest, *why; } cases[] = {
		{ "01 d8", "no memory operand" },
		{ "89 e5", "no memory operand" },
		{ "a1 34 12 00 00", "no memory operand" },   /* moffs: no ModRM to rewrite */
	};
	static const uint8_t mov_load = 0x8b;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bt_insn in;
		uint8_t buf[32];
		char why[200] = "";
		decode_guest(cases[i].guest, &in);
		struct emit e = { .p = buf, .end = buf + sizeof buf };
		ck_assert_int_eq(reenc_memop(&in, &e, NULL, 0, &mov_load, 1, HR_R8, 1, why, sizeof why), -1);
		ck_assert_msg(strstr(why, cases[i].why), "'%s': message '%s' lacks '%s'", in.text, why,
			      cases[i].why);
		ck_assert_ptr_eq(e.p, buf);
	}
}
END_TEST

/* ---- reenc_lea_r8 ---- */

struct lea_case {
	const char *guest;
	const char *host;
	const char *text;
};

static const struct lea_case lea_cases[] = {
	{ "8b 03", "67 44 8d 03", "lea r8d, [ebx]" },
	{ "8b 44 24 04", "67 45 8d 44 24 04", "lea r8d, [r12d + 4]" },
	{ "8b 04 24", "67 45 8d 04 24", "lea r8d, [r12d]" },
	{ "89 0c 44", "67 45 8d 04 44", "lea r8d, [r12d + eax*2]" },
	{ "8b 05 34 12 00 00", "67 44 8d 04 25 34 12 00 00", "lea r8d, [0x1234]" },
	{ "8b 04 8d 00 10 00 00", "67 44 8d 04 8d 00 10 00 00", "lea r8d, [ecx*4 + 0x1000]" },
	{ "8b 04 25 34 12 00 00", "67 44 8d 04 25 34 12 00 00", "lea r8d, [0x1234]" },
	{ "01 54 88 10", "67 44 8d 44 88 10", "lea r8d, [eax + ecx*4 + 0x10]" },
	{ "8b 85 00 01 00 00", "67 44 8d 85 00 01 00 00", "lea r8d, [ebp + 0x100]" },
	{ "8b 45 fc", "67 44 8d 45 fc", "lea r8d, [ebp - 4]" },
	{ "8b 45 00", "67 44 8d 45 00", "lea r8d, [ebp]" },
	{ "c7 44 24 04 78 56 34 12", "67 45 8d 44 24 04", "lea r8d, [r12d + 4]" },
	{ "f2 0f 10 4c 24 08", "67 45 8d 44 24 08", "lea r8d, [r12d + 8]" },
	{ "2e 8b 03", "67 44 8d 03", "lea r8d, [ebx]" },
	{ "0f 01 10", "67 44 8d 00", "lea r8d, [eax]" },            /* lgdt [eax] */
	{ "0f 01 4c 24 02", "67 45 8d 44 24 02", "lea r8d, [r12d + 2]" },   /* sidt [esp+2] */
	/* moffs: the address is the immediate */
	{ "a0 34 12 00 00", "41 b8 34 12 00 00", "mov r8d, 0x1234" },
	{ "a3 78 56 34 12", "41 b8 78 56 34 12", "mov r8d, 0x12345678" },
	{ "66 a1 34 12 00 00", "41 b8 34 12 00 00", "mov r8d, 0x1234" },
	{ "2e a2 00 80 0b 00", "41 b8 00 80 0b 00", "mov r8d, 0xb8000" },
};

START_TEST(lea_r8)
{
	const struct lea_case *k = &lea_cases[_i];
	struct bt_insn in;
	uint8_t buf[64];
	char why[200] = "", text[300];

	decode_guest(k->guest, &in);
	struct emit e = { .p = buf, .end = buf + sizeof buf };
	ck_assert_msg(reenc_lea_r8(&in, &e, why, sizeof why) == 0, "'%s': %s", in.text, why);
	size_t n = (size_t)(e.p - buf);
	TL_ASSERT_BYTES(buf, n, k->host);
	ck_assert_int_eq(tl_dis64(buf, n, text, sizeof text), 1);
	ck_assert_str_eq(text, k->text);

	/* By decoding: R8D gets the guest's effective address, with no segment. */
	struct tl_insn64 t;
	const cs_insn *h = tl_decode64(&t, buf, n);
	ck_assert_ptr_nonnull(h);
	const cs_x86 *hx = &h->detail->x86;
	const cs_x86_op *gm = &in.x86.operands[in.mem_op];
	ck_assert_uint_eq(hx->operands[0].reg, X86_REG_R8D);
	if (h->id == X86_INS_LEA) {
		const cs_x86_op *hm = &hx->operands[1];
		ck_assert_int_eq(hx->addr_size, 4);
		ck_assert_uint_eq(hm->mem.segment, X86_REG_INVALID);
		ck_assert_uint_eq(hm->mem.base, expect_reg(gm->mem.base, -1));
		ck_assert_uint_eq(hm->mem.index, gm->mem.index);
		if (gm->mem.index != X86_REG_INVALID)
			ck_assert_int_eq(hm->mem.scale, gm->mem.scale);
		ck_assert_uint_eq((uint32_t)hm->mem.disp, (uint32_t)gm->mem.disp);
	} else {
		ck_assert_uint_eq(h->id, X86_INS_MOV);
		ck_assert_uint_eq((uint32_t)hx->operands[1].imm, (uint32_t)gm->mem.disp);
	}
	tl_free64(&t);
}
END_TEST

START_TEST(lea_r8_refused)
{
	static const struct { const char *guest, *why; } cases[] = {
		{ "01 d8", "no memory operand" },
		{ "90", "no memory operand" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bt_insn in;
		uint8_t buf[32];
		char why[200] = "";
		decode_guest(cases[i].guest, &in);
		struct emit e = { .p = buf, .end = buf + sizeof buf };
		ck_assert_int_eq(reenc_lea_r8(&in, &e, why, sizeof why), -1);
		ck_assert_msg(strstr(why, cases[i].why), "'%s': message '%s' lacks '%s'", in.text, why,
			      cases[i].why);
		ck_assert_ptr_eq(e.p, buf);
	}
}
END_TEST

static Suite *reencode_suite(void)
{
	Suite *s = suite_create("reencode");
	TCase *tc = tcase_create("ident");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, ident, 0, (int)(sizeof ident_cases / sizeof ident_cases[0]));
	tcase_add_loop_test(tc, refused, 0, (int)(sizeof fail_cases / sizeof fail_cases[0]));
	tcase_add_loop_test(tc, addr16, 0, (int)(sizeof addr16_cases / sizeof addr16_cases[0]));
	tcase_add_loop_test(tc, high_byte_through_r8b, 0, (int)(sizeof r8b_cases / sizeof r8b_cases[0]));
	tcase_add_loop_test(tc, seg_fsgs, 0, (int)(sizeof seg_cases / sizeof seg_cases[0]));
	tcase_add_test(tc, seg_offsets);
	tcase_add_test(tc, seg_memop_lea);
	tcase_add_test(tc, overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("memop");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, memop, 0, (int)(sizeof memop_cases / sizeof memop_cases[0]));
	tcase_add_test(tc, memop_refused);
	tcase_add_loop_test(tc, lea_r8, 0, (int)(sizeof lea_cases / sizeof lea_cases[0]));
	tcase_add_test(tc, lea_r8_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reencode_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
