/* Helpers shared by the binary-translator unit tests (test_decode, test_reencode,
 * test_tc, test_translate): hex strings to bytes and back, and an independent
 * 64-bit Capstone disassembly of host code (its own handle, not the engine's
 * struct dec), so a test checks emitted bytes against what the host CPU will
 * see rather than against the translator's own verification.
 *
 *   uint8_t b[32]; size_t n = tl_hex("65 67 8b 03", b, sizeof b);
 *   char text[256]; tl_dis64(code, len, text, sizeof text);   // "mov eax, dword ptr gs:[ebx]"
 */
#ifndef BT86_TESTS_UNIT_BT_TESTLIB_H
#define BT86_TESTS_UNIT_BT_TESTLIB_H

#include <capstone/capstone.h>
#include <check.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse "8b 44 24 04" (spaces optional between pairs) into out; returns the count.
 * A malformed string fails the running test. */
static inline size_t tl_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		ck_assert_msg(isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1]),
			      "bad hex string near '%s'", s);
		ck_assert_msg(n < max, "hex string too long");
		char pair[3] = { s[0], s[1], 0 };
		out[n++] = (uint8_t)strtoul(pair, NULL, 16);
		s += 2;
	}
	return n;
}

/* "65 67 8b 03" for b[0..n) (lower case, one space between bytes). */
static inline const char *tl_hexstr(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	size_t k = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && k + 4 < outlen; i++)
		k += (size_t)snprintf(out + k, outlen - k, "%s%02x", i ? " " : "", b[i]);
	return out;
}

/* Disassemble code[0..len) as 64-bit code: "insn; insn; ...". Returns the
 * number of instructions, or -1 if some bytes do not decode. */
static inline int tl_dis64(const uint8_t *code, size_t len, char *out, size_t outlen)
{
	csh h;
	cs_insn *insn;
	int count = 0;
	size_t k = 0;

	out[0] = 0;
	ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &h), CS_ERR_OK);
	size_t n = len ? cs_disasm(h, code, len, 0x1000, 0, &insn) : 0;
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		k += (size_t)snprintf(out + k, k < outlen ? outlen - k : 0, "%s%s%s%s", i ? "; " : "",
				      insn[i].mnemonic, insn[i].op_str[0] ? " " : "", insn[i].op_str);
		used += insn[i].size;
		count++;
	}
	if (n)
		cs_free(insn, n);
	cs_close(&h);
	return used == len ? count : -1;
}

/* One 64-bit instruction with detail, decoded with a fresh handle; the caller
 * frees it with tl_free64. NULL if it does not decode. */
struct tl_insn64 {
	csh h;
	cs_insn *insn;
};

static inline const cs_insn *tl_decode64(struct tl_insn64 *t, const uint8_t *code, size_t len)
{
	t->insn = NULL;
	ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &t->h), CS_ERR_OK);
	cs_option(t->h, CS_OPT_DETAIL, CS_OPT_ON);
	if (cs_disasm(t->h, code, len, 0, 1, &t->insn) != 1)
		t->insn = NULL;
	return t->insn;
}

static inline void tl_free64(struct tl_insn64 *t)
{
	if (t->insn)
		cs_free(t->insn, 1);
	cs_close(&t->h);
}

/* Assert that got[0..n) equals the hex string want. */
#define TL_ASSERT_BYTES(got, n, want) do {                                          \
		uint8_t tl_w_[64];                                                  \
		char tl_g_[200], tl_ws_[200];                                       \
		size_t tl_wn_ = tl_hex((want), tl_w_, sizeof tl_w_);                \
		ck_assert_msg((size_t)(n) == tl_wn_ && memcmp((got), tl_w_, tl_wn_) == 0, \
			      "bytes: got '%s', want '%s'",                         \
			      tl_hexstr((got), (size_t)(n), tl_g_, sizeof tl_g_),   \
			      tl_hexstr(tl_w_, tl_wn_, tl_ws_, sizeof tl_ws_));      \
	} while (0)

#endif
