/* Breakpoints, watchpoints and catches (see debug.h). Small fixed tables:
 * a debugging session has a handful; lookups are linear and cheap. */
#include "monitor/debug.h"

#include <stdio.h>
#include <string.h>

void dbg_init(struct debugstate *d)
{
	memset(d, 0, sizeof *d);
	pthread_mutex_init(&d->lock, NULL);
	d->next_id = 1;
	d->next_internal = -2;
}

void dbg_destroy(struct debugstate *d)
{
	pthread_mutex_destroy(&d->lock);
}

static void dbg_changed(struct debugstate *d)
{
	unsigned mask = 0;
	for (int i = 0; i < d->nct; i++)
		if (d->ct[i].enabled)
			mask |= 1u << d->ct[i].kind;
	atomic_store(&d->catch_mask, mask);
	atomic_fetch_add(&d->generation, 1);
}

int dbg_break_add(struct debugstate *d, uint32_t addr, bool temporary, bool internal)
{
	int id = -1;
	pthread_mutex_lock(&d->lock);
	bool dup = false;
	for (int i = 0; i < d->nbp; i++)
		if (d->bp[i].addr == addr && d->bp[i].internal == internal)
			dup = true;
	if (!dup && d->nbp < DBG_MAX) {
		/* Internal ones (until ADDR) take no number the user would see. */
		id = internal ? d->next_internal-- : d->next_id++;
		d->bp[d->nbp++] = (struct dbg_break){ .id = id, .addr = addr, .enabled = true,
						      .temporary = temporary, .internal = internal };
		dbg_changed(d);
	}
	pthread_mutex_unlock(&d->lock);
	return id;
}

bool dbg_is_break(struct debugstate *d, uint32_t addr)
{
	bool hit = false;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nbp && !hit; i++)
		hit = d->bp[i].enabled && d->bp[i].addr == addr;
	pthread_mutex_unlock(&d->lock);
	return hit;
}

int dbg_break_at(struct debugstate *d, uint32_t addr)
{
	int id = 0;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nbp && !id; i++)
		if (d->bp[i].addr == addr && !d->bp[i].internal)
			id = d->bp[i].id;
	pthread_mutex_unlock(&d->lock);
	return id;
}

static void dbg_remove_at(void *arr, int *n, size_t size, int i)
{
	char *a = arr;
	memmove(a + (size_t)i * size, a + (size_t)(i + 1) * size, (size_t)(*n - i - 1) * size);
	(*n)--;
}

int dbg_break_hit(struct debugstate *d, uint32_t addr)
{
	int id = -1;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nbp; i++) {
		if (!d->bp[i].enabled || d->bp[i].addr != addr)
			continue;
		d->bp[i].hits++;
		if (id <= 0 || !d->bp[i].internal)
			id = d->bp[i].internal ? 0 : d->bp[i].id;
		if (d->bp[i].temporary) {
			dbg_remove_at(d->bp, &d->nbp, sizeof d->bp[0], i--);
			dbg_changed(d);
		}
	}
	pthread_mutex_unlock(&d->lock);
	return id;
}

int dbg_watch_add(struct debugstate *d, uint32_t addr, uint32_t len, enum wp_kind kind, uint64_t value)
{
	int id = -1;
	if (len == 0 || len > 8)
		return -1;
	pthread_mutex_lock(&d->lock);
	if (d->nwp < DBG_MAX) {
		id = d->next_id++;
		d->wp[d->nwp++] = (struct dbg_watch){ .id = id, .addr = addr, .len = len, .kind = kind,
						      .enabled = true, .value = value };
		dbg_changed(d);
	}
	pthread_mutex_unlock(&d->lock);
	return id;
}

bool dbg_watch_find(struct debugstate *d, uint32_t addr, uint32_t len, bool is_read, bool is_write,
		    struct dbg_watch *out)
{
	bool found = false;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nwp && !found; i++) {
		struct dbg_watch *w = &d->wp[i];
		/* 64-bit ends: a watch at the top of the address space does not wrap. */
		if (!w->enabled || (uint64_t)addr >= (uint64_t)w->addr + w->len || (uint64_t)w->addr >= (uint64_t)addr + len)
			continue;
		if (w->kind == WP_ACCESS || (w->kind == WP_WRITE && is_write) || (w->kind == WP_READ && is_read)) {
			w->hits++;
			*out = *w;
			found = true;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}

void dbg_watch_set_value(struct debugstate *d, int id, uint64_t value)
{
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nwp; i++)
		if (d->wp[i].id == id)
			d->wp[i].value = value;
	pthread_mutex_unlock(&d->lock);
}

int dbg_watch_list(struct debugstate *d, struct dbg_watch *out, int max)
{
	int n = 0;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nwp && n < max; i++)
		if (d->wp[i].enabled)
			out[n++] = d->wp[i];
	pthread_mutex_unlock(&d->lock);
	return n;
}

int dbg_catch_add(struct debugstate *d, enum ev_kind kind, const char *filter, bool once)
{
	int id = -1;
	pthread_mutex_lock(&d->lock);
	if (d->nct < DBG_MAX) {
		id = d->next_id++;
		struct dbg_catch *c = &d->ct[d->nct++];
		*c = (struct dbg_catch){ .id = id, .kind = kind, .enabled = true, .once = once };
		snprintf(c->filter, sizeof c->filter, "%s", filter ? filter : "");
		dbg_changed(d);
	}
	pthread_mutex_unlock(&d->lock);
	return id;
}

bool dbg_catch_match(struct debugstate *d, enum ev_kind kind, const char *desc)
{
	bool hit = false;
	if (!(atomic_load(&d->catch_mask) & (1u << kind)))
		return false;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nct && !hit; i++) {
		struct dbg_catch *c = &d->ct[i];
		if (!c->enabled || c->kind != kind || (c->filter[0] && !strstr(desc, c->filter)))
			continue;
		c->hits++;
		hit = true;
		if (c->once) {
			dbg_remove_at(d->ct, &d->nct, sizeof d->ct[0], i);
			dbg_changed(d);
		}
	}
	pthread_mutex_unlock(&d->lock);
	return hit;
}

int dbg_delete(struct debugstate *d, int id)
{
	int rc = -1;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nbp && rc; i++)
		if (d->bp[i].id == id && d->bp[i].internal == (id < 0)) {   /* negative ids: internal ones */
			dbg_remove_at(d->bp, &d->nbp, sizeof d->bp[0], i);
			rc = 0;
		}
	for (int i = 0; i < d->nwp && rc; i++)
		if (d->wp[i].id == id) {
			dbg_remove_at(d->wp, &d->nwp, sizeof d->wp[0], i);
			rc = 0;
		}
	for (int i = 0; i < d->nct && rc; i++)
		if (d->ct[i].id == id) {
			dbg_remove_at(d->ct, &d->nct, sizeof d->ct[0], i);
			rc = 0;
		}
	if (!rc)
		dbg_changed(d);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int dbg_enable(struct debugstate *d, int id, bool on)
{
	int rc = -1;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nbp; i++)
		if (d->bp[i].id == id && !d->bp[i].internal) {
			d->bp[i].enabled = on;
			rc = 0;
		}
	for (int i = 0; i < d->nwp; i++)
		if (d->wp[i].id == id) {
			d->wp[i].enabled = on;
			rc = 0;
		}
	for (int i = 0; i < d->nct; i++)
		if (d->ct[i].id == id) {
			d->ct[i].enabled = on;
			rc = 0;
		}
	if (!rc)
		dbg_changed(d);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

void dbg_clear(struct debugstate *d)
{
	pthread_mutex_lock(&d->lock);
	int keep = 0;
	for (int i = 0; i < d->nbp; i++)
		if (d->bp[i].internal)
			d->bp[keep++] = d->bp[i];
	d->nbp = keep;
	d->nwp = 0;
	d->nct = 0;
	dbg_changed(d);
	pthread_mutex_unlock(&d->lock);
}

void dbg_snapshot(struct debugstate *d, struct dbg_snapshot *out)
{
	pthread_mutex_lock(&d->lock);
	memcpy(out->bp, d->bp, (size_t)d->nbp * sizeof d->bp[0]);
	memcpy(out->wp, d->wp, (size_t)d->nwp * sizeof d->wp[0]);
	memcpy(out->ct, d->ct, (size_t)d->nct * sizeof d->ct[0]);
	out->nbp = d->nbp;
	out->nwp = d->nwp;
	out->nct = d->nct;
	pthread_mutex_unlock(&d->lock);
}

const char *wp_kind_name(enum wp_kind k)
{
	return k == WP_WRITE ? "watch" : k == WP_READ ? "rwatch" : "awatch";
}

void dbg_describe(struct debugstate *d, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	pthread_mutex_lock(&d->lock);
	n += (size_t)snprintf(buf + n, len - n, "%-4s %-11s %-4s %-12s %s\n", "id", "type", "on", "where", "hits");
	for (int i = 0; i < d->nbp && n < len; i++) {
		const struct dbg_break *b = &d->bp[i];
		if (b->internal)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%-4d %-11s %-4s 0x%08x   %llu\n", b->id,
				      b->temporary ? "tbreak" : "breakpoint", b->enabled ? "y" : "n", b->addr,
				      (unsigned long long)b->hits);
	}
	for (int i = 0; i < d->nwp && n < len; i++) {
		const struct dbg_watch *w = &d->wp[i];
		n += (size_t)snprintf(buf + n, len - n, "%-4d %-11s %-4s 0x%08x/%u %llu\n", w->id,
				      wp_kind_name(w->kind), w->enabled ? "y" : "n", w->addr, w->len,
				      (unsigned long long)w->hits);
	}
	for (int i = 0; i < d->nct && n < len; i++) {
		const struct dbg_catch *c = &d->ct[i];
		n += (size_t)snprintf(buf + n, len - n, "%-4d catch %-5s %-4s %-12s %llu\n", c->id,
				      evlog_kind_name(c->kind), c->enabled ? "y" : "n",
				      c->filter[0] ? c->filter : "*", (unsigned long long)c->hits);
	}
	pthread_mutex_unlock(&d->lock);
}
