/*
 * inbound.h
 *	  A topic's incoming results, kept in order: live payloads go out at
 *	  once, results sent by reference or as ids only are read from the
 *	  results log first.
 *
 * Design notes
 *
 * See inbound.c.
 */
#ifndef RELAY_INBOUND_H
#define RELAY_INBOUND_H

#include "topic.h"

/* A notification on t's channel (one result or an array of them) */
extern void inbound_notify(Topic *t, const char *payload);

/* Drop t's undelivered results and its log read in flight */
extern void inbound_clear(Topic *t);

#endif /* RELAY_INBOUND_H */
