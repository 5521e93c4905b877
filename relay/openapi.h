/*
 * openapi.h
 *	  The relay's OpenAPI 3.0 document served at "/api", embedded at build
 *	  time.
 *
 * Design notes
 *
 * relay/openapi.json is kept as a file in the source tree so that it is
 * reviewed beside the routes it describes (http.c); relay/embed.sh turns
 * it into openapi.c (a generated file, not tracked), so the binary needs
 * no file at run time.
 */
#ifndef RELAY_OPENAPI_H
#define RELAY_OPENAPI_H

#include <stddef.h>

extern const char relay_openapi_json[];
extern const size_t relay_openapi_json_len;

#endif /* RELAY_OPENAPI_H */
