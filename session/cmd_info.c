/* info TOPIC: the guest's registers, segments, flags, control registers and
 * descriptor tables (decoded from guest memory), the devices, the debugger's
 * breakpoints, the event counts, the engine's counters and its translation
 * cache. The architectural state is the one snapshotted at the last stop, so
 * those topics need a stopped guest. */
#include "session/cmd.h"
#include "monitor/ioapic.h"
#include "monitor/lapic.h"

#include "monitor/pci.h"
#include "monitor/postcode.h"
#include "monitor/rtc.h"
#include "monitor/cga.h"
#include "monitor/firmware.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cmd_info_topics[] = {
	"registers", "segments", "flags", "cr", "gdt", "idt", "tss", "pic", "pit", "lapic", "ioapic", "uart", "vga", "devices",
	"disks", "breakpoints", "events", "stats", "tc", "cpuid", "rtc", "pci", "mptable", "acpi", "smbios", "sensitive", NULL,
};

/* The state at the last stop; -1 (with an error) while the guest runs. */
static int info_state(struct session *s, const char *topic, struct vcpu_state *st)
{
	char what[48];
	snprintf(what, sizeof what, "info %s", topic);
	if (cmd_need_stopped(s, what) < 0)
		return -1;
	cmd_state(s, st);
	return 0;
}

static void info_flags_text(uint32_t f, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ EFLAGS_CF, "CF" }, { EFLAGS_PF, "PF" }, { EFLAGS_AF, "AF" }, { EFLAGS_ZF, "ZF" },
		{ EFLAGS_SF, "SF" }, { EFLAGS_TF, "TF" }, { EFLAGS_IF, "IF" }, { EFLAGS_DF, "DF" },
		{ EFLAGS_OF, "OF" }, { EFLAGS_NT, "NT" }, { EFLAGS_RF, "RF" }, { EFLAGS_VM, "VM" },
		{ EFLAGS_AC, "AC" }, { EFLAGS_ID, "ID" },
	};
	size_t n = (size_t)snprintf(buf, len, "[");
	for (size_t i = 0; i < sizeof names / sizeof names[0] && n < len; i++)
		if (f & names[i].bit)
			n += (size_t)snprintf(buf + n, len - n, " %s", names[i].name);
	if (n < len)
		snprintf(buf + n, len - n, " ] IOPL=%u", (f & EFLAGS_IOPL) >> 12);
}

static int info_registers(struct session *s)
{
	struct vcpu_state st;
	char sym[96], flags[96];
	if (info_state(s, "registers", &st) < 0)
		return -1;
	for (int i = 0; i < R_COUNT; i++)
		out_printf(s->out, "%-7s0x%08x  %u\n", vcpu_reg_name((enum vcpu_reg)i), st.gpr[i], st.gpr[i]);
	sym_format(&s->syms, st.eip, sym, sizeof sym);
	out_printf(s->out, "%-7s0x%08x  %s%s%s\n", "eip", st.eip, sym[0] ? "<" : "", sym, sym[0] ? ">" : "");
	info_flags_text(st.eflags, flags, sizeof flags);
	out_printf(s->out, "%-7s0x%08x  %s\n", "eflags", st.eflags, flags);
	for (int i = 0; i < S_COUNT; i++)
		out_printf(s->out, "%-7s0x%04x\n", vcpu_seg_name((enum vcpu_segreg)i), st.seg[i].sel);
	return 0;
}

/* A descriptor's attributes (SEG_* layout) in words. */
static void info_attr_text(uint16_t attr, char *buf, size_t len)
{
	static const char *const sys[16] = {
		"reserved", "tss16 (available)", "ldt", "tss16 (busy)", "call gate16", "task gate",
		"interrupt gate16", "trap gate16", "reserved", "tss32 (available)", "reserved", "tss32 (busy)",
		"call gate32", "reserved", "interrupt gate32", "trap gate32",
	};
	unsigned type = attr & SEG_TYPE_MASK;
	char kind[48];
	if (attr & SEG_S) {
		if (type & 8)
			snprintf(kind, sizeof kind, "code %s%s%s", (type & 2) ? "r-x" : "--x", (type & 4) ? " conforming" : "",
				 (type & 1) ? " accessed" : "");
		else
			snprintf(kind, sizeof kind, "data %s%s%s", (type & 2) ? "rw-" : "r--", (type & 4) ? " expand-down" : "",
				 (type & 1) ? " accessed" : "");
	} else {
		snprintf(kind, sizeof kind, "%s", sys[type]);
	}
	snprintf(buf, len, "%s dpl=%u%s%s%s", kind, (attr >> SEG_DPL_SHIFT) & 3, (attr & SEG_P) ? " present" : " not-present",
		 (attr & SEG_S) ? ((attr & SEG_DB) ? " 32-bit" : " 16-bit") : "", (attr & SEG_G) ? " 4k-granular" : "");
}

static int info_segments(struct session *s)
{
	struct vcpu_state st;
	char attr[96];
	if (info_state(s, "segments", &st) < 0)
		return -1;
	for (int i = 0; i < S_COUNT + 2; i++) {
		const struct vcpu_seg *g = i < S_COUNT ? &st.seg[i] : i == S_COUNT ? &st.ldtr : &st.tr;
		const char *name = i < S_COUNT ? vcpu_seg_name((enum vcpu_segreg)i) : i == S_COUNT ? "ldtr" : "tr";
		info_attr_text(g->attr, attr, sizeof attr);
		out_printf(s->out, "%-5s sel 0x%04x  base 0x%08x  limit 0x%08x  %s\n", name, g->sel, g->base, g->limit, attr);
	}
	out_printf(s->out, "%-5s base 0x%08x  limit 0x%04x\n", "gdtr", st.gdtr.base, st.gdtr.limit);
	out_printf(s->out, "%-5s base 0x%08x  limit 0x%04x\n", "idtr", st.idtr.base, st.idtr.limit);
	return 0;
}

static int info_flags(struct session *s)
{
	struct vcpu_state st;
	char flags[96];
	if (info_state(s, "flags", &st) < 0)
		return -1;
	info_flags_text(st.eflags, flags, sizeof flags);
	out_printf(s->out, "eflags 0x%08x  %s\n", st.eflags, flags);
	static const struct { uint32_t bit; const char *name, *what; } bits[] = {
		{ EFLAGS_CF, "CF", "carry" }, { EFLAGS_PF, "PF", "parity" }, { EFLAGS_AF, "AF", "adjust" },
		{ EFLAGS_ZF, "ZF", "zero" }, { EFLAGS_SF, "SF", "sign" }, { EFLAGS_TF, "TF", "trap (single step)" },
		{ EFLAGS_IF, "IF", "interrupts enabled" }, { EFLAGS_DF, "DF", "direction" },
		{ EFLAGS_OF, "OF", "overflow" }, { EFLAGS_NT, "NT", "nested task" }, { EFLAGS_RF, "RF", "resume" },
		{ EFLAGS_VM, "VM", "virtual-8086 mode" }, { EFLAGS_AC, "AC", "alignment check" },
		{ EFLAGS_ID, "ID", "cpuid available" },
	};
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		out_printf(s->out, "  %-3s %u  %s\n", bits[i].name, (st.eflags & bits[i].bit) ? 1 : 0, bits[i].what);
	out_printf(s->out, "  IOPL %u  I/O privilege level\n", (st.eflags & EFLAGS_IOPL) >> 12);
	return 0;
}

static void info_bits_text(uint32_t v, const char *const *names, int n, char *buf, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "[");
	for (int i = 0; i < n && k < len; i++)
		if (names[i] && (v & (1u << i)))
			k += (size_t)snprintf(buf + k, len - k, " %s", names[i]);
	if (k < len)
		snprintf(buf + k, len - k, " ]");
}

static int info_cr(struct session *s)
{
	static const char *const cr0[32] = { [0] = "PE", [1] = "MP", [2] = "EM", [3] = "TS", [4] = "ET", [5] = "NE",
					     [16] = "WP", [18] = "AM", [29] = "NW", [30] = "CD", [31] = "PG" };
	static const char *const cr4[32] = { [0] = "VME", [1] = "PVI", [2] = "TSD", [3] = "DE", [4] = "PSE",
					     [5] = "PAE", [6] = "MCE", [7] = "PGE", [8] = "PCE", [9] = "OSFXSR",
					     [10] = "OSXMMEXCPT", [16] = "FSGSBASE", [18] = "OSXSAVE" };
	struct vcpu_state st;
	char b[160];
	if (info_state(s, "cr", &st) < 0)
		return -1;
	info_bits_text(st.cr0, cr0, 32, b, sizeof b);
	out_printf(s->out, "cr0    0x%08x  %s\n", st.cr0, b);
	out_printf(s->out, "cr2    0x%08x\n", st.cr2);
	out_printf(s->out, "cr3    0x%08x\n", st.cr3);
	info_bits_text(st.cr4, cr4, 32, b, sizeof b);
	out_printf(s->out, "cr4    0x%08x  %s\n", st.cr4, b);
	out_printf(s->out, "efer   0x%08llx\n", (unsigned long long)st.efer);
	out_printf(s->out, "gdtr   base 0x%08x limit 0x%04x\n", st.gdtr.base, st.gdtr.limit);
	out_printf(s->out, "idtr   base 0x%08x limit 0x%04x\n", st.idtr.base, st.idtr.limit);
	out_printf(s->out, "dr0-3  0x%08x 0x%08x 0x%08x 0x%08x\n", st.dr[0], st.dr[1], st.dr[2], st.dr[3]);
	out_printf(s->out, "dr6    0x%08x\ndr7    0x%08x\n", st.dr[6], st.dr[7]);
	return 0;
}

/* An 8-byte descriptor as the CPU reads it. */
struct info_desc {
	uint32_t lo, hi;
	uint16_t attr;
	uint32_t base, limit;
	bool gate;
	uint16_t gate_sel;
	uint32_t gate_off;
};

static void info_desc_decode(uint64_t raw, struct info_desc *d)
{
	d->lo = (uint32_t)raw;
	d->hi = (uint32_t)(raw >> 32);
	struct vcpu_seg seg = vcpu_seg_from_desc(0, raw);
	d->attr = seg.attr;
	d->base = seg.base;
	d->limit = seg.limit;
	unsigned type = d->attr & SEG_TYPE_MASK;
	d->gate = !(d->attr & SEG_S) && (type == 4 || type == 5 || type == 6 || type == 7 || type >= 12) && type != 13;
	d->gate_sel = (uint16_t)(d->lo >> 16);
	d->gate_off = (d->lo & 0xffff) | (d->hi & 0xffff0000u);
	if (type == 5)
		d->gate_off = 0;   /* a task gate names a TSS selector only */
}

static void info_desc_text(struct session *s, const struct info_desc *d, char *buf, size_t len)
{
	char attr[96], sym[96];
	info_attr_text(d->attr, attr, sizeof attr);
	if (d->gate && (d->attr & SEG_TYPE_MASK) == 5) {
		snprintf(buf, len, "task gate  tss 0x%04x  dpl=%u%s", d->gate_sel, (d->attr >> SEG_DPL_SHIFT) & 3,
			 (d->attr & SEG_P) ? " present" : " not-present");
	} else if (d->gate) {
		sym_format(&s->syms, d->gate_off, sym, sizeof sym);
		snprintf(buf, len, "0x%04x:0x%08x%s%s%s  %s", d->gate_sel, d->gate_off, sym[0] ? " <" : "", sym,
			 sym[0] ? ">" : "", attr);
	} else {
		snprintf(buf, len, "base 0x%08x  limit 0x%08x  %s", d->base, d->limit, attr);
	}
}

/* Read a guest descriptor table; NULL (and an error) if it is not in RAM. */
static uint8_t *info_read_table(struct session *s, const char *name, uint32_t base, uint32_t bytes, bool paging)
{
	uint8_t *buf = malloc(bytes ? bytes : 1);
	if (!buf) {
		cmd_error(s, "info %s: out of memory", name);
		return NULL;
	}
	if (!cmd_read(s, base, buf, bytes)) {
		free(buf);
		cmd_error(s, "info %s: the table at 0x%08x (%u bytes) is not in guest RAM%s", name, base, bytes,
			  paging ? " (or not mapped by the guest's page tables)" : "");
		return NULL;
	}
	return buf;
}

static int info_gdt(struct session *s)
{
	struct vcpu_state st;
	char text[320];
	if (info_state(s, "gdt", &st) < 0)
		return -1;
	uint32_t bytes = (uint32_t)st.gdtr.limit + 1;
	uint8_t *t = info_read_table(s, "gdt", st.gdtr.base, bytes, st.cr0 & CR0_PG);
	if (!t)
		return -1;
	out_printf(s->out, "GDT at 0x%08x, limit 0x%04x: %u descriptors\n", st.gdtr.base, st.gdtr.limit, bytes / 8);
	for (uint32_t i = 0; i + 8 <= bytes; i += 8) {
		uint64_t raw;
		memcpy(&raw, t + i, 8);
		if (i == 0 && !raw) {
			out_printf(s->out, "  0x%04x  null descriptor\n", i);
			continue;
		}
		if (!raw)
			continue;
		struct info_desc d;
		info_desc_decode(raw, &d);
		info_desc_text(s, &d, text, sizeof text);
		out_printf(s->out, "  0x%04x  %08x %08x  %s\n", i, d.hi, d.lo, text);
	}
	free(t);
	return 0;
}

static int info_idt(struct session *s)
{
	struct vcpu_state st;
	char text[320];
	if (info_state(s, "idt", &st) < 0)
		return -1;
	uint32_t bytes = (uint32_t)st.idtr.limit + 1;
	if (bytes > 256 * 8)
		bytes = 256 * 8;
	uint8_t *t = info_read_table(s, "idt", st.idtr.base, bytes, st.cr0 & CR0_PG);
	if (!t)
		return -1;
	unsigned present = 0;
	for (uint32_t i = 0; i + 8 <= bytes; i += 8) {
		uint64_t raw;
		memcpy(&raw, t + i, 8);
		struct info_desc d;
		info_desc_decode(raw, &d);
		if (!(d.attr & SEG_P))
			continue;
		present++;
		if (!d.gate) {
			out_printf(s->out, "  vector 0x%02x  not a gate (%08x %08x)\n", i / 8, d.hi, d.lo);
			continue;
		}
		info_desc_text(s, &d, text, sizeof text);
		out_printf(s->out, "  vector 0x%02x  %s\n", i / 8, text);
	}
	out_printf(s->out, "IDT at 0x%08x, limit 0x%04x: %u vectors, %u present\n", st.idtr.base, st.idtr.limit,
		   bytes / 8, present);
	free(t);
	return 0;
}

static int info_tss(struct session *s)
{
	struct vcpu_state st;
	if (info_state(s, "tss", &st) < 0)
		return -1;
	if (!(st.tr.sel & ~3u)) {
		out_printf(s->out, "no task register loaded (TR selector 0x%04x)\n", st.tr.sel);
		return 0;
	}
	uint32_t t[26];
	uint32_t bytes = st.tr.limit + 1 < sizeof t ? st.tr.limit + 1 : (uint32_t)sizeof t;
	memset(t, 0, sizeof t);
	if (!cmd_read(s, st.tr.base, t, bytes))
		return cmd_error(s, "info tss: the TSS at 0x%08x is not in guest RAM", st.tr.base);
	out_printf(s->out, "TSS selector 0x%04x at 0x%08x, limit 0x%x%s\n", st.tr.sel, st.tr.base, st.tr.limit,
		   bytes < sizeof t ? " (shorter than a 32-bit TSS: the rest reads as 0)" : "");
	out_printf(s->out, "  link 0x%04x\n", t[0] & 0xffff);
	for (int r = 0; r < 3; r++)
		out_printf(s->out, "  esp%d 0x%08x  ss%d 0x%04x\n", r, t[1 + 2 * r], r, t[2 + 2 * r] & 0xffff);
	out_printf(s->out, "  cr3 0x%08x  eip 0x%08x  eflags 0x%08x\n", t[7], t[8], t[9]);
	out_printf(s->out, "  eax 0x%08x  ecx 0x%08x  edx 0x%08x  ebx 0x%08x\n", t[10], t[11], t[12], t[13]);
	out_printf(s->out, "  esp 0x%08x  ebp 0x%08x  esi 0x%08x  edi 0x%08x\n", t[14], t[15], t[16], t[17]);
	out_printf(s->out, "  es 0x%04x  cs 0x%04x  ss 0x%04x  ds 0x%04x  fs 0x%04x  gs 0x%04x  ldt 0x%04x\n",
		   t[18] & 0xffff, t[19] & 0xffff, t[20] & 0xffff, t[21] & 0xffff, t[22] & 0xffff, t[23] & 0xffff,
		   t[24] & 0xffff);
	out_printf(s->out, "  trap %u  iomap base 0x%04x\n", t[25] & 1, t[25] >> 16);
	return 0;
}

static int info_pic(struct session *s)
{
	char buf[1024];
	pic_describe(&s->m->pic, buf, sizeof buf);
	out_printf(s->out, "%s", buf);
	return 0;
}

static int info_pit(struct session *s)
{
	char buf[1024];
	pit_describe(&s->m->pit, buf, sizeof buf);
	out_printf(s->out, "%s", buf);
	return 0;
}

static int info_rtc(struct session *s)
{
	char buf[1024];
	struct rtc *r = machine_device(s->m, "rtc");
	if (!r)
		return cmd_error(s, "info rtc: this machine has no RTC");
	rtc_describe(r, buf, sizeof buf);
	out_printf(s->out, "%s", buf);
	return 0;
}

static int info_pci(struct session *s)
{
	char buf[4096];
	struct pci *p = machine_device(s->m, "pci");
	if (!p)
		return cmd_error(s, "info pci: this machine has no PCI bus");
	pci_describe(p, buf, sizeof buf);
	out_printf(s->out, "%s", buf);
	return 0;
}

/* The APICs describe themselves under their own locks (monitor/lapic.h). */
static int info_lapic(struct session *s)
{
	if (!s->m->lapic)
		return cmd_error(s, "info lapic: the CPU model (%s) has no local APIC", s->m->cpu.name);
	char buf[4096];
	lapic_describe(s->m->lapic, buf, sizeof buf);
	out_printf(s->out, "%s", buf);
	return 0;
}

static int info_ioapic(struct session *s)
{
	if (!s->m->ioapic)
		return cmd_error(s, "info ioapic: no IOAPIC (the CPU model %s has no local APIC)", s->m->cpu.name);
	char buf[4096];
	ioapic_describe(s->m->ioapic, buf, sizeof buf);
	out_printf(s->out, "%s", buf);
	return 0;
}

static int info_uart(struct session *s)
{
	struct uart_status c;
	uart_status(&s->m->com1, &c);
	unsigned divisor = c.divisor;
	out_printf(s->out, "com1 at port 0x%03x, IRQ %d (line %s)\n", UART_COM1_BASE, UART_COM1_IRQ,
		   c.irq_level ? "high" : "low");
	out_printf(s->out, "  ier 0x%02x  lcr 0x%02x  mcr 0x%02x  lsr 0x%02x  msr 0x%02x  scr 0x%02x  fcr 0x%02x\n", c.ier,
		   c.lcr, c.mcr, c.lsr, c.msr, c.scr, c.fcr);
	out_printf(s->out, "  divisor %u (%u baud)%s%s\n", divisor, divisor ? 115200 / divisor : 0,
		   (c.mcr & 0x10) ? "  loopback" : "", c.thr_irq ? "  THR-empty interrupt pending" : "");
	out_printf(s->out, "  transmitted %llu bytes, received %llu, %u waiting in the receive buffer\n",
		   (unsigned long long)c.tx_count, (unsigned long long)c.rx_count, c.rx_waiting);
	return 0;
}

/* The VGA text registers: the cursor and the screen's start (CRTC), the mode. */
static int info_vga(struct session *s)
{
	struct cga *v = machine_device(s->m, "vga-regs");
	if (!v)
		return cmd_error(s, "info vga: this machine has no VGA registers");
	struct cga_cursor c;
	cga_cursor(v, &c);
	out_printf(s->out, "vga text mode 80x25 at 0xB8000, CRTC at 0x3D4 (misc output 0x%02x)\n", c.misc);
	out_printf(s->out, "  cursor at cell %u (row %u, column %u)%s, scan lines %u-%u\n", c.pos, c.pos / 80, c.pos % 80,
		   c.visible ? "" : ", hidden", c.first_line, c.last_line);
	out_printf(s->out, "  start address %u (row %u)\n", c.start, c.start / 80);
	return 0;
}

/* One line per claimed range or IRQ line, device by device in table order:
 * "DEVICE KIND FIRST-LAST LABEL" (ports 4 hex digits, MMIO 8, IRQs decimal). */
static int info_devices(struct session *s)
{
	out_printf(s->out, "RAM   0x00000000-0x%08llx (%llu MiB; 0x%05x-0x%05x is the VGA hole)\n",
		   (unsigned long long)(s->m->mem.size - 1), (unsigned long long)(s->m->mem.size >> 20), GMEM_VGA_BASE,
		   GMEM_VGA_END - 1);
	out_printf(s->out, "%-12s %-5s %-23s %s\n", "device", "kind", "range", "label");
	for (size_t i = 0; i < s->m->ndev; i++) {
		const struct machine_dev *d = &s->m->dev[i];
		for (unsigned k = 0; k < d->nranges; k++) {
			const struct machine_devrange *r = &d->range[k];
			int w = r->bus == MACHINE_BUS_PIO ? 4 : 8;
			char range[32];
			snprintf(range, sizeof range, "0x%0*llx-0x%0*llx", w, (unsigned long long)r->base, w,
				 (unsigned long long)(r->base + r->len - 1));
			out_printf(s->out, "%-12s %-5s %-23s %s\n", d->type->name, r->bus == MACHINE_BUS_PIO ? "port" : "mmio",
				   range, r->label);
		}
		for (unsigned k = 0; k < d->nirqs; k++)
			out_printf(s->out, "%-12s %-5s %-23d %s\n", d->type->name, "irq", d->irq[k].line, d->irq[k].label);
		if (!d->nranges && !d->nirqs)
			out_printf(s->out, "%-12s %-5s %-23s\n", d->type->name, "-", "-");
	}
	out_printf(s->out, "unclaimed accesses: %llu port, %llu mmio\n", (unsigned long long)s->m->pio.unclaimed,
		   (unsigned long long)s->m->mmio.unclaimed);
	struct postcode *post = machine_device(s->m, "post");
	if (post && atomic_load(&post->writes))
		out_printf(s->out, "POST code 0x%02x (port 0x80 written %llu times)\n", atomic_load(&post->last),
			   (unsigned long long)atomic_load(&post->writes));
	return 0;
}

/* Each IDE drive position: its image, size, mode, counters, last command. */
static int info_disks(struct session *s)
{
	static const char *const where[IDE_MAX_DRIVES] = {
		"primary master", "primary slave", "secondary master", "secondary slave",
	};
	struct ide *ide = machine_device(s->m, "ide");
	if (!ide)
		return cmd_error(s, "info disks: this machine has no IDE controller");
	for (unsigned i = 0; i < IDE_MAX_DRIVES; i++) {
		struct ide_drive_info di;
		ide_drive_info(ide, i, &di);
		if (!di.present) {
			out_printf(s->out, "disk %u (%s): none\n", i, where[i]);
			continue;
		}
		out_printf(s->out, "disk %u (%s): %s, %llu sectors (%llu MiB), %s\n", i, where[i], di.path,
			   (unsigned long long)di.sectors, (unsigned long long)(di.sectors >> 11),
			   di.readonly ? "readonly" : "read-write");
		out_printf(s->out, "  read %llu sectors, written %llu, %llu flushes, %llu commands, %llu errors\n",
			   (unsigned long long)di.sectors_read, (unsigned long long)di.sectors_written,
			   (unsigned long long)di.flushes, (unsigned long long)di.commands,
			   (unsigned long long)di.errors);
		if (di.commands)
			out_printf(s->out, "  last command 0x%02x %s, status 0x%02x error 0x%02x, multiple %u\n",
				   di.last_cmd, di.last_name, di.status, di.error, di.mult);
	}
	return 0;
}

static int info_breakpoints(struct session *s)
{
	char sym[96];
	int n = 0;
	struct dbg_snapshot c;   /* a copy, to print at leisure */
	dbg_snapshot(&s->m->debug, &c);
	out_printf(s->out, "%-4s %-17s %-3s %-10s %-8s %s\n", "id", "type", "on", "where", "hits", "what");
	for (int i = 0; i < c.nbp; i++) {
		const struct dbg_break *b = &c.bp[i];
		if (b->internal)
			continue;
		sym_format(&s->syms, b->addr, sym, sizeof sym);
		out_printf(s->out, "%-4d %-17s %-3s 0x%08x %-8llu %s%s%s\n", b->id,
			   b->temporary ? "tbreak" : "breakpoint", b->enabled ? "y" : "n", b->addr,
			   (unsigned long long)b->hits, sym[0] ? "<" : "", sym, sym[0] ? ">" : "");
		n++;
	}
	for (int i = 0; i < c.nwp; i++) {
		const struct dbg_watch *w = &c.wp[i];
		static const char *const what[] = { [WP_WRITE] = "watchpoint", [WP_READ] = "read watchpoint",
						     [WP_ACCESS] = "access watchpoint" };
		sym_format(&s->syms, w->addr, sym, sizeof sym);
		out_printf(s->out, "%-4d %-17s %-3s 0x%08x %-8llu len %u, value 0x%llx%s%s%s\n", w->id, what[w->kind],
			   w->enabled ? "y" : "n", w->addr, (unsigned long long)w->hits, w->len,
			   (unsigned long long)w->value, sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
		n++;
	}
	for (int i = 0; i < c.nct; i++) {
		const struct dbg_catch *k = &c.ct[i];
		out_printf(s->out, "%-4d %-17s %-3s %-10s %-8llu %s%s%s\n", k->id, "catch", k->enabled ? "y" : "n",
			   evlog_kind_name(k->kind), (unsigned long long)k->hits, k->filter[0] ? "containing \"" : "any",
			   k->filter, k->filter[0] ? "\"" : "");
		n++;
	}
	if (!n)
		out_printf(s->out, "no breakpoints, watchpoints or catches\n");
	return 0;
}

static int info_events(struct session *s)
{
	uint64_t total = 0;
	for (int k = 0; k < EV_KIND_COUNT; k++) {
		uint64_t c = evlog_count(&s->m->events, (enum ev_kind)k);
		total += c;
		out_printf(s->out, "%-12s %llu\n", evlog_kind_name((enum ev_kind)k), (unsigned long long)c);
	}
	out_printf(s->out, "%-12s %llu (the newest %u are kept; see events [KIND] [N])\n", "total",
		   (unsigned long long)total, s->m->events.cap);
	return 0;
}

static int info_stats(struct session *s)
{
	struct engine_stat st[64];
	int n = s->e->ops->stats ? s->e->ops->stats(s->e, st, 64) : 0;
	out_printf(s->out, "%-16s %s\n", "engine", s->e->ops->name);
	for (int i = 0; i < n; i++)
		out_printf(s->out, "%-16s %llu\n", st[i].name, (unsigned long long)st[i].value);
	for (int k = 0; k < EV_KIND_COUNT; k++)
		out_printf(s->out, "ev_%-13s %llu\n", evlog_kind_name((enum ev_kind)k),
			   (unsigned long long)evlog_count(&s->m->events, (enum ev_kind)k));
	return 0;
}

struct info_tc_sum {
	struct session *s;
	int rc;
	uint64_t ccfs, insns, bytes, entries, exits, chained, forwards, user;
};

static void info_tc_one(void *ctx, const struct engine_ccf *c)
{
	struct info_tc_sum *t = ctx;
	t->ccfs++;
	t->insns += c->ninsn;
	t->bytes += c->host_len;
	t->entries += c->entries;
	t->exits += (uint64_t)c->nexits;
	for (int i = 0; i < c->nexits && i < 2; i++)
		t->chained += c->succ[i] != 0;
	t->forwards += c->forward != 0;
	t->user += c->key != 0;
}

static void info_tc_call(void *arg)
{
	struct info_tc_sum *t = arg;
	t->rc = t->s->e->ops->tc_list(t->s->e, info_tc_one, t);
}

static void info_cpuid_line(void *ctx, const char *text)
{
	struct session *s = ctx;
	out_printf(s->out, "%s\n", text);
}

static int info_cpuid(struct session *s)
{
	cpu_model_describe(&s->m->cpu, info_cpuid_line, s);
	return 0;
}

/* The firmware tables as guest RAM holds them (monitor/firmware_describe.c). */
static int info_mptable(struct session *s)
{
	return fw_describe_mp(&s->m->mem, info_cpuid_line, s) < 0 ? -1 : 0;
}

static int info_acpi(struct session *s)
{
	return fw_describe_acpi(&s->m->mem, info_cpuid_line, s) < 0 ? -1 : 0;
}

static int info_smbios(struct session *s)
{
	return fw_describe_smbios(&s->m->mem, info_cpuid_line, s) < 0 ? -1 : 0;
}

static int info_tc(struct session *s)
{
	if (!engine_has(s->e, ENGINE_CAP_TC))
		return cmd_error(s, "info tc: the %s engine has no translation cache", s->e->ops->name);
	struct info_tc_sum t = { .s = s };
	if (cmd_on_vcpu(s, "info tc", info_tc_call, &t) < 0)
		return -1;
	out_printf(s->out, "translation cache of the %s engine: %llu CCFs (%llu at CPL 1-3)\n", s->e->ops->name,
		   (unsigned long long)t.ccfs, (unsigned long long)t.user);
	out_printf(s->out, "  %llu guest instructions, %llu bytes of host code, %llu dispatcher entries\n",
		   (unsigned long long)t.insns, (unsigned long long)t.bytes, (unsigned long long)t.entries);
	out_printf(s->out, "  %llu direct exits, %llu chained; %llu CCFs forward (adaptive retranslation)\n",
		   (unsigned long long)t.exits, (unsigned long long)t.chained, (unsigned long long)t.forwards);
	out_printf(s->out, "  tu-max %u%s\n", s->tu_max ? s->tu_max : 12, s->tu_max ? "" : " (default)");
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct session *s);
	int (*fn_args)(struct session *s, int argc, char **argv);   /* a topic with arguments */
} info_topics[] = {
	{ "registers", info_registers, NULL }, { "segments", info_segments, NULL }, { "flags", info_flags, NULL },
	{ "cr", info_cr, NULL }, { "gdt", info_gdt, NULL }, { "idt", info_idt, NULL }, { "tss", info_tss, NULL },
	{ "pic", info_pic, NULL }, { "pit", info_pit, NULL }, { "lapic", info_lapic, NULL }, { "ioapic", info_ioapic, NULL },
	{ "uart", info_uart, NULL }, { "vga", info_vga, NULL }, { "devices", info_devices, NULL },
	{ "disks", info_disks, NULL },
	{ "breakpoints", info_breakpoints, NULL }, { "events", info_events, NULL }, { "stats", info_stats, NULL },
	{ "tc", info_tc, NULL }, { "cpuid", info_cpuid, NULL },
	{ "rtc", info_rtc, NULL }, { "pci", info_pci, NULL }, { "mptable", info_mptable, NULL }, { "acpi", info_acpi, NULL },
	{ "smbios", info_smbios, NULL }, { "sensitive", NULL, cmd_info_sensitive },
};

static int do_info(struct session *s, int argc, char **argv)
{
	if (argc < 2) {
		char list[512];
		size_t n = 0;
		for (size_t i = 0; i < sizeof info_topics / sizeof info_topics[0] && n < sizeof list; i++)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? " " : "", info_topics[i].name);
		return cmd_error(s, "usage: info TOPIC (%s)", list);
	}
	int hit = -1, n = 0;
	if (strcmp(argv[1], "r") == 0)
		argv[1] = "registers";   /* gdb's abbreviation, whatever else starts with r */
	size_t len = strlen(argv[1]);
	for (size_t i = 0; i < sizeof info_topics / sizeof info_topics[0]; i++) {
		if (strcmp(info_topics[i].name, argv[1]) == 0) {
			hit = (int)i;
			n = 1;
			break;
		}
		if (strncmp(info_topics[i].name, argv[1], len) == 0) {
			hit = (int)i;
			n++;
		}
	}
	if (n != 1)
		return cmd_error(s, "info: %s topic '%s' (try help info)", n ? "ambiguous" : "unknown", argv[1]);
	if (info_topics[hit].fn_args)
		return info_topics[hit].fn_args(s, argc - 1, argv + 1);
	if (argc != 2)
		return cmd_error(s, "usage: info %s (it takes no arguments)", info_topics[hit].name);
	return info_topics[hit].fn(s);
}

const struct cmd cmd_table_info[] = {
	{ "info", "TOPIC", "show machine, debugger or translator state",
	  "  registers    general registers, EIP (with its symbol), EFLAGS, selectors\n"
	  "  segments     segment registers, LDTR and TR with their hidden parts; GDTR, IDTR\n"
	  "  flags        EFLAGS bit by bit\n"
	  "  cr           CR0 CR2 CR3 CR4 EFER, GDTR IDTR, debug registers\n"
	  "  gdt          the guest's GDT, decoded from guest memory\n"
	  "  idt          the present gates of the guest's IDT, with handler symbols\n"
	  "  tss          the guest's current 32-bit TSS (stacks per ring, saved state)\n"
	  "  pic          the 8259A pair (IRR ISR IMR, vector bases)\n"
	  "  pit          the 8254 timer's channels\n"
	  "  lapic        the local APIC: priorities, IRR ISR TMR, LVT, timer, IPI counts\n"
	  "  ioapic       the IOAPIC's registers and its redirection entries in use\n"
	  "  uart         COM1's registers and byte counts\n"
	  "  rtc          the MC146818A clock: the guest's time, registers A-D, interrupt counts\n"
	  "  pci          the PCI functions (bus:dev.fn vendor:device class)\n"
	  "  vga          the text cursor and screen start address (CRTC)\n"
	  "  devices      RAM, and every device with its port and MMIO ranges and IRQ lines\n"
	  "  disks        the IDE drives: image, size, readonly, sectors moved, last command\n"
	  "  breakpoints  breakpoints, watchpoints and catches, with hit counts\n"
	  "  events       how many events of each kind were logged\n"
	  "  stats        the engine's counters\n"
	  "  tc           a summary of the translation cache\n"
	  "  cpuid        the guest's CPU model: its features and CPUID leaves (--cpu)\n"
	  "  mptable      the MP tables (floating pointer, configuration table entries), from guest RAM\n"
	  "  acpi         the ACPI tables (RSDP, XSDT, FADT, FACS, DSDT's _S5, MADT), from guest RAM\n"
	  "  smbios       the SMBIOS entry point and structures (BIOS, system, CPUs, memory), from guest RAM\n"
	  "  sensitive    the sensitive instructions that left translated code: callouts, traps and\n"
	  "               retranslations by mnemonic; `info sensitive sites [N]` the busiest N sites,\n"
	  "               `info sensitive retranslated [N]` those adaptive retranslation changed\n"
	  "  Topics may be abbreviated (info reg).",
	  do_info, CC_INFO, false },
	{ NULL, NULL, NULL, NULL, NULL, CC_NONE, false },
};
