// Helpers for tests: a temporary directory, a raw TCP connection that speaks HTTP/1.1 by
// hand (for keep-alive, malformed and oversized requests that HttpClient will not send), and
// reading a query parameter from a redirect URL. Blocking reads have a 10 s receive timeout so a broken server fails a test
// instead of hanging it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/testing/temp_dir.h"
#include "http/form.h"

namespace volmacht::http::testing {

// The decoded value of query parameter `name` in `url`; "" when absent or unreadable.
inline std::string QueryParam(std::string_view url, std::string_view name) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return {};
  auto f = ParseForm(url.substr(q + 1), kMaxFormBytes);
  if (!f) return {};
  return f->Get(name).value_or(std::string());
}

using ::volmacht::testing::TempDir;

class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response (head + Content-Length body); "" when the connection ends first.
  std::string ReadResponse() {
    for (;;) {
      size_t head_end = buf_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t body_len = 0;
        std::string head = buf_.substr(0, head_end);
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t cl = head.find("\r\ncontent-length:");
        if (cl != std::string::npos) body_len = std::stoul(head.substr(cl + 17));
        size_t total = head_end + 4 + body_len;
        if (buf_.size() >= total) {
          std::string out = buf_.substr(0, total);
          buf_.erase(0, total);
          return out;
        }
      }
      if (!Fill()) return "";
    }
  }

  // The head of one response (through the blank line), leaving what follows unread; "" when
  // the connection ends first. For answers without a body, such as to HEAD.
  std::string ReadHead() {
    for (;;) {
      size_t head_end = buf_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::string out = buf_.substr(0, head_end + 4);
        buf_.erase(0, head_end + 4);
        return out;
      }
      if (!Fill()) return "";
    }
  }

  // True when the server hung up (orderly close or reset) and nothing was left unread;
  // false when data arrives or the 10 s receive timeout passes.
  bool ReadsEof() {
    char c;
    if (!buf_.empty()) return false;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  bool Fill() {
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

}  // namespace volmacht::http::testing
