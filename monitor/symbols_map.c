/* Guest symbols from a System.map or a copy of /proc/kallsyms (see
 * symbols.h): one "ADDR TYPE NAME [MODULE]" line per symbol, ADDR in hex.
 * Text symbols (T t W w) name code; data (D d B b R r G g S s V v) name
 * objects; absolute (A a), undefined and debugger-only kinds (U N ? and the
 * rest) are dropped, since they name no place in the guest. */
#include "monitor/symbols.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYM_MAP_LINE 512

static int sym_map_kind(char c)
{
	if (strchr("TtWw", c))
		return 1;   /* code */
	if (strchr("DdBbRrGgSsVv", c))
		return 0;   /* data */
	return -1;
}

/* One line; 1 a symbol added, 0 a line to skip, -1 not a map line. */
static int sym_map_line(struct symtab *t, char *line)
{
	char *p = line, *end;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return 0;
	errno = 0;
	unsigned long long addr = strtoull(p, &end, 16);
	if (end == p || !isspace((unsigned char)*end) || errno || addr > 0xffffffffull)
		return -1;
	p = end;
	while (*p == ' ' || *p == '\t')
		p++;
	char type = *p++;
	if (!type || (!isalpha((unsigned char)type) && type != '?') || (*p != ' ' && *p != '\t'))
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t nl = strcspn(p, " \t\r\n");
	if (nl == 0)
		return -1;
	char *rest = p + nl;
	while (*rest == ' ' || *rest == '\t' || *rest == '\r' || *rest == '\n')
		rest++;
	if (*rest && *rest != '[')
		return -1;   /* only a kallsyms "[module]" may follow */
	int kind = sym_map_kind(type);
	if (kind < 0)
		return 0;
	if (!sym_reserve(t, 1))
		return -1;
	char *name = strndup(p, nl);
	if (!name)
		return -1;
	t->s[t->n++] = (struct sym){ name, (uint32_t)addr, 0, kind == 1 };
	return 1;
}

int sym_load_map(struct symtab *t, FILE *f, const char *path, char *err, size_t errlen)
{
	char line[SYM_MAP_LINE];
	int added = 0;
	for (unsigned no = 1; fgets(line, sizeof line, f); no++) {
		size_t l = strlen(line);
		if (l == sizeof line - 1 && line[l - 1] != '\n') {
			snprintf(err, errlen, "%s:%u: line too long for a System.map", path, no);
			return -1;
		}
		int rc = sym_map_line(t, line);
		if (rc < 0) {
			snprintf(err, errlen, "%s:%u: not a System.map line (want ADDR TYPE NAME)", path, no);
			return -1;
		}
		added += rc;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return added;
}
