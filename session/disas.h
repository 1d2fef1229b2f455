/* Disassembly of guest code for messages and views, with Capstone. */
#ifndef BT86_SESSION_DISAS_H
#define BT86_SESSION_DISAS_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/guestmem.h"
#include "monitor/vcpu.h"

/* Disassemble the 32-bit instruction in code[0..len) at address addr into
 * out as "mnemonic operands"; returns its length, or 0 (out says "(bad)"). */
size_t disas_one(const uint8_t *code, size_t len, uint32_t addr, char *out, size_t outlen);

/* The same for guest memory at linear lin, through st's page tables (st
 * NULL: physical); out says "(not in RAM)" if unreadable. */
size_t disas_guest(const struct guestmem *gm, unsigned maxphyaddr, const struct vcpu_state *st, uint32_t lin,
		   char *out, size_t outlen);

#endif
