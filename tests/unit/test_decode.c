/* Unit tests for engine/decode: dec_insn splits a guest instruction into legacy
 * prefixes (66 67 F0 F2 F3 and the segment overrides), opcode (one byte, or 0F
 * and a second byte), ModRM, SIB, displacement and immediate, for a table of
 * encodings (SSE with mandatory prefixes, x87, moffs, 3-byte opcodes, zero
 * displacements and immediates); the memory operand's index; invalid bytes and
 * truncated input (including a length limit below the instruction's) give -1;
 * dec_host decodes 64-bit host bytes; dec_is_esp, dec_is_high8 and
 * dec_uses_reg (explicit operands, address registers, implicit registers). */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/decode.h"
#include "monitor/vcpu.h"
#include "tests/unit/bt_testlib.h"

#define EIP 0x00101000u

static struct dec d;

static void setup(void)
{
	ck_assert_int_eq(dec_init(&d), 0);
}

static void teardown(void)
{
	dec_destroy(&d);
}

/* Decode hex at EIP; returns dec_insn's result. */
static int decode_hex(const char *hex, struct bt_insn *in, size_t *n)
{
	uint8_t b[32];
	*n = tl_hex(hex, b, sizeof b);
	return dec_insn(&d, b, *n, EIP, in);
}

/* ---- the split table ---- */

struct split_case {
	const char *hex;
	const char *text;
	unsigned id;
	uint8_t len, npfx, opc, opc2, modrm_off, disp_off, disp_size, imm_off, imm_size, seg;
	bool p66, p67, rep, repne, lock;
	int mem_op;
};

static const struct split_case split_cases[] = {
	{ "8b 03", "mov eax, dword ptr [ebx]", X86_INS_MOV,
	  .len = 2, .opc = 0x8b, .modrm_off = 1, .mem_op = 1 },
	{ "89 18", "mov dword ptr [eax], ebx", X86_INS_MOV,
	  .len = 2, .opc = 0x89, .modrm_off = 1, .mem_op = 0 },
	{ "01 d8", "add eax, ebx", X86_INS_ADD,
	  .len = 2, .opc = 0x01, .modrm_off = 1, .mem_op = -1 },
	{ "90", "nop", X86_INS_NOP, .len = 1, .opc = 0x90, .mem_op = -1 },
	{ "fa", "cli", X86_INS_CLI, .len = 1, .opc = 0xfa, .mem_op = -1 },
	{ "ec", "in al, dx", X86_INS_IN, .len = 1, .opc = 0xec, .mem_op = -1 },
	/* operand size, address size */
	{ "66 8b 03", "mov ax, word ptr [ebx]", X86_INS_MOV,
	  .len = 3, .npfx = 1, .opc = 0x8b, .modrm_off = 2, .p66 = true, .mem_op = 1 },
	{ "67 8b 07", "mov eax, dword ptr [bx]", X86_INS_MOV,
	  .len = 3, .npfx = 1, .opc = 0x8b, .modrm_off = 2, .p67 = true, .mem_op = 1 },
	{ "66 83 ec 10", "sub sp, 0x10", X86_INS_SUB,
	  .len = 4, .npfx = 1, .opc = 0x83, .modrm_off = 2, .imm_off = 3, .imm_size = 1,
	  .p66 = true, .mem_op = -1 },
	/* rep / repne / lock */
	{ "f3 a4", "rep movsb byte ptr es:[edi], byte ptr [esi]", X86_INS_MOVSB,
	  .len = 2, .npfx = 1, .opc = 0xa4, .rep = true, .mem_op = 1 },
	{ "f2 ae", "repne scasb al, byte ptr es:[edi]", X86_INS_SCASB,
	  .len = 2, .npfx = 1, .opc = 0xae, .repne = true, .mem_op = 1 },
	{ "f2 f3 a4", "rep movsb byte ptr es:[edi], byte ptr [esi]", X86_INS_MOVSB,
	  .len = 3, .npfx = 2, .opc = 0xa4, .rep = true, .mem_op = 1 },
	{ "f3 f2 a4", "repne movsb byte ptr es:[edi], byte ptr [esi]", X86_INS_MOVSB,
	  .len = 3, .npfx = 2, .opc = 0xa4, .repne = true, .mem_op = 1 },
	{ "f3 90", "pause", X86_INS_PAUSE, .len = 2, .npfx = 1, .opc = 0x90, .rep = true, .mem_op = -1 },
	{ "f0 01 01", "lock add dword ptr [ecx], eax", X86_INS_ADD,
	  .len = 3, .npfx = 1, .opc = 0x01, .modrm_off = 2, .lock = true, .mem_op = 0 },
	{ "f0 0f c7 0f", "lock cmpxchg8b qword ptr [edi]", X86_INS_CMPXCHG8B,
	  .len = 4, .npfx = 1, .opc = 0x0f, .opc2 = 0xc7, .modrm_off = 3, .lock = true, .mem_op = 0 },
	/* segment overrides */
	{ "2e 8b 03", "mov eax, dword ptr cs:[ebx]", X86_INS_MOV,
	  .len = 3, .npfx = 1, .opc = 0x8b, .modrm_off = 2, .seg = 0x2e, .mem_op = 1 },
	{ "3e 8b 03", "mov eax, dword ptr ds:[ebx]", X86_INS_MOV,
	  .len = 3, .npfx = 1, .opc = 0x8b, .modrm_off = 2, .seg = 0x3e, .mem_op = 1 },
	{ "26 8b 03", "mov eax, dword ptr es:[ebx]", X86_INS_MOV,
	  .len = 3, .npfx = 1, .opc = 0x8b, .modrm_off = 2, .seg = 0x26, .mem_op = 1 },
	{ "36 8b 03", "mov eax, dword ptr ss:[ebx]", X86_INS_MOV,
	  .len = 3, .npfx = 1, .opc = 0x8b, .modrm_off = 2, .seg = 0x36, .mem_op = 1 },
	{ "64 8b 03", "mov eax, dword ptr fs:[ebx]", X86_INS_MOV,
	  .len = 3, .npfx = 1, .opc = 0x8b, .modrm_off = 2, .seg = 0x64, .mem_op = 1 },
	{ "65 8b 03", "mov eax, dword ptr gs:[ebx]", X86_INS_MOV,
	  .len = 3, .npfx = 1, .opc = 0x8b, .modrm_off = 2, .seg = 0x65, .mem_op = 1 },
	{ "26 66 67 89 07", "mov word ptr es:[bx], ax", X86_INS_MOV,
	  .len = 5, .npfx = 3, .opc = 0x89, .modrm_off = 4, .seg = 0x26, .p66 = true, .p67 = true,
	  .mem_op = 0 },
	{ "3e 74 05", "je 0x101008", X86_INS_JE,
	  .len = 3, .npfx = 1, .opc = 0x74, .imm_off = 2, .imm_size = 1, .seg = 0x3e, .mem_op = -1 },
	/* 14 prefixes + opcode: the longest legal instruction */
	{ "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", "nop", X86_INS_NOP,
	  .len = 15, .npfx = 14, .opc = 0x90, .p66 = true, .mem_op = -1 },
	/* 0F-escaped and 3-byte opcodes */
	{ "0f b6 c4", "movzx eax, ah", X86_INS_MOVZX,
	  .len = 3, .opc = 0x0f, .opc2 = 0xb6, .modrm_off = 2, .mem_op = -1 },
	{ "0f 84 00 01 00 00", "je 0x101106", X86_INS_JE,
	  .len = 6, .opc = 0x0f, .opc2 = 0x84, .imm_off = 2, .imm_size = 4, .mem_op = -1 },
	{ "0f c7 0f", "cmpxchg8b qword ptr [edi]", X86_INS_CMPXCHG8B,
	  .len = 3, .opc = 0x0f, .opc2 = 0xc7, .modrm_off = 2, .mem_op = 0 },
	{ "66 0f 3a 0f 44 24 04 04", "palignr xmm0, xmmword ptr [esp + 4], 4", X86_INS_PALIGNR,
	  .len = 8, .npfx = 1, .opc = 0x0f, .opc2 = 0x3a, .modrm_off = 4, .disp_off = 6,
	  .disp_size = 1, .imm_off = 7, .imm_size = 1, .p66 = true, .mem_op = 1 },
	/* SSE with and without mandatory prefixes */
	{ "0f 10 00", "movups xmm0, xmmword ptr [eax]", X86_INS_MOVUPS,
	  .len = 3, .opc = 0x0f, .opc2 = 0x10, .modrm_off = 2, .mem_op = 1 },
	{ "f2 0f 10 4c 24 08", "movsd xmm1, qword ptr [esp + 8]", X86_INS_MOVSD,
	  .len = 6, .npfx = 1, .opc = 0x0f, .opc2 = 0x10, .modrm_off = 3, .disp_off = 5,
	  .disp_size = 1, .repne = true, .mem_op = 1 },
	{ "f3 0f 10 04 24", "movss xmm0, dword ptr [esp]", X86_INS_MOVSS,
	  .len = 5, .npfx = 1, .opc = 0x0f, .opc2 = 0x10, .modrm_off = 3, .rep = true, .mem_op = 1 },
	{ "66 0f fe 13", "paddd xmm2, xmmword ptr [ebx]", X86_INS_PADDD,
	  .len = 4, .npfx = 1, .opc = 0x0f, .opc2 = 0xfe, .modrm_off = 3, .p66 = true, .mem_op = 1 },
	/* x87 */
	{ "d9 06", "fld dword ptr [esi]", X86_INS_FLD,
	  .len = 2, .opc = 0xd9, .modrm_off = 1, .mem_op = 0 },
	{ "dd 1c 24", "fstp qword ptr [esp]", X86_INS_FSTP,
	  .len = 3, .opc = 0xdd, .modrm_off = 1, .mem_op = 0 },
	{ "de c1", "faddp st(1)", X86_INS_FADDP, .len = 2, .opc = 0xde, .modrm_off = 1, .mem_op = -1 },
	{ "d9 ee", "fldz", X86_INS_FLDZ, .len = 2, .opc = 0xd9, .modrm_off = 1, .mem_op = -1 },
	/* displacement and immediate */
	{ "c7 44 24 04 78 56 34 12", "mov dword ptr [esp + 4], 0x12345678", X86_INS_MOV,
	  .len = 8, .opc = 0xc7, .modrm_off = 1, .disp_off = 3, .disp_size = 1, .imm_off = 4,
	  .imm_size = 4, .mem_op = 0 },
	{ "c7 05 34 12 00 00 78 56 00 00", "mov dword ptr [0x1234], 0x5678", X86_INS_MOV,
	  .len = 10, .opc = 0xc7, .modrm_off = 1, .disp_off = 2, .disp_size = 4, .imm_off = 6,
	  .imm_size = 4, .mem_op = 0 },
	{ "8b 45 00", "mov eax, dword ptr [ebp]", X86_INS_MOV,
	  .len = 3, .opc = 0x8b, .modrm_off = 1, .disp_off = 2, .disp_size = 1, .mem_op = 1 },
	{ "8b 85 00 01 00 00", "mov eax, dword ptr [ebp + 0x100]", X86_INS_MOV,
	  .len = 6, .opc = 0x8b, .modrm_off = 1, .disp_off = 2, .disp_size = 4, .mem_op = 1 },
	{ "8b 04 8d 00 10 00 00", "mov eax, dword ptr [ecx*4 + 0x1000]", X86_INS_MOV,
	  .len = 7, .opc = 0x8b, .modrm_off = 1, .disp_off = 3, .disp_size = 4, .mem_op = 1 },
	{ "83 c0 00", "add eax, 0", X86_INS_ADD,
	  .len = 3, .opc = 0x83, .modrm_off = 1, .imm_off = 2, .imm_size = 1, .mem_op = -1 },
	{ "6b 64 24 04 05", "imul esp, dword ptr [esp + 4], 5", X86_INS_IMUL,
	  .len = 5, .opc = 0x6b, .modrm_off = 1, .disp_off = 3, .disp_size = 1, .imm_off = 4,
	  .imm_size = 1, .mem_op = 1 },
	{ "8d 44 24 08", "lea eax, [esp + 8]", X86_INS_LEA,
	  .len = 4, .opc = 0x8d, .modrm_off = 1, .disp_off = 3, .disp_size = 1, .mem_op = 1 },
	{ "e8 00 01 00 00", "call 0x101105", X86_INS_CALL,
	  .len = 5, .opc = 0xe8, .imm_off = 1, .imm_size = 4, .mem_op = -1 },
	/* moffs: the address is a displacement with no ModRM */
	{ "a0 34 12 00 00", "mov al, byte ptr [0x1234]", X86_INS_MOV,
	  .len = 5, .opc = 0xa0, .disp_off = 1, .disp_size = 4, .mem_op = 1 },
	{ "2e a1 34 12 00 00", "mov eax, dword ptr cs:[0x1234]", X86_INS_MOV,
	  .len = 6, .npfx = 1, .opc = 0xa1, .disp_off = 2, .disp_size = 4, .seg = 0x2e, .mem_op = 1 },
	{ "a3 78 56 34 12", "mov dword ptr [0x12345678], eax", X86_INS_MOV,
	  .len = 5, .opc = 0xa3, .disp_off = 1, .disp_size = 4, .mem_op = 0 },
};

START_TEST(split)
{
	const struct split_case *k = &split_cases[_i];
	struct bt_insn in;
	uint8_t b[32];
	size_t n = tl_hex(k->hex, b, sizeof b);

	memset(&in, 0xa5, sizeof in);
	ck_assert_msg(dec_insn(&d, b, n, EIP, &in) == 0, "%s: dec_insn failed", k->hex);
	ck_assert_str_eq(in.text, k->text);
	ck_assert_uint_eq(in.eip, EIP);
	ck_assert_uint_eq(in.id, k->id);
	ck_assert_uint_eq(in.len, k->len);
	ck_assert_mem_eq(in.bytes, b, k->len);
	ck_assert_msg(in.npfx == k->npfx, "%s: npfx %u want %u", k->hex, in.npfx, k->npfx);
	ck_assert_msg(in.opc == k->opc, "%s: opc %02x want %02x", k->hex, in.opc, k->opc);
	ck_assert_msg(in.opc2 == k->opc2, "%s: opc2 %02x want %02x", k->hex, in.opc2, k->opc2);
	ck_assert_msg(in.modrm_off == k->modrm_off, "%s: modrm_off %u want %u", k->hex, in.modrm_off,
		      k->modrm_off);
	ck_assert_msg(in.disp_off == k->disp_off && in.disp_size == k->disp_size,
		      "%s: disp %u/%u want %u/%u", k->hex, in.disp_off, in.disp_size, k->disp_off,
		      k->disp_size);
	ck_assert_msg(in.imm_off == k->imm_off && in.imm_size == k->imm_size,
		      "%s: imm %u/%u want %u/%u", k->hex, in.imm_off, in.imm_size, k->imm_off,
		      k->imm_size);
	ck_assert_msg(in.seg == k->seg, "%s: seg %02x want %02x", k->hex, in.seg, k->seg);
	ck_assert_msg(in.p66 == k->p66 && in.p67 == k->p67, "%s: p66 %d p67 %d", k->hex, in.p66, in.p67);
	ck_assert_msg(in.rep == k->rep && in.repne == k->repne, "%s: rep %d repne %d", k->hex, in.rep,
		      in.repne);
	ck_assert_msg(in.lock == k->lock, "%s: lock %d", k->hex, in.lock);
	ck_assert_msg(in.mem_op == k->mem_op, "%s: mem_op %d want %d", k->hex, in.mem_op, k->mem_op);
	if (in.mem_op >= 0)
		ck_assert_int_eq(in.x86.operands[in.mem_op].type, X86_OP_MEM);
	/* The pieces tile the instruction: prefixes, opcode, then ModRM after them. */
	if (in.modrm_off) {
		unsigned opc_len = in.opc != 0x0f ? 1 : (in.opc2 == 0x38 || in.opc2 == 0x3a) ? 3 : 2;
		ck_assert_uint_eq(in.modrm_off, in.npfx + opc_len);
	}
	if (in.disp_size)
		ck_assert_uint_le(in.disp_off + in.disp_size, in.len);
	if (in.imm_size)
		ck_assert_uint_eq(in.imm_off + in.imm_size, in.len);   /* the immediate comes last */
	if (in.disp_size && in.imm_size)
		ck_assert_uint_eq(in.disp_off + in.disp_size, in.imm_off);
}
END_TEST

/* Memory operand details: base, index, scale, displacement as Capstone gives them. */
START_TEST(mem_operand_fields)
{
	struct bt_insn in;
	size_t n;

	ck_assert_int_eq(decode_hex("01 54 88 10", &in, &n), 0);   /* add [eax+ecx*4+0x10], edx */
	ck_assert_int_eq(in.mem_op, 0);
	const cs_x86_op *m = &in.x86.operands[0];
	ck_assert_uint_eq(m->mem.base, X86_REG_EAX);
	ck_assert_uint_eq(m->mem.index, X86_REG_ECX);
	ck_assert_int_eq(m->mem.scale, 4);
	ck_assert_int_eq(m->mem.disp, 0x10);
	ck_assert_uint_eq(in.x86.operands[1].reg, X86_REG_EDX);
	ck_assert(dec_has_sib(&in));
	ck_assert_uint_eq(dec_mod(&in), 1);
	ck_assert_uint_eq(dec_reg(&in), 2);   /* EDX */
	ck_assert_uint_eq(dec_rm(&in), 4);    /* SIB follows */

	ck_assert_int_eq(decode_hex("8b 04 8d 00 10 00 00", &in, &n), 0);   /* [ecx*4+0x1000] */
	m = &in.x86.operands[in.mem_op];
	ck_assert_uint_eq(m->mem.base, X86_REG_INVALID);
	ck_assert_uint_eq(m->mem.index, X86_REG_ECX);
	ck_assert_int_eq(m->mem.disp, 0x1000);

	ck_assert_int_eq(decode_hex("8b 05 34 12 00 00", &in, &n), 0);   /* [0x1234] */
	m = &in.x86.operands[in.mem_op];
	ck_assert_uint_eq(m->mem.base, X86_REG_INVALID);
	ck_assert_uint_eq(m->mem.index, X86_REG_INVALID);
	ck_assert_int_eq(m->mem.disp, 0x1234);
	ck_assert(!dec_has_sib(&in));
	ck_assert_uint_eq(dec_mod(&in), 0);
	ck_assert_uint_eq(dec_rm(&in), 5);

	ck_assert_int_eq(decode_hex("89 e5", &in, &n), 0);   /* mov ebp, esp: mod 3, no SIB */
	ck_assert(!dec_has_sib(&in));
	ck_assert_uint_eq(dec_mod(&in), 3);
	ck_assert_uint_eq(dec_reg(&in), 4);
	ck_assert_uint_eq(dec_rm(&in), 5);
	ck_assert_int_eq(in.mem_op, -1);

	ck_assert_int_eq(decode_hex("2e 8b 03", &in, &n), 0);
	ck_assert_uint_eq(in.x86.operands[1].mem.segment, X86_REG_CS);

	/* An immediate branch target is absolute: EIP + len + rel. */
	ck_assert_int_eq(decode_hex("eb fe", &in, &n), 0);
	ck_assert_int_eq(in.x86.operands[0].type, X86_OP_IMM);
	ck_assert_uint_eq((uint32_t)in.x86.operands[0].imm, EIP);
}
END_TEST

/* ---- invalid and truncated input ---- */

static const char *const invalid_cases[] = {
	"0f 04",        /* undefined 0F opcode */
	"0f 0a",
	"fe f8",        /* FE /7 */
	"8f c8",        /* 8F /1 */
	"f0 90",        /* LOCK on a non-lockable instruction */
	"f0 01 d8",     /* LOCK with a register destination */
	"0f 38 ff",     /* undefined 0F 38 opcode */
	"66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90",   /* 16 bytes: too long */
	"66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66",   /* prefixes only */
};

START_TEST(invalid)
{
	struct bt_insn in;
	size_t n;
	ck_assert_msg(decode_hex(invalid_cases[_i], &in, &n) == -1, "%s decoded as '%s'",
		      invalid_cases[_i], in.text);
}
END_TEST

static const char *const truncated_cases[] = {
	"8b",                            /* no ModRM */
	"8b 44 24",                      /* no disp8 */
	"8b 05 34 12",                   /* half a disp32 */
	"b8 34 12",                      /* half an imm32 */
	"c7 05 34 12 00 00 78 56",       /* half the imm32 after a disp32 */
	"0f",                            /* escape only */
	"f2 0f 10",                      /* SSE without ModRM */
	"66",                            /* a lone prefix */
	"e8 00 00",                      /* half a rel32 */
	"a0 34 12",                      /* half a moffs */
};

START_TEST(truncated)
{
	struct bt_insn in;
	size_t n;
	ck_assert_msg(decode_hex(truncated_cases[_i], &in, &n) == -1, "%s decoded as '%s'",
		      truncated_cases[_i], in.text);
}
END_TEST

/* avail below the instruction's length fails even if more bytes follow in memory. */
START_TEST(avail_limits)
{
	static const uint8_t code[] = { 0xc7, 0x44, 0x24, 0x04, 0x78, 0x56, 0x34, 0x12, 0x90 };
	struct bt_insn in;
	for (size_t avail = 0; avail < 8; avail++)
		ck_assert_msg(dec_insn(&d, code, avail, EIP, &in) == -1, "avail %zu decoded", avail);
	ck_assert_int_eq(dec_insn(&d, code, 8, EIP, &in), 0);
	ck_assert_uint_eq(in.len, 8);
	ck_assert_int_eq(dec_insn(&d, code, sizeof code, EIP, &in), 0);
	ck_assert_uint_eq(in.len, 8);   /* stops at the instruction's end */
	ck_assert_int_eq(in.mem_op, 0);
	ck_assert_int_eq(in.x86.operands[1].imm, 0x12345678);

	/* A failure leaves a cleared instruction with no memory operand. */
	ck_assert_int_eq(dec_insn(&d, code, 3, EIP + 7, &in), -1);
	ck_assert_uint_eq(in.len, 0);
	ck_assert_int_eq(in.mem_op, -1);
}
END_TEST

/* A decode after a failure (and after many decodes) is not disturbed by it. */
START_TEST(decode_sequence)
{
	static const uint8_t code[] = {
		0x55,                         /* push ebp */
		0x89, 0xe5,                   /* mov ebp, esp */
		0x83, 0xec, 0x10,             /* sub esp, 0x10 */
		0x8b, 0x45, 0x08,             /* mov eax, [ebp+8] */
		0xc9,                         /* leave */
		0xc3,                         /* ret */
	};
	static const char *const want[] = {
		"push ebp", "mov ebp, esp", "sub esp, 0x10", "mov eax, dword ptr [ebp + 8]", "leave", "ret",
	};
	struct bt_insn in;
	size_t off = 0;
	ck_assert_int_eq(dec_insn(&d, (const uint8_t *)"\x0f\x04", 2, EIP, &in), -1);
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(dec_insn(&d, code + off, sizeof code - off, EIP + (uint32_t)off, &in), 0);
		ck_assert_str_eq(in.text, want[i]);
		ck_assert_uint_eq(in.eip, EIP + off);
		off += in.len;
	}
	ck_assert_uint_eq(off, sizeof code);
}
END_TEST

/* ---- dec_host ---- */

START_TEST(host_decode)
{
	static const uint8_t gs_load[] = { 0x65, 0x67, 0x41, 0x8b, 0x44, 0x24, 0x04 };
	const cs_insn *h = dec_host(&d, gs_load, sizeof gs_load);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->id, X86_INS_MOV);
	ck_assert_uint_eq(h->size, sizeof gs_load);
	const cs_x86 *x = &h->detail->x86;
	ck_assert_int_eq(x->op_count, 2);
	ck_assert_uint_eq(x->operands[0].reg, X86_REG_EAX);
	ck_assert_uint_eq(x->operands[1].mem.segment, X86_REG_GS);
	ck_assert_uint_eq(x->operands[1].mem.base, X86_REG_R12D);
	ck_assert_int_eq(x->addr_size, 4);

	static const uint8_t push_es[] = { 0x06 };   /* invalid in 64-bit mode */
	ck_assert_ptr_null(dec_host(&d, push_es, 1));
	static const uint8_t half[] = { 0x48, 0xb8, 0x01 };
	ck_assert_ptr_null(dec_host(&d, half, sizeof half));
}
END_TEST

START_TEST(init_destroy)
{
	struct dec d2;
	ck_assert_int_eq(dec_init(&d2), 0);
	ck_assert(d2.cs32 != 0 && d2.cs64 != 0);
	ck_assert_ptr_nonnull(d2.scratch32);
	ck_assert_ptr_nonnull(d2.scratch64);
	dec_destroy(&d2);
	ck_assert_ptr_null(d2.scratch32);
	ck_assert_ptr_null(d2.scratch64);
	dec_destroy(&d2);   /* twice is harmless */
}
END_TEST

/* ---- register predicates ---- */

START_TEST(seg_index)
{
	ck_assert_int_eq(dec_seg_index(X86_REG_ES), S_ES);
	ck_assert_int_eq(dec_seg_index(X86_REG_CS), S_CS);
	ck_assert_int_eq(dec_seg_index(X86_REG_SS), S_SS);
	ck_assert_int_eq(dec_seg_index(X86_REG_DS), S_DS);
	ck_assert_int_eq(dec_seg_index(X86_REG_FS), S_FS);
	ck_assert_int_eq(dec_seg_index(X86_REG_GS), S_GS);
	ck_assert_int_eq(dec_seg_index(X86_REG_EAX), -1);
	ck_assert_int_eq(dec_seg_index(X86_REG_INVALID), -1);
}
END_TEST

START_TEST(is_esp_is_high8)
{
	ck_assert(dec_is_esp(X86_REG_ESP));
	ck_assert(dec_is_esp(X86_REG_SP));
	ck_assert(!dec_is_esp(X86_REG_RSP));
	ck_assert(!dec_is_esp(X86_REG_SPL));
	ck_assert(!dec_is_esp(X86_REG_EBP));
	ck_assert(!dec_is_esp(X86_REG_EAX));
	ck_assert(!dec_is_esp(X86_REG_R12D));
	ck_assert(!dec_is_esp(X86_REG_INVALID));

	ck_assert(dec_is_high8(X86_REG_AH));
	ck_assert(dec_is_high8(X86_REG_CH));
	ck_assert(dec_is_high8(X86_REG_DH));
	ck_assert(dec_is_high8(X86_REG_BH));
	ck_assert(!dec_is_high8(X86_REG_AL));
	ck_assert(!dec_is_high8(X86_REG_BL));
	ck_assert(!dec_is_high8(X86_REG_SPL));
	ck_assert(!dec_is_high8(X86_REG_AX));
	ck_assert(!dec_is_high8(X86_REG_EAX));
	ck_assert(!dec_is_high8(X86_REG_INVALID));
}
END_TEST

/* dec_uses_reg matches the register id given (the re-encoder asks for AL, AX
 * and EAX in turn); these rows only assert what holds either way. */
struct uses_case {
	const char *hex;
	unsigned yes[6];   /* registers it uses (0-terminated) */
	unsigned no[6];    /* registers it does not use */
};

static const struct uses_case uses_cases[] = {
	/* mov eax, [ebx+ecx*2]: destination, base and index */
	{ "8b 04 4b", { X86_REG_EAX, X86_REG_EBX, X86_REG_ECX },
	  { X86_REG_EDX, X86_REG_ESP, X86_REG_ESI } },
	/* rep movsb: ECX ESI EDI implicitly */
	{ "f3 a4", { X86_REG_ECX, X86_REG_ESI, X86_REG_EDI },
	  { X86_REG_EAX, X86_REG_EBX, X86_REG_ESP } },
	/* div ecx: EDX:EAX implicitly */
	{ "f7 f1", { X86_REG_ECX, X86_REG_EAX, X86_REG_EDX }, { X86_REG_EBX, X86_REG_ESI } },
	/* cpuid */
	{ "0f a2", { X86_REG_EAX, X86_REG_EBX, X86_REG_ECX, X86_REG_EDX }, { X86_REG_ESI, X86_REG_ESP } },
	/* push eax: ESP implicitly */
	{ "50", { X86_REG_EAX, X86_REG_ESP }, { X86_REG_EBX, X86_REG_EBP } },
	/* add al, 5: AL, exactly that width */
	{ "04 05", { X86_REG_AL }, { X86_REG_AH, X86_REG_EBX } },
	/* movzx esp, ah */
	{ "0f b6 e4", { X86_REG_ESP, X86_REG_AH }, { X86_REG_AL, X86_REG_EBP } },
	/* mov byte [esp+eax], ah */
	{ "88 24 04", { X86_REG_ESP, X86_REG_EAX, X86_REG_AH }, { X86_REG_EBX, X86_REG_ECX } },
	/* add ax, bx */
	{ "66 01 d8", { X86_REG_AX, X86_REG_BX }, { X86_REG_CX, X86_REG_ESP } },
	/* nop */
	{ "90", { 0 }, { X86_REG_EAX, X86_REG_ESP } },
};

START_TEST(uses_reg)
{
	const struct uses_case *k = &uses_cases[_i];
	struct bt_insn in;
	size_t n;
	ck_assert_int_eq(decode_hex(k->hex, &in, &n), 0);
	for (int i = 0; i < 6 && k->yes[i]; i++)
		ck_assert_msg(dec_uses_reg(&in, k->yes[i]), "'%s' should use register %u", in.text, k->yes[i]);
	for (int i = 0; i < 6 && k->no[i]; i++)
		ck_assert_msg(!dec_uses_reg(&in, k->no[i]), "'%s' should not use register %u", in.text,
			      k->no[i]);
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("split");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, split, 0, (int)(sizeof split_cases / sizeof split_cases[0]));
	tcase_add_test(tc, mem_operand_fields);
	tcase_add_test(tc, decode_sequence);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, invalid, 0, (int)(sizeof invalid_cases / sizeof invalid_cases[0]));
	tcase_add_loop_test(tc, truncated, 0, (int)(sizeof truncated_cases / sizeof truncated_cases[0]));
	tcase_add_test(tc, avail_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("host");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, host_decode);
	tcase_add_test(tc, init_destroy);
	suite_add_tcase(s, tc);

	tc = tcase_create("regs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, is_esp_is_high8);
	tcase_add_test(tc, seg_index);
	tcase_add_loop_test(tc, uses_reg, 0, (int)(sizeof uses_cases / sizeof uses_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
