/* The engine-neutral parts of translation-cache inspection (engine.h): the
 * names of the translation kinds and the release of a CCF view. */
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

static const char *const engine_kind_names[EK_COUNT] = {
	[EK_IDENT] = "IDENT", [EK_REENC] = "REENC", [EK_REWRITE] = "REWRITE", [EK_CALLOUT] = "CALLOUT",
	[EK_INTC] = "INTC", [EK_EXIT] = "EXIT", [EK_TRAP] = "TRAP", [EK_NAIVE] = "NAIVE",
};

const char *engine_kind_name(enum engine_kind k)
{
	return (unsigned)k < EK_COUNT ? engine_kind_names[k] : "?";
}

void engine_ccf_view_free(struct engine_ccf_view *v)
{
	free(v->insn);
	free(v->host);
	memset(v, 0, sizeof *v);
}
