/* PCI configuration mechanism #1, the function table and the PC's functions
 * (see pci.h). Accesses come from the vCPU thread; the lock is for info pci
 * reading while the guest runs. */
#include "monitor/pci.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCI_OPEN_BUS 0xFF

/* The PC's functions, by their names in info pci. */
static const struct pci_function_ops pci_host_ops = { .name = "host bridge (i440FX)" };
static const struct pci_function_ops pci_isa_ops = { .name = "ISA bridge (PIIX3)" };
static const struct pci_function_ops pci_ide_ops = { .name = "IDE controller (PIIX3, legacy mode)" };

static void pci_put8(struct pci_function *f, unsigned off, uint8_t v)
{
	f->cfg[off] = v;
}

static void pci_put16(struct pci_function *f, unsigned off, uint16_t v)
{
	f->cfg[off] = (uint8_t)v;
	f->cfg[off + 1] = (uint8_t)(v >> 8);
}

static void pci_put32(struct pci_function *f, unsigned off, uint32_t v)
{
	pci_put16(f, off, (uint16_t)v);
	pci_put16(f, off + 2, (uint16_t)(v >> 16));
}

static void pci_mask32(uint8_t *mask, unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		mask[off + i] = (uint8_t)(v >> (8 * i));
}

void pci_init(struct pci *p, struct machine *m)
{
	memset(p, 0, sizeof *p);
	pthread_mutex_init(&p->lock, NULL);
	p->m = m;
}

void pci_destroy(struct pci *p)
{
	pthread_mutex_destroy(&p->lock);
}

struct pci_function *pci_find(struct pci *p, unsigned bus, unsigned dev, unsigned fn)
{
	for (int i = 0; i < p->n; i++)
		if (p->fn[i].bus == bus && p->fn[i].dev == dev && p->fn[i].fn == fn)
			return &p->fn[i];
	return NULL;
}

struct pci_function *pci_add_function(struct pci *p, unsigned bus, unsigned dev, unsigned fn,
				      const struct pci_function_ops *ops, void *ctx)
{
	if (bus > 255 || dev > 31 || fn > 7 || p->n == PCI_MAX_FUNCTIONS || pci_find(p, bus, dev, fn))
		return NULL;
	struct pci_function *f = &p->fn[p->n++];
	memset(f, 0, sizeof *f);
	f->bus = (uint8_t)bus;
	f->dev = (uint8_t)dev;
	f->fn = (uint8_t)fn;
	f->ops = ops;
	f->ctx = ctx;
	/* Command: I/O, memory, bus master, parity, SERR, INTx disable. */
	f->wmask[PCI_COMMAND] = 0x47;
	f->wmask[PCI_COMMAND + 1] = 0x05;
	/* Status: the error bits are write-one-to-clear. */
	f->w1c[PCI_STATUS + 1] = 0xF9;
	f->wmask[PCI_CACHE_LINE] = 0xFF;
	f->wmask[PCI_LATENCY] = 0xFF;
	f->wmask[PCI_INT_LINE] = 0xFF;
	return f;
}

void pci_set_ids(struct pci_function *f, uint16_t vendor, uint16_t device, uint32_t class24, uint8_t rev,
		 uint8_t header_type)
{
	pci_put16(f, PCI_VENDOR_ID, vendor);
	pci_put16(f, PCI_DEVICE_ID, device);
	pci_put8(f, PCI_REVISION, rev);
	pci_put8(f, PCI_CLASS_PROG, (uint8_t)class24);
	pci_put16(f, PCI_CLASS_PROG + 1, (uint16_t)(class24 >> 8));
	pci_put8(f, PCI_HEADER_TYPE, header_type);
}

void pci_set_bar(struct pci_function *f, unsigned i, uint32_t flags, uint32_t size)
{
	if (i >= PCI_NBARS)
		return;
	unsigned off = PCI_BAR0 + 4 * i;
	uint32_t type = flags & ((flags & PCI_BAR_IO) ? 0x3u : 0xFu);
	pci_mask32(f->wmask, off, size ? ~(size - 1) & ~((flags & PCI_BAR_IO) ? 0x3u : 0xFu) : 0);
	pci_put32(f, off, type);
}

static uint32_t pci_get(const struct pci_function *f, unsigned off, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

uint32_t pci_config_read(struct pci *p, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size)
{
	if (size == 0 || size > 4 || off + size > PCI_CFG_SIZE)
		return PCI_ABSENT;
	pthread_mutex_lock(&p->lock);
	struct pci_function *f = pci_find(p, bus, dev, fn);
	uint32_t v = PCI_ABSENT >> (32 - 8 * size);
	if (f) {
		if (f->ops && f->ops->read)
			f->ops->read(f->ctx, f, off, size);
		v = pci_get(f, off, size);
	} else {
		p->absent_reads++;
	}
	pthread_mutex_unlock(&p->lock);
	return v;
}

void pci_config_write(struct pci *p, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
		      uint32_t v)
{
	if (size == 0 || size > 4 || off + size > PCI_CFG_SIZE)
		return;
	pthread_mutex_lock(&p->lock);
	struct pci_function *f = pci_find(p, bus, dev, fn);
	if (f) {
		uint32_t old = pci_get(f, off & ~3u, 4);
		for (unsigned i = 0; i < size; i++) {
			uint8_t b = (uint8_t)(v >> (8 * i)), w = f->wmask[off + i], c = f->w1c[off + i];
			uint8_t cur = f->cfg[off + i];
			cur = (uint8_t)((cur & ~w) | (b & w));
			cur = (uint8_t)(cur & ~(b & c));
			f->cfg[off + i] = cur;
		}
		if (f->ops && f->ops->write)
			f->ops->write(f->ctx, f, off, size, old);
	}
	pthread_mutex_unlock(&p->lock);
	/* Writes are few (a kernel's probe and setup): each is an io event. */
	if (p->m)
		evlog_add(&p->m->events, EV_IO, p->m->io_eip, -1, "pci %02x:%02x.%x write 0x%02x size %u value 0x%x%s", bus,
			  dev, fn, off, size, v, f ? "" : " (no such function)");
}

/* The PIIX3's reset control register, also the FADT's RESET_REG: a write
 * with RST_CPU set resets the machine (QEMU's rcr_write does the same). */
static void pci_reset_control_write(struct pci *p, uint8_t v)
{
	p->rcr = v & (PCI_RC_SYS_RST | PCI_RC_FULL_RST);
	if ((v & PCI_RC_RST_CPU) && p->m)
		machine_request(p->m, MACHINE_REQ_RESET, 0, 0, "reset control register 0xcf9");
}

static void pci_data_access(struct pci *p, unsigned lane, uint8_t *d, unsigned size, bool is_write)
{
	uint32_t a = p->addr;
	if (lane + size > 4)
		size = 4 - lane;   /* a dword at 0xCFE: only the bytes of CONFIG_DATA */
	unsigned bus = (a >> 16) & 0xFF, dev = (a >> 11) & 0x1F, fn = (a >> 8) & 7, off = (a & 0xFC) + lane;
	if (!(a & PCI_ADDR_ENABLE)) {
		if (!is_write)
			memset(d, PCI_OPEN_BUS, size);
		return;   /* no configuration cycle: the ISA bus sees it, nothing there */
	}
	if (is_write) {
		uint32_t v = 0;
		memcpy(&v, d, size);
		pci_config_write(p, bus, dev, fn, off, size, v);
	} else {
		uint32_t v = pci_config_read(p, bus, dev, fn, off, size);
		memcpy(d, &v, size);
	}
}

void pci_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct pci *p = opaque;
	uint8_t *d = data;

	if (off >= 4) {
		pci_data_access(p, (unsigned)off - 4, d, size, is_write);
		return;
	}
	if (off == 0 && size == 4) {
		if (is_write) {
			uint32_t v;
			memcpy(&v, d, 4);
			p->addr = v & PCI_ADDR_MASK;
		} else {
			memcpy(d, &p->addr, 4);
		}
		return;
	}
	if (off == PCI_RESET_OFF && size == 1) {
		if (is_write)
			pci_reset_control_write(p, d[0]);
		else
			d[0] = p->rcr;
		return;
	}
	if (off == 0 && size == 1 && is_write) {
		if (p->m)
			machine_unsupported(p->m, "PCI configuration mechanism #2 (byte write 0x%02x to port 0xcf8)", d[0]);
		return;
	}
	/* Other part-dword accesses to CONFIG_ADDRESS (Linux's probe writes
	 * 0xCFB): not a configuration register, reads open bus, as QEMU does. */
	if (!is_write)
		memset(d, PCI_OPEN_BUS, size);
}

void pci_elcr_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	/* IRQ 0, 1, 2, 8 and 13 are always edge: their bits read 0. */
	static const uint8_t mask[2] = { 0xF8, 0xDE };
	struct pci *p = opaque;
	uint8_t *d = data;
	for (unsigned i = 0; i < size; i++) {
		unsigned k = (unsigned)(off + i) & 1;
		if (is_write)
			p->elcr[k] = d[i] & mask[k];
		else
			d[i] = p->elcr[k];
	}
}

/* Power-on values of the PC's functions (what the 440FX and PIIX3
 * datasheets give, with the IDE channels' decode enabled as a BIOS leaves
 * them: ata_piix checks bit 15 of IDETIM). */
static void pci_pc_defaults(struct pci_function *f)
{
	uint8_t wm[PCI_CFG_SIZE], wc[PCI_CFG_SIZE];
	memcpy(wm, f->wmask, sizeof wm);
	memcpy(wc, f->w1c, sizeof wc);
	memset(f->cfg, 0, sizeof f->cfg);
	if (f->ops == &pci_host_ops) {
		pci_set_ids(f, 0x8086, 0x1237, 0x060000, 0x02, PCI_HEADER_NORMAL);
		pci_put16(f, PCI_COMMAND, 0x0006);
		pci_put16(f, PCI_STATUS, 0x0280);
	} else if (f->ops == &pci_isa_ops) {
		pci_set_ids(f, 0x8086, 0x7000, 0x060100, 0x00, PCI_HEADER_MULTI);
		pci_put16(f, PCI_COMMAND, 0x0007);
		pci_put16(f, PCI_STATUS, 0x0200);
		pci_put32(f, 0x60, 0x80808080u);   /* PIRQA-D routing: disabled */
		pci_put8(f, 0x4C, 0x4D);           /* ISA I/O recovery timer */
		pci_put8(f, 0x4E, 0x03);           /* X-bus chip select */
		pci_put8(f, 0x69, 0x02);           /* top of memory */
		pci_put8(f, 0x70, 0x80);           /* MBIRQ0: disabled */
		pci_put8(f, 0x76, 0x0C);           /* MBDMA */
		pci_put8(f, 0x77, 0x0C);
		pci_put8(f, 0x78, 0x02);           /* programmable chip select */
	} else if (f->ops == &pci_ide_ops) {
		pci_set_ids(f, 0x8086, 0x7010, 0x010180, 0x00, PCI_HEADER_NORMAL);
		pci_put16(f, PCI_STATUS, 0x0280);
		pci_put16(f, 0x40, 0x8000);        /* IDETIM primary: decode enabled */
		pci_put16(f, 0x42, 0x8000);        /* IDETIM secondary */
	}
	memcpy(f->wmask, wm, sizeof wm);
	memcpy(f->w1c, wc, sizeof wc);
}

/* The chipset registers past the header (PAM, SMRAM, PIRQ routing, IDE
 * timings): storage the guest may write. */
static void pci_chipset_storage(struct pci_function *f)
{
	memset(f->wmask + 0x40, 0xFF, PCI_CFG_SIZE - 0x40);
}

int pci_add_pc_functions(struct pci *p)
{
	static const struct { unsigned dev, fn; const struct pci_function_ops *ops; } pc[] = {
		{ 0, 0, &pci_host_ops }, { 1, 0, &pci_isa_ops }, { 1, 1, &pci_ide_ops },
	};
	for (size_t i = 0; i < sizeof pc / sizeof pc[0]; i++) {
		struct pci_function *f = pci_add_function(p, 0, pc[i].dev, pc[i].fn, pc[i].ops, NULL);
		if (!f)
			return -1;
		pci_chipset_storage(f);
		pci_pc_defaults(f);
	}
	return 0;
}

void pci_reset(struct pci *p)
{
	pthread_mutex_lock(&p->lock);
	p->addr = 0;
	p->rcr = 0;
	p->elcr[0] = p->elcr[1] = 0;
	for (int i = 0; i < p->n; i++)
		if (p->fn[i].ops == &pci_host_ops || p->fn[i].ops == &pci_isa_ops || p->fn[i].ops == &pci_ide_ops)
			pci_pc_defaults(&p->fn[i]);
	pthread_mutex_unlock(&p->lock);
}

void pci_describe(struct pci *p, char *buf, size_t len)
{
	size_t k = 0;
	if (len == 0)
		return;
	buf[0] = 0;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->n && k < len; i++) {
		const struct pci_function *f = &p->fn[i];
		int n = snprintf(buf + k, len - k, "%02x:%02x.%x %04x:%04x class %06x rev %02x cmd %04x %s\n", f->bus,
				 f->dev, f->fn, pci_get(f, PCI_VENDOR_ID, 2), pci_get(f, PCI_DEVICE_ID, 2),
				 pci_get(f, PCI_CLASS_PROG, 3), f->cfg[PCI_REVISION], pci_get(f, PCI_COMMAND, 2),
				 f->ops && f->ops->name ? f->ops->name : "");
		k += n > 0 ? (size_t)n : 0;
	}
	if (k < len)
		snprintf(buf + k, len - k, "CONFIG_ADDRESS 0x%08x  reset control 0x%02x  ELCR 0x%02x 0x%02x  "
			 "reads of absent functions %llu\n", p->addr, p->rcr, p->elcr[0], p->elcr[1],
			 (unsigned long long)p->absent_reads);
	pthread_mutex_unlock(&p->lock);
}

/* The machine's PCI bus (monitor/device.h). */

int pci_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct pci *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pci_init(p, d->m);
	if (pci_add_pc_functions(p) < 0 ||
	    machine_dev_pio(d, PCI_CONFIG_PORT, PCI_CONFIG_PORTS, NULL, pci_io, p, err, errlen) < 0 ||
	    machine_dev_pio(d, PCI_ELCR_PORT, 2, "elcr", pci_elcr_io, p, err, errlen) < 0) {
		pci_destroy(p);
		free(p);
		return -1;
	}
	d->state = p;
	return 0;
}

void pci_dev_reset(struct machine_dev *d)
{
	pci_reset(d->state);
}

void pci_dev_destroy(struct machine_dev *d)
{
	pci_destroy(d->state);
	free(d->state);
}
