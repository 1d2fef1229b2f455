/* Unit tests for engine/translate (xlat_tu and the per-instruction translators
 * in xlat_branch.c, xlat_stack.c, xlat_string.c), on a real machine (64 MiB of
 * guest RAM, guest code written with gmem_write) and a real TC. The generated
 * code is disassembled, never run (the engine tests run it). Checked: the
 * number of guest instructions and where a TU ends (a control transfer, a
 * leaving callout, tu_max and its clamps, a 4 KiB page boundary, an
 * instruction straddling one, a breakpoint address, an invalid instruction
 * after valid ones, the end of RAM); the exits and their target EIPs for jmp,
 * jcc, call, loop and jecxz, and their stubs; the map (CK_IDENT, CK_REENC,
 * CK_REWRITE, CK_CALLOUT, CK_EXIT, fixups, the extra entry of POP to memory);
 * callout descriptors; transient TUs; and the failures: an invalid first
 * instruction, code outside RAM, an instruction bt cannot re-encode, and a TC
 * too small (XLAT_FULL), none of which commits anything. */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reencode.h"
#include "engine/translate.h"
#include "monitor/machine.h"
#include "tests/unit/bt_testlib.h"

#define CODE 0x00100000u
#define RAM  (64ull << 20)

static struct machine m;
static struct tc tc;
static struct xlat x;

static void setup(void)
{
	char err[512] = "";
	struct machine_config cfg = { .ram_size = RAM };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(tc_init(&tc, 1u << 20, err, sizeof err) == 0, "%s", err);
	memset(&x, 0, sizeof x);
	ck_assert_int_eq(dec_init(&x.dec), 0);
	x.tc = &tc;
	x.m = &m;
	x.tu_max = TU_MAX_DEFAULT;
}

static void teardown(void)
{
	dec_destroy(&x.dec);
	tc_destroy(&tc);
	machine_destroy(&m);
}

/* Write guest code (hex) at addr. */
static void put(uint32_t addr, const char *hex)
{
	uint8_t b[256];
	size_t n = tl_hex(hex, b, sizeof b);
	ck_assert_int_eq(gmem_write(&m.mem, addr, b, n), 0);
}

static void put_nops(uint32_t addr, size_t n)
{
	uint8_t b[256];
	ck_assert_uint_le(n, sizeof b);
	memset(b, 0x90, n);
	ck_assert_int_eq(gmem_write(&m.mem, addr, b, n), 0);
}

/* Translate at eip; it must succeed. */
static struct ccf *xl(uint32_t eip, int max)
{
	struct ccf *c = NULL;
	enum xlat_status st = xlat_tu(&x, eip, max, false, &c);
	ck_assert_msg(st == XLAT_OK, "xlat_tu at 0x%08x: status %d: %s", eip, st, x.err);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* Disassembly of c's host code for map entry i (up to the next entry, or the
 * end of the body). */
static const char *entry_text(const struct ccf *c, int i, char *out, size_t outlen)
{
	uint32_t end = i + 1 < c->nmap ? c->map[i + 1].host_off : c->body_len;
	int n = tl_dis64(c->host + c->map[i].host_off, end - c->map[i].host_off, out, outlen);
	ck_assert_msg(n > 0, "map entry %d: host code does not decode", i);
	return out;
}

/* Invariants of every committed CCF. */
static void check_ccf(const struct ccf *c)
{
	char text[4096];
	ck_assert(c->valid);
	ck_assert_uint_ne(c->id, 0);
	ck_assert_ptr_eq(tc_find_host(&tc, c->host), c);
	ck_assert(c->host + c->host_len <= tc_limit(&tc));
	ck_assert_uint_le(c->body_len, c->host_len);
	ck_assert_uint_ge(c->nmap, c->ninsn);
	ck_assert_uint_eq(c->page_first, c->eip >> 12);
	ck_assert_uint_eq(c->page_last, (c->end - 1) >> 12);
	ck_assert_uint_gt(c->end, c->eip);
	/* Map entries in host and guest order, the first at offset 0. */
	ck_assert_uint_eq(c->map[0].host_off, 0);
	ck_assert_uint_eq(c->map[0].eip, c->eip);
	for (int i = 1; i < c->nmap; i++) {
		ck_assert_uint_ge(c->map[i].host_off, c->map[i - 1].host_off);
		ck_assert_uint_ge(c->map[i].eip, c->map[i - 1].eip);
	}
	ck_assert_uint_eq(c->map[c->nmap - 1].eip + c->map[c->nmap - 1].len, c->end);
	/* All of it decodes as 64-bit code, body and stubs. */
	ck_assert_msg(tl_dis64(c->host, c->body_len, text, sizeof text) > 0, "body does not decode");
	/* Each exit's rel32 points at its stub, which records the target and the site. */
	for (int i = 0; i < c->nexits; i++) {
		const struct ccf_exit *e = &c->exits[i];
		int32_t rel;
		memcpy(&rel, e->site, 4);
		ck_assert_ptr_eq(e->site + 4 + rel, e->stub);
		ck_assert(e->site > c->host && e->site + 4 <= c->host + c->body_len);
		ck_assert(e->stub >= c->host + c->body_len && e->stub < c->host + c->host_len);
		ck_assert_ptr_null(e->to);
		char want[300];
		snprintf(want, sizeof want,
			 "mov dword ptr [r15 + 0x%x], 0x%x; mov dword ptr [r15 + 0x%x], 0x%x; "
			 "mov dword ptr [r15 + 0x%x], %d; jmp qword ptr [r15 + 0x%x]",
			 BTC_NEXT_EIP, e->target, BTC_EXIT_SITE, (unsigned)(e->site - tc.code), BTC_EXIT_KIND,
			 BT_EXIT_BRANCH, BTC_LEAVE);
		ck_assert_int_eq(tl_dis64(e->stub, 40, text, sizeof text), 4);
		ck_assert_str_eq(text, want);
	}
}

/* ---- straight-line code, kinds ---- */

START_TEST(ident_run)
{
	put(CODE, "01 d8 01 d8 01 d8 e9 f5 00 00 00");   /* add eax, ebx x3; jmp 0x100100 */
	struct ccf *c = xl(CODE, 12);
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 4);
	ck_assert_uint_eq(c->eip, CODE);
	ck_assert_uint_eq(c->end, CODE + 11);
	ck_assert_uint_eq(c->nexits, 1);
	ck_assert_uint_eq(c->exits[0].target, 0x100100);
	ck_assert_uint_eq(c->nmap, 4);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(c->map[i].kind, CK_IDENT);
		ck_assert_uint_eq(c->map[i].eip, CODE + 2u * (unsigned)i);
		ck_assert_uint_eq(c->map[i].len, 2);
		ck_assert_uint_eq(c->map[i].host_off, 2u * (unsigned)i);   /* copied as is */
		ck_assert_uint_eq(c->host[c->map[i].host_off], 0x01);
		ck_assert_uint_eq(c->host[c->map[i].host_off + 1], 0xd8);
	}
	ck_assert_uint_eq(c->map[3].kind, CK_EXIT);
	ck_assert_ptr_eq(tc_lookup(&tc, CODE), c);
	ck_assert_int_eq(tc.n, 1);
	ck_assert_uint_eq(tc.stats.guest_insns, 4);
	ck_assert_str_eq(x.err, "");
}
END_TEST

START_TEST(reenc_kinds)
{
	/* mov eax,[ebx]; mov ebp,esp; mov [esp+4],ah; sub esp,0x10; lea esi,[esi]; ret */
	put(CODE, "8b 03 89 e5 88 64 24 04 83 ec 10 8d 76 00 c3");
	struct ccf *c = xl(CODE, 12);
	char text[512];
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 6);
	ck_assert_uint_eq(c->map[0].kind, CK_REENC);
	ck_assert_str_eq(entry_text(c, 0, text, sizeof text), "mov eax, dword ptr gs:[ebx]");
	ck_assert_uint_eq(c->map[1].kind, CK_REENC);
	ck_assert_str_eq(entry_text(c, 1, text, sizeof text), "mov ebp, r12d");
	ck_assert_uint_eq(c->map[2].kind, CK_REENC);
	ck_assert_uint_eq(c->map[2].fixup, FIX_SWAP_AX);
	ck_assert_str_eq(entry_text(c, 2, text, sizeof text),
			 "xchg al, ah; mov byte ptr gs:[r12d + 4], al; xchg al, ah");
	ck_assert_uint_eq(c->map[3].kind, CK_REENC);
	ck_assert_str_eq(entry_text(c, 3, text, sizeof text), "sub r12d, 0x10");
	ck_assert_uint_eq(c->map[4].kind, CK_REENC);
	ck_assert_str_eq(entry_text(c, 4, text, sizeof text), "lea esi, [esi]");
	ck_assert_uint_eq(c->map[5].kind, CK_EXIT);
	for (int i = 0; i < 5; i++)
		if (i != 2)
			ck_assert_uint_eq(c->map[i].fixup, FIX_NONE);
}
END_TEST

START_TEST(stack_rewrites)
{
	/* push eax; pop ebx; push dword [ebx]; pop dword [esp+4]; push 0x1234; pushad; popad; leave; ret */
	put(CODE, "50 5b ff 33 8f 44 24 04 68 34 12 00 00 60 61 c9 c3");
	struct ccf *c = xl(CODE, 12);
	char text[1024];
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 9);
	ck_assert_uint_eq(c->nmap, 10);   /* pop to memory has a second entry */
	static const uint32_t eips[] = { 0, 1, 2, 4, 4, 8, 13, 14, 15, 16 };
	for (int i = 0; i < 9; i++) {
		ck_assert_uint_eq(c->map[i].eip, CODE + eips[i]);
		ck_assert_uint_eq(c->map[i].kind, CK_REWRITE);
	}
	ck_assert_uint_eq(c->map[9].kind, CK_EXIT);
	ck_assert_str_eq(entry_text(c, 0, text, sizeof text),
			 "mov dword ptr gs:[r12d - 4], eax; lea r12d, [r12d - 4]");
	ck_assert_str_eq(entry_text(c, 1, text, sizeof text),
			 "mov ebx, dword ptr gs:[r12d]; lea r12d, [r12d + 4]");
	ck_assert_str_eq(entry_text(c, 2, text, sizeof text),
			 "mov r8d, dword ptr gs:[ebx]; mov dword ptr gs:[r12d - 4], r8d; lea r12d, [r12d - 4]");
	/* pop [esp+4]: the load and ESP update, then (ESP 4 ahead) the store */
	ck_assert_uint_eq(c->map[3].esp_adj, 0);
	ck_assert_uint_eq(c->map[4].esp_adj, 4);
	ck_assert_str_eq(entry_text(c, 3, text, sizeof text),
			 "mov r8d, dword ptr gs:[r12d]; lea r12d, [r12d + 4]");
	ck_assert_str_eq(entry_text(c, 4, text, sizeof text), "mov dword ptr gs:[r12d + 4], r8d");
	ck_assert_str_eq(entry_text(c, 5, text, sizeof text),
			 "mov dword ptr gs:[r12d - 4], 0x1234; lea r12d, [r12d - 4]");
	ck_assert_str_eq(entry_text(c, 8, text, sizeof text),
			 "mov r8d, dword ptr gs:[ebp]; lea r12d, [ebp + 4]; mov ebp, r8d");
}
END_TEST

START_TEST(string_rewrites)
{
	/* rep movsb; stosd; lodsb; repne scasb; cmpsd; ret */
	put(CODE, "f3 a4 ab ac f2 ae a7 c3");
	struct ccf *c = xl(CODE, 12);
	char text[512];
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 6);
	static const uint8_t fix[] = { FIX_STR_SI | FIX_STR_DI, FIX_STR_DI, FIX_STR_SI, FIX_STR_DI,
				       FIX_STR_SI | FIX_STR_DI };
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(c->map[i].kind, CK_REWRITE);
		ck_assert_msg(c->map[i].fixup == fix[i], "entry %d: fixup %x", i, c->map[i].fixup);
	}
	ck_assert_str_eq(entry_text(c, 0, text, sizeof text),
			 "lea rsi, [rsi + r14]; lea rdi, [rdi + r14]; rep movsb byte ptr [rdi], byte ptr [rsi]; "
			 "lea rsi, [rsi + r13]; lea rdi, [rdi + r13]");
	ck_assert_str_eq(entry_text(c, 1, text, sizeof text),
			 "lea rdi, [rdi + r14]; stosd dword ptr [rdi], eax; lea rdi, [rdi + r13]");
}
END_TEST

START_TEST(incdec_xlat)
{
	put(CODE, "40 44 4c 4f d7 c3");   /* inc eax; inc esp; dec esp; dec edi; xlatb; ret */
	struct ccf *c = xl(CODE, 12);
	char text[256];
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 6);
	ck_assert_str_eq(entry_text(c, 0, text, sizeof text), "inc eax");
	ck_assert_str_eq(entry_text(c, 1, text, sizeof text), "inc r12d");
	ck_assert_str_eq(entry_text(c, 2, text, sizeof text), "dec r12d");
	ck_assert_str_eq(entry_text(c, 3, text, sizeof text), "dec edi");
	ck_assert_str_eq(entry_text(c, 4, text, sizeof text),
			 "movzx r8d, al; lea r8d, [ebx + r8d]; mov al, byte ptr gs:[r8d]");
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(c->map[i].kind, CK_REWRITE);
}
END_TEST

START_TEST(callouts)
{
	/* cli; in al, dx; out dx, al; lgdt [eax]; add eax, ebx; hlt */
	put(CODE, "fa ec ee 0f 01 10 01 d8 f4 90 90");
	struct ccf *c = xl(CODE, 12);
	char text[512], want[256];
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 6);   /* hlt leaves the TU */
	ck_assert_uint_eq(c->end, CODE + 9);
	static const uint8_t kinds[] = { CK_CALLOUT, CK_CALLOUT, CK_CALLOUT, CK_CALLOUT, CK_IDENT, CK_CALLOUT };
	for (int i = 0; i < 6; i++)
		ck_assert_msg(c->map[i].kind == kinds[i], "entry %d: kind %u", i, c->map[i].kind);
	ck_assert_uint_eq(c->nexits, 1);
	ck_assert_uint_eq(c->exits[0].target, CODE + 9);   /* after the hlt */

	/* One descriptor per callout, owned by the CCF, naming it. */
	ck_assert_int_eq(c->nowned, 5);
	static const uint32_t eips[] = { 0, 1, 2, 3, 8 };
	for (int i = 0; i < 5; i++) {
		const struct bt_callout *co = c->owned[i];
		ck_assert_ptr_nonnull(co->fn);
		ck_assert_uint_eq(co->ccf_id, c->id);
		ck_assert_uint_eq(co->insn.eip, CODE + eips[i]);
		ck_assert_uint_eq(co->count, 0);
	}
	ck_assert_str_eq(((const struct bt_callout *)c->owned[0])->insn.text, "cli");
	/* R11 = the descriptor, then call [r15 + BTC_CALLOUT]. */
	snprintf(want, sizeof want, "movabs r11, 0x%lx; call qword ptr [r15 + 0x%x]",
		 (unsigned long)(uintptr_t)c->owned[0], BTC_CALLOUT);
	ck_assert_str_eq(entry_text(c, 0, text, sizeof text), want);
	/* A memory operand's address goes in R8D first. */
	snprintf(want, sizeof want, "lea r8d, [eax]; movabs r11, 0x%lx; call qword ptr [r15 + 0x%x]",
		 (unsigned long)(uintptr_t)c->owned[3], BTC_CALLOUT);
	ck_assert_str_eq(entry_text(c, 3, text, sizeof text), want);
}
END_TEST

START_TEST(callout_that_leaves)
{
	put(CODE, "01 d8 fb 01 d8 c3");   /* add; sti; add; ret */
	struct ccf *c = xl(CODE, 12);
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 2);
	ck_assert_uint_eq(c->map[1].kind, CK_CALLOUT);
	ck_assert_uint_eq(c->nexits, 1);
	ck_assert_uint_eq(c->exits[0].target, CODE + 3);
	ck_assert_uint_eq(c->end, CODE + 3);
}
END_TEST

/* ---- control transfers ---- */

struct branch_case {
	const char *code;      /* at CODE, after two add eax, ebx */
	unsigned ninsn;
	unsigned nexits;
	uint32_t target[3];
	uint32_t end;          /* offset from CODE */
};

static const struct branch_case branch_cases[] = {
	{ "eb 10", 3, 1, { CODE + 0x16 }, 6 },                      /* jmp short */
	{ "eb fa", 3, 1, { CODE }, 6 },                              /* jmp back to the start */
	{ "e9 00 01 00 00", 3, 1, { CODE + 0x109 }, 9 },            /* jmp near */
	{ "74 05", 3, 2, { CODE + 0xb, CODE + 6 }, 6 },             /* je: taken, then fall-through */
	{ "7f f0", 3, 2, { CODE - 0xa, CODE + 6 }, 6 },             /* jg backwards */
	{ "0f 85 00 01 00 00", 3, 2, { CODE + 0x10a, CODE + 10 }, 10 },   /* jne near */
	/* call: a host call into the callee (exit 0), the return site the shadow
	 * RET lands on (exit 1), and the plain exit when the shadow is full (2) */
	{ "e8 00 01 00 00", 3, 3, { CODE + 0x109, CODE + 9, CODE + 0x109 }, 9 },
	{ "e2 fa", 3, 2, { CODE + 6, CODE }, 6 },                    /* loop: not taken, taken */
	{ "e3 10", 3, 2, { CODE + 6, CODE + 0x16 }, 6 },            /* jecxz */
	{ "c3", 3, 0, { 0 }, 5 },                                    /* ret */
	{ "c2 08 00", 3, 0, { 0 }, 7 },                              /* ret 8 */
	{ "ff e0", 3, 0, { 0 }, 6 },                                 /* jmp eax */
	{ "ff 24 85 00 20 10 00", 3, 0, { 0 }, 11 },                 /* jmp [eax*4 + table] */
	{ "ff d3", 3, 0, { 0 }, 6 },                                 /* call ebx */
	{ "ff 54 24 04", 3, 0, { 0 }, 8 },                           /* call [esp + 4] */
};

START_TEST(branches)
{
	const struct branch_case *k = &branch_cases[_i];
	char hex[100];
	snprintf(hex, sizeof hex, "01 d8 01 d8 %s 90 90 90", k->code);
	put(CODE, hex);
	struct ccf *c = xl(CODE, 12);
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, k->ninsn);
	ck_assert_uint_eq(c->end, CODE + k->end);
	ck_assert_uint_eq(c->nexits, k->nexits);
	for (unsigned i = 0; i < k->nexits; i++)
		ck_assert_msg(c->exits[i].target == k->target[i], "%s: exit %u goes to 0x%x, want 0x%x",
			      k->code, i, c->exits[i].target, k->target[i]);
	ck_assert_uint_eq(c->map[c->nmap - 1].kind, CK_EXIT);
	ck_assert_uint_eq(c->map[c->nmap - 1].eip, CODE + 4);
}
END_TEST

START_TEST(branch_code)
{
	char text[1024], want[256];

	/* je: a jcc rel32 with the guest's condition, then a jmp for the fall-through. */
	put(CODE, "74 05");
	struct ccf *c = xl(CODE, 12);
	ck_assert_uint_eq(c->exits[0].site[-2], 0x0f);
	ck_assert_uint_eq(c->exits[0].site[-1], 0x84);
	ck_assert_uint_eq(c->exits[1].site[-1], 0xe9);
	ck_assert_ptr_eq(c->exits[1].site, c->exits[0].site + 5);

	/* call: push the guest return address (never a host one), then a host
	 * call with a shadow frame (host return, -guest return) under a budget. */
	put(CODE + 0x100, "e8 fb fe ff ff");   /* call 0x100000 */
	c = xl(CODE + 0x100, 12);
	ck_assert_uint_eq(c->exits[0].target, CODE);
	ck_assert_uint_eq(c->exits[0].site[-1], 0xe8);   /* a host call */
	ck_assert_uint_eq(c->exits[1].target, CODE + 0x105);
	ck_assert_int_gt(tl_dis64(c->host, (size_t)(c->exits[0].site - 1 - c->host), text, sizeof text), 2);
	snprintf(want, sizeof want, "mov dword ptr gs:[r12d - 4], 0x%x; lea r12d, [r12d - 4]; mov r11, rcx; "
		 "mov rcx, qword ptr [r15 + 0x%x]; jrcxz", CODE + 0x105, BTC_SHADOW_BUDGET);
	ck_assert_msg(strncmp(text, want, strlen(want)) == 0, "call: %s", text);
	snprintf(want, sizeof want, "movabs r11, 0x%llx; push r11", (unsigned long long)((uint64_t)0 - (CODE + 0x105)));
	ck_assert_msg(strstr(text, want), "call: %s", text);

	/* ret: pop the target into R8D, then the inline lookup. */
	put(CODE + 0x200, "c3");
	c = xl(CODE + 0x200, 12);
	ck_assert_int_gt(tl_dis64(c->host, c->body_len, text, sizeof text), 0);
	static const char ret_head[] = "mov r8d, dword ptr gs:[r12d]; lea r12d, [r12d + 4]; mov r11, rcx; "
				       "mov rcx, qword ptr [rsp + 8]; lea rcx, [rcx + r8]; jrcxz";
	ck_assert_msg(strncmp(text, ret_head, strlen(ret_head)) == 0, "ret: %s", text);
	ck_assert_msg(strstr(text, "ret 8"), "ret: %s", text);
	snprintf(want, sizeof want, "mov r10, qword ptr [r15 + 0x%x]", BTC_LOOKUP);
	ck_assert_msg(strstr(text, want), "ret: %s", text);
	snprintf(want, sizeof want, "jmp qword ptr [r15 + 0x%x]", BTC_MISS);
	ck_assert_msg(strstr(text, want), "ret: %s", text);
	ck_assert_msg(strstr(text, "jrcxz"), "ret: %s", text);

	/* jmp [esp+8]: R8D loaded through GS from R12. */
	put(CODE + 0x300, "ff 64 24 08");
	c = xl(CODE + 0x300, 12);
	ck_assert_int_gt(tl_dis64(c->host, c->body_len, text, sizeof text), 0);
	static const char jmp_head[] = "mov r8d, dword ptr gs:[r12d + 8]; ";
	ck_assert_msg(strncmp(text, jmp_head, strlen(jmp_head)) == 0, "jmp [esp+8]: %s", text);
}
END_TEST

/* ---- where a TU ends ---- */

START_TEST(tu_max)
{
	put_nops(CODE, 100);
	struct ccf *c = xl(CODE, 5);
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 5);
	ck_assert_uint_eq(c->end, CODE + 5);
	ck_assert_uint_eq(c->nexits, 1);
	ck_assert_uint_eq(c->exits[0].target, CODE + 5);

	c = xl(CODE + 10, 1);
	ck_assert_uint_eq(c->ninsn, 1);
	ck_assert_uint_eq(c->exits[0].target, CODE + 11);
	c = xl(CODE + 20, 0);   /* at least one */
	ck_assert_uint_eq(c->ninsn, 1);
	c = xl(CODE + 30, -3);
	ck_assert_uint_eq(c->ninsn, 1);
	c = xl(CODE, 1000);     /* at most TU_MAX_LIMIT */
	ck_assert_uint_eq(c->ninsn, TU_MAX_LIMIT);
	ck_assert_uint_eq(c->exits[0].target, CODE + TU_MAX_LIMIT);
	c = xl(CODE + 1, TU_MAX_DEFAULT);
	ck_assert_uint_eq(c->ninsn, TU_MAX_DEFAULT);
}
END_TEST

START_TEST(page_boundary)
{
	/* Eight nops up to the end of page 0x100, more on page 0x101. */
	put_nops(0x100ff8, 16);
	struct ccf *c = xl(0x100ff8, 12);
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 8);
	ck_assert_uint_eq(c->end, 0x101000);
	ck_assert_uint_eq(c->exits[0].target, 0x101000);
	ck_assert_uint_eq(c->page_first, 0x100);
	ck_assert_uint_eq(c->page_last, 0x100);

	/* The last byte of a page. */
	c = xl(0x100fff, 12);
	ck_assert_uint_eq(c->ninsn, 1);
	ck_assert_uint_eq(c->exits[0].target, 0x101000);

	/* An instruction straddling the boundary belongs to the TU; it ends after it. */
	put(0x101ffd, "90 b8 78 56 34 12 90 90");   /* nop; mov eax, imm32 at 0x101ffe */
	c = xl(0x101ffd, 12);
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 2);
	ck_assert_uint_eq(c->end, 0x102003);
	ck_assert_uint_eq(c->page_first, 0x101);
	ck_assert_uint_eq(c->page_last, 0x102);
	ck_assert_uint_eq(c->exits[0].target, 0x102003);
	/* ... so invalidating either page drops it. */
	ck_assert_int_eq(tc_invalidate_page(&tc, 0x102), 1);
	ck_assert(!c->valid);
}
END_TEST

struct bps {
	uint32_t at[4];
	int n;
	uint32_t asked[80];
	int nasked;
};

static bool bp_hit(void *opaque, uint32_t eip)
{
	struct bps *b = opaque;
	if (b->nasked < 80)
		b->asked[b->nasked++] = eip;
	for (int i = 0; i < b->n; i++)
		if (b->at[i] == eip)
			return true;
	return false;
}

START_TEST(breakpoint)
{
	struct bps b = { .at = { CODE + 3 }, .n = 1 };
	put_nops(CODE, 20);
	x.is_breakpoint = bp_hit;
	x.bp_opaque = &b;
	struct ccf *c = xl(CODE, 12);
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 3);
	ck_assert_uint_eq(c->end, CODE + 3);
	ck_assert_uint_eq(c->exits[0].target, CODE + 3);
	/* It was asked about each later instruction, not the first. */
	ck_assert_int_eq(b.nasked, 3);
	ck_assert_uint_eq(b.asked[0], CODE + 1);
	ck_assert_uint_eq(b.asked[2], CODE + 3);

	/* A TU starting at the breakpoint includes it (the debugger stops before entering). */
	b.nasked = 0;
	c = xl(CODE + 3, 12);
	ck_assert_uint_eq(c->ninsn, 12);
	for (int i = 0; i < b.nasked; i++)
		ck_assert_uint_ne(b.asked[i], CODE + 3);

	/* A breakpoint right after a branch is not asked about at all. */
	put(CODE + 0x40, "eb 10");
	b.nasked = 0;
	b.at[0] = CODE + 0x42;
	c = xl(CODE + 0x40, 12);
	ck_assert_uint_eq(c->ninsn, 1);
	ck_assert_uint_eq(c->exits[0].target, CODE + 0x52);
	ck_assert_int_eq(b.nasked, 0);
}
END_TEST

START_TEST(invalid_after_valid)
{
	put(CODE, "01 d8 01 d8 0f 04");
	struct ccf *c = xl(CODE, 12);
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 2);
	ck_assert_uint_eq(c->exits[0].target, CODE + 4);   /* the next TU reports it */
}
END_TEST

START_TEST(end_of_ram)
{
	uint32_t top = (uint32_t)RAM;
	put_nops(top - 4, 4);
	struct ccf *c = xl(top - 4, 12);
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 4);
	ck_assert_uint_eq(c->exits[0].target, top);
	/* Before the VGA hole. */
	put_nops(0x9fffc, 4);
	c = xl(0x9fffc, 12);
	ck_assert_uint_eq(c->ninsn, 4);
	ck_assert_uint_eq(c->exits[0].target, 0xa0000);
}
END_TEST

/* ---- transient ---- */

START_TEST(transient)
{
	put(CODE, "01 d8 01 d8 c3");
	struct ccf *c = NULL;
	ck_assert_int_eq(xlat_tu(&x, CODE, 12, true, &c), XLAT_OK);
	ck_assert_ptr_nonnull(c);
	ck_assert(c->transient);
	ck_assert_uint_eq(c->ninsn, 3);
	ck_assert_ptr_null(tc_lookup(&tc, CODE));
	ck_assert_ptr_eq(tc_find_host(&tc, c->host), c);   /* committed: faults in it map */
	ck_assert_int_eq(tc.n, 1);
	/* A normal translation of the same code is looked up. */
	struct ccf *n = xl(CODE, 12);
	ck_assert(!n->transient);
	ck_assert_ptr_ne(n, c);
	ck_assert_ptr_eq(tc_lookup(&tc, CODE), n);
}
END_TEST

/* ---- failures: nothing committed, a message naming the EIP ---- */

static void expect_fail(uint32_t eip, const char *msg, uint32_t err_eip)
{
	struct ccf *c = (struct ccf *)&c;
	size_t used = tc.used;
	int n = tc.n;
	enum xlat_status st = xlat_tu(&x, eip, 12, false, &c);
	ck_assert_msg(st == XLAT_FAIL, "at 0x%08x: status %d, want XLAT_FAIL", eip, st);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(x.err, msg), "message '%s' lacks '%s'", x.err, msg);
	ck_assert_uint_eq(x.err_eip, err_eip);
	ck_assert_int_eq(tc.n, n);
	ck_assert_uint_eq(tc.used, used);
	ck_assert_ptr_null(tc_lookup(&tc, eip));
}

START_TEST(invalid_first_raises_ud)
{
	/* An invalid opcode is translated into a callout raising #UD when it runs. */
	put(CODE, "0f 04");
	struct ccf *c = xl(CODE, 12);
	ck_assert_uint_eq(c->ninsn, 1);
	ck_assert_uint_eq(c->map[0].kind, CK_CALLOUT);
	ck_assert_uint_eq(c->map[0].eip, CODE);
	put(CODE + 0x10, "90 fe f8");
	c = xl(CODE + 0x10, 12);   /* after a valid one: the TU stops before it */
	ck_assert_uint_eq(c->ninsn, 1);
	ck_assert_uint_eq(c->end, CODE + 0x11);
	/* A hint NOP Capstone does not know (0F 1E /r) is skipped as a NOP. */
	put(CODE + 0x20, "0f 1e c0 90 c3");
	c = xl(CODE + 0x20, 12);
	ck_assert_uint_eq(c->ninsn, 3);
}
END_TEST

START_TEST(fail_outside_ram)
{
	expect_fail((uint32_t)RAM, "guest executes outside RAM at EIP 0x04000000", (uint32_t)RAM);
	expect_fail(0xfffffff0, "guest executes outside RAM at EIP 0xfffffff0", 0xfffffff0);
	expect_fail(0xa0000, "guest executes outside RAM at EIP 0x000a0000", 0xa0000);
	expect_fail(0xb8000, "outside RAM", 0xb8000);
	/* An instruction cut off by the end of RAM cannot be decoded: #UD when run. */
	put((uint32_t)RAM - 2, "b8 78");
	struct ccf *c = xl((uint32_t)RAM - 2, 12);
	ck_assert_uint_eq(c->map[0].kind, CK_CALLOUT);
}
END_TEST

START_TEST(fail_cannot_translate)
{
	/* LEA of a 16-bit address, after a callout (its descriptor must not leak) */
	put(CODE + 0x20, "fa 67 8d 07");
	expect_fail(CODE + 0x20, "16-bit addressing", CODE + 0x21);
	/* A 16-bit return. */
	put(CODE + 0x40, "66 c3");
	expect_fail(CODE + 0x40, "16-bit return", CODE + 0x40);
	/* Still usable afterwards. */
	put(CODE + 0x60, "01 d8 c3");
	struct ccf *c = xl(CODE + 0x60, 12);
	ck_assert_uint_eq(c->ninsn, 2);
	ck_assert_str_eq(x.err, "");
}
END_TEST

/* FS/GS overrides: the address goes through R9D with the segment base;
 * FXSAVE: the host instruction pointer it stores is cleared afterwards. */
START_TEST(segments_and_fxsave)
{
	/* mov eax, fs:[ebx]; push dword gs:[ebx]; fxsave [eax]; ret */
	put(CODE, "64 8b 03 65 ff 33 0f ae 00 c3");
	struct ccf *c = xl(CODE, 12);
	char text[1024], want[512];
	check_ccf(c);
	ck_assert_uint_eq(c->ninsn, 4);
	ck_assert_uint_eq(c->map[0].kind, CK_REENC);
	snprintf(want, sizeof want, "lea r9d, [ebx]; mov r10d, dword ptr [r15 + 0x%x]; lea r9d, [r9d + r10d]; "
		 "mov eax, dword ptr gs:[r9d]", (unsigned)offsetof(struct bt_ctx, arch.seg[S_FS].base));
	ck_assert_str_eq(entry_text(c, 0, text, sizeof text), want);
	ck_assert_uint_eq(c->map[1].kind, CK_REWRITE);
	snprintf(want, sizeof want, "lea r9d, [ebx]; mov r10d, dword ptr [r15 + 0x%x]; lea r9d, [r9d + r10d]; "
		 "mov r8d, dword ptr gs:[r9d]; mov dword ptr gs:[r12d - 4], r8d; lea r12d, [r12d - 4]",
		 (unsigned)offsetof(struct bt_ctx, arch.seg[S_GS].base));
	ck_assert_str_eq(entry_text(c, 1, text, sizeof text), want);
	ck_assert_uint_eq(c->map[2].kind, CK_REENC);
	snprintf(want, sizeof want, "fxsave gs:[eax]; lea r8d, [eax]; mov r9d, 0; mov word ptr gs:[r8d + 6], r9w; "
		 "mov dword ptr gs:[r8d + 8], 0; movzx r9d, word ptr [r15 + 0x%x]; mov dword ptr gs:[r8d + 0xc], r9d; "
		 "mov dword ptr gs:[r8d + 0x10], 0; movzx r9d, word ptr [r15 + 0x%x]; mov dword ptr gs:[r8d + 0x14], r9d",
		 (unsigned)offsetof(struct bt_ctx, arch.seg[S_CS].sel), (unsigned)offsetof(struct bt_ctx, arch.seg[S_DS].sel));
	ck_assert_str_eq(entry_text(c, 2, text, sizeof text), want);

	/* String instructions with FS/GS sources are refused with a message. */
	put(CODE + 0x40, "64 a4");
	expect_fail(CODE + 0x40, "FS/GS segment overrides", CODE + 0x40);
}
END_TEST

/* A call with a 16-bit operand size (66 E8 rel16) pushes a 16-bit IP and
 * moves ESP by 2; bt refuses the other 16-bit branches (ret, indirect). */
START_TEST(call16)
{
	put(CODE, "66 e8 00 01");   /* call 0x0104: pushes the word 0x0004 */
	struct ccf *c = NULL;
	enum xlat_status st = xlat_tu(&x, CODE, 12, false, &c);
	if (st == XLAT_FAIL) {
		ck_assert_msg(strstr(x.err, "16-bit"), "message '%s'", x.err);
		return;
	}
	ck_assert_int_eq(st, XLAT_OK);
	ck_assert_uint_eq(c->exits[0].target, 0x0104);
	char text[512];
	ck_assert_int_gt(tl_dis64(c->host, c->body_len, text, sizeof text), 0);
	ck_assert_msg(strstr(text, "word ptr gs:[r12d - 2]") && strstr(text, "lea r12d, [r12d - 2]"),
		      "66 e8 00 01 at 0x%x: a 16-bit call must push 2 bytes (IP 0x0004), got: %s", CODE, text);
}
END_TEST

/* ---- a full TC ---- */

START_TEST(tc_too_small)
{
	struct tc small;
	char err[256];
	put(CODE, "8b 03 8b 03 8b 03 c3");

	/* No room at all: less than the stub reserve. */
	ck_assert_int_eq(tc_init(&small, 128, err, sizeof err), 0);
	x.tc = &small;
	struct ccf *c = (struct ccf *)&c;
	ck_assert_int_eq(xlat_tu(&x, CODE, 12, false, &c), XLAT_FULL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(small.n, 0);
	ck_assert_uint_eq(small.used, 64);
	tc_destroy(&small);

	/* Room for a few TUs: fill it until XLAT_FULL, then flush and go on. */
	ck_assert_int_eq(tc_init(&small, 4096, err, sizeof err), 0);
	x.tc = &small;
	put_nops(CODE + 0x1000, 200);
	int ok = 0;
	enum xlat_status st = XLAT_OK;
	for (uint32_t pc = CODE + 0x1000; pc < CODE + 0x1000 + 188; pc++, ok++) {
		size_t used = small.used;
		st = xlat_tu(&x, pc, 12, false, &c);
		if (st != XLAT_OK) {
			ck_assert_ptr_null(c);
			ck_assert_uint_eq(small.used, used);   /* nothing committed */
			break;
		}
		ck_assert(c->host + c->host_len <= tc_limit(&small));
	}
	ck_assert_int_eq(st, XLAT_FULL);
	ck_assert_int_gt(ok, 0);
	ck_assert_int_eq(small.n, ok);
	for (int i = 0; i < small.n; i++)
		ck_assert(small.all[i]->host + small.all[i]->host_len <= tc_limit(&small));
	tc_flush(&small);
	ck_assert_int_eq(xlat_tu(&x, CODE, 12, false, &c), XLAT_OK);
	ck_assert_uint_eq(c->ninsn, 4);
	tc_destroy(&small);
	x.tc = &tc;
}
END_TEST

static Suite *translate_suite(void)
{
	Suite *s = suite_create("translate");
	TCase *t = tcase_create("kinds");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, ident_run);
	tcase_add_test(t, reenc_kinds);
	tcase_add_test(t, stack_rewrites);
	tcase_add_test(t, string_rewrites);
	tcase_add_test(t, incdec_xlat);
	tcase_add_test(t, callouts);
	tcase_add_test(t, callout_that_leaves);
	suite_add_tcase(s, t);

	t = tcase_create("branches");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_loop_test(t, branches, 0, (int)(sizeof branch_cases / sizeof branch_cases[0]));
	tcase_add_test(t, branch_code);
	suite_add_tcase(s, t);

	t = tcase_create("tu_end");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, tu_max);
	tcase_add_test(t, page_boundary);
	tcase_add_test(t, breakpoint);
	tcase_add_test(t, invalid_after_valid);
	tcase_add_test(t, end_of_ram);
	tcase_add_test(t, transient);
	suite_add_tcase(s, t);

	t = tcase_create("failures");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, invalid_first_raises_ud);
	tcase_add_test(t, fail_outside_ram);
	tcase_add_test(t, fail_cannot_translate);
	tcase_add_test(t, segments_and_fxsave);
	tcase_add_test(t, call16);
	tcase_add_test(t, tc_too_small);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(translate_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
