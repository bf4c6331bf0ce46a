#include "common/secret_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/crypto.h"

namespace volmacht {

Result<void> WriteSecretFile(const std::string& path, std::string_view content) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  std::string tmp = path + ".tmp" + ToHex(RandomBytes(4));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Fail(Error::Unavailable("Sleutelbestand niet schrijfbaar"));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  // link, not rename: never replace a key another process made meanwhile (it may already be
  // signing with it); then both use the file that won.
  bool linked = ok && (::link(tmp.c_str(), path.c_str()) == 0 || errno == EEXIST);
  ::unlink(tmp.c_str());
  if (!linked) return Fail(Error::Unavailable("Sleutelbestand niet schrijfbaar"));
  return {};
}

}  // namespace volmacht
