/* `info mptable` and `info acpi` (see firmware.h): the tables are found the
 * way a kernel finds them (the MP floating pointer in the EBDA's first KiB,
 * the last KiB of base memory or 0xf0000-0xfffff; the RSDP in the EBDA or
 * 0xe0000-0xfffff) and decoded from guest RAM as it is now, checksums
 * checked, one line per entry. */
#include "monitor/firmware.h"
#include "monitor/guestmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESC_MAX_TABLE 0x10000u   /* longer "tables" are garbage: not read */
#define MP_HEADER_OFF  44        /* the MP configuration table header */

struct desc {
	const struct guestmem *gm;
	fw_line_fn *line;
	void *ctx;
};

static void desc_printf(struct desc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void desc_printf(struct desc *d, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	d->line(d->ctx, text);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool sum_ok(const uint8_t *p, size_t len)
{
	return fw_checksum(p, len) == 0;
}

static const char *ok_text(bool ok)
{
	return ok ? "ok" : "BAD";
}

/* len bytes of guest RAM at pa, malloc'd, or NULL. */
static uint8_t *desc_read(struct desc *d, uint64_t pa, uint32_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	if (p && gmem_read(d->gm, pa, p, len) < 0) {
		free(p);
		p = NULL;
	}
	return p;
}

/* Printable text of a fixed-width ID field. */
static void desc_id(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	out[n] = 0;
}

/* The first 16-aligned sig in [lo, lo+len) whose len-byte checksum is 0. */
static uint32_t desc_scan(struct desc *d, uint32_t lo, uint32_t len, const char *sig, size_t siglen, size_t sumlen)
{
	uint8_t buf[36];
	for (uint32_t a = lo; a + sumlen <= lo + len; a += 16) {
		if (gmem_read(d->gm, a, buf, sumlen) < 0)
			continue;
		if (memcmp(buf, sig, siglen) == 0 && sum_ok(buf, sumlen))
			return a;
	}
	return 0;
}

static uint32_t desc_ebda(struct desc *d)
{
	uint8_t seg[2];
	if (gmem_read(d->gm, 0x40e, seg, 2) < 0)
		return 0;
	return (uint32_t)rd16(seg) << 4;
}

/* ---- MP ---- */

static void mp_entries(struct desc *d, const uint8_t *t, uint32_t len, unsigned count)
{
	static const char *const itype[4] = { "INT", "NMI", "SMI", "ExtINT" };
	static const char *const pol[4] = { "conforming", "active-high", "reserved", "active-low" };
	static const char *const trig[4] = { "conforming", "edge", "reserved", "level" };
	uint32_t off = MP_HEADER_OFF;
	for (unsigned i = 0; i < count && off < len; i++) {
		const uint8_t *e = t + off;
		unsigned elen = e[0] == 0 ? 20 : 8;
		if (e[0] > 4 || off + elen > len) {
			desc_printf(d, "  entry %u: unknown type %u: the rest is not decoded", i, e[0]);
			return;
		}
		switch (e[0]) {
		case 0:
			desc_printf(d, "  cpu     apic %u version 0x%02x%s%s signature 0x%03x features 0x%08x", e[1], e[2],
				    (e[3] & 1) ? " enabled" : " disabled", (e[3] & 2) ? " bsp" : "", rd32(e + 4) & 0xfff,
				    rd32(e + 8));
			break;
		case 1: {
			char name[7];
			desc_id(name, e + 2, 6);
			desc_printf(d, "  bus     %u %s", e[1], name);
			break;
		}
		case 2:
			desc_printf(d, "  ioapic  id %u version 0x%02x%s at 0x%08x", e[1], e[2],
				    (e[3] & 1) ? " enabled" : " disabled", rd32(e + 4));
			break;
		case 3:
		case 4: {
			uint16_t fl = rd16(e + 2);
			char dst[24];
			if (e[0] == 3)
				snprintf(dst, sizeof dst, "ioapic %u pin %u", e[6], e[7]);
			else if (e[6] == 0xff)
				snprintf(dst, sizeof dst, "all lapics LINT%u", e[7]);
			else
				snprintf(dst, sizeof dst, "lapic %u LINT%u", e[6], e[7]);
			desc_printf(d, "  %-7s %-6s bus %u irq %u -> %s (%s, %s)", e[0] == 3 ? "ioint" : "lint",
				    e[1] < 4 ? itype[e[1]] : "?", e[4], e[5], dst, pol[fl & 3], trig[(fl >> 2) & 3]);
			break;
		}
		}
		off += elen;
	}
}

int fw_describe_mp(const struct guestmem *gm, fw_line_fn *line, void *ctx)
{
	struct desc d = { gm, line, ctx };
	uint32_t fp = 0, ebda = desc_ebda(&d);
	uint8_t base[2] = { 0, 0 };
	if (ebda)
		fp = desc_scan(&d, ebda, 1024, "_MP_", 4, 16);
	if (!fp && gmem_read(gm, 0x413, base, 2) == 0 && rd16(base) > 1)
		fp = desc_scan(&d, ((uint32_t)rd16(base) - 1) * 1024, 1024, "_MP_", 4, 16);
	if (!fp)
		fp = desc_scan(&d, 0xf0000, 0x10000, "_MP_", 4, 16);
	if (!fp) {
		desc_printf(&d, "no MP floating pointer (\"_MP_\" with a good checksum) in the EBDA, base memory's last KiB or 0xf0000-0xfffff");
		return -1;
	}
	uint8_t f[16];
	gmem_read(gm, fp, f, 16);
	uint32_t ct = rd32(f + 4);
	desc_printf(&d, "MP floating pointer at 0x%08x: spec 1.%u, config table at 0x%08x, features %02x %02x, checksum ok",
		    fp, f[9], ct, f[11], f[12]);
	if (!ct) {
		desc_printf(&d, "  no configuration table: default configuration %u", f[11]);
		return 0;
	}
	uint8_t h[MP_HEADER_OFF];
	if (gmem_read(gm, ct, h, sizeof h) < 0 || memcmp(h, "PCMP", 4) != 0) {
		desc_printf(&d, "no MP configuration table (\"PCMP\") at 0x%08x", ct);
		return -1;
	}
	uint16_t len = rd16(h + 4);
	uint8_t *t = len >= MP_HEADER_OFF ? desc_read(&d, ct, len) : NULL;
	if (!t) {
		desc_printf(&d, "MP configuration table at 0x%08x: length %u is not in guest RAM", ct, len);
		return -1;
	}
	char oem[9], prod[13];
	desc_id(oem, t + 8, 8);
	desc_id(prod, t + 16, 12);
	desc_printf(&d, "MP configuration table at 0x%08x: spec 1.%u, OEM '%s' product '%s', %u entries, %u bytes, local APIC at 0x%08x, checksum %s",
		    ct, t[6], oem, prod, rd16(t + 34), len, rd32(t + 36), ok_text(sum_ok(t, len)));
	mp_entries(&d, t, len, rd16(t + 34));
	free(t);
	return 0;
}

/* ---- ACPI ---- */

/* A table's header line; the table itself (malloc'd) or NULL. */
static uint8_t *acpi_table(struct desc *d, uint64_t pa, const char *via)
{
	uint8_t h[36];
	if (gmem_read(d->gm, pa, h, sizeof h) < 0) {
		desc_printf(d, "  %s -> 0x%08llx: not in guest RAM", via, (unsigned long long)pa);
		return NULL;
	}
	uint32_t len = rd32(h + 4);
	char sig[5], oem[7], tid[9];
	desc_id(sig, h, 4);
	desc_id(oem, h + 10, 6);
	desc_id(tid, h + 16, 8);
	uint8_t *t = len >= 36 && len <= DESC_MAX_TABLE ? desc_read(d, pa, len) : NULL;
	if (!t) {
		desc_printf(d, "  %s at 0x%08llx: length %u is not a table in guest RAM", sig, (unsigned long long)pa, len);
		return NULL;
	}
	desc_printf(d, "%s at 0x%08llx: %u bytes, revision %u, OEM '%s' '%s', checksum %s", sig, (unsigned long long)pa,
		    len, h[8], oem, tid, ok_text(sum_ok(t, len)));
	return t;
}

static void acpi_gas_text(const uint8_t *g, char *out, size_t n)
{
	if (!rd64(g + 4)) {
		snprintf(out, n, "none");
		return;
	}
	snprintf(out, n, "%s 0x%llx (%u bits, access %u)", g[0] == 1 ? "io" : g[0] == 0 ? "mem" : "space?",
		 (unsigned long long)rd64(g + 4), g[1], g[3]);
}

/* The \_S5 package in a DSDT's AML, found by its NameOp. */
static void acpi_dsdt(struct desc *d, const uint8_t *t, uint32_t len)
{
	for (uint32_t i = 36; i + 8 <= len; i++) {
		if (t[i] != 0x08 || memcmp(t + i + 1, "_S5_", 4) != 0 || t[i + 5] != 0x12)
			continue;
		const uint8_t *p = t + i + 6;
		unsigned lead = p[0] >> 6;   /* PkgLength bytes after the first */
		p += 1 + lead;
		unsigned nel = *p++, typ[2] = { 0, 0 };
		for (unsigned k = 0; k < 2 && k < nel && p < t + len; k++) {
			if (*p == 0x0a && p + 1 < t + len) {
				typ[k] = p[1];
				p += 2;
			} else {
				typ[k] = *p == 0x01 ? 1 : *p == 0xff ? 0xff : 0;
				p += 1;
			}
		}
		desc_printf(d, "  _S5 package at 0x%x: %u elements, SLP_TYPa %u, SLP_TYPb %u", i, nel, typ[0], typ[1]);
		return;
	}
	desc_printf(d, "  no _S5 package in the AML");
}

static void acpi_fadt(struct desc *d, const uint8_t *t, uint32_t len)
{
	char gas[64];
	if (len < 116) {
		desc_printf(d, "  too short for a FADT");
		return;
	}
	desc_printf(d, "  SCI_INT %u  SMI_CMD 0x%x  FACS 0x%08x  DSDT 0x%08x", rd16(t + 46), rd32(t + 48), rd32(t + 36),
		    rd32(t + 40));
	desc_printf(d, "  PM1a_EVT 0x%x len %u  PM1a_CNT 0x%x len %u  PM_TMR 0x%x len %u  GPE0 0x%x len %u",
		    rd32(t + 56), t[88], rd32(t + 64), t[89], rd32(t + 76), t[91], rd32(t + 80), t[92]);
	uint32_t fl = rd32(t + 112);
	desc_printf(d, "  flags 0x%08x%s%s  IAPC_BOOT_ARCH 0x%04x", fl, (fl & (1u << 8)) ? " TMR_VAL_EXT(32-bit timer)" : " (24-bit timer)",
		    (fl & (1u << 10)) ? " RESET_REG_SUP" : "", rd16(t + 109));
	if (len >= 129) {
		acpi_gas_text(t + 116, gas, sizeof gas);
		desc_printf(d, "  RESET_REG %s value 0x%02x", gas, t[128]);
	}
	if (len >= 148)
		desc_printf(d, "  X_FIRMWARE_CTRL 0x%llx  X_DSDT 0x%llx", (unsigned long long)rd64(t + 132),
			    (unsigned long long)rd64(t + 140));
	static const struct { uint32_t off; const char *name; } x[] = {
		{ 148, "X_PM1a_EVT" }, { 172, "X_PM1a_CNT" }, { 208, "X_PM_TMR" }, { 220, "X_GPE0" },
	};
	for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
		if (len >= x[i].off + 12) {
			acpi_gas_text(t + x[i].off, gas, sizeof gas);
			desc_printf(d, "  %s %s", x[i].name, gas);
		}
}

static void acpi_madt(struct desc *d, const uint8_t *t, uint32_t len)
{
	static const char *const pol[4] = { "conforming", "active-high", "reserved", "active-low" };
	static const char *const trig[4] = { "conforming", "edge", "reserved", "level" };
	if (len < 44)
		return;
	uint32_t fl = rd32(t + 40);
	desc_printf(d, "  local APIC at 0x%08x, flags 0x%x%s", rd32(t + 36), fl, (fl & 1) ? " PCAT_COMPAT" : "");
	for (uint32_t off = 44; off + 2 <= len;) {
		const uint8_t *e = t + off;
		if (e[1] < 2 || off + e[1] > len) {
			desc_printf(d, "  entry at +%u: length %u: the rest is not decoded", off, e[1]);
			return;
		}
		if (e[0] == 0 && e[1] >= 8)
			desc_printf(d, "  lapic    uid %u apic %u%s", e[2], e[3], (rd32(e + 4) & 1) ? " enabled" : " disabled");
		else if (e[0] == 1 && e[1] >= 12)
			desc_printf(d, "  ioapic   id %u at 0x%08x gsi base %u", e[2], rd32(e + 4), rd32(e + 8));
		else if (e[0] == 2 && e[1] >= 10)
			desc_printf(d, "  override bus %u irq %u -> gsi %u (%s, %s)", e[2], e[3], rd32(e + 4),
				    pol[rd16(e + 8) & 3], trig[(rd16(e + 8) >> 2) & 3]);
		else if (e[0] == 4 && e[1] >= 6)
			desc_printf(d, "  lapic-nmi uid %s%u LINT%u (%s, %s)", e[2] == 0xff ? "all/" : "", e[2], e[5],
				    pol[rd16(e + 3) & 3], trig[(rd16(e + 3) >> 2) & 3]);
		else
			desc_printf(d, "  entry type %u, %u bytes", e[0], e[1]);
		off += e[1];
	}
}

static void acpi_one(struct desc *d, uint64_t pa, const char *via)
{
	uint8_t *t = acpi_table(d, pa, via);
	if (!t)
		return;
	uint32_t len = rd32(t + 4);
	if (memcmp(t, "FACP", 4) == 0) {
		acpi_fadt(d, t, len);
		uint64_t dsdt = len >= 148 && rd64(t + 140) ? rd64(t + 140) : rd32(t + 40);
		uint64_t facs = len >= 140 && rd64(t + 132) ? rd64(t + 132) : rd32(t + 36);
		uint8_t f[36];
		if (facs && gmem_read(d->gm, facs, f, sizeof f) == 0)
			desc_printf(d, "FACS at 0x%08llx: %s, %u bytes, version %u", (unsigned long long)facs,
				    memcmp(f, "FACS", 4) == 0 ? "signature ok" : "BAD signature", rd32(f + 4), f[32]);
		uint8_t *dt = dsdt ? acpi_table(d, dsdt, "FADT.DSDT") : NULL;
		if (dt) {
			acpi_dsdt(d, dt, rd32(dt + 4));
			free(dt);
		}
	} else if (memcmp(t, "APIC", 4) == 0) {
		acpi_madt(d, t, len);
	}
	free(t);
}

int fw_describe_acpi(const struct guestmem *gm, fw_line_fn *line, void *ctx)
{
	struct desc d = { gm, line, ctx };
	uint32_t rsdp = 0, ebda = desc_ebda(&d);
	if (ebda)
		rsdp = desc_scan(&d, ebda, 1024, "RSD PTR ", 8, 20);
	if (!rsdp)
		rsdp = desc_scan(&d, 0xe0000, 0x20000, "RSD PTR ", 8, 20);
	if (!rsdp) {
		desc_printf(&d, "no RSDP (\"RSD PTR \" with a good checksum) in the EBDA or 0xe0000-0xfffff");
		return -1;
	}
	uint8_t r[36];
	memset(r, 0, sizeof r);
	gmem_read(gm, rsdp, r, 20);
	bool v2 = r[15] >= 2 && gmem_read(gm, rsdp, r, 36) == 0;
	char oem[7];
	desc_id(oem, r + 9, 6);
	uint64_t xsdt = v2 ? rd64(r + 24) : 0;
	if (v2)
		desc_printf(&d, "RSDP at 0x%08x: revision %u, OEM '%s', RSDT 0x%08x, XSDT 0x%08llx, checksum ok, extended checksum %s",
			    rsdp, r[15], oem, rd32(r + 16), (unsigned long long)xsdt, ok_text(sum_ok(r, 36)));
	else
		desc_printf(&d, "RSDP at 0x%08x: revision %u (ACPI 1.0), OEM '%s', RSDT 0x%08x, checksum ok", rsdp, r[15], oem,
			    rd32(r + 16));
	/* ACPI 2.0+ OSes use the XSDT when there is one, so show that walk. */
	bool use_x = xsdt != 0;
	uint8_t *sdt = acpi_table(&d, use_x ? xsdt : rd32(r + 16), use_x ? "RSDP.XSDT" : "RSDP.RSDT");
	if (!sdt)
		return -1;
	uint32_t len = rd32(sdt + 4), w = use_x ? 8 : 4;
	uint64_t ent[64];
	unsigned n = 0;
	for (uint32_t off = 36; off + w <= len && n < 64; off += w)
		ent[n++] = use_x ? rd64(sdt + off) : rd32(sdt + off);
	free(sdt);
	for (unsigned i = 0; i < n; i++)
		acpi_one(&d, ent[i], use_x ? "XSDT entry" : "RSDT entry");
	return 0;
}

/* ---- SMBIOS ---- */

/* String n (1-based) of the structure whose strings start at s (before end). */
static void smb_string(const uint8_t *s, const uint8_t *end, unsigned n, char *out, size_t len)
{
	out[0] = 0;
	for (unsigned i = 1; n && s < end && *s; i++) {
		size_t l = strnlen((const char *)s, (size_t)(end - s));
		if (i == n) {
			size_t k = l < len - 1 ? l : len - 1;
			desc_id(out, s, k);
			return;
		}
		s += l + 1;
	}
}

static const char *smb_type_name(unsigned type)
{
	switch (type) {
	case 0: return "BIOS";
	case 1: return "system";
	case 2: return "baseboard";
	case 3: return "chassis";
	case 4: return "processor";
	case 16: return "physical memory array";
	case 17: return "memory device";
	case 19: return "memory array mapped address";
	case 32: return "system boot";
	case 127: return "end of table";
	default: return "other";
	}
}

/* One line per structure: type, handle, and what a reader looks for. */
static void smb_one(struct desc *d, const uint8_t *t, const uint8_t *strs, const uint8_t *end)
{
	char a[48], b[48], c[48];
	unsigned type = t[0], len = t[1];
	char what[256] = "";
	switch (type) {
	case 0:
		smb_string(strs, end, t[4], a, sizeof a);
		smb_string(strs, end, t[5], b, sizeof b);
		smb_string(strs, end, len > 8 ? t[8] : 0, c, sizeof c);
		snprintf(what, sizeof what, ": vendor '%s', version '%s', date '%s'", a, b, c);
		break;
	case 1:
	case 3:
		smb_string(strs, end, t[4], a, sizeof a);
		smb_string(strs, end, type == 1 ? t[5] : 0, b, sizeof b);
		snprintf(what, sizeof what, ": manufacturer '%s'%s%s%s", a, type == 1 ? ", product '" : "", b,
			 type == 1 ? "'" : "");
		break;
	case 4:
		smb_string(strs, end, t[4], a, sizeof a);
		snprintf(what, sizeof what, ": '%s', id %08x %08x, %u MHz", a, rd32(t + 8), rd32(t + 12),
			 len > 0x17 ? rd16(t + 0x16) : 0);
		break;
	case 17:
		smb_string(strs, end, len > 0x10 ? t[0x10] : 0, a, sizeof a);
		snprintf(what, sizeof what, ": '%s', %u MiB", a,
			 rd16(t + 12) == 0x7fff && len >= 0x20 ? rd32(t + 0x1c) : rd16(t + 12));
		break;
	case 19:
		snprintf(what, sizeof what, ": 0x%llx-0x%llx", (unsigned long long)rd32(t + 4) << 10,
			 ((unsigned long long)rd32(t + 8) << 10) + 0x3ff);
		break;
	}
	desc_printf(d, "  type %3u %-27s handle 0x%04x, %u bytes%s", type, smb_type_name(type), rd16(t + 2), len,
		    what);
}

int fw_describe_smbios(const struct guestmem *gm, fw_line_fn *line, void *ctx)
{
	struct desc d = { gm, line, ctx };
	uint32_t ep = desc_scan(&d, 0xf0000, 0x10000, "_SM_", 4, 0x1f);
	if (!ep) {
		desc_printf(&d, "no SMBIOS entry point (\"_SM_\" with a good checksum) in 0xf0000-0xfffff");
		return -1;
	}
	uint8_t e[0x1f];
	gmem_read(gm, ep, e, sizeof e);
	bool mid = memcmp(e + 0x10, "_DMI_", 5) == 0 && sum_ok(e + 0x10, 0x0f);
	uint32_t tab = rd32(e + 0x18), len = rd16(e + 0x16);
	unsigned count = rd16(e + 0x1c);
	desc_printf(&d, "SMBIOS %u.%u entry point at 0x%08x: %u structures, %u bytes at 0x%08x, largest %u, "
		    "checksum ok, _DMI_ checksum %s", e[6], e[7], ep, count, len, tab, rd16(e + 8), ok_text(mid));
	uint8_t *t = len ? desc_read(&d, tab, len) : NULL;
	if (!t) {
		desc_printf(&d, "the structure table at 0x%08x is not in RAM", tab);
		return -1;
	}
	uint32_t off = 0;
	unsigned n = 0;
	for (; n < count && off + 4 <= len; n++) {
		const uint8_t *s = t + off;
		if (s[1] < 4 || off + s[1] > len) {
			desc_printf(&d, "  structure %u at +0x%x: bad length %u: the rest is not decoded", n, off, s[1]);
			break;
		}
		/* The strings end at the first double NUL after the formatted part. */
		uint32_t k = off + s[1];
		while (k + 1 < len && (t[k] || t[k + 1]))
			k++;
		smb_one(&d, s, t + off + s[1], t + k + 1);
		off = k + 2;
		if (s[0] == 127)
			break;
	}
	free(t);
	return 0;
}
