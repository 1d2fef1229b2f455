/* The SMBIOS 2.8 tables (DMTF DSP0134): a 32-bit entry point in the F
 * segment (found by scanning 0xf0000-0xfffff for "_SM_" on 16-byte
 * boundaries) and the structures a PC's BIOS must give: BIOS (type 0),
 * system (1), chassis (3), a processor per CPU (4), the physical memory
 * array (16), its memory device (17) and mapped address range (19), system
 * boot (32) and the end (127). Linux prints the system and BIOS names
 * ("DMI: bt86 bt86 PC, BIOS ...") and keys its quirks on them; without the
 * tables it says "DMI not present or invalid". */
#include "monitor/firmware.h"

#include <stdio.h>
#include <string.h>

#define SMBIOS_EP_LEN 0x1f

/* A structure being written: the formatted part, then its strings. */
struct smb {
	uint8_t *p, *end;          /* the next free byte; the end of the room */
	uint16_t handle;           /* the next structure's handle */
	uint16_t count, max;       /* structures written; the largest's size */
	bool full;
	uint8_t scratch[256];      /* where structures go once the room is full */
};

struct smb_struct {
	uint8_t *start, *s;        /* the structure; where its strings go */
	uint8_t nstr;
};

static uint8_t *smb_begin(struct smb *b, struct smb_struct *st, uint8_t type, uint8_t len)
{
	if (b->full || b->end - b->p < len + 2) {
		b->full = true;
		memset(b->scratch, 0, sizeof b->scratch);
		st->start = st->s = b->scratch;
		return b->scratch;   /* written to no one; the build fails after */
	}
	st->start = b->p;
	memset(st->start, 0, len);
	st->start[0] = type;
	st->start[1] = len;
	fw_put16(st->start + 2, b->handle++);
	st->s = st->start + len;
	st->nstr = 0;
	return st->start;
}

/* Add a string; its number for the formatted part (0: none, for ""). */
static uint8_t smb_str(struct smb *b, struct smb_struct *st, const char *text)
{
	size_t n = strlen(text);
	if (!n || b->full)
		return 0;
	if (b->end - st->s < (ptrdiff_t)n + 3) {
		b->full = true;
		return 0;
	}
	memcpy(st->s, text, n + 1);
	st->s += n + 1;
	return ++st->nstr;
}

static void smb_end(struct smb *b, struct smb_struct *st)
{
	if (b->full)
		return;
	if (!st->nstr)
		*st->s++ = 0;      /* no strings: the set is two NULs */
	*st->s++ = 0;
	uint16_t size = (uint16_t)(st->s - st->start);
	if (size > b->max)
		b->max = size;
	b->count++;
	b->p = st->s;
}

static void smb_bios(struct smb *b)
{
	struct smb_struct st;
	uint8_t *t = smb_begin(b, &st, 0, 0x18);
	t[4] = smb_str(b, &st, "bt86");
	t[5] = smb_str(b, &st, "1.0");
	fw_put16(t + 6, 0xe800);            /* a 96 KiB image at 0xe8000, as SeaBIOS says */
	t[8] = smb_str(b, &st, "12/01/2026");
	t[9] = 0;                           /* 64 KiB of ROM */
	fw_put64(t + 10, 1u << 3);          /* characteristics not supported */
	t[0x12] = 0;
	t[0x13] = 1u << 4;                  /* describes a virtual machine */
	t[0x14] = 1;                        /* system BIOS release 1.0 */
	t[0x15] = 0;
	t[0x16] = t[0x17] = 0xff;           /* no embedded controller */
	smb_end(b, &st);
}

static void smb_system(struct smb *b)
{
	struct smb_struct st;
	uint8_t *t = smb_begin(b, &st, 1, 0x1b);
	t[4] = smb_str(b, &st, "bt86");
	t[5] = smb_str(b, &st, "bt86 PC");
	t[6] = smb_str(b, &st, "1");
	/* serial 0, UUID all zero: not present */
	t[0x18] = 6;                        /* woken by the power switch */
	t[0x1a] = smb_str(b, &st, "bt86");
	smb_end(b, &st);
}

static void smb_chassis(struct smb *b)
{
	struct smb_struct st;
	uint8_t *t = smb_begin(b, &st, 3, 0x16);
	t[4] = smb_str(b, &st, "bt86");
	t[5] = 1;                           /* other */
	t[9] = t[10] = t[11] = 3;           /* boot-up, power supply, thermal: safe */
	t[12] = 2;                          /* security: unknown */
	smb_end(b, &st);
}

static void smb_processor(struct smb *b, const struct fw_config *c, unsigned cpu)
{
	struct smb_struct st;
	char socket[16];
	snprintf(socket, sizeof socket, "CPU %u", cpu);
	uint8_t *t = smb_begin(b, &st, 4, 0x2a);
	t[4] = smb_str(b, &st, socket);
	t[5] = 3;                           /* central processor */
	t[6] = 1;                           /* family: other */
	t[7] = smb_str(b, &st, "GenuineIntel");
	fw_put32(t + 8, c->cpu_signature);  /* the processor ID: CPUID.1 EAX, EDX */
	fw_put32(t + 12, c->cpu_features);
	t[0x10] = smb_str(b, &st, "bt86 virtual CPU");
	fw_put16(t + 0x14, (uint16_t)c->cpu_mhz);   /* maximum and current speed */
	fw_put16(t + 0x16, (uint16_t)c->cpu_mhz);
	t[0x18] = 0x41;                     /* socket populated, CPU enabled */
	t[0x19] = 1;                        /* upgrade: other */
	fw_put16(t + 0x1a, 0xffff);         /* no cache structures */
	fw_put16(t + 0x1c, 0xffff);
	fw_put16(t + 0x1e, 0xffff);
	t[0x23] = t[0x24] = t[0x25] = 1;    /* one core, enabled, one thread */
	fw_put16(t + 0x26, 1u << 1);        /* characteristics: unknown */
	fw_put16(t + 0x28, 1);              /* family 2: other */
	smb_end(b, &st);
}

/* Types 16, 17 and 19: one array, one device, one range of RAM. */
static void smb_memory(struct smb *b, const struct fw_config *c)
{
	struct smb_struct st;
	uint64_t kib = c->ram_size >> 10, mib = c->ram_size >> 20;
	uint16_t array = b->handle;
	uint8_t *t = smb_begin(b, &st, 16, 0x17);
	t[4] = 1;                           /* location: other */
	t[5] = 3;                           /* system memory */
	t[6] = 3;                           /* no error correction */
	fw_put32(t + 7, kib < 0x80000000u ? (uint32_t)kib : 0x80000000u);
	fw_put16(t + 0x0b, 0xfffe);         /* no error information */
	fw_put16(t + 0x0d, 1);
	fw_put64(t + 0x0f, kib < 0x80000000u ? 0 : c->ram_size);
	smb_end(b, &st);

	t = smb_begin(b, &st, 17, 0x28);
	fw_put16(t + 4, array);
	fw_put16(t + 6, 0xfffe);
	fw_put16(t + 8, 64);                /* total and data width */
	fw_put16(t + 10, 64);
	fw_put16(t + 12, mib < 0x7fff ? (uint16_t)mib : 0x7fff);
	t[0x0e] = 9;                        /* a DIMM */
	t[0x10] = smb_str(b, &st, "DIMM 0");
	t[0x12] = 7;                        /* RAM */
	fw_put16(t + 0x13, 1u << 1);        /* type detail: other */
	t[0x17] = smb_str(b, &st, "bt86");
	fw_put32(t + 0x1c, mib < 0x7fff ? 0 : (uint32_t)mib);
	smb_end(b, &st);

	t = smb_begin(b, &st, 19, 0x1f);
	fw_put32(t + 4, 0);
	fw_put32(t + 8, kib ? (uint32_t)(kib - 1) : 0);   /* the last KiB, inclusive */
	fw_put16(t + 0x0c, array);
	t[0x0e] = 1;                        /* partition width */
	smb_end(b, &st);
}

int fw_smbios_build(struct fw_area *a, const struct fw_config *c, char *err, size_t errlen)
{
	uint32_t ep = fw_alloc(a, SMBIOS_EP_LEN, 16);
	uint32_t at = (a->next + 15) & ~15u;
	uint32_t room = ep && at < PC_FW_TABLES_END ? PC_FW_TABLES_END - at : 0;
	uint32_t tab = room >= 0x200 ? fw_alloc(a, room, 16) : 0;
	if (!ep || !tab) {
		snprintf(err, errlen, "no room for the SMBIOS tables below 0x%x", PC_FW_TABLES_END);
		return -1;
	}
	struct smb b = { .p = fw_at(a, tab), .end = fw_at(a, tab) + room, .handle = 0 };
	smb_bios(&b);
	smb_system(&b);
	smb_chassis(&b);
	for (unsigned i = 0; i < c->ncpus; i++)
		smb_processor(&b, c, i);
	smb_memory(&b, c);
	struct smb_struct st;
	smb_begin(&b, &st, 32, 0x0b);   /* booted without errors */
	smb_end(&b, &st);
	smb_begin(&b, &st, 127, 4);
	smb_end(&b, &st);
	uint32_t len = (uint32_t)(b.p - fw_at(a, tab));
	if (b.full || len > 0xffff) {
		snprintf(err, errlen, "no room for the SMBIOS tables of %u CPUs below 0x%x", c->ncpus,
			 PC_FW_TABLES_END);
		return -1;
	}
	a->next = tab + len;   /* give back the room not used */

	uint8_t *t = fw_at(a, ep);
	memcpy(t, "_SM_", 4);
	t[5] = SMBIOS_EP_LEN;
	t[6] = 2;
	t[7] = 8;
	fw_put16(t + 8, b.max);
	memcpy(t + 0x10, "_DMI_", 5);
	fw_put16(t + 0x16, (uint16_t)len);
	fw_put32(t + 0x18, tab);
	fw_put16(t + 0x1c, b.count);
	t[0x1e] = 0x28;                     /* BCD revision 2.8 */
	t[0x15] = fw_checksum(t + 0x10, 0x0f);
	t[4] = fw_checksum(t, SMBIOS_EP_LEN);
	return 0;
}
