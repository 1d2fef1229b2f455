/* Guest instruction decoding with Capstone (detail mode): the bytes split into
 * prefixes, opcode, ModRM, SIB, displacement and the rest, plus Capstone's
 * operand list, which the translator and the re-encoding check both use.
 *
 *   struct dec d;  dec_init(&d);
 *   struct bt_insn in;
 *   if (dec_insn(&d, code, avail, eip, &in) == 0) ... in.id == X86_INS_PUSH ...
 */
#ifndef BT86_ENGINE_DECODE_H
#define BT86_ENGINE_DECODE_H

#include <capstone/capstone.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_MAX_LEN 15

struct dec {
	csh cs32;        /* guest: 32-bit protected mode */
	csh cs64;        /* host: 64-bit mode, to check what we emit */
	cs_insn *scratch32, *scratch64;
};

struct bt_insn {
	uint32_t eip;
	uint8_t len;
	uint8_t bytes[DEC_MAX_LEN];
	unsigned id;              /* x86_insn */
	char text[96];            /* "mnemonic operands" */
	uint8_t npfx;             /* legacy prefix bytes before the opcode */
	uint8_t opc;              /* first opcode byte (after prefixes) */
	uint8_t opc2;             /* second opcode byte when opc == 0x0f, else 0 */
	uint8_t modrm_off;        /* 0 if no ModRM */
	uint8_t disp_off, disp_size;
	uint8_t imm_off, imm_size;
	uint8_t seg;              /* segment override prefix byte, or 0 */
	bool p66, p67, rep, repne, lock;
	int mem_op;               /* index of the memory operand in x86.operands, or -1 */
	cs_x86 x86;               /* Capstone's detail */
	uint16_t regs_read[20], regs_write[20];
	uint8_t nregs_read, nregs_write;
	uint8_t groups[8];        /* Capstone's x86_insn_group list */
	uint8_t ngroups;
};

/* Which unit executes it, for CR0.EM/TS and CR4.OSFXSR checks. */
enum dec_unit { UNIT_NONE, UNIT_X87, UNIT_MMX, UNIT_SSE };
enum dec_unit dec_unit(const struct bt_insn *in);

/* Valid instructions Capstone does not know: hint NOPs 0F 18-1F /r and the
 * AMD PREFETCH 0F 0D /r (no architectural effect). Their length, or 0. */
unsigned dec_hint_nop_len(const uint8_t *code, size_t avail);

int dec_init(struct dec *d);
void dec_destroy(struct dec *d);

/* Decode one guest instruction at eip from code[0..avail). 0 or -1 (invalid). */
int dec_insn(struct dec *d, const uint8_t *code, size_t avail, uint32_t eip, struct bt_insn *in);

/* Decode host bytes (64-bit). Returns the Capstone instruction in d->scratch64
 * (valid until the next call) or NULL. */
const cs_insn *dec_host(struct dec *d, const uint8_t *code, size_t len);

/* ModRM fields of in (requires modrm_off). */
static inline uint8_t dec_modrm(const struct bt_insn *in) { return in->bytes[in->modrm_off]; }
static inline unsigned dec_mod(const struct bt_insn *in) { return dec_modrm(in) >> 6; }
static inline unsigned dec_reg(const struct bt_insn *in) { return (dec_modrm(in) >> 3) & 7; }
static inline unsigned dec_rm(const struct bt_insn *in) { return dec_modrm(in) & 7; }
static inline bool dec_has_sib(const struct bt_insn *in)
{
	return in->modrm_off && !in->p67 && dec_mod(in) != 3 && dec_rm(in) == 4;   /* 16-bit forms have none */
}
/* True if x86 register r is ESP or SP. */
bool dec_is_esp(unsigned r);
/* The enum vcpu_segreg of segment register r (ES..GS), or -1 if r is not one. */
int dec_seg_index(unsigned r);
/* True if r is AH, CH, DH or BH. */
bool dec_is_high8(unsigned r);
/* True if the instruction reads or writes register r (any width of it). */
bool dec_uses_reg(const struct bt_insn *in, unsigned r);

#endif
