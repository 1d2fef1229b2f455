/* The guest page-table walk of a 32-bit x86 CPU (Intel SDM vol. 3A ch. 4):
 * 32-bit paging (4 KiB pages, 4 MiB pages with CR4.PSE, PSE-36 high address
 * bits), PAE paging (2 MiB and 4 KiB pages, XD with EFER.NXE, reserved-bit
 * checks), SMEP, and paging off. For the monitor (emulated instructions,
 * interrupt delivery), the gdb stub and the shadow-paging window.
 *
 *   struct pg_phys ram = pg_phys_ram(&m->mem);
 *   struct pg_mode mode = pg_mode_of(st, maxphyaddr);
 *   struct pg_result r;
 *   switch (pg_translate(&ram, &mode, lin, PG_WRITE, PG_SET_AD | (cpl == 3 ? PG_USER : 0), &r)) {
 *   case PG_OK:       use r.pa; map r.pa & ~(r.size - 1) with r.writable ...
 *   case PG_FAULT:    st->cr2 = r.lin; deliver #PF with error code r.error
 *   case PG_BAD_PHYS: a table at r.bad_pa is not in RAM: report, stop
 *   }
 *
 * Not modelled: TLBs (every call walks the tables afresh), SMAP, protection
 * keys, the PDPTE registers (see PG_BAD_PHYS and pg_translate). */
#ifndef BT86_MONITOR_PAGING_H
#define BT86_MONITOR_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/guestmem.h"
#include "monitor/vcpu.h"

/* The control bits the walk reads (vcpu.h has CR0_PG and CR0_WP). */
#define PG_CR4_PSE  0x00000010u   /* 4 MiB pages in 32-bit paging */
#define PG_CR4_PAE  0x00000020u   /* PAE paging: 3 levels of 64-bit entries */
#define PG_CR4_SMEP 0x00100000u   /* no supervisor fetches from user pages */
#define PG_EFER_NXE 0x00000800u   /* bit 63 of PAE entries is XD, not reserved */

/* Page-fault error code bits (SDM 4.7). */
#define PG_PF_P    0x01u   /* protection violation (0: not present) */
#define PG_PF_W    0x02u   /* the access was a write */
#define PG_PF_U    0x04u   /* the access was a user-mode (CPL 3) one */
#define PG_PF_RSVD 0x08u   /* a reserved bit was set in an entry */
#define PG_PF_ID   0x10u   /* an instruction fetch (only with PAE+NXE or SMEP) */

/* Physical-address width when pg_mode.maxphyaddr is 0: what PAE CPUs without
 * CPUID leaf 0x80000008 have (SDM 4.1.4). */
#define PG_DEFAULT_MAXPHYADDR 36

/* What the walk needs of the vCPU: the controls, and the physical-address
 * width, which decides which entry bits are reserved. */
struct pg_mode {
	uint32_t cr0, cr3, cr4;
	uint64_t efer;
	unsigned maxphyaddr;    /* 32..52; 0 means PG_DEFAULT_MAXPHYADDR */
};

/* Guest-physical memory as the walk and the linear copies see it. Tables are
 * read and their A/D bits written through read/write; data of pg_read_lin and
 * pg_write_lin too. `present` tells whether a range can be read and written,
 * so a copy can check every page before it copies any. A caller with MMIO it
 * emulates (the gdb stub's VGA window) or writes it must see (invalidating
 * translated code) supplies its own; pg_phys_ram is plain RAM. */
struct pg_phys {
	void *ctx;
	bool (*present)(void *ctx, uint64_t pa, size_t len);
	/* false (nothing copied) if the range is not there */
	bool (*read)(void *ctx, uint64_t pa, void *buf, size_t len);
	bool (*write)(void *ctx, uint64_t pa, const void *buf, size_t len);
};

/* RAM only (gmem_is_ram, gmem_read, gmem_write); keeps a pointer to gm. */
struct pg_phys pg_phys_ram(struct guestmem *gm);

/* The paging controls of st, with the given physical-address width. */
struct pg_mode pg_mode_of(const struct vcpu_state *st, unsigned maxphyaddr);

/* The host CPU's physical-address width (CPUID 0x80000008, else 36): the
 * guest's too, as both engines pass that CPUID leaf through. Costs a CPUID,
 * which may exit to a hypervisor: callers keep the value. */
unsigned pg_cpu_maxphyaddr(void);

enum pg_access { PG_READ, PG_WRITE, PG_EXEC };

/* Flags of a walk. */
#define PG_USER   0x1u   /* a CPL 3 access (else supervisor) */
#define PG_SET_AD 0x2u   /* set Accessed and, on a permitted write, Dirty, as the CPU does */
#define PG_FORCE  0x4u   /* a debugger's access: any present mapping will do, no
			  * permission checks (like ptrace's FOLL_FORCE) */

enum pg_status {
	PG_OK,        /* translated: pa and the permissions are valid */
	PG_FAULT,     /* #PF: error code in error, CR2 value in lin */
	PG_BAD_PHYS,  /* a table entry (or, for pg_*_lin, the data) at bad_pa is not
		       * in guest-physical memory. Real hardware would read all-ones
		       * there (a floating bus) and go on; we stop, so a guest that
		       * points its tables outside RAM is reported, not emulated. */
};

struct pg_result {
	uint32_t lin;       /* the linear address walked (CR2 on a fault) */
	uint64_t pa;        /* PG_OK: the physical address */
	uint32_t size;      /* PG_OK: page size, 4 KiB, 2 MiB or 4 MiB (4 KiB with paging off) */
	/* PG_OK: the effective rights over all levels, for the privilege asked
	 * (PG_USER or not) and the current CR0.WP, CR4.SMEP and EFER.NXE. */
	bool writable;      /* a write would be allowed */
	bool user;          /* U/S=1 at every level: a CPL 3 access would be allowed */
	bool exec;          /* a fetch would be allowed (XD, SMEP) */
	bool accessed;      /* the final entry's A bit (after PG_SET_AD) */
	bool dirty;         /* the final entry's D bit (after PG_SET_AD): a caller that
			     * maps the page read-only until it is set can set it then */
	uint64_t entry;     /* PG_OK: the final entry, after PG_SET_AD */
	uint64_t dir;       /* PG_OK: the directory entry the walk went through (a
			     * PDE; the final entry itself for a large page) */
	uint32_t error;     /* PG_FAULT: the #PF error code, PG_PF_* bits */
	uint64_t bad_pa;    /* PG_BAD_PHYS: the physical address that is not there */
};

/* Translate lin for one access. With PG_SET_AD, the A bit of every non-leaf
 * entry the walk went through is set even if the access then faults (the SDM:
 * the PDE's A is set on a protection fault), the final entry's A (and D on a
 * write) only if the access is allowed. PAE PDPTEs are read from memory on
 * every walk, not from PDPTE registers loaded with CR3; a PDPTE with reserved
 * bits, which the CPU refuses with #GP at the CR3 load, gives a RSVD #PF. */
enum pg_status pg_translate(const struct pg_phys *mem, const struct pg_mode *mode, uint32_t lin,
			    enum pg_access acc, unsigned flags, struct pg_result *r);

/* For callers that keep translations per page table (a shadow TLB
 * rechecking its fills at a CR3 load): the directory entry (PDE) that maps
 * lin, read without setting any bit; under PAE through the PDPTE, which
 * must be present without reserved bits (else PG_FAULT). */
enum pg_status pg_dir_entry(const struct pg_phys *mem, const struct pg_mode *mode, uint32_t lin, uint64_t *dir);
/* Whether dir maps a large page (4 MiB, or 2 MiB under PAE) in this mode. */
bool pg_dir_large(const struct pg_mode *mode, uint64_t dir);
/* The page table a directory entry that is not a large page points to. */
uint64_t pg_dir_table(const struct pg_mode *mode, uint64_t dir);
/* What a translation through dir depends on besides its page table's
 * entries: dir without the table's address and the ignored bits, or all of
 * dir for a large page. Equal keys and equal final entries: equal walks. */
uint64_t pg_dir_key(const struct pg_mode *mode, uint64_t dir);
/* log2 of the linear range one directory entry maps: 22 or 21 (PAE). */
unsigned pg_dir_shift(const struct pg_mode *mode);

/* Copy len bytes from or to linear address lin (wrapping at 4 GiB, as the
 * CPU's linear addresses do), page by page, as data reads or writes with
 * flags. All or nothing: every page is translated and checked with `present`
 * first. On failure *r describes the first page that failed (r->lin is the
 * first byte of it that was wanted, the CR2 value); on success it holds the
 * last page's translation. r may be NULL. */
enum pg_status pg_read_lin(const struct pg_phys *mem, const struct pg_mode *mode, uint32_t lin,
			   void *buf, size_t len, unsigned flags, struct pg_result *r);
enum pg_status pg_write_lin(const struct pg_phys *mem, const struct pg_mode *mode, uint32_t lin,
			    const void *buf, size_t len, unsigned flags, struct pg_result *r);

#endif
