#include "llmload/core/input_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmload::core {
namespace {

std::string size_text(std::uint64_t bytes) {
  if (bytes >= (std::uint64_t{1} << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1 << 30));
  if (bytes >= kMiB) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / kMiB);
  return fmt::format("{} bytes", bytes);
}

Result<void> check_stat(const struct stat& st, const std::string& path, std::uint64_t max_bytes, std::string_view what) {
  if (S_ISDIR(st.st_mode)) return fail("{} {}: is a directory, not a file", what, path);
  if (!S_ISREG(st.st_mode)) {
    return fail("{} {}: not a regular file (a device, FIFO or socket); give a file", what, path);
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return fail("{} {}: {} is over the limit of {} for a {}", what, path, size_text(static_cast<std::uint64_t>(st.st_size)),
                size_text(max_bytes), what);
  }
  return {};
}

/// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<void> check_input_file(const std::string& path, std::uint64_t max_bytes, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail("{} {}: cannot open: {}", what, path, std::strerror(errno));
  return check_stat(st, path, max_bytes, what);
}

Result<std::string> read_input_file(const std::string& path, std::uint64_t max_bytes, std::string_view what) {
  // Opened without blocking (a FIFO would wait for a writer), then checked on the descriptor.
  Fd file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (file.fd < 0) return fail("{} {}: cannot open: {}", what, path, std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return fail("{} {}: cannot open: {}", what, path, std::strerror(errno));
  if (auto checked = check_stat(st, path, max_bytes, what); !checked) return checked.error();
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t have = 0;
  for (;;) {
    if (have == text.size()) {
      if (text.size() > max_bytes) return fail("{} {}: grew past the limit of {} while read", what, path, size_text(max_bytes));
      text.resize(std::max<std::size_t>(text.size() * 2, 4096));
    }
    const auto n = ::read(file.fd, text.data() + have, text.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("{} {}: read error: {}", what, path, std::strerror(errno));
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  if (have > max_bytes) return fail("{} {}: grew past the limit of {} while read", what, path, size_text(max_bytes));
  text.resize(have);
  return Result<std::string>(boost::system::in_place_value, std::move(text));
}

}  // namespace llmload::core
