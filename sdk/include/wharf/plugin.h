/* Wharf plugin SDK: the C ABI between wharfd and its plugins.
 *
 * Every plugin shared object exports exactly one symbol:
 *
 *     const wharf_plugin* wharf_plugin_init(const wharf_host_api* host);
 *
 * It returns a static descriptor (never freed) naming the plugin's kind, its ABI version, the INI
 * keys it accepts and its lifecycle and kind function tables. The host refuses a plugin whose
 * abi_major differs from its own or whose abi_minor is newer, and reads only `struct_size` bytes of
 * every table, so tables grow by appending members at the end (a minor version bump).
 *
 * Conventions used on every function below:
 *  - Strings are NUL-terminated UTF-8. A `const char*` argument is borrowed for the call only.
 *  - A function that can fail returns wharf_status and, when it is not WHARF_OK and `err` is
 *    not NULL, stores an owned wharf_error in *err, released with wharf_error_release().
 *  - Exceptions never cross the boundary (the C++ helpers in wharf/cpp catch them).
 *  - "Threading:" notes say from which threads the host may call a function concurrently.
 */
#ifndef WHARF_PLUGIN_H
#define WHARF_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WHARF_ABI_MAJOR 1
/* Minor versions (each appends to tables; the host accepts plugins of any minor up to its own):
 *  1.0  the first ABI
 *  1.1  WHARF_KEY_PATH; wharf_host_api.stopping; wharf_auth_v1.decide (strings of any length);
 *       wharf_quant_v1.forward_cpu with wharf_cpu_pool (the engine's CPU threads);
 *       wharf_storage_v1.list_page (sorted, paged listings with stats)
 *  1.2  prompt scoring in engine.h: wharf_sampling_params.score_prompt / prompt_top_logprobs,
 *       max_tokens 0, wharf_generation_event.prompt_* (a caller checks struct_size and the
 *       engine's "prompt_scoring" in model_info)
 *  1.3  wharf_quant_v1.forward_cpu_many (layers that read the same input, in one parallel loop) */
#define WHARF_ABI_MINOR 3

#if defined(_WIN32)
#define WHARF_EXPORT __declspec(dllexport)
#else
#define WHARF_EXPORT __attribute__((visibility("default")))
#endif

#define WHARF_PLUGIN_INIT_SYMBOL "wharf_plugin_init"

/* ---- status codes and owned errors ---------------------------------------------------------- */

typedef enum wharf_status {
  WHARF_OK = 0,
  WHARF_ERR_INVALID_ARGUMENT = 1, /* bad input from the caller */
  WHARF_ERR_NOT_FOUND = 2,        /* no such object / instance */
  WHARF_ERR_EXISTS = 3,           /* object already exists */
  WHARF_ERR_PERMISSION = 4,       /* access denied by the operating system or a policy */
  WHARF_ERR_IO = 5,               /* an I/O error */
  WHARF_ERR_NO_SPACE = 6,         /* disk or memory budget exhausted */
  WHARF_ERR_UNSUPPORTED = 7,      /* the operation is not implemented by this plugin */
  WHARF_ERR_UNAVAILABLE = 8,      /* temporarily unavailable: retry later (overload, draining) */
  WHARF_ERR_CANCELLED = 9,        /* the caller or the client cancelled the operation */
  WHARF_ERR_DATA = 10,            /* corrupt or mismatching data (e.g. digest mismatch) */
  WHARF_ERR_INTERNAL = 11         /* a bug or an unexpected condition */
} wharf_status;

/* An error created by one side and released by the other through its own release function, so
 * that each allocator frees its own memory. */
typedef struct wharf_error {
  uint32_t struct_size;
  wharf_status code;
  const char* message; /* owned by the error, valid until release */
  void (*release)(struct wharf_error* self);
} wharf_error;

static inline void wharf_error_release(wharf_error* e) {
  if (e && e->release) e->release(e);
}

/* Human-readable name of a status code (static string). */
static inline const char* wharf_status_name(wharf_status s) {
  switch (s) {
    case WHARF_OK:
      return "ok";
    case WHARF_ERR_INVALID_ARGUMENT:
      return "invalid argument";
    case WHARF_ERR_NOT_FOUND:
      return "not found";
    case WHARF_ERR_EXISTS:
      return "already exists";
    case WHARF_ERR_PERMISSION:
      return "permission denied";
    case WHARF_ERR_IO:
      return "i/o error";
    case WHARF_ERR_NO_SPACE:
      return "no space";
    case WHARF_ERR_UNSUPPORTED:
      return "unsupported";
    case WHARF_ERR_UNAVAILABLE:
      return "unavailable";
    case WHARF_ERR_CANCELLED:
      return "cancelled";
    case WHARF_ERR_DATA:
      return "data error";
    case WHARF_ERR_INTERNAL:
      return "internal error";
  }
  return "unknown";
}

/* Receives a string (borrowed for the call). */
typedef void (*wharf_string_fn)(void* ctx, const char* value);

/* ---- plugin kinds --------------------------------------------------------------------------- */

typedef enum wharf_plugin_kind {
  WHARF_KIND_STORAGE = 1,      /* table: wharf_storage_v1 (wharf/storage.h) */
  WHARF_KIND_AUTH = 2,         /* table: wharf_auth_v1 (wharf/auth.h) */
  WHARF_KIND_HTTP_SERVICE = 3, /* table: wharf_http_service_v1 (wharf/http_service.h) */
  WHARF_KIND_QUANT = 4,        /* table: wharf_quant_v1 (wharf/quant.h) */
  WHARF_KIND_ENGINE = 5        /* table: wharf_engine_v1 (wharf/engine.h) */
} wharf_plugin_kind;

static inline const char* wharf_kind_name(wharf_plugin_kind k) {
  switch (k) {
    case WHARF_KIND_STORAGE:
      return "storage";
    case WHARF_KIND_AUTH:
      return "auth";
    case WHARF_KIND_HTTP_SERVICE:
      return "http-service";
    case WHARF_KIND_QUANT:
      return "quant";
    case WHARF_KIND_ENGINE:
      return "engine";
  }
  return "unknown";
}

/* ---- configuration -------------------------------------------------------------------------- */

/* Types of INI values; the host validates every key of a [plugin.<instance>] section against the
 * plugin's declared keys before create() is called, and fills in defaults. */
typedef enum wharf_key_type {
  WHARF_KEY_STRING = 0,
  WHARF_KEY_INT = 1,      /* signed 64-bit decimal */
  WHARF_KEY_BOOL = 2,     /* true/false/yes/no/on/off/1/0, normalised to "true"/"false" */
  WHARF_KEY_SIZE = 3,     /* bytes with optional K/M/G/T (binary) suffix, normalised to bytes */
  WHARF_KEY_DURATION = 4, /* seconds with optional ms/s/m/h/d suffix, normalised to seconds */
  WHARF_KEY_FILE = 5,     /* a path to an existing readable file */
  WHARF_KEY_DIR = 6,      /* a directory path; created by the host when missing */
  WHARF_KEY_INSTANCE = 7, /* the name of another [plugin.<instance>] of kind `ref_kind` */
  WHARF_KEY_LISTENER = 8, /* the name of a [listener.<name>] section */
  WHARF_KEY_ENUM = 9,     /* one of the '|'-separated words in `choices` */
  WHARF_KEY_PATH = 10     /* (1.1) a path to an existing readable file or directory, e.g. a model
                             that is a GGUF file or a Hugging Face directory */
} wharf_key_type;

enum wharf_key_flags {
  WHARF_KEY_REQUIRED = 1u << 0, /* start-up fails when the key is missing and has no default */
  WHARF_KEY_SECRET = 1u << 1,   /* the value is redacted by GET /admin/config and in logs */
  WHARF_KEY_LIST = 1u << 2      /* a comma-separated list of values of `type` */
};

typedef struct wharf_config_key {
  const char* name;
  wharf_key_type type;
  uint32_t flags;             /* wharf_key_flags */
  wharf_plugin_kind ref_kind; /* for WHARF_KEY_INSTANCE, 0 = any kind */
  const char* default_value;  /* NULL = no default; normalised like a configured value */
  const char* choices;        /* for WHARF_KEY_ENUM: "a|b|c" */
  const char* help;           /* one line, shown by `wharfd plugins` */
} wharf_config_key;

typedef struct wharf_kv {
  const char* key;
  const char* value;
} wharf_kv;

/* The instance's validated INI section: every declared key that is set (in file order), then every
 * other one that has a default, values normalised as described at wharf_key_type; look keys up by
 * name, not by position. Borrowed during create(); copy what you keep. */
typedef struct wharf_config {
  uint32_t struct_size;
  const char* instance_name;
  const char* data_dir; /* [host] data_dir: where plugins may keep state */
  const wharf_kv* items;
  size_t count;
} wharf_config;

/* ---- logging -------------------------------------------------------------------------------- */

typedef enum wharf_log_level {
  WHARF_LOG_TRACE = 0,
  WHARF_LOG_DEBUG = 1,
  WHARF_LOG_INFO = 2,
  WHARF_LOG_WARNING = 3,
  WHARF_LOG_ERROR = 4,
  WHARF_LOG_FATAL = 5
} wharf_log_level;

/* ---- metrics -------------------------------------------------------------------------------- */

typedef enum wharf_metric_type {
  WHARF_METRIC_COUNTER = 0,
  WHARF_METRIC_GAUGE = 1,
  WHARF_METRIC_HISTOGRAM = 2
} wharf_metric_type;

typedef struct wharf_metric_family wharf_metric_family; /* opaque, owned by the host */
typedef struct wharf_metric wharf_metric;               /* opaque, owned by the host */

/* ---- the host API given to plugins ---------------------------------------------------------- */

struct wharf_http_api; /* wharf/http_service.h */

typedef struct wharf_host_api {
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t struct_size;
  void* ctx; /* pass as first argument to the functions below */

  /* Logs one message under logger `component` (e.g. the instance name). Threading: any thread. */
  void (*log)(void* ctx, const char* component, wharf_log_level level, const char* message);
  /* Non-zero when `level` is enabled for `component`: skip formatting otherwise. Any thread. */
  int (*log_enabled)(void* ctx, const char* component, wharf_log_level level);

  /* Returns the metric family `name` (registered on first call; later calls with the same name and
   * type return the same family). `label_names` declares the label keys. `buckets` are the upper
   * bounds of a histogram (ignored otherwise; NULL = Prometheus defaults). NULL when the name is
   * invalid or already registered with another type. Owned by the host for the process lifetime.
   * Threading: any thread. */
  wharf_metric_family* (*metric_family)(void* ctx, wharf_metric_type type, const char* name,
                                        const char* help, const char* const* label_names,
                                        size_t label_count, const double* buckets,
                                        size_t bucket_count);
  /* Returns the child of `family` with the given label values (same order and count as
   * label_names); created on first use, then cached. Owned by the host. Any thread. */
  wharf_metric* (*metric)(void* ctx, wharf_metric_family* family, const char* const* label_values,
                          size_t label_count);
  /* Counter: add `v` (>= 0). Gauge: add `v` (any sign). Histogram: ignored. Any thread,
   * lock-free.*/
  void (*metric_add)(wharf_metric* m, double v);
  /* Gauge: set to `v`. Others: ignored. Any thread. */
  void (*metric_set)(wharf_metric* m, double v);
  /* Histogram: observe `v`. Others: ignored. Any thread. */
  void (*metric_observe)(wharf_metric* m, double v);

  /* Finds the live instance `name` of kind `kind`. On success stores the plugin's kind table in
   * *table (read its struct_size first) and its instance handle in *instance. Both stay valid
   * until the calling instance is destroyed: the host creates instances in dependency order (the
   * ones a plugin names through WHARF_KEY_INSTANCE keys first) and destroys them in reverse.
   * Threading: any thread. */
  wharf_status (*lookup)(void* ctx, const char* name, wharf_plugin_kind kind, const void** table,
                         void** instance, wharf_error** err);

  /* Creates an owned error with the host's allocator (released with wharf_error_release). */
  wharf_error* (*error_new)(void* ctx, wharf_status code, const char* message);

  /* Functions on HTTP exchanges, for http-service plugins. Never NULL. */
  const struct wharf_http_api* http;

  /* Non-zero once the host has begun draining (POST /admin/drain or SIGTERM): refuse new long
   * work, finish what is in flight. Any thread. */
  int (*draining)(void* ctx);

  /* (1.1; check struct_size) Non-zero once the drain deadline has passed (drain_timeout after
   * SIGTERM): end what is in flight now, e.g. finish running generations with finish_reason
   * "abort" and close their streams cleanly. Request bodies still being read fail from then on.
   * Any thread; cheap enough to ask once per streamed event. */
  int (*stopping)(void* ctx);
} wharf_host_api;

/* ---- the plugin descriptor ------------------------------------------------------------------ */

typedef struct wharf_plugin {
  uint32_t abi_major;   /* WHARF_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;   /* WHARF_ABI_MINOR the plugin was built with */
  uint32_t struct_size; /* sizeof(wharf_plugin) the plugin was built with */
  wharf_plugin_kind kind;
  const char* name;    /* module name, e.g. "storage-fs"; the file is libwharf-<name>.so */
  const char* version; /* the plugin's own version, e.g. "1.2.0" */
  const char* description;

  const wharf_config_key* config_keys; /* keys accepted in [plugin.<instance>] besides `module` */
  size_t config_key_count;

  /* Creates an instance from its validated section. On success stores an opaque handle in
   * *instance. May block (open files, load models). Threading: the main thread, one at a time. */
  wharf_status (*create)(const wharf_config* config, const wharf_host_api* host, void** instance,
                         wharf_error** err);
  /* Ends an instance: after the host has stopped calling it. Main thread. */
  void (*destroy)(void* instance);
  /* Optional (NULL = always healthy): WHARF_OK when the instance can serve; otherwise an error
   * whose message /ready reports. Must be quick. Threading: any thread, concurrently. */
  wharf_status (*health)(void* instance, wharf_error** err);
  /* Optional: re-read files (SIGHUP). Threading: the signal thread, concurrently with requests. */
  wharf_status (*reload)(void* instance, wharf_error** err);

  /* The kind's function table (e.g. const wharf_storage_v1*), static, starting with struct_size.*/
  const void* table;

  /* Optional: runs an offline maintenance command on an instance, e.g. `wharfd gc` runs "gc" on
   * every instance whose plugin supports it, with the listeners down. `args` are the remaining
   * command-line words ("--dry-run", ...). Output lines go to `out`. WHARF_ERR_UNSUPPORTED when
   * this plugin has no such command, and only then (a command that refuses its input returns
   * another status, e.g. WHARF_ERR_INVALID_ARGUMENT, with a message). While it runs, SIGINT and
   * SIGTERM set wharf_host_api.stopping, which a long command polls to end early. Threading: the
   * main thread; no requests run meanwhile. */
  wharf_status (*run_command)(void* instance, const char* command, const char* const* args,
                              size_t arg_count, wharf_string_fn out, void* out_ctx,
                              wharf_error** err);
} wharf_plugin;

typedef const wharf_plugin* (*wharf_plugin_init_fn)(const wharf_host_api* host);

#ifdef __cplusplus
}
#endif

#endif /* WHARF_PLUGIN_H */
