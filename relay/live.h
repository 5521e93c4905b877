/*
 * live.h
 *	  A topic's live results: a notification on its channel is only a
 *	  hint, and what follows the topic's position is read from the
 *	  results log, page by page.
 *
 * Design notes
 *
 * See live.c.  Nothing here reads a notification's payload.
 */
#ifndef RELAY_LIVE_H
#define RELAY_LIVE_H

#include <stdint.h>

#include "topic.h"

/* Most results one live read asks for (cqstream.results' max_rows) */
#define LIVE_PAGE_ROWS 1000

/* A notification on t's channel, whatever its payload: read the log */
extern void live_hint(Topic *t);

/*
 * t's first history read answered: its live position is after (the
 * query's last result id in that read's snapshot, 0: none yet); read
 * once from there at once
 */
extern void live_start(Topic *t, int64_t after);

/* Read now if a hint is waiting and nothing is in flight (a retry) */
extern void live_poll(Topic *t);

/* Forget t's live position and its read in flight (database lost, end) */
extern void live_clear(Topic *t);

#endif /* RELAY_LIVE_H */
