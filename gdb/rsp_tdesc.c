/* The target description gdb reads with qXfer:features:read:target.xml,
 * generated from an arch's tables so that the XML, the g packet layout and
 * the register numbers cannot disagree. Features appear in the order of
 * their first register; each defines its types, then lists its registers,
 * each with regnum = its index in the table (its number in p/P packets).
 *
 *   char *xml = rsp_tdesc_xml(&rsp_arch_i386);
 *   // <?xml version="1.0"?>
 *   // <!DOCTYPE target SYSTEM "gdb-target.dtd">
 *   // <target version="1.0">
 *   //   <architecture>i386</architecture>
 *   //   <osabi>none</osabi>
 *   //   <feature name="org.gnu.gdb.i386.core">
 *   //     <flags id="i386_eflags" size="4"> <field name="CF" start="0" end="0"/> ...
 *   //     <reg name="eax" bitsize="32" type="int32" regnum="0"/> ...
 *   free(xml);
 *
 * Names go into the XML as they are: the tables are the program's own data,
 * not input, and must not hold '<', '&' or '"' (checked: NULL if they do).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/rsp_int.h"

struct xml {
	struct rsp_buf b;
	bool bad;
};

static void addf(struct xml *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void addf(struct xml *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->bad)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !rsp_buf_reserve(&x->b, (size_t)n + 1)) {
		x->bad = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(x->b.p + x->b.n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	x->b.n += (size_t)n;
}

/* A name safe to put between quotes without escaping. */
static bool clean(const char *s)
{
	return s && !strpbrk(s, "<>&\"'");
}

static void add_type(struct xml *x, const struct rsp_type *t)
{
	if (!clean(t->id)) {
		x->bad = true;
		return;
	}
	switch (t->kind) {
	case RSP_TYPE_VECTOR:
		if (!clean(t->elem) || !t->count)
			x->bad = true;
		addf(x, "    <vector id=\"%s\" type=\"%s\" count=\"%u\"/>\n", t->id, t->elem, t->count);
		return;
	case RSP_TYPE_FLAGS:
		addf(x, "    <flags id=\"%s\" size=\"%u\">\n", t->id, t->size);
		for (unsigned i = 0; i < t->nfields; i++) {
			const struct rsp_field *f = &t->fields[i];
			if (!clean(f->name) || f->start < 0 || f->end < f->start ||
			    (unsigned)f->end >= 8 * t->size)
				x->bad = true;
			addf(x, "      <field name=\"%s\" start=\"%d\" end=\"%d\"/>\n",
			     f->name, f->start, f->end);
		}
		addf(x, "    </flags>\n");
		return;
	case RSP_TYPE_UNION:
		addf(x, "    <union id=\"%s\">\n", t->id);
		for (unsigned i = 0; i < t->nfields; i++) {
			const struct rsp_field *f = &t->fields[i];
			if (!clean(f->name) || !clean(f->type))
				x->bad = true;
			addf(x, "      <field name=\"%s\" type=\"%s\"/>\n", f->name, f->type);
		}
		addf(x, "    </union>\n");
		return;
	}
	x->bad = true;
}

static void add_feature(struct xml *x, const struct rsp_arch *a, const char *feature)
{
	if (!clean(feature)) {
		x->bad = true;
		return;
	}
	addf(x, "  <feature name=\"%s\">\n", feature);
	for (unsigned i = 0; i < a->ntypes; i++)
		if (a->types[i].feature && !strcmp(a->types[i].feature, feature))
			add_type(x, &a->types[i]);
	for (unsigned i = 0; i < a->nregs; i++) {
		const struct rsp_reg *g = &a->regs[i];
		if (strcmp(g->feature, feature))
			continue;
		if (!clean(g->name) || !clean(g->type) || (g->group && !clean(g->group)))
			x->bad = true;
		addf(x, "    <reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"",
		     g->name, g->bitsize, g->type, i);
		if (g->group)
			addf(x, " group=\"%s\"", g->group);
		addf(x, "/>\n");
	}
	addf(x, "  </feature>\n");
}

char *rsp_tdesc_xml(const struct rsp_arch *a)
{
	struct xml x = { { NULL, 0, 0 }, false };

	if (!a || !a->regs)
		return NULL;
	addf(&x, "<?xml version=\"1.0\"?>\n");
	addf(&x, "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n");
	addf(&x, "<target version=\"1.0\">\n");
	if (a->architecture) {
		if (!clean(a->architecture))
			x.bad = true;
		addf(&x, "  <architecture>%s</architecture>\n", a->architecture);
	}
	if (a->osabi) {
		if (!clean(a->osabi))
			x.bad = true;
		addf(&x, "  <osabi>%s</osabi>\n", a->osabi);
	}
	for (unsigned i = 0; i < a->nregs; i++) {
		const char *f = a->regs[i].feature;
		bool seen = false;
		if (!f) {
			x.bad = true;
			break;
		}
		for (unsigned j = 0; j < i && !seen; j++)
			seen = !strcmp(a->regs[j].feature, f);
		if (!seen)
			add_feature(&x, a, f);
	}
	addf(&x, "</target>\n");
	if (x.bad) {
		rsp_buf_free(&x.b);
		return NULL;
	}
	return x.b.p;
}
