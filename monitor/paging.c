/* The guest page-table walk (see paging.h). Section numbers are those of the
 * Intel SDM vol. 3A, chapter 4. */
#include "monitor/paging.h"

#include <cpuid.h>
#include <string.h>

/* Paging-structure entry bits (4.3, 4.4). */
#define PTE_P   0x001u
#define PTE_RW  0x002u
#define PTE_US  0x004u
#define PTE_A   0x020u
#define PTE_D   0x040u
#define PTE_PS  0x080u
#define PTE_XD  (1ull << 63)

#define PAGE_4K 0x1000u
#define PAGE_2M 0x200000u
#define PAGE_4M 0x400000u

/* PAE PDPTE bits 8:5 and 2:1 are reserved: no A, R/W or U/S at that level (4.4.1). */
#define PDPTE_RSVD_LOW 0x1e6ull
/* A 2 MiB PDE's bits 20:13 are reserved (bit 12 is PAT) (table 4-9). */
#define PDE2M_RSVD_LOW 0x1fe000ull
/* A 4 MiB PDE holds physical address bits (M-1):32 in bits (M-20):13, and
 * bits 21:(M-19) are reserved, with M = min(MAXPHYADDR, 40) (table 4-4). */
#define PSE36_MAX_M 40

/* ---- Guest-physical memory ---- */

static bool ram_present(void *ctx, uint64_t pa, size_t len)
{
	return gmem_is_ram(ctx, pa, len);
}

static bool ram_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	return gmem_read(ctx, pa, buf, len) == 0;
}

static bool ram_write(void *ctx, uint64_t pa, const void *buf, size_t len)
{
	return gmem_write(ctx, pa, buf, len) == 0;
}

struct pg_phys pg_phys_ram(struct guestmem *gm)
{
	return (struct pg_phys){ .ctx = gm, .present = ram_present, .read = ram_read, .write = ram_write };
}

struct pg_mode pg_mode_of(const struct vcpu_state *st, unsigned maxphyaddr)
{
	return (struct pg_mode){ .cr0 = st->cr0, .cr3 = st->cr3, .cr4 = st->cr4, .efer = st->efer,
				 .maxphyaddr = maxphyaddr };
}

unsigned pg_cpu_maxphyaddr(void)
{
	unsigned a, b, c, d;
	if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000008u && __get_cpuid(0x80000008u, &a, &b, &c, &d))
		return a & 0xff;
	return PG_DEFAULT_MAXPHYADDR;
}

/* ---- The walk ---- */

struct walk {
	const struct pg_phys *mem;
	const struct pg_mode *mode;
	unsigned flags;
	struct pg_result *r;
	uint32_t err;        /* the error code's access bits: W, U, I/D */
};

static enum pg_status bad_phys(struct walk *w, uint64_t pa)
{
	w->r->bad_pa = pa;
	return PG_BAD_PHYS;
}

static enum pg_status fault(struct walk *w, uint32_t bits)
{
	w->r->error = w->err | bits;
	return PG_FAULT;
}

/* Read a 4- or 8-byte entry. */
static enum pg_status read_entry(struct walk *w, uint64_t pa, size_t size, uint64_t *e)
{
	*e = 0;
	if (!w->mem->read(w->mem->ctx, pa, e, size))   /* x86 hosts: little-endian like the guest */
		return bad_phys(w, pa);
	return PG_OK;
}

/* Set A/D bits of the entry at pa, whose value *e was read. They live in the
 * low dword of PAE entries too, so only that dword is written: a plain store,
 * enough with one vCPU, which is stopped while the monitor walks for it. */
static enum pg_status set_bits(struct walk *w, uint64_t pa, uint64_t *e, uint32_t bits)
{
	if (!(w->flags & PG_SET_AD) || (*e & bits) == bits)
		return PG_OK;
	*e |= bits;
	uint32_t low = (uint32_t)*e;
	if (!w->mem->write(w->mem->ctx, pa, &low, sizeof low))
		return bad_phys(w, pa);
	return PG_OK;
}

/* A non-leaf entry: present and without reserved bits, or the walk stops.
 * The CPU sets its A bit as it uses it, whatever happens further down. */
static enum pg_status use_table_entry(struct walk *w, uint64_t pa, uint64_t *e, uint64_t rsvd, bool has_a)
{
	if (!(*e & PTE_P))
		return fault(w, 0);
	if (*e & rsvd)   /* checked only in present entries (4.7) */
		return fault(w, PG_PF_P | PG_PF_RSVD);
	return has_a ? set_bits(w, pa, e, PTE_A) : PG_OK;
}

static unsigned maxphyaddr(const struct pg_mode *mode)
{
	unsigned m = mode->maxphyaddr ? mode->maxphyaddr : PG_DEFAULT_MAXPHYADDR;
	return m < 32 ? 32 : m > 52 ? 52 : m;
}

/* The leaf entry, the combined R/W, U/S and XD of the levels, and the page. */
struct leaf {
	uint64_t pa;       /* entry address */
	uint64_t e;
	bool rw, us, xd;
	uint64_t dir;      /* the directory entry (the leaf for a large page) */
	uint64_t frame;    /* physical address of the page */
	uint32_t size;
};

/* 32-bit paging (4.3): a page directory at CR3[31:12] and page tables. */
static enum pg_status walk32(struct walk *w, uint32_t lin, struct leaf *l)
{
	enum pg_status s;
	uint64_t pde_pa = (w->mode->cr3 & 0xfffff000u) + 4u * (lin >> 22), pde;

	if ((s = read_entry(w, pde_pa, 4, &pde)) != PG_OK)
		return s;
	if ((pde & PTE_PS) && (w->mode->cr4 & PG_CR4_PSE)) {   /* PS is ignored without CR4.PSE */
		unsigned m = maxphyaddr(w->mode);
		if (m > PSE36_MAX_M)
			m = PSE36_MAX_M;
		uint64_t rsvd = (1u << 22) - (1u << (m - 19));   /* bits 21:(M-19) */
		if (!(pde & PTE_P))
			return fault(w, 0);
		if (pde & rsvd)
			return fault(w, PG_PF_P | PG_PF_RSVD);
		uint64_t high = (pde >> 13) & ((1u << (m - 32)) - 1);   /* PSE-36: bits (M-1):32 */
		*l = (struct leaf){ .pa = pde_pa, .e = pde, .rw = pde & PTE_RW, .us = pde & PTE_US, .dir = pde,
				    .frame = (pde & 0xffc00000u) | high << 32, .size = PAGE_4M };
		return PG_OK;
	}
	if ((s = use_table_entry(w, pde_pa, &pde, 0, true)) != PG_OK)   /* nothing reserved here */
		return s;

	uint64_t pte_pa = (pde & 0xfffff000u) + 4u * ((lin >> 12) & 0x3ff), pte;
	if ((s = read_entry(w, pte_pa, 4, &pte)) != PG_OK)
		return s;
	if (!(pte & PTE_P))
		return fault(w, 0);
	*l = (struct leaf){ .pa = pte_pa, .e = pte, .rw = pde & pte & PTE_RW, .us = pde & pte & PTE_US,
			    .dir = pde, .frame = pte & 0xfffff000u, .size = PAGE_4K };
	return PG_OK;
}

/* PAE paging (4.4): four PDPTEs at CR3[31:5], then 512-entry directories and tables. */
static enum pg_status walk_pae(struct walk *w, uint32_t lin, struct leaf *l)
{
	enum pg_status s;
	uint64_t above = ~((1ull << maxphyaddr(w->mode)) - 1);   /* bits 63:M are reserved ... */
	uint64_t addr = ~above & ~0xfffull;
	bool nxe = w->mode->efer & PG_EFER_NXE;
	uint64_t rsvd = nxe ? above & ~PTE_XD : above;           /* ... but 63 is XD with NXE */

	uint64_t pdpte_pa = (w->mode->cr3 & 0xffffffe0u) + 8u * (lin >> 30), pdpte;
	if ((s = read_entry(w, pdpte_pa, 8, &pdpte)) != PG_OK)
		return s;
	/* No XD in PDPTEs: bit 63 is reserved even with NXE. No A bit either. */
	if ((s = use_table_entry(w, pdpte_pa, &pdpte, above | PDPTE_RSVD_LOW, false)) != PG_OK)
		return s;

	uint64_t pde_pa = (pdpte & addr) + 8u * ((lin >> 21) & 0x1ff), pde;
	if ((s = read_entry(w, pde_pa, 8, &pde)) != PG_OK)
		return s;
	bool xd = nxe && (pde & PTE_XD);
	if (pde & PTE_PS) {   /* a 2 MiB page, CR4.PSE or not */
		if (!(pde & PTE_P))
			return fault(w, 0);
		if (pde & (rsvd | PDE2M_RSVD_LOW))
			return fault(w, PG_PF_P | PG_PF_RSVD);
		*l = (struct leaf){ .pa = pde_pa, .e = pde, .rw = pde & PTE_RW, .us = pde & PTE_US, .xd = xd,
				    .dir = pde, .frame = pde & addr & ~(uint64_t)(PAGE_2M - 1), .size = PAGE_2M };
		return PG_OK;
	}
	if ((s = use_table_entry(w, pde_pa, &pde, rsvd, true)) != PG_OK)
		return s;

	uint64_t pte_pa = (pde & addr) + 8u * ((lin >> 12) & 0x1ff), pte;
	if ((s = read_entry(w, pte_pa, 8, &pte)) != PG_OK)
		return s;
	if (!(pte & PTE_P))
		return fault(w, 0);
	if (pte & rsvd)
		return fault(w, PG_PF_P | PG_PF_RSVD);
	*l = (struct leaf){ .pa = pte_pa, .e = pte, .rw = pde & pte & PTE_RW, .us = pde & pte & PTE_US,
			    .dir = pde, .xd = xd || (nxe && (pte & PTE_XD)), .frame = pte & addr, .size = PAGE_4K };
	return PG_OK;
}

enum pg_status pg_translate(const struct pg_phys *mem, const struct pg_mode *mode, uint32_t lin,
			    enum pg_access acc, unsigned flags, struct pg_result *r)
{
	memset(r, 0, sizeof *r);
	r->lin = lin;
	if (!(mode->cr0 & CR0_PG)) {
		*r = (struct pg_result){ .lin = lin, .pa = lin, .size = PAGE_4K,
					 .writable = true, .user = true, .exec = true, .dirty = true };
		return PG_OK;
	}

	bool user = flags & PG_USER;
	bool pae = mode->cr4 & PG_CR4_PAE;
	bool smep = mode->cr4 & PG_CR4_SMEP;
	bool fetch = acc == PG_EXEC;
	struct walk w = { mem, mode, flags, r, 0 };
	/* W/R and U/S describe the access, not the page; I/D only where XD or
	 * SMEP can make a fetch fault (4.7). */
	w.err = (acc == PG_WRITE ? PG_PF_W : 0) | (user ? PG_PF_U : 0) |
		(fetch && (smep || (pae && (mode->efer & PG_EFER_NXE))) ? PG_PF_ID : 0);

	struct leaf l;
	enum pg_status s = pae ? walk_pae(&w, lin, &l) : walk32(&w, lin, &l);
	if (s != PG_OK)
		return s;

	/* Access rights (4.6), without SMAP and protection keys. */
	r->user = l.us;
	if (user) {
		r->writable = l.us && l.rw;          /* CR0.WP does not matter at CPL 3 */
		r->exec = l.us && !l.xd;
	} else {
		r->writable = l.rw || !(mode->cr0 & CR0_WP);
		r->exec = !l.xd && !(smep && l.us);
	}
	bool ok = acc == PG_WRITE ? r->writable : acc == PG_EXEC ? r->exec : (!user || l.us);
	if (!ok && !(flags & PG_FORCE))
		return fault(&w, PG_PF_P);

	if ((s = set_bits(&w, l.pa, &l.e, acc == PG_WRITE ? PTE_A | PTE_D : PTE_A)) != PG_OK)
		return s;
	if (l.size != PAGE_4K)
		l.dir = l.e;
	r->entry = l.e;
	r->dir = l.dir;
	r->dirty = l.e & PTE_D;
	r->accessed = l.e & PTE_A;
	r->size = l.size;
	r->pa = l.frame | (lin & (l.size - 1));
	return PG_OK;
}

/* ---- Directory entries, for callers that cache walks ---- */

enum pg_status pg_dir_entry(const struct pg_phys *mem, const struct pg_mode *mode, uint32_t lin, uint64_t *dir)
{
	struct pg_result r;
	struct walk w = { mem, mode, 0, &r, 0 };
	*dir = 0;
	if (!(mode->cr4 & PG_CR4_PAE))
		return read_entry(&w, (mode->cr3 & 0xfffff000u) + 4u * (lin >> 22), 4, dir);
	uint64_t above = ~((1ull << maxphyaddr(mode)) - 1), pdpte;
	enum pg_status s = read_entry(&w, (mode->cr3 & 0xffffffe0u) + 8u * (lin >> 30), 8, &pdpte);
	if (s == PG_OK)
		s = use_table_entry(&w, 0, &pdpte, above | PDPTE_RSVD_LOW, false);
	if (s != PG_OK)
		return s;
	return read_entry(&w, (pdpte & ~above & ~0xfffull) + 8u * ((lin >> 21) & 0x1ff), 8, dir);
}

bool pg_dir_large(const struct pg_mode *mode, uint64_t dir)
{
	return (dir & PTE_PS) && (mode->cr4 & (PG_CR4_PAE | PG_CR4_PSE));
}

uint64_t pg_dir_table(const struct pg_mode *mode, uint64_t dir)
{
	if (!(mode->cr4 & PG_CR4_PAE))
		return dir & 0xfffff000u;
	return dir & ((1ull << maxphyaddr(mode)) - 1) & ~0xfffull;
}

uint64_t pg_dir_key(const struct pg_mode *mode, uint64_t dir)
{
	if (pg_dir_large(mode, dir))
		return dir;
	return dir & ~pg_dir_table(mode, dir) & ~0xe00ull;   /* bits 11:9 are ignored */
}

unsigned pg_dir_shift(const struct pg_mode *mode)
{
	return mode->cr4 & PG_CR4_PAE ? 21 : 22;
}

/* ---- Linear copies ---- */

/* Check every page, then copy: to rbuf (a read) or from wbuf (a write). */
static enum pg_status copy_lin(const struct pg_phys *mem, const struct pg_mode *mode, uint32_t lin,
			       enum pg_access acc, void *rbuf, const void *wbuf, size_t len,
			       unsigned flags, struct pg_result *r)
{
	struct pg_result scratch;
	enum pg_status s;

	if (!r)
		r = &scratch;
	/* The check sets no A/D bits: a copy that fails leaves the tables as they were. */
	uint32_t a = lin;
	for (size_t left = len; left;) {
		size_t n = PAGE_4K - (a & (PAGE_4K - 1));
		if (n > left)
			n = left;
		if ((s = pg_translate(mem, mode, a, acc, flags & ~PG_SET_AD, r)) != PG_OK)
			return s;
		if (!mem->present(mem->ctx, r->pa, n)) {
			r->bad_pa = r->pa;
			return PG_BAD_PHYS;
		}
		a += (uint32_t)n;   /* wraps at 4 GiB, as linear addresses do */
		left -= n;
	}
	/* Walk again, now with A/D. It cannot fail unless the copy rewrote the
	 * tables that map it, which real CPUs leave as loosely defined. */
	a = lin;
	for (size_t off = 0; off < len;) {
		size_t n = PAGE_4K - (a & (PAGE_4K - 1));
		if (n > len - off)
			n = len - off;
		if ((s = pg_translate(mem, mode, a, acc, flags, r)) != PG_OK)
			return s;
		bool ok = acc == PG_WRITE ? mem->write(mem->ctx, r->pa, (const uint8_t *)wbuf + off, n)
			       : mem->read(mem->ctx, r->pa, (uint8_t *)rbuf + off, n);
		if (!ok) {
			r->bad_pa = r->pa;
			return PG_BAD_PHYS;
		}
		a += (uint32_t)n;
		off += n;
	}
	return PG_OK;
}

enum pg_status pg_read_lin(const struct pg_phys *mem, const struct pg_mode *mode, uint32_t lin,
			   void *buf, size_t len, unsigned flags, struct pg_result *r)
{
	return copy_lin(mem, mode, lin, PG_READ, buf, NULL, len, flags, r);
}

enum pg_status pg_write_lin(const struct pg_phys *mem, const struct pg_mode *mode, uint32_t lin,
			    const void *buf, size_t len, unsigned flags, struct pg_result *r)
{
	return copy_lin(mem, mode, lin, PG_WRITE, NULL, buf, len, flags, r);
}
