/* Storage plugins: a blob / key store addressed by '/'-separated relative paths
 * ("docker/registry/v2/blobs/sha256/ab/abcd.../data"). Paths never start with '/', never contain
 * "." or ".." segments or empty segments; drivers reject those with WHARF_ERR_INVALID_ARGUMENT.
 *
 * Threading: every function may be called from any thread, concurrently, on the same instance.
 * A writer handle is used by one thread at a time.
 *
 * Long calls (a read of a large object, a paged listing, a move that copies, a commit that
 * assembles parts) are bounded three ways, without a deadline argument:
 *  - the caller stops a read by returning non-zero from its sink (the client went away), and
 *    abandons a writer with cancel;
 *  - the driver polls wharf_host_api.stopping (the host's drain deadline has passed) between the
 *    chunks or requests of a long call and then ends it with WHARF_ERR_CANCELLED;
 *  - a driver that talks to a remote service bounds every request it makes with a timeout of
 *    its own (a config key), so that no call waits forever on a silent peer.
 *
 * Semantics every driver keeps (tests/plugins/storage_conformance_test.cpp checks them):
 *  - Directories are implied by objects: "a/b/c" makes "a" and "a/b" listable; a directory with
 *    nothing left below it disappears.
 *  - Creating an object where a directory exists, or below an object, fails with
 *    WHARF_ERR_EXISTS; moving a directory onto an existing path too; moving a directory into
 *    itself fails with WHARF_ERR_INVALID_ARGUMENT. */
#ifndef WHARF_STORAGE_H
#define WHARF_STORAGE_H

#include "wharf/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wharf_storage_stat {
  uint32_t struct_size;
  uint64_t size;    /* bytes; 0 for directories */
  int64_t mtime_ns; /* modification time, nanoseconds since the Unix epoch */
  int is_dir;       /* non-zero for a directory (a prefix with children) */
} wharf_storage_stat;

/* Receives data read from storage. Return 0 to continue, non-zero to stop the read early (the
 * read then returns WHARF_ERR_CANCELLED). */
typedef int (*wharf_sink_fn)(void* ctx, const void* data, size_t size);

/* Receives one entry of a listing: its name relative to the listed directory. */
typedef int (*wharf_list_fn)(void* ctx, const char* name, int is_dir);

/* (1.1) Receives one entry of a paged listing: its name relative to the listed directory and its
 * stat (a directory: size 0, is_dir set). Return non-zero to stop the listing early. */
typedef int (*wharf_list_stat_fn)(void* ctx, const char* name, const wharf_storage_stat* stat);

typedef struct wharf_storage_writer wharf_storage_writer; /* opaque, owned by the driver */

enum wharf_writer_flags {
  /* ABI 1.0 only: continue an object committed before. No caller ever used it (uploads keep each
   * request's bytes as a part of their own), and drivers built with the 1.1 SDK refuse it with
   * WHARF_ERR_UNSUPPORTED; the value stays reserved. */
  WHARF_WRITER_APPEND = 1u << 0
};

typedef struct wharf_storage_v1 {
  uint32_t struct_size;

  /* Size and time of `path`. WHARF_ERR_NOT_FOUND when absent. */
  wharf_status (*stat)(void* inst, const char* path, wharf_storage_stat* out, wharf_error** err);

  /* Streams bytes [offset, offset+length) of `path` to `sink` (length UINT64_MAX = to the end).
   * WHARF_ERR_NOT_FOUND when absent; WHARF_ERR_INVALID_ARGUMENT when offset > size. */
  wharf_status (*read)(void* inst, const char* path, uint64_t offset, uint64_t length,
                       wharf_sink_fn sink, void* sink_ctx, wharf_error** err);

  /* Opens a writer for `path` (flags: 0). Nothing is visible at `path` until commit, which
   * replaces what was there; a writer that is cancelled or destroyed without commit leaves `path`
   * as it was. The handle is owned by the driver and ends with commit or cancel (exactly one of
   * them must be called). */
  wharf_status (*open_writer)(void* inst, const char* path, uint32_t flags,
                              wharf_storage_writer** writer, wharf_error** err);
  /* Appends `size` bytes. */
  wharf_status (*write)(wharf_storage_writer* writer, const void* data, size_t size,
                        wharf_error** err);
  /* Bytes in the writer so far. */
  uint64_t (*written)(wharf_storage_writer* writer);
  /* Makes the content visible at `path` atomically and ends the handle (also on failure). */
  wharf_status (*commit)(wharf_storage_writer* writer, wharf_error** err);
  /* Discards what was written and ends the handle. */
  void (*cancel)(wharf_storage_writer* writer);

  /* Lists the direct children of directory `path` ("" = the root). WHARF_ERR_NOT_FOUND when the
   * directory does not exist. Order is unspecified. */
  wharf_status (*list)(void* inst, const char* path, wharf_list_fn fn, void* fn_ctx,
                       wharf_error** err);

  /* Moves `from` to `to` atomically, replacing `to`. */
  wharf_status (*move)(void* inst, const char* from, const char* to, wharf_error** err);

  /* Deletes `path`, and everything below it when it is a directory. WHARF_ERR_NOT_FOUND when
   * absent. */
  wharf_status (*remove)(void* inst, const char* path, wharf_error** err);

  /* Optional (NULL or WHARF_ERR_UNSUPPORTED): the local file system path of `path`, for zero-copy
   * sendfile. The path is passed to `fn` and stays valid until the object is deleted. */
  wharf_status (*local_path)(void* inst, const char* path, wharf_string_fn fn, void* fn_ctx,
                             wharf_error** err);

  /* Optional (NULL or WHARF_ERR_UNSUPPORTED): a URL a client may be redirected to for `method`
   * ("GET" or "HEAD") on `path`, e.g. a pre-signed object store URL. */
  wharf_status (*redirect_url)(void* inst, const char* path, const char* method, wharf_string_fn fn,
                               void* fn_ctx, wharf_error** err);

  /* (1.1; check struct_size, may be NULL) A page of the direct children of `path` with their
   * stats, in ascending byte order of name: at most `limit` of them (0 = no limit) whose names
   * sort after `start_after` ("" = from the first). The next page starts after the last name of
   * this one; a page shorter than `limit` is the last. This is what an object store answers in one
   * request (S3 ListObjectsV2 with a delimiter), and it spares a caller one stat per entry.
   * WHARF_ERR_NOT_FOUND when the directory does not exist. */
  wharf_status (*list_page)(void* inst, const char* path, const char* start_after, uint64_t limit,
                            wharf_list_stat_fn fn, void* fn_ctx, wharf_error** err);
} wharf_storage_v1;

#ifdef __cplusplus
}
#endif

#endif /* WHARF_STORAGE_H */
