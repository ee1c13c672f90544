#include "llmload/core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <system_error>

namespace llmload::core {

namespace {

std::string os_reason(int err) { return std::error_code(err, std::generic_category()).message(); }

// Closes the descriptor and removes the temporary unless the rename succeeded.
class TempFile final {
 public:
  TempFile(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  // Returns 0 or the errno of a failed close (which can report a deferred write error).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }
  void commit() { committed_ = true; }

 private:
  int fd_;
  std::filesystem::path path_;
  bool committed_ = false;
};

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// Reads the whole file; a missing file reads as empty.
Result<std::string> read_existing(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Result<std::string>(boost::system::in_place_value);
    return fail("could not read '{}' to append to it: {}", path.string(), os_reason(errno));
  }
  std::string content;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return fail("could not read '{}' to append to it: {}", path.string(), os_reason(err));
    }
    content.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // Error is constructible from a string too, so the value needs the explicit tag.
  return Result<std::string>(boost::system::in_place_value, std::move(content));
}

}  // namespace

Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  namespace fs = std::filesystem;
  if (!path.has_filename()) return fail("could not write '{}': not a file name", path.string());
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      return fail("could not write '{}': cannot create directory '{}': {}", path.string(),
                  dir.string(), ec.message());
    }
  }

  struct stat existing {};
  const bool keep_mode = ::stat(path.c_str(), &existing) == 0;

  // pid + process-wide counter keep concurrent writers (threads or processes) apart; O_EXCL
  // catches a stale leftover with the same name.
  static std::atomic<unsigned> counter{0};
  int fd = -1;
  fs::path tmp;
  int open_err = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    tmp = dir / fmt::format(".{}.tmp.{}.{}", path.filename().string(), ::getpid(),
                            counter.fetch_add(1, std::memory_order_relaxed));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) break;
    open_err = errno;
    if (open_err != EEXIST) break;
  }
  if (fd < 0) {
    return fail("could not write '{}': cannot create a file in '{}': {}", path.string(),
                dir.string(), os_reason(open_err));
  }
  TempFile temp(fd, tmp);

  if (keep_mode && ::fchmod(temp.fd(), existing.st_mode & 07777) != 0) {
    return fail("could not write '{}': {}", path.string(), os_reason(errno));
  }
  if (const int err = write_all(temp.fd(), content)) {
    return fail("could not write '{}': {}", path.string(), os_reason(err));
  }
  if (::fsync(temp.fd()) != 0) {
    return fail("could not write '{}': fsync failed: {}", path.string(), os_reason(errno));
  }
  if (const int err = temp.close()) {
    return fail("could not write '{}': {}", path.string(), os_reason(err));
  }
  if (::rename(temp.path().c_str(), path.c_str()) != 0) {
    return fail("could not write '{}': rename failed: {}", path.string(), os_reason(errno));
  }
  temp.commit();

  // Makes the rename itself durable. Some file systems refuse fsync on a directory; the file
  // is already in place then, so that is not an error.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

Result<void> append_file_atomic(const std::filesystem::path& path, std::string_view record) {
  auto existing = read_existing(path);
  if (!existing) return existing.error();
  std::string content = std::move(*existing);
  if (!content.empty()) content += '\n';
  content.append(record);
  return write_file_atomic(path, content);
}

}  // namespace llmload::core
