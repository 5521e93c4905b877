/*
 * rolecheck.h
 *	  The right of an open stream's role to read its query, checked again
 *	  when the query's grants may have changed.
 *
 * Design notes
 *
 * A stream's role is checked when it opens (lookup.c); a topic's reads
 * run as the relay's own role, which says nothing of the streams' roles.
 * So when the registry announces a change of the query (the extension
 * sends one on cqstream.grant_results and revoke_results, lookup of the
 * payload by topic_check) and after a reconnect, each distinct role that
 * streams the topic (and the relay's own, for streams without a role) is
 * probed again, as that role; a role that may no longer read it has its
 * streams ended, and they come back to a 403.  A notification on
 * cqstream_registry can be forged by any role: at most one round of
 * probes per topic is in flight, and the notifications arriving
 * meanwhile make one more round, so forging costs the database at most
 * one probe per role and topic at a time.
 */
#ifndef RELAY_ROLECHECK_H
#define RELAY_ROLECHECK_H

typedef struct Topic Topic;

/* Probe again, as each of its streams' roles, the right to read t */
extern void rolecheck_start(Topic *t);

/* Forget t's probes in flight (t is freed, or the connection lost) */
extern void rolecheck_cancel(Topic *t);

#endif /* RELAY_ROLECHECK_H */
