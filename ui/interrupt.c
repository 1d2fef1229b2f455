/* Stopping a headless run on SIGINT/SIGTERM (see interrupt.h). A thread
 * takes the signals with sigwait, so nothing runs in a signal handler and
 * the engine's request_stop is called from an ordinary thread, as the
 * prompt does. */
#include "ui/interrupt.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>

struct interrupt_watch {
	pthread_t thread;
	struct engine *e;
	atomic_bool done, came;
};

static void interrupt_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

void interrupt_block(void)
{
	sigset_t set;
	interrupt_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *interrupt_main(void *arg)
{
	struct interrupt_watch *iw = arg;
	sigset_t set;
	interrupt_set(&set);
	for (;;) {
		int sig;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (atomic_load(&iw->done))
			break;
		atomic_store(&iw->came, true);
		iw->e->ops->request_stop(iw->e);
	}
	return NULL;
}

struct interrupt_watch *interrupt_watch(struct engine *e)
{
	struct interrupt_watch *iw = calloc(1, sizeof *iw);
	if (!iw)
		return NULL;
	iw->e = e;
	if (pthread_create(&iw->thread, NULL, interrupt_main, iw) != 0) {
		free(iw);
		return NULL;
	}
	return iw;
}

bool interrupt_unwatch(struct interrupt_watch *iw)
{
	if (!iw)
		return false;
	atomic_store(&iw->done, true);
	pthread_kill(iw->thread, SIGTERM);   /* wakes its sigwait; it sees done */
	pthread_join(iw->thread, NULL);
	bool came = atomic_load(&iw->came);
	free(iw);
	return came;
}
