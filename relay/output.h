/*
 * output.h
 *	  A client's output: events and text staged per round, written to
 *	  its socket, queued when the socket is full, history fed in slices.
 *
 * Design notes
 *
 * See output.c.  Writers stage (output_write_*) and mark the client
 * dirty; output_flush_dirty sends every dirty client's round.
 */
#ifndef RELAY_OUTPUT_H
#define RELAY_OUTPUT_H

#include <stddef.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "client.h"
#include "wire.h"

/* Put c on the dirty list: its round is sent by output_flush_dirty */
extern void output_mark_dirty(Client *c);

/* Stage text, or a shared event, for a streaming client */
extern void output_write_text(Client *c, const char *text, size_t len);
extern void output_write_event(Client *c, Event *ev);

/* Unsent bytes of c: staged and queued on the connection */
extern size_t output_queued(Client *c);

/* Send every dirty client's round; close the ones that fell behind */
extern void output_flush_dirty(void);

/* c's connection has written all it was given (bufferevent write cb) */
extern void output_drained_cb(struct bufferevent *bev, void *arg);

/*
 * Hand what is staged for c, then the end of the response (HTTP/1.1:
 * the terminating chunk), to its connection
 */
extern void output_end(Client *c);

/* Forget c's output (c is being freed) */
extern void output_forget(Client *c);

#endif /* RELAY_OUTPUT_H */
