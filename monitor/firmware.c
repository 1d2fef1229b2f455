/* The firmware tables' assembly (see firmware.h): the area allocator, the
 * machine's description, the copy into guest RAM and the device hooks. */
#include "monitor/firmware.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t fw_alloc(struct fw_area *a, uint32_t len, uint32_t align)
{
	uint32_t at = (a->next + align - 1) & ~(align - 1);
	if (at < PC_FW_TABLES_BASE || len > PC_FW_TABLES_END - at)
		return 0;
	a->next = at + len;
	return at;
}

uint8_t *fw_at(struct fw_area *a, uint32_t addr)
{
	return a->bytes + (addr - PC_FW_TABLES_BASE);
}

uint8_t fw_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

static void fw_config_of(struct machine *m, struct fw_config *c)
{
	uint32_t r[4];
	cpu_model_cpuid(&m->cpu, 1, 0, 0, r);
	*c = (struct fw_config){
		.ncpus = m->ncpus ? m->ncpus : 1,
		.cpu_signature = r[0],
		.cpu_features = r[3],
		.ram_size = m->mem.size,
		.cpu_mhz = m->cpu.tsc_khz / 1000,
	};
}

int fw_write(struct machine *m, char *err, size_t errlen)
{
	struct fw_config c;
	fw_config_of(m, &c);
	if (c.ncpus > FW_MAX_CPUS) {
		snprintf(err, errlen, "%u CPUs: the MP and ACPI tables describe at most %u", c.ncpus, FW_MAX_CPUS);
		return -1;
	}
	struct fw_area *a = calloc(1, sizeof *a);
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->next = PC_FW_TABLES_BASE;
	if (fw_mp_build(a, &c, err, errlen) < 0 || fw_acpi_build(a, &c, err, errlen) < 0 ||
	    fw_smbios_build(a, &c, err, errlen) < 0) {
		free(a);
		return -1;
	}
	/* The BDA and EBDA are written in place (the rest of low memory is the
	 * kernel's); the table area as a whole, so no stale table survives. */
	uint8_t bda[FW_BDA_SIZE], ebda[PC_EBDA_SIZE];
	fw_bda_write(bda, ebda, &c);
	int rc = 0;
	if (machine_dma_write(m, PC_BDA_BASE, bda, sizeof bda) < 0 ||
	    machine_dma_write(m, PC_EBDA_BASE, ebda, sizeof ebda) < 0 ||
	    machine_dma_write(m, PC_FW_TABLES_BASE, a->bytes, sizeof a->bytes) < 0) {
		snprintf(err, errlen, "guest RAM has no room for the firmware tables below 1 MiB");
		rc = -1;
	}
	free(a);
	return rc;
}

/* The device: its state only says it is there (the tables live in RAM). */
struct fw_state {
	unsigned writes;           /* times the tables were written */
};

int firmware_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct fw_state *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (fw_write(d->m, err, errlen) < 0) {
		free(s);
		return -1;
	}
	s->writes = 1;
	d->state = s;
	return 0;
}

/* A reset puts back what a guest may have overwritten, as a BIOS's POST
 * would rebuild them. */
void firmware_dev_reset(struct machine_dev *d)
{
	char err[200];
	struct fw_state *s = d->state;
	if (fw_write(d->m, err, sizeof err) == 0)
		s->writes++;
}

void firmware_dev_destroy(struct machine_dev *d)
{
	free(d->state);
}
