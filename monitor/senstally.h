/* The sensitive instructions the translator met, site by site: for each
 * guest address and mnemonic, how often its callout ran, how often it
 * trapped, and whether adaptive retranslation changed its treatment. The
 * event log keeps only its newest events; this tally counts all of them, so
 * `info sensitive` can say which sensitive instructions a kernel uses and how
 * often. Instructions translated intc run inline and never leave translated
 * code, so they are not counted here (tc show lists them).
 *
 *   struct sens_tally t;  senstally_init(&t, 4096);
 *   senstally_note(&t, SENS_NOTE_CALLOUT, eip, SC_IO, false, "out dx, al");
 *   size_t n = senstally_copy(&t, sites, max);
 *
 * Not locked: its owner (the event log) calls it under its own lock. */
#ifndef BT86_MONITOR_SENSTALLY_H
#define BT86_MONITOR_SENSTALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SENS_MNEM_LEN 16
#define SENS_TEXT_LEN 40

enum sens_note {
	SENS_NOTE_CALLOUT,      /* its callout ran */
	SENS_NOTE_TRAP,         /* it trapped (or reached MMIO) and was emulated */
	SENS_NOTE_RETRANSLATE,  /* adaptive retranslation gave it treatment `treatment` */
};

struct sens_site {
	uint32_t eip;
	int8_t cls;                   /* enum sens_class, or -1 (a memory access that reached MMIO) */
	bool mmio;
	bool acquitted;               /* its last retranslation made it IDENT again */
	uint8_t treatment;            /* enum treatment of its last retranslation */
	uint32_t retranslations;
	uint64_t callouts, traps;
	char mnem[SENS_MNEM_LEN];     /* "out", "rep insw" */
	char text[SENS_TEXT_LEN];     /* the instruction as first seen */
};

struct sens_tally {
	struct sens_site *site;       /* open addressing, cap slots; eip 0 + empty mnem: free */
	uint32_t cap, n;
	uint64_t dropped;             /* notes at sites that found the table full */
};

/* cap is rounded up to a power of two; the table holds at most 3/4 of it. */
int senstally_init(struct sens_tally *t, uint32_t cap);
void senstally_destroy(struct sens_tally *t);
void senstally_clear(struct sens_tally *t);

/* Count one event at eip for the instruction text (its mnemonic is the first
 * word, with a rep/lock prefix kept). treatment: enum treatment for
 * SENS_NOTE_RETRANSLATE (acquitted: made IDENT again). */
void senstally_note(struct sens_tally *t, enum sens_note what, uint32_t eip, int cls, bool mmio,
		    const char *text);
void senstally_note_retranslate(struct sens_tally *t, uint32_t eip, int treatment, bool mmio, bool acquitted,
				const char *text);

/* The mnemonic of an instruction text: "rep insw" of "rep insw word ptr es:[edi], dx". */
void senstally_mnemonic(const char *text, char *mnem, size_t len);

/* The tally by mnemonic and class, the busiest first. */
struct sens_row {
	char mnem[SENS_MNEM_LEN];
	int8_t cls;                   /* as in sens_site */
	bool mmio;
	uint64_t sites, callouts, traps;
	uint64_t retranslated;        /* sites retranslated at least once */
};
#define SENS_ROWS_MAX 256             /* distinct mnemonic-class pairs kept; more are dropped */

/* Up to max rows of the summary; returns how many. */
size_t senstally_summary(const struct sens_tally *t, struct sens_row *out, size_t max);
/* A class's --policy name ("io"), "mmio" for a memory access that reached a
 * device, "-" for none. */
const char *senstally_class_name(int cls, bool mmio);

/* Copy up to max sites (in no particular order); returns how many. */
size_t senstally_copy(const struct sens_tally *t, struct sens_site *out, size_t max);

#endif
