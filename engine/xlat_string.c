/* String instructions (MOVS STOS LODS CMPS SCAS, with and without REP).
 * 64-bit mode ignores the ES base, so the destination [EDI] cannot be sent
 * through GS; instead RSI/RDI are turned into host window addresses around
 * the instruction (R14 = window base, R13 = -base, both flag-free LEAs) and
 * the string instruction runs natively with its REP. The window's guard
 * regions catch one that runs off either end. A fault or stop in the middle
 * leaves ECX/ESI/EDI consistent: the fault handler turns RSI/RDI back into
 * guest addresses (FIX_STR_SI/DI) and the guest EIP stays at the instruction. */
#include "engine/translate.h"

#include "engine/reencode.h"

bool xlat_is_string(const struct bt_insn *in)
{
	switch (in->id) {
	case X86_INS_MOVSB: case X86_INS_MOVSW: case X86_INS_MOVSD:
	case X86_INS_STOSB: case X86_INS_STOSW: case X86_INS_STOSD:
	case X86_INS_LODSB: case X86_INS_LODSW: case X86_INS_LODSD:
	case X86_INS_CMPSB: case X86_INS_CMPSW: case X86_INS_CMPSD:
	case X86_INS_SCASB: case X86_INS_SCASW: case X86_INS_SCASD:
		/* MOVSD/CMPSD are also SSE2 mnemonics; those have a ModRM. */
		return in->modrm_off == 0;
	}
	return false;
}

int xlat_string(struct tu *t, const struct bt_insn *in)
{
	bool si = false, di = false;
	uint8_t fix = 0;

	switch (in->opc) {
	case 0xa4: case 0xa5: case 0xa6: case 0xa7: si = di = true; break;   /* movs, cmps */
	case 0xaa: case 0xab: case 0xae: case 0xaf: di = true; break;        /* stos, scas */
	case 0xac: case 0xad: si = true; break;                              /* lods */
	default: return tu_fail(t, in, "unexpected string opcode");
	}
	if (in->p67)
		return tu_fail(t, in, "string instruction with 16-bit addressing");
	if (si && (in->seg == 0x64 || in->seg == 0x65))
		return tu_fail(t, in, "FS/GS segment overrides are not supported by bt yet");
	fix = (uint8_t)((si ? FIX_STR_SI : 0) | (di ? FIX_STR_DI : 0));
	tu_mark(t, in, CK_REWRITE, fix, 0);
	if (si)
		emit_lea64_add(&t->e, HR_RSI, HR_RSI, HR_R14);
	if (di)
		emit_lea64_add(&t->e, HR_RDI, HR_RDI, HR_R14);
	/* The instruction itself: its prefixes but segment overrides (flat), 64-bit addressing. */
	for (unsigned i = 0; i < in->npfx; i++) {
		uint8_t b = in->bytes[i];
		if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
			continue;
		emit_u8(&t->e, b);
	}
	emit_u8(&t->e, in->opc);
	if (si)
		emit_lea64_add(&t->e, HR_RSI, HR_RSI, HR_R13);
	if (di)
		emit_lea64_add(&t->e, HR_RDI, HR_RDI, HR_R13);
	return 0;
}
