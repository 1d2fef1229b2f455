/* Guest disassembly with Capstone (see disas.h). */
#include "session/disas.h"
#include "session/guestview.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#define DISAS_MAX_INSN 15   /* the longest x86 instruction */

size_t disas_one(const uint8_t *code, size_t len, uint32_t addr, char *out, size_t outlen)
{
	csh h;
	cs_insn *insn;
	size_t n, size = 0;

	snprintf(out, outlen, "(bad)");
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK)
		return 0;
	n = cs_disasm(h, code, len, addr, 1, &insn);
	if (n == 1) {
		snprintf(out, outlen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
		size = insn->size;
		cs_free(insn, n);
	}
	cs_close(&h);
	return size;
}

size_t disas_guest(const struct guestmem *gm, unsigned maxphyaddr, const struct vcpu_state *st, uint32_t lin,
		   char *out, size_t outlen)
{
	uint8_t buf[DISAS_MAX_INSN];
	/* Near the end of RAM or of a mapping, take what there is. */
	size_t len = gv_readable(gm, maxphyaddr, st, lin, DISAS_MAX_INSN);
	if (!len || !gv_read(gm, maxphyaddr, st, lin, buf, len)) {
		snprintf(out, outlen, "(not in RAM)");
		return 0;
	}
	return disas_one(buf, len, lin, out, outlen);
}
