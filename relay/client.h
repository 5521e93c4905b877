/*
 * client.h
 *	  A stream's client: one HTTP request and its connection, from the
 *	  look-up of its queries to the end of its response.
 *
 * Design notes
 *
 * States: RESOLVING (waiting for its queries to be looked up, lookup.h),
 * STREAMING (the 200 response has started), DEAD (closed, or about to
 * be).  Clients of both first states count toward max-clients.
 *
 * Connection ownership: evhttp parses the request and writes the
 * response head; from then on the relay owns the connection's
 * bufferevent (its callbacks are the relay's, bufferevent_setcb) and
 * writes the body itself, HTTP chunk framing included (output.h), until
 * it frees the connection with evhttp_connection_free.  evhttp's own
 * reply functions are used only for whole replies (204, errors, shed
 * streams), before any of that.
 *
 * The struct's fields are grouped by the module that owns them; others
 * only read them.
 */
#ifndef RELAY_CLIENT_H
#define RELAY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>

#include "lookup.h"
#include "wire.h"

/* Most events staged by reference for one client and round (output.c) */
#define CLIENT_STAGE_MAX 8

typedef struct Client Client;
typedef struct Sub Sub;

typedef enum ClientState
{
	CLIENT_RESOLVING,
	CLIENT_STREAMING,
	CLIENT_DEAD
} ClientState;

struct Client
{
	/* The connection (client.c) */
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	ClientState state;
	struct event *peer_ev; /* notices the peer closing (we never read) */
	bool conn_gone;		   /* evhttp closed the connection */
	bool req_detached;	   /* ... and left the request to us */
	bool freeing;		   /* we are freeing the connection */
	bool reaping;		   /* on the reap list */
	Client *next;		   /* all clients */
	Client *prev;
	Client *rnext; /* reap list */

	/* What it asked for (stream.c; the names are lookup.c's) */
	char *role;				 /* its token's database role, or NULL */
	int64_t exp;			 /* its token's expiry, 0: none */
	struct event *expire_ev; /* ends the stream at exp (client.c) */
	bool multi;				 /* /stream: several queries, cursor ids */
	char *key;				 /* ?key=, or NULL */
	char *last_id;			 /* position asked for, until resolved */
	LookupWait wait;

	/* What it follows (stream.c, sub.c) */
	Sub **subs;
	int nsubs;

	/* Its output (output.c) */
	struct evbuffer *out;			 /* output staged this round */
	Event *staged[CLIENT_STAGE_MAX]; /* or events staged this round */
	int nstaged;
	bool chunked;		   /* the response is chunked (HTTP/1.1) */
	size_t hist_unsent;	   /* history bytes sent since output last drained */
	int feed_next;		   /* round robin over the subs' backlogs */
	bool dirty;			   /* on the dirty list */
	bool wrote;			   /* since the last heartbeat tick */
	struct GzipStream *gz; /* gzip state, or NULL: identity (gzip.h) */
	Client *dnext;		   /* dirty list */
};

extern void client_init(struct event_base *base);

/*
 * A new client for req, waiting for the look-up of names (copied);
 * key, last_id and role copied when not NULL; exp its token's expiry
 * (0: none)
 */
extern Client *client_new(struct evhttp_request *req, char **names, int nnames,
						  bool multi, const char *key, const char *last_id,
						  const char *role, int64_t exp);

/*
 * Stop following c's connection and free c (never streamed); returns the
 * request, which the caller answers (evhttp, reply.h or client_shed)
 */
extern struct evhttp_request *client_release(Client *c);

/* Start c's 200 event stream and take its connection over (STREAMING) */
extern void client_start(Client *c);

/* Stop delivering to c and close its connection soon (from the loop) */
extern void client_kill(Client *c);

/*
 * End c's response properly (terminating chunk, then the connection is
 * closed once written) and free c.  text, if any, is written last.
 */
extern void client_finish(Client *c, const char *text);

/* Accept req, send a jittered retry: and the comment why, close */
extern void client_shed(struct evhttp_request *req, const char *why);

/* Open streams without output for a whole interval get ": heartbeat" */
extern void client_set_heartbeat(int seconds);

/*
 * SIGTERM: no new streams; end every stream with a jittered retry:;
 * returns the number of connections still closing; done() is called
 * when that number reaches 0.
 */
extern int client_drain(void (*done)(void));
extern bool client_draining(void);

/* Free every client (at exit; their connections go with evhttp's) */
extern void client_shutdown(void);

#endif /* RELAY_CLIENT_H */
