/* A machine reset seen by an engine (see engine.h): the machine first, so
 * the engine picks up the new boot state and drops what it cached of the
 * old RAM. */
#include "engine/engine.h"

int engine_reboot(struct engine *e, char *err, size_t errlen)
{
	if (machine_reboot(e->m, err, errlen) < 0)
		return -1;
	if (e->ops->reset) {
		e->ops->reset(e);
		return 0;
	}
	/* An engine without the op: its registers and its translations. */
	e->ops->set_state(e, &e->m->boot_state);
	if (e->ops->tc_flush)
		e->ops->tc_flush(e);
	return 0;
}
