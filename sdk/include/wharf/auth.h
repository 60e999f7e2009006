/* Auth plugins: decide who a client is and what it may do to one resource.
 * Threading: authorize may be called from any thread, concurrently. */
#ifndef WHARF_AUTH_H
#define WHARF_AUTH_H

#include "wharf/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Actions, as a bit set. */
enum wharf_auth_action {
  WHARF_ACTION_PULL = 1u << 0,
  WHARF_ACTION_PUSH = 1u << 1,
  WHARF_ACTION_DELETE = 1u << 2,
  WHARF_ACTION_CATALOG = 1u << 3 /* registry:catalog:* */
};

/* Looks up a request header (case-insensitive); NULL when absent. */
typedef const char* (*wharf_header_fn)(void* ctx, const char* name);

typedef struct wharf_auth_request {
  uint32_t struct_size;
  const char* method;      /* HTTP method */
  const char* path;        /* request path */
  const char* client_addr; /* "ip" of the peer, IPv4 dotted or IPv6 without brackets */
  wharf_header_fn header;  /* request headers */
  void* header_ctx;
  const char* resource_type; /* "repository", "registry" (catalog), "model", ... */
  const char* resource_name; /* e.g. "library/alpine"; "catalog" for the registry catalog */
  uint32_t actions;          /* wharf_auth_action bits wanted */
} wharf_auth_request;

typedef enum wharf_auth_outcome {
  WHARF_AUTH_GRANTED = 0,         /* every wanted action granted */
  WHARF_AUTH_UNAUTHENTICATED = 1, /* no or bad credentials: 401 with `challenge` */
  WHARF_AUTH_DENIED = 2           /* known principal lacking an action: 403 (or 401 + challenge for
                                     token auth, where a new token may carry more scope) */
} wharf_auth_outcome;

/* ABI 1.0's decision, with fixed-size fields that truncate: callers use `decide` where a backend
 * has it (every backend built with the C++ helpers of ABI 1.1 or later does). */
typedef struct wharf_auth_decision {
  uint32_t struct_size;
  wharf_auth_outcome outcome;
  uint32_t granted;     /* the subset of wanted actions granted */
  char principal[128];  /* user or subject name; "" for anonymous */
  char challenge[1024]; /* WWW-Authenticate value to send with 401 ("" = none) */
  char message[256];    /* why, for the error body and the log */
} wharf_auth_decision;

/* (1.1) Where a backend writes its decision, the way the rest of the ABI passes strings out: each
 * string (any length, borrowed for the call) goes to a callback. Nothing called: outcome GRANTED
 * with no action granted, empty strings. */
typedef struct wharf_auth_result {
  uint32_t struct_size;
  void* ctx; /* the first argument of every callback */
  void (*set_outcome)(void* ctx, wharf_auth_outcome outcome, uint32_t granted);
  wharf_string_fn set_principal; /* user or subject name; anonymous when never called */
  wharf_string_fn set_challenge; /* WWW-Authenticate value to send with 401 */
  wharf_string_fn set_message;   /* why, for the error body and the log */
} wharf_auth_result;

typedef struct wharf_auth_v1 {
  uint32_t struct_size;
  /* Fills `out` (zeroed by the caller, struct_size set). A failure status means the backend
   * could not decide (e.g. its file vanished): the caller answers 503. */
  wharf_status (*authorize)(void* inst, const wharf_auth_request* req, wharf_auth_decision* out,
                            wharf_error** err);
  /* (1.1; check struct_size, may be NULL) The same decision written to `out` without limits on
   * its strings; callers prefer it to `authorize`. */
  wharf_status (*decide)(void* inst, const wharf_auth_request* req, const wharf_auth_result* out,
                         wharf_error** err);
} wharf_auth_v1;

#ifdef __cplusplus
}
#endif

#endif /* WHARF_AUTH_H */
