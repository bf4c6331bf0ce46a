// Writing a secret (a key, a pairwise salt) to a file that only this user can read, from the
// moment it exists: created with mode 0600 under a temporary name, written, fsynced, then
// hard-linked to its name (never renamed over it, so a key another process made meanwhile is
// kept, and both use the file that won), creating parent directories.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace volmacht {

// When `path` already exists it is left alone and the call succeeds. kUnavailable when
// writing fails.
[[nodiscard]] Result<void> WriteSecretFile(const std::string& path, std::string_view content);

}  // namespace volmacht
