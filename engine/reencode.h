/* Re-encoding guest instructions for 64-bit mode (docs/design.md, "How
 * translated code runs", the guest window): every explicit memory operand gets
 * the GS and address-size (0x67) prefixes, so its address wraps at 32 bits
 * inside the window; an absolute [disp32] gets a SIB byte (64-bit mode would
 * read it RIP-relative); ESP operands get a REX bit so they name R12;
 * AH/CH/DH/BH, which no REX instruction can name, are reached by swapping them
 * with AL/CL/DL/BL around the instruction; an FS or GS override (kernels keep
 * per-CPU data there) has its address computed into R9D with the segment base
 * from the context, and the operand becomes gs:[r9d]. CS/DS/ES/SS overrides
 * are dropped: those are flat.
 *
 * Every re-encoding is checked by decoding the result with Capstone in 64-bit
 * mode and comparing its operands with the guest's (registers mapped, GS
 * segment, 32-bit addressing), so a form we got wrong fails translation with a
 * message instead of running wrong.
 *
 *   uint8_t fix;
 *   if (reenc_ident(&dec, &insn, &emit, &fix, why, sizeof why) < 0) ...
 */
#ifndef BT86_ENGINE_REENCODE_H
#define BT86_ENGINE_REENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/decode.h"
#include "engine/emit.h"

/* What a fault inside the host code of one guest instruction must undo. */
enum reenc_fixup {
	FIX_NONE = 0,
	FIX_SWAP_AX = 1,    /* AL/AH swapped: swap bytes 0 and 1 of EAX back */
	FIX_SWAP_CX,
	FIX_SWAP_DX,
	FIX_SWAP_BX,
	FIX_STR_SI = 0x10,  /* RSI holds a host window address: subtract the base */
	FIX_STR_DI = 0x20,  /* RDI likewise */
};

/* Emit in, unchanged but for how it reaches guest memory and ESP. The guest
 * instruction must not be a branch, stack or string instruction (the
 * translator rewrites those). Returns 0, or -1 with why filled. */
int reenc_ident(struct dec *d, const struct bt_insn *in, struct emit *e, uint8_t *fixup,
		char *why, size_t whylen);

/* Emit an instruction built from the guest's memory operand: [GS 0x67 if
 * guest_access] [pfx] [REX] opc[0..nopc) ModRM(reg, guest operand) SIB disp.
 * reg is a host register number. With guest_access false (LEA) no prefixes
 * are added. Returns 0 or -1 (why filled). Only 32-bit addressing. */
int reenc_memop(const struct bt_insn *in, struct emit *e, const uint8_t *pfx, size_t npfx,
		const uint8_t *opc, size_t nopc, unsigned reg, int guest_access,
		char *why, size_t whylen);

/* R8D = the guest operand's linear address (EA plus an FS/GS base). */
int reenc_lea_r8(const struct bt_insn *in, struct emit *e, char *why, size_t whylen);

#endif
