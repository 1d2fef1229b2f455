/* The table of engines (see engine.h). */
#include "engine/engine.h"

#include <string.h>

static const struct engine_ops *const engine_table[] = {
	&engine_bt_ops,
	&engine_kvm_ops,
	NULL,
};

const struct engine_ops *const *engine_list(void)
{
	return engine_table;
}

const struct engine_ops *engine_find(const char *name)
{
	for (const struct engine_ops *const *p = engine_table; *p; p++)
		if (strcmp((*p)->name, name) == 0)
			return *p;
	return NULL;
}

const char *engine_default_name(void)
{
	return engine_table[0]->name;
}
