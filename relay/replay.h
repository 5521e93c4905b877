/*
 * replay.h
 *	  Replay: a topic's history read from the results log, for the subs
 *	  that (re)connect or are back-filled.
 *
 * Design notes
 *
 * See replay.c.  History reads are coalesced per topic: one read serves
 * every sub waiting at the time, from the smallest position.
 */
#ifndef RELAY_REPLAY_H
#define RELAY_REPLAY_H

#include "topic.h"

/* Start one history read for every sub of t waiting for one */
extern void replay_start(Topic *t);

/* Forget t's read in flight; its subs are replayed by the next one */
extern void replay_cancel(Topic *t);

#endif /* RELAY_REPLAY_H */
