/*
 * ogc.c
 *	  The OGC API - Common resources: landing page, conformance classes
 *	  and the OpenAPI document (docs/relay.md, "Endpoints").
 *
 * Design notes
 *
 * "/" stays the dashboard for browsers and for clients stating no JSON
 * preference (curl's any-type Accept), so nothing that worked before
 * changes: the landing page is chosen only by f=json, or by an Accept
 * header naming application/json and not text/html.  A browser's Accept
 * always names text/html, so q-values need not be weighed; f=html forces
 * the page.
 * The reply varies with Accept, which it says (Vary), so a cache keeps
 * the two apart.
 *
 * Links are relative to the relay's root: the relay does not know the
 * name and scheme it is reached by behind a proxy, and a relative href
 * resolves against the document's own URL wherever it is served.
 *
 * The OpenAPI document is relay/openapi.json, embedded at build time
 * (openapi.h); the conformance classes listed here are the ones that
 * document and these routes implement: Common core, landing page, JSON,
 * OpenAPI 3.0, and Moving Features Part 4's cquery (the link objects of
 * /queries).
 */
#include <string.h>
#include <strings.h>

#include "dashboard.h"
#include "ogc.h"
#include "openapi.h"
#include "reply.h"

#define OAS30_TYPE "application/vnd.oai.openapi+json;version=3.0"

static const char LandingJson[] =
	"{\"title\":\"cqstream-relay\","
	"\"description\":\"Server-Sent Events of cqstream's continuous queries "
	"(OGC API - Moving Features Part 4 cquery links)\","
	"\"links\":["
	"{\"href\":\"/?f=json\",\"rel\":\"self\",\"type\":\"application/json\","
	"\"title\":\"this document\"},"
	"{\"href\":\"/?f=html\",\"rel\":\"alternate\",\"type\":\"text/html\","
	"\"title\":\"the dashboard\"},"
	"{\"href\":\"/api\",\"rel\":\"service-desc\",\"type\":\"" OAS30_TYPE
	"\",\"title\":\"the API definition\"},"
	"{\"href\":\"/conformance\",\"rel\":\"conformance\","
	"\"type\":\"application/json\",\"title\":\"conformance classes\"},"
	"{\"href\":\"/queries\",\"rel\":\"data\",\"type\":\"application/json\","
	"\"title\":\"the continuous queries\"}"
	"]}";

static const char ConformanceJson[] =
	"{\"conformsTo\":["
	"\"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core\","
	"\"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page\","
	"\"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json\","
	"\"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30\","
	"\"http://www.opengis.net/spec/ogcapi-movingfeatures-4/1.0/conf/cquery\""
	"]}";

/* Whether s holds word, ignoring case (media types are case-insensitive) */
static bool
Contains(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s; s++)
		if (strncasecmp(s, word, n) == 0)
			return true;
	return false;
}

/* Whether the Accept header asks for JSON rather than HTML */
static bool
AcceptsJsonOnly(struct evhttp_request *req)
{
	const char *accept = evhttp_find_header(evhttp_request_get_input_headers(
												req),
											"Accept");

	return accept != NULL && Contains(accept, "application/json") &&
		!Contains(accept, "text/html");
}

/*
 * The f parameter: true when absent or one of the allowed formats (sets
 * *json); otherwise answers 400 and returns false
 */
static bool
Format(struct evhttp_request *req, struct evkeyvalq *q, bool html_ok,
	   bool *json)
{
	const char *f = evhttp_find_header(q, "f");

	if (f == NULL)
		return true;
	if (strcmp(f, "json") == 0)
		*json = true;
	else if (html_ok && strcmp(f, "html") == 0)
		*json = false;
	else
	{
		reply_send_error(req, 400, "Bad Request",
						 html_ok ? "unknown format f: use json or html"
								 : "unknown format f: use json");
		return false;
	}
	return true;
}

bool
ogc_route(struct evhttp_request *req, const char *path, struct evkeyvalq *q)
{
	bool json = false;

	if (strcmp(path, "/") == 0)
	{
		json = AcceptsJsonOnly(req);
		if (!Format(req, q, true, &json))
			return true;
		evhttp_add_header(evhttp_request_get_output_headers(req), "Vary",
						  "Accept");
		if (json)
			reply_send_body(req, 200, "OK", "application/json", LandingJson,
							sizeof(LandingJson) - 1);
		else
			reply_send_body(req, 200, "OK", "text/html; charset=utf-8",
							relay_dashboard_html, relay_dashboard_html_len);
	}
	else if (strcmp(path, "/conformance") == 0)
	{
		if (Format(req, q, false, &json))
			reply_send_body(req, 200, "OK", "application/json",
							ConformanceJson, sizeof(ConformanceJson) - 1);
	}
	else if (strcmp(path, "/api") == 0)
	{
		if (Format(req, q, false, &json))
			reply_send_body(req, 200, "OK", OAS30_TYPE, relay_openapi_json,
							relay_openapi_json_len);
	}
	else
		return false;
	return true;
}
