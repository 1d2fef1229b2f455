/* Guest symbols from the kernel's ELF symbol table, or from a System.map
 * (--symbols FILE, symbols_map.c): names for addresses in
 * disassembly and stop messages, addresses for names in commands
 * (`break main`), and the list completion offers.
 *
 *   struct symtab st;
 *   sym_load(&st, "kernel.elf", err, sizeof err);
 *   uint32_t a; sym_lookup(&st, "sample_main", &a);
 *   const struct sym *s = sym_at(&st, eip, &off);   // "sample_main+0x12"
 */
#ifndef BT86_MONITOR_SYMBOLS_H
#define BT86_MONITOR_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sym {
	char *name;
	uint32_t addr;
	uint32_t size;
	bool func;
};

struct symtab {
	struct sym *s;     /* sorted by address */
	int n;
	int cap;           /* entries allocated; grown by doubling */
};

/* Room for MORE further entries; false when out of memory. */
bool sym_reserve(struct symtab *t, int more);

/* Read FUNC and OBJECT symbols of an ELF32 file; an image without a symbol
 * table (or not ELF) gives an empty table, not an error. -1 only for I/O. */
int sym_load(struct symtab *t, const char *path, char *err, size_t errlen);
/* Add the symbols of FILE (--symbols): an ELF32 with a symbol table, or a
 * System.map / /proc/kallsyms copy. Returns how many, or -1 with a message
 * (unreadable, no symbols, a malformed map line). */
int sym_add_file(struct symtab *t, const char *path, char *err, size_t errlen);
/* sym_add_file's text half: the lines of f appended to t (unsorted); the
 * count added, or -1 with "PATH:LINE: ..." in err. */
int sym_load_map(struct symtab *t, FILE *f, const char *path, char *err, size_t errlen);
void sym_free(struct symtab *t);

/* The address of name; false if there is no such symbol. */
bool sym_lookup(const struct symtab *t, const char *name, uint32_t *addr);
/* The symbol containing addr (or the nearest below for a function without
 * size), and the offset; NULL if none. */
const struct sym *sym_at(const struct symtab *t, uint32_t addr, uint32_t *off);
/* "name+0x12", or "" if addr is in no symbol. */
void sym_format(const struct symtab *t, uint32_t addr, char *buf, size_t len);

#endif
