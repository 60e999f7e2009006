/* HTTP service plugins: own a set of path prefixes on one listener (the instance's `listener`
 * key) and answer every request under them.
 *
 * The host parses the request, applies the listener's allow-list, header and body limits, and
 * calls handle() on one of the listener's worker threads. handle() reads the body and writes the
 * response through the host's wharf_http_api (host->http), all before it returns.
 * Threading: handle() is called concurrently from many threads. */
#ifndef WHARF_HTTP_SERVICE_H
#define WHARF_HTTP_SERVICE_H

#include "wharf/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wharf_http_exchange wharf_http_exchange; /* opaque, owned by the host */

typedef int (*wharf_header_visit_fn)(void* ctx, const char* name, const char* value);

/* Functions on one exchange; valid only during handle() on the thread that got the exchange. */
typedef struct wharf_http_api {
  uint32_t struct_size;

  const char* (*method)(wharf_http_exchange* ex);
  /* The path, percent-decoded, without the query. */
  const char* (*path)(wharf_http_exchange* ex);
  /* The path exactly as sent (still percent-encoded), without the query. */
  const char* (*raw_path)(wharf_http_exchange* ex);
  /* The raw query string without '?', "" when none. */
  const char* (*query)(wharf_http_exchange* ex);
  /* The first value of a query parameter, percent-decoded; NULL when absent. */
  const char* (*query_param)(wharf_http_exchange* ex, const char* name);
  /* A request header (case-insensitive name); NULL when absent. */
  const char* (*header)(wharf_http_exchange* ex, const char* name);
  /* Calls fn for every request header until it returns non-zero. */
  void (*visit_headers)(wharf_http_exchange* ex, wharf_header_visit_fn fn, void* ctx);
  const char* (*client_addr)(wharf_http_exchange* ex);
  /* "http" or "https". */
  const char* (*scheme)(wharf_http_exchange* ex);
  /* Declared body length, -1 when chunked or unknown. */
  int64_t (*content_length)(wharf_http_exchange* ex);
  /* Reads up to `size` body bytes: > 0 bytes read, 0 at the end of the body, -1 on error (client
   * gone, or the listener's max_body exceeded — the host then answers 413 itself). */
  int64_t (*read)(wharf_http_exchange* ex, void* buf, size_t size);

  /* Response status and headers; must come before the first write. */
  void (*set_status)(wharf_http_exchange* ex, int status);
  /* Adds a header (several calls with one name add several headers). */
  void (*add_header)(wharf_http_exchange* ex, const char* name, const char* value);
  /* Declares the body length; without it the body is sent chunked (HTTP/1.1). */
  void (*set_content_length)(wharf_http_exchange* ex, int64_t length);
  /* Writes body bytes, sending the status and headers first. 0 on success, -1 when the client is
   * gone. */
  int (*write)(wharf_http_exchange* ex, const void* data, size_t size);
  /* Flushes buffered bytes to the client (for streaming, e.g. server-sent events). 0 or -1. */
  int (*flush)(wharf_http_exchange* ex);
  /* Sends `length` bytes of file `fd` from `offset` with sendfile(2) where the connection allows
   * it (plain TCP), copying otherwise. The fd stays owned by the caller. 0 or -1. */
  int (*send_file)(wharf_http_exchange* ex, int fd, uint64_t offset, uint64_t length);
  /* Non-zero while the client connection still looks open (for long-running generation). */
  int (*client_connected)(wharf_http_exchange* ex);
  /* Sets the route label used in the host's request metrics and access log (default: the claimed
   * prefix). Use a low-cardinality template such as "/v2/{name}/blobs/{digest}". */
  void (*set_route)(wharf_http_exchange* ex, const char* route);
} wharf_http_api;

typedef struct wharf_http_service_v1 {
  uint32_t struct_size;
  /* Path prefixes this instance claims, NULL-terminated, valid while the instance lives. A prefix
   * ending in '/' matches every path below it; otherwise it matches that exact path and every
   * path continuing with '/'. Overlapping claims on one listener stop start-up. A claim goes to
   * the instance's `listener`; written "<key>:/path" it goes to the listener named by the
   * instance's WHARF_KEY_LISTENER key <key> instead (e.g. "admin_listener:/admin/engine").
   * Main thread. */
  const char* const* (*routes)(void* inst);
  /* Answers one request. Threading: any listener thread, concurrently. */
  void (*handle)(void* inst, wharf_http_exchange* ex);
} wharf_http_service_v1;

#ifdef __cplusplus
}
#endif

#endif /* WHARF_HTTP_SERVICE_H */
