/* The PCI bus's configuration space: mechanism #1 at ports 0xCF8 (the 32-bit
 * CONFIG_ADDRESS: enable bit 31, bus 23-16, device 15-11, function 10-8,
 * register 7-2) and 0xCFC-0xCFF (CONFIG_DATA: byte, word and dword accesses
 * reach the register's bytes at their offsets), and the functions on it, as
 * on the i440FX/PIIX3 machine QEMU and SeaBIOS model:
 *
 *   00:00.0  8086:1237  class 060000  host bridge (440FX PMC)
 *   00:01.0  8086:7000  class 060100  ISA bridge (PIIX3), multi-function
 *   00:01.1  8086:7010  class 010180  IDE (PIIX3), legacy mode, no BARs
 *
 * A function is a 256-byte configuration space with a mask of the bits the
 * guest may write (everything else reads back as set) and of the status bits
 * that a 1 clears; BARs have the sizing semantics (write all ones, read back
 * the size mask with the type bits). A device adds one with one call and may
 * hook reads and writes:
 *
 *   struct pci *bus = machine_device(m, "pci");
 *   struct pci_function *f = pci_add_function(bus, 0, 3, 0, &mydev_pci_ops, mydev);
 *   pci_set_ids(f, 0x1234, 0x5678, 0x020000, 0, PCI_HEADER_NORMAL);
 *   pci_set_bar(f, 0, PCI_BAR_MEM32, 0x1000);
 *
 * A function nobody added reads 0xFFFFFFFF (the master abort that hardware
 * gives). Byte writes to 0xCF9, inside CONFIG_ADDRESS's dword, are the
 * PIIX3's reset control register: writing bit 2 (RST_CPU) as 1 resets the
 * machine. Mechanism #2 (a byte write to 0xCF8, ports 0xC000-0xCFFF) is not
 * modelled: it stops the guest. Port 0x4D0-0x4D1 is the PIIX3's ELCR (edge or
 * level per ISA line), kept as storage: the 8259 model is edge-triggered.
 */
#ifndef BT86_MONITOR_PCI_H
#define BT86_MONITOR_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct pci_function;

#define PCI_CONFIG_PORT   0xCF8     /* 0xCF8-0xCFF: address and data */
#define PCI_CONFIG_PORTS  8
#define PCI_RESET_OFF     1         /* 0xCF9 within them */
#define PCI_ELCR_PORT     0x4D0
#define PCI_CFG_SIZE      256
#define PCI_MAX_FUNCTIONS 32
#define PCI_ABSENT        0xFFFFFFFFu

#define PCI_ADDR_ENABLE   0x80000000u
#define PCI_ADDR_MASK     0x80FFFFFCu   /* bits 30-24 and 1-0 are reserved, read 0 */

/* Configuration header registers. */
#define PCI_VENDOR_ID     0x00
#define PCI_DEVICE_ID     0x02
#define PCI_COMMAND       0x04
#define PCI_STATUS        0x06
#define PCI_REVISION      0x08
#define PCI_CLASS_PROG    0x09     /* 0x09-0x0B: prog-if, subclass, class */
#define PCI_CACHE_LINE    0x0C
#define PCI_LATENCY       0x0D
#define PCI_HEADER_TYPE   0x0E
#define PCI_BAR0          0x10
#define PCI_NBARS         6
#define PCI_INT_LINE      0x3C
#define PCI_INT_PIN       0x3D

#define PCI_HEADER_NORMAL 0x00
#define PCI_HEADER_MULTI  0x80     /* bit 7: a multi-function device */

#define PCI_BAR_IO        0x1u     /* bit 0: I/O space */
#define PCI_BAR_MEM32     0x0u
#define PCI_BAR_PREFETCH  0x8u

/* The reset control register's bits (PIIX3). */
#define PCI_RC_SYS_RST    0x02     /* a hard (system) reset rather than a soft one */
#define PCI_RC_RST_CPU    0x04     /* writing 1 starts the reset */
#define PCI_RC_FULL_RST   0x08     /* PIIX4 and later */

/* A device's hooks; any may be NULL. read runs before bytes [off, off+size)
 * are read (to refresh a live register in f->cfg); write runs after the
 * masked write was applied (old: the dword before it). */
struct pci_function_ops {
	const char *name;   /* for info pci */
	void (*read)(void *ctx, struct pci_function *f, unsigned off, unsigned size);
	void (*write)(void *ctx, struct pci_function *f, unsigned off, unsigned size, uint32_t old);
};

struct pci_function {
	uint8_t bus, dev, fn;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];   /* bits the guest may write */
	uint8_t w1c[PCI_CFG_SIZE];     /* bits a written 1 clears (status) */
	const struct pci_function_ops *ops;
	void *ctx;
};

struct pci {
	pthread_mutex_t lock;
	struct machine *m;             /* for the reset and unsupported requests */
	uint32_t addr;                 /* CONFIG_ADDRESS */
	uint8_t rcr;                   /* reset control, bits that stay */
	uint8_t elcr[2];
	struct pci_function fn[PCI_MAX_FUNCTIONS];
	int n;
	uint64_t absent_reads;         /* config reads of functions that are not there */
};

/* A bus with no functions; m may be NULL (no requests then). */
void pci_init(struct pci *p, struct machine *m);
void pci_destroy(struct pci *p);
/* The PC's functions (host bridge, ISA bridge, IDE): 0, or -1 if full. */
int pci_add_pc_functions(struct pci *p);
/* Power-on values of the PC's functions' registers and of CONFIG_ADDRESS. */
void pci_reset(struct pci *p);

/* Add function bus:dev.fn, all zero but the default masks (command, status
 * w1c, cache line, latency, interrupt line). NULL if the slot is taken or
 * the table is full. */
struct pci_function *pci_add_function(struct pci *p, unsigned bus, unsigned dev, unsigned fn,
				      const struct pci_function_ops *ops, void *ctx);
struct pci_function *pci_find(struct pci *p, unsigned bus, unsigned dev, unsigned fn);
void pci_set_ids(struct pci_function *f, uint16_t vendor, uint16_t device, uint32_t class24, uint8_t rev,
		 uint8_t header_type);
/* BAR i decodes size bytes (a power of two: at least 16 for memory, 4 for
 * I/O) of the type in flags: the address bits above the size are writable,
 * the type bits read-only. */
void pci_set_bar(struct pci_function *f, unsigned i, uint32_t flags, uint32_t size);

/* Raw accesses to a function's space by bus:dev.fn, as CONFIG_DATA makes
 * them (masks applied, hooks called); absent functions read all ones. */
uint32_t pci_config_read(struct pci *p, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size);
void pci_config_write(struct pci *p, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
		      uint32_t v);

/* The io_fns: 0xCF8-0xCFF, and the ELCR at 0x4D0-0x4D1. */
void pci_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void pci_elcr_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* One line per function, for info pci. */
void pci_describe(struct pci *p, char *buf, size_t len);

/* The machine's PCI bus (monitor/device.h hooks); its state is a struct pci. */
struct machine_dev;
int pci_dev_init(struct machine_dev *d, char *err, size_t errlen);
void pci_dev_reset(struct machine_dev *d);
void pci_dev_destroy(struct machine_dev *d);

#endif
