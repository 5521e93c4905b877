/*
 * replica.h
 *	  Following queries on a hot standby by polling the results log
 *	  (replica.c).
 */
#ifndef RELAY_REPLICA_H
#define RELAY_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

extern void replica_init(struct event_base *base);

/* The connection is up: polling starts if the server is a hot standby */
extern void replica_db_connected(void);

/* The connection is down: polling stops until it is back */
extern void replica_db_lost(void);

/* Polling instead of LISTEN (no LISTEN may be sent) */
extern bool replica_active(void);

/* live.c: a live read gave this many new results */
extern void replica_found(int n);

extern void replica_shutdown(void);

#endif /* RELAY_REPLICA_H */
