/* TU -> CCF: the translation loop and the exits every translator shares
 * (see translate.h). */
#include "engine/translate.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ident.h"
#include "engine/reencode.h"
#include "monitor/paging.h"

#define STUB_ROOM 160   /* space kept for exit stubs at the end of a TU */

void tu_mark(struct tu *t, const struct bt_insn *in, enum ccf_kind kind, uint8_t fixup,
	     uint8_t esp_adj)
{
	if (t->nmap >= (int)(sizeof t->map / sizeof t->map[0])) {
		t->failed = true;
		return;
	}
	t->map[t->nmap++] = (struct ccf_map){
		.host_off = (uint32_t)(t->e.p - t->c->host),
		.eip = in->eip,
		.len = in->len,
		.kind = (uint8_t)kind,
		.fixup = fixup,
		.esp_adj = esp_adj,
	};
}

void tu_add_exit(struct tu *t, uint8_t *site, uint32_t target)
{
	struct ccf *c = t->c;
	if (c->nexits >= TC_MAX_EXITS) {
		t->failed = true;
		return;
	}
	c->exits[c->nexits++] = (struct ccf_exit){ .site = site, .target = target };
}

void tu_exit_direct(struct tu *t, uint32_t target)
{
	uint8_t *site = emit_jmp_rel32(&t->e, t->e.p);   /* patched to its stub later */
	tu_add_exit(t, site, target);
	t->ended = true;
}

void tu_exit_jcc(struct tu *t, unsigned cc, uint32_t taken, uint32_t not_taken)
{
	uint8_t *site = emit_jcc_rel32(&t->e, cc, t->e.p);
	tu_add_exit(t, site, taken);
	tu_exit_direct(t, not_taken);
}

void tu_exit_indirect(struct tu *t)
{
	/* Flag-free inline lookup of R8D in the table at [r15+BTC_LOOKUP]:
	 * entry i = eip & 0xffff holds (-(2 * eip + key), host), key being this
	 * CCF's privilege key; a hit makes the sum with 2 * R8 + key zero, which
	 * JRCXZ tests on RCX (guest ECX saved in R11 meanwhile). */
	static const uint8_t save_rcx[] = { 0x49, 0x89, 0xcb };          /* mov r11, rcx */
	static const uint8_t index[] = { 0x41, 0x0f, 0xb7, 0xc8,         /* movzx ecx, r8w */
					 0x48, 0x8d, 0x0c, 0x09 };       /* lea rcx, [rcx+rcx] */
	static const uint8_t probe[] = { 0x4d, 0x8d, 0x14, 0xca,         /* lea r10, [r10+rcx*8] */
					 0x4d, 0x8b, 0x0a,               /* mov r9, [r10] */
					 0x4b, 0x8d, 0x4c, 0x41 };       /* lea rcx, [r9+r8*2+key] */
	const uint8_t test_hit[] = { t->c->key, 0xe3, 10 };              /* key; jrcxz hit */
	static const uint8_t restore_rcx[] = { 0x4c, 0x89, 0xd9 };       /* mov rcx, r11 */
	static const uint8_t jmp_host[] = { 0x41, 0xff, 0x62, 0x08 };    /* jmp [r10+8] */

	emit_bytes(&t->e, save_rcx, sizeof save_rcx);
	emit_bytes(&t->e, index, sizeof index);
	emit_mov_reg_ctx64(&t->e, HR_R10, BTC_LOOKUP);
	emit_bytes(&t->e, probe, sizeof probe);
	emit_bytes(&t->e, test_hit, sizeof test_hit);
	emit_bytes(&t->e, restore_rcx, sizeof restore_rcx);   /* miss: 3 + 7 bytes */
	emit_jmp_ctx(&t->e, BTC_MISS);
	emit_bytes(&t->e, restore_rcx, sizeof restore_rcx);   /* hit: */
	emit_bytes(&t->e, jmp_host, sizeof jmp_host);
	t->ended = true;
}

static void tu_own(struct tu *t, void *p)
{
	struct ccf *c = t->c;
	void **o = realloc(c->owned, (size_t)(c->nowned + 1) * sizeof *o);
	if (!o) {
		free(p);
		t->failed = true;
		return;
	}
	c->owned = o;
	c->owned[c->nowned++] = p;
}

void tu_callout(struct tu *t, const struct bt_insn *in, bt_callout_fn *fn)
{
	char why[128];
	struct bt_callout *co = calloc(1, sizeof *co);
	if (!co) {
		t->failed = true;
		return;
	}
	co->fn = fn;
	co->insn = *in;
	bool ends;
	int cls;
	co->cls = (int8_t)(bt_callout_lookup(in, &ends, &cls) == fn ? cls : -1);
	tu_own(t, co);
	/* An explicit memory operand's linear address goes to the callout in R8D;
	 * implicit ones (string I/O, the stack) need none. */
	bool explicit_mem = in->mem_op >= 0 && (in->modrm_off ? dec_mod(in) != 3 : (in->opc >= 0xa0 && in->opc <= 0xa3));
	if (explicit_mem && reenc_lea_r8(in, &t->e, why, sizeof why) < 0) {
		tu_fail(t, in, why);
		return;
	}
	emit_mov_reg_imm64(&t->e, HR_R11, (uint64_t)(uintptr_t)co);
	emit_call_ctx(&t->e, BTC_CALLOUT);
}

int tu_fail(struct tu *t, const struct bt_insn *in, const char *why)
{
	snprintf(t->x->err, sizeof t->x->err, "cannot translate '%s' at EIP 0x%08x: %.120s",
		 in->text, in->eip, why);
	t->x->err_eip = in->eip;
	t->failed = true;
	return -1;
}

/* INC/DEC r32 short forms (0x40-0x4f) are REX prefixes in 64-bit mode. */
static int xlat_incdec_short(struct tu *t, const struct bt_insn *in)
{
	unsigned r = in->opc & 7;
	bool dec = in->opc >= 0x48;
	tu_mark(t, in, CK_REWRITE, 0, 0);
	if (in->p66)
		emit_u8(&t->e, 0x66);
	if (r == 4)
		emit_u8(&t->e, REX | REX_B);   /* ESP -> R12 */
	emit_u8(&t->e, 0xff);
	emit_u8(&t->e, (uint8_t)(0xc0 | (dec ? 8 : 0) | r));   /* FF /0 inc, FF /1 dec */
	return 0;
}

#define SEG_BASE_OFF(s) ((int32_t)(offsetof(struct bt_ctx, arch.seg) + (s) * sizeof(struct vcpu_seg) + \
				   offsetof(struct vcpu_seg, base)))

/* XLAT: AL = [EBX + AL], an implicit memory operand; with an FS or GS
 * override the segment's base is added (32-bit, so the address wraps as
 * the CPU's linear address does), as for other FS/GS operands. */
static int xlat_xlatb(struct tu *t, const struct bt_insn *in)
{
	static const uint8_t ea[] = {
		0x44, 0x0f, 0xb6, 0xc0,             /* movzx r8d, al */
		0x67, 0x46, 0x8d, 0x04, 0x03,       /* lea r8d, [ebx + r8d] */
	};
	static const uint8_t add_base[] = { 0x67, 0x47, 0x8d, 0x04, 0x10 };   /* lea r8d, [r8d + r10d] */
	static const uint8_t load[] = { 0x65, 0x67, 0x41, 0x8a, 0x00 };       /* mov al, gs:[r8d] */
	tu_mark(t, in, CK_REWRITE, 0, 0);
	emit_bytes(&t->e, ea, sizeof ea);
	if (in->seg == 0x64 || in->seg == 0x65) {
		emit_mov_reg_ctx32(&t->e, HR_R10, SEG_BASE_OFF(in->seg == 0x64 ? S_FS : S_GS));
		emit_bytes(&t->e, add_base, sizeof add_base);
	}
	emit_bytes(&t->e, load, sizeof load);
	return 0;
}

/* FXSAVE, FNSAVE and FNSTENV store the x87 last-instruction and operand
 * pointers with the host's selectors: a TC address and 64-bit CS/DS values
 * the guest must never see. bt does not track those pointers (that would
 * cost every x87 instruction), so they read as 0 — what AMD's FXSAVE stores
 * when no exception is pending — and the selectors as the guest's CS/DS. */
#define CS_SEL_OFF ((int32_t)(offsetof(struct bt_ctx, arch.seg) + S_CS * sizeof(struct vcpu_seg)))
#define DS_SEL_OFF ((int32_t)(offsetof(struct bt_ctx, arch.seg) + S_DS * sizeof(struct vcpu_seg)))

static void emit_sel_store(struct tu *t, int32_t off, int32_t sel_off)
{
	emit_rex(&t->e, false, HR_R9, 0, HR_R15);   /* movzx r9d, word [r15 + sel] */
	emit_u8(&t->e, 0x0f);
	emit_u8(&t->e, 0xb7);
	emit_mem_base_disp32(&t->e, HR_R9, HR_R15, sel_off);
	emit_store_guest32(&t->e, HR_R8, off, HR_R9);
}

static int xlat_fpu_ip_fixup(struct tu *t, const struct bt_insn *in, char *why, size_t whylen)
{
	bool fx = in->id == X86_INS_FXSAVE;
	if (!fx && in->id != X86_INS_FNSAVE && in->id != X86_INS_FNSTENV)
		return 0;
	if (reenc_lea_r8(in, &t->e, why, whylen) < 0)
		return tu_fail(t, in, why);
	if (fx) {   /* FOP 6, FIP 8, FCS 12, FDP 16, FDS 20 */
		emit_mov_reg_imm32(&t->e, HR_R9, 0);
		emit_store_guest16(&t->e, HR_R8, 6, HR_R9);
		emit_store_guest32_imm(&t->e, HR_R8, 8, 0);
		emit_sel_store(t, 12, CS_SEL_OFF);
		emit_store_guest32_imm(&t->e, HR_R8, 16, 0);
		emit_sel_store(t, 20, DS_SEL_OFF);
		return 0;
	}
	if (in->p66) {   /* 16-bit environment: IP 6, CS 8, DP 10, DS 12 */
		emit_mov_reg_imm32(&t->e, HR_R9, 0);
		emit_store_guest16(&t->e, HR_R8, 6, HR_R9);
		emit_store_guest16(&t->e, HR_R8, 10, HR_R9);
		return 0;
	}
	/* 32-bit environment: FIP 12, FCS + FOP 16, FDP 20, FDS 24 */
	emit_store_guest32_imm(&t->e, HR_R8, 12, 0);
	emit_sel_store(t, 16, CS_SEL_OFF);
	emit_store_guest32_imm(&t->e, HR_R8, 20, 0);
	emit_sel_store(t, 24, DS_SEL_OFF);
	return 0;
}

/* An instruction the guest's CPU model lacks: #UD when it runs. */
static int xlat_ud(struct tu *t, const struct bt_insn *in)
{
	tu_mark(t, in, CK_CALLOUT, 0, 0);
	tu_callout(t, in, bt_callout_ud());
	tu_exit_direct(t, t->next_eip);
	return 0;
}

/* The hint space 0F 0D and 0F 18-0F 1F is NOP on the modelled CPUs
 * (whatever a newer CPU defines there: RDSSP, CLDEMOTE, PREFETCHW...), so
 * anything in it that is not on the IDENT table runs as nothing. */
static bool xlat_is_hint_space(const struct bt_insn *in)
{
	return in->opc == 0x0f && (in->opc2 == 0x0d || (in->opc2 >= 0x18 && in->opc2 <= 0x1f)) &&
	       !ident_family(in->id);
}

/* LZCNT and TZCNT are F3 0F BD / F3 0F BC: on a CPU without them the F3 is
 * an ignored prefix and they are BSR and BSF. No model has BMI1 (TZCNT);
 * LZCNT follows the model. Re-decode without the F3 and translate that. */
static int xlat_bitscan_compat(struct tu *t, const struct bt_insn *in, struct bt_insn *out)
{
	uint8_t b[DEC_MAX_LEN];
	size_t n = 0;
	for (unsigned i = 0; i < in->len; i++)
		if (!(i < in->npfx && in->bytes[i] == 0xf3))
			b[n++] = in->bytes[i];
	if (dec_insn(&t->x->dec, b, n, in->eip, out) < 0)
		return tu_fail(t, in, "cannot decode it without its F3 prefix");
	return 0;
}

static int xlat_one(struct tu *t, const struct bt_insn *in)
{
	bool ends = false;
	int cls;
	char why[160];
	const struct cpu_model *cpu = &t->x->m->cpu;

	if (xlat_is_hint_space(in)) {
		tu_mark(t, in, CK_REWRITE, 0, 0);   /* no host code: a NOP */
		return 0;
	}
	if (in->id == X86_INS_TZCNT || (in->id == X86_INS_LZCNT && !cpu_has(cpu, CPUF_LZCNT))) {
		struct bt_insn bsx;
		if (xlat_bitscan_compat(t, in, &bsx) < 0)
			return -1;
		uint8_t fix;
		tu_mark(t, in, CK_REWRITE, 0, 0);
		if (reenc_ident(&t->x->dec, &bsx, &t->e, &fix, why, sizeof why) < 0)
			return tu_fail(t, in, why);
		t->map[t->nmap - 1].fixup = fix;
		return 0;
	}
	if (!ident_available(cpu, in))
		return xlat_ud(t, in);
	bt_callout_fn *co = bt_callout_lookup(in, &ends, &cls);

	if (co && cls >= 0 && t->x->policy)
		return xlat_sensitive(t, in, co, ends, cls);
	if (co) {
		tu_mark(t, in, CK_CALLOUT, 0, 0);
		tu_callout(t, in, co);
		if (ends)
			tu_exit_direct(t, t->next_eip);
		return 0;
	}
	/* A memory instruction proven guilty of reaching MMIO (adaptive, as for
	 * sensitive instructions: it faulted SENS_ADAPTIVE_THRESHOLD times). */
	if ((in->mem_op >= 0 || xlat_is_string(in)) && t->x->is_guilty &&
	    t->x->is_guilty(t->x->guilty_opaque, in->eip)) {
		tu_mark(t, in, CK_CALLOUT, 0, 0);
		tu_callout(t, in, bt_callout_mmio());
		return 0;
	}
	/* x87/MMX/SSE the guest has not enabled fault as on hardware: #NM with
	 * CR0.TS (lazy FPU switching) or x87 with CR0.EM, #UD for MMX/SSE with
	 * CR0.EM or SSE without CR4.OSFXSR. */
	enum dec_unit unit = dec_unit(in);
	if (unit != UNIT_NONE) {
		bt_callout_fn *f = NULL;
		if (unit != UNIT_X87 && (t->x->cr0 & CR0_EM))
			f = bt_callout_ud();
		else if (unit == UNIT_SSE && !(t->x->cr4 & 0x200))   /* CR4.OSFXSR */
			f = bt_callout_ud();
		else if (t->x->cr0 & (CR0_TS | CR0_EM))
			f = (in->id == X86_INS_WAIT && !(t->x->cr0 & CR0_MP)) ? NULL : bt_callout_nm();
		if (f) {
			tu_mark(t, in, CK_CALLOUT, 0, 0);
			tu_callout(t, in, f);
			tu_exit_direct(t, t->next_eip);
			return 0;
		}
	}
	if (in->id == X86_INS_MASKMOVDQU || in->id == X86_INS_MASKMOVQ) {
		/* An implicit DS:[EDI] store: through GS with 32-bit addressing. */
		tu_mark(t, in, CK_REENC, 0, 0);
		emit_u8(&t->e, PFX_GS);
		emit_u8(&t->e, PFX_ADDR32);
		for (unsigned i = 0; i < in->len; i++)
			if (i >= in->npfx || !(in->bytes[i] == 0x26 || in->bytes[i] == 0x2e || in->bytes[i] == 0x36 ||
					       in->bytes[i] == 0x3e || in->bytes[i] == 0x64 || in->bytes[i] == 0x65))
				emit_u8(&t->e, in->bytes[i]);
		if (in->seg == 0x64 || in->seg == 0x65)
			return tu_fail(t, in, "FS/GS segment overrides on MASKMOV are not supported by bt yet");
		return 0;
	}
	if (xlat_is_branch(in))
		return xlat_branch(t, in);
	if (xlat_is_stack(in))
		return xlat_stack(t, in);
	if (xlat_is_string(in))
		return xlat_string(t, in);
	if (in->opc >= 0x40 && in->opc <= 0x4f)
		return xlat_incdec_short(t, in);
	if (in->id == X86_INS_XLATB)
		return xlat_xlatb(t, in);
	/* Anything else that touches ESP implicitly would bypass R12. */
	for (int i = 0; i < in->nregs_read; i++)
		if (in->regs_read[i] == X86_REG_ESP)
			return tu_fail(t, in, "implicit use of ESP");
	for (int i = 0; i < in->nregs_write; i++)
		if (in->regs_write[i] == X86_REG_ESP)
			return tu_fail(t, in, "implicit use of ESP");

	/* IDENT only by allowlist (engine/ident.c): what is not on it, and not
	 * emulated above, stops the guest when it runs. */
	if (ident_check(cpu, in) != IDENT_OK) {
		tu_mark(t, in, CK_CALLOUT, 0, 0);
		tu_callout(t, in, bt_callout_unsupported());
		tu_exit_direct(t, t->next_eip);
		return 0;
	}
	uint8_t *start = t->e.p;
	uint8_t fix;
	tu_mark(t, in, CK_IDENT, 0, 0);
	if (reenc_ident(&t->x->dec, in, &t->e, &fix, why, sizeof why) < 0)
		return tu_fail(t, in, why);
	struct ccf_map *m = &t->map[t->nmap - 1];
	m->fixup = fix;
	if ((size_t)(t->e.p - start) != in->len || memcmp(start, in->bytes, in->len) != 0)
		m->kind = CK_REENC;
	return xlat_fpu_ip_fixup(t, in, why, sizeof why);
}

size_t xlat_code(struct xlat *x, uint32_t pc, uint8_t *buf, bool *pf)
{
	struct guestmem *gm = &x->m->mem;
	size_t avail = 0;
	*pf = false;
	if (!x->st || !(x->st->cr0 & CR0_PG)) {
		while (avail < DEC_MAX_LEN && (uint64_t)pc + avail <= 0xffffffffull &&
		       gmem_is_ram(gm, (uint64_t)pc + avail, 1)) {
			buf[avail] = gm->phys[pc + avail];
			avail++;
		}
		return avail;
	}
	struct pg_phys ram = pg_phys_ram(gm);
	struct pg_mode mode = pg_mode_of(x->st, x->m->maxphyaddr);
	while (avail < DEC_MAX_LEN) {
		uint32_t a = pc + (uint32_t)avail;
		struct pg_result r;
		enum pg_status s = pg_translate(&ram, &mode, a, PG_EXEC, PG_SET_AD | (x->user ? PG_USER : 0), &r);
		if (s == PG_FAULT) {
			*pf = true;
			x->pf_lin = r.lin;
			x->pf_error = r.error;
		}
		if (s != PG_OK)
			break;
		/* the rest of this page */
		size_t n = 0x1000u - (a & 0xfffu);
		if (n > DEC_MAX_LEN - avail)
			n = DEC_MAX_LEN - avail;
		while (n && gmem_is_ram(gm, r.pa, 1)) {
			buf[avail++] = gm->phys[r.pa++];
			n--;
		}
		if (n)
			break;
		if (a + (0x1000u - (a & 0xfffu)) == 0)
			break;   /* the end of the 4 GiB */
	}
	return avail;
}

static int xlat_fetch(struct xlat *x, uint32_t pc, struct bt_insn *in, bool *pf)
{
	uint8_t buf[DEC_MAX_LEN];
	size_t avail = xlat_code(x, pc, buf, pf);
	if (avail == 0)
		return -2;
	return dec_insn(&x->dec, buf, avail, pc, in);
}

enum xlat_status xlat_tu(struct xlat *x, uint32_t eip, int max_insns, bool transient,
			 struct ccf **out)
{
	struct tu *t = calloc(1, sizeof *t);
	struct ccf *c = calloc(1, sizeof *c);
	enum xlat_status st = XLAT_OK;
	struct bt_insn in;
	uint32_t pc = eip;

	if (!t || !c) {
		free(t);
		free(c);
		snprintf(x->err, sizeof x->err, "out of memory");
		return XLAT_FAIL;
	}
	*out = NULL;
	x->err[0] = 0;
	t->x = x;
	t->c = c;
	c->eip = eip;
	c->transient = transient;
	c->key = x->key;
	c->host = tc_cursor(x->tc);
	t->e = (struct emit){ .p = c->host, .end = tc_limit(x->tc) - STUB_ROOM };
	if (t->e.end <= t->e.p)
		t->e.overflow = true;
	if (max_insns < 1)
		max_insns = 1;
	if (max_insns > TU_MAX_LIMIT)
		max_insns = TU_MAX_LIMIT;

	for (int n = 0; n < max_insns && !t->e.overflow; n++) {
		if (n > 0 && (pc >> 12) != (eip >> 12)) {
			tu_exit_direct(t, pc);   /* a TU stays on its first guest page */
			break;
		}
		if (n > 0 && x->is_breakpoint && x->is_breakpoint(x->bp_opaque, pc)) {
			tu_exit_direct(t, pc);
			break;
		}
		bool pf;
		int rc = xlat_fetch(x, pc, &in, &pf);
		if (rc == -2 || (rc < 0 && pf)) {
			if (n > 0) {
				tu_exit_direct(t, pc);
				break;
			}
			if (pf) {   /* the guest's #PF, raised by the dispatcher */
				x->err_eip = pc;
				t->failed = t->page_fault = true;
				break;
			}
			snprintf(x->err, sizeof x->err, "guest executes outside RAM at EIP 0x%08x", pc);
			x->err_eip = pc;
			t->failed = true;
			break;
		}
		if (rc < 0) {
			uint8_t code[DEC_MAX_LEN];
			size_t avail = xlat_code(x, pc, code, &pf);
			unsigned hint = dec_hint_nop_len(code, avail);
			if (hint) {   /* a hint NOP or PREFETCH Capstone does not know: no effect */
				memset(&in, 0, sizeof in);
				in.eip = pc;
				in.len = (uint8_t)hint;
				snprintf(in.text, sizeof in.text, "(hint nop)");
				tu_mark(t, &in, CK_IDENT, 0, 0);
				c->ninsn++;
				pc += hint;
				continue;
			}
			if (n > 0) {   /* run up to it; the next TU starts there */
				tu_exit_direct(t, pc);
				break;
			}
			/* An invalid opcode is the guest's #UD, raised when it runs. */
			memset(&in, 0, sizeof in);
			in.eip = pc;
			in.len = 1;
			in.mem_op = -1;
			snprintf(in.text, sizeof in.text, "(bad)");
			tu_mark(t, &in, CK_CALLOUT, 0, 0);
			tu_callout(t, &in, bt_callout_ud());
			tu_exit_direct(t, pc + 1);
			c->ninsn++;
			pc += 1;
			break;
		}
		t->next_eip = pc + in.len;
		if (xlat_one(t, &in) < 0 || t->failed)
			break;
		c->ninsn++;
		pc = t->next_eip;
		if (t->ended)
			break;
	}
	if (!t->failed && !t->ended && !t->e.overflow)
		tu_exit_direct(t, pc);
	if (t->failed) {
		st = t->page_fault ? XLAT_PF : XLAT_FAIL;
		goto out;
	}
	c->body_len = (uint32_t)(t->e.p - c->host);
	/* Exit stubs: record where to go and which rel32 to chain, then leave. */
	t->e.end = tc_limit(x->tc);
	for (int i = 0; i < c->nexits; i++) {
		struct ccf_exit *xe = &c->exits[i];
		xe->stub = t->e.p;
		emit_mov_ctx32_imm(&t->e, BTC_NEXT_EIP, xe->target);
		emit_mov_ctx32_imm(&t->e, BTC_EXIT_SITE, (uint32_t)(xe->site - x->tc->code));
		emit_mov_ctx32_imm(&t->e, BTC_EXIT_KIND, BT_EXIT_BRANCH);
		emit_jmp_ctx(&t->e, BTC_LEAVE);
		if (!t->e.overflow)
			emit_patch_rel32(xe->site, xe->stub);
	}
	if (t->e.overflow) {
		st = XLAT_FULL;
		goto out;
	}
	c->host_len = (uint32_t)(t->e.p - c->host);
	c->end = pc;
	c->page_first = eip >> 12;
	c->page_last = (pc > eip ? pc - 1 : eip) >> 12;
	c->nmap = (uint16_t)t->nmap;
	c->map = malloc((size_t)t->nmap * sizeof *c->map);
	if (!c->map && t->nmap) {
		st = XLAT_FAIL;
		snprintf(x->err, sizeof x->err, "out of memory");
		goto out;
	}
	memcpy(c->map, t->map, (size_t)t->nmap * sizeof *c->map);
	tc_commit(x->tc, c);
	for (int i = 0; i < c->nowned; i++)
		((struct bt_callout *)c->owned[i])->ccf_id = c->id;
	*out = c;
	c = NULL;
out:
	if (c) {
		for (int i = 0; i < c->nowned; i++)
			free(c->owned[i]);
		free(c->owned);
		free(c);
	}
	free(t);
	return st;
}
