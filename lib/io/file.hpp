// hsk::io — reading inputs and writing outputs without half-written files.
#pragma once

#include <string>

#include "hsk/bytes.hpp"

namespace hsk::io {

// read_all reads a whole file, or standard input when path is "-". Throws hsk::Error (io).
Bytes read_all(const std::string& path);

// write_atomic writes `data` to a temporary file beside `path`, fsyncs and renames it over
// `path`, so readers see the old file or the new one, never half. "-" writes to stdout.
// mode is the permission of a newly created file (0600 for keys and state).
// Throws hsk::Error (io); the temporary file is removed on failure.
void write_atomic(const std::string& path, ByteView data, unsigned mode = 0644);

// write_new_file creates `path` (O_CREAT|O_EXCL|O_NOFOLLOW: it must not exist, a symlink is
// refused) with permission `mode` and writes all of `data`, without fsync: for many small files
// made durable at once by sync_filesystem. Throws hsk::Error (io); a partial file is removed.
void write_new_file(const std::string& path, ByteView data, unsigned mode = 0644);

// sync_filesystem flushes the filesystem holding `path` to disk (syncfs(2)), then fsyncs the
// directory `path` itself. Throws hsk::Error (io).
void sync_filesystem(const std::string& path);

// write_stdout writes all of `data` to standard output (fd 1). Throws hsk::Error (io).
void write_stdout(ByteView data);

}  // namespace hsk::io
