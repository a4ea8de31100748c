#ifndef ZIC_WRITE_FILE_SINK_HPP
#define ZIC_WRITE_FILE_SINK_HPP

// The only place the bulk writer touches the disk. A file (or a NumPy unit's folder) is written
// under a temporary name in its final directory and renamed when whole, so a crash or an error
// never leaves something that looks like a finished import file.

#include "../result.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

ZIC_NAMESPACE_BEGIN
namespace write {

namespace detail {
inline zic::error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  std::string m(what);
  m.append(" '").append(path.string()).append("': ").append(std::strerror(err));
  return zic::error(errc::invalid_argument, std::move(m));
}

inline result<void> write_whole(const std::filesystem::path& path, std::string_view bytes,
                                bool sync) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", path, errno);
  while (!bytes.empty()) {
    const ::ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      return io_error("cannot write", path, err);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  if (sync && ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error("cannot sync", path, err);
  }
  if (::close(fd) != 0) return io_error("cannot close", path, errno);
  return {};
}

inline void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}
} // namespace detail

/**
 * Writes `bytes` as `dir/name`, which appears only once it is whole: the bytes go to
 * `dir/.name.partial` first and are renamed (`sync` flushes them to the disk before that).
 */
inline result<void> put_file(const std::filesystem::path& dir, const std::string& name,
                             std::string_view bytes, bool sync) {
  const std::filesystem::path partial = dir / ("." + name + ".partial"), final_path = dir / name;
  if (auto ok = detail::write_whole(partial, bytes, sync); !ok) {
    ::unlink(partial.c_str());
    return ok;
  }
  if (std::rename(partial.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(partial.c_str());
    return detail::io_error("cannot rename into", final_path, err);
  }
  if (sync) detail::sync_directory(dir);
  return {};
}

/**
 * A folder that appears under its final name only once every file in it is whole (a NumPy
 * import unit): files are put into `dir/.name.partial/`, then the folder is renamed.
 */
class partial_directory {
public:
  partial_directory(std::filesystem::path dir, std::string name, bool sync)
      : dir_(std::move(dir)), name_(std::move(name)), sync_(sync) {}
  partial_directory(const partial_directory&) = delete;
  partial_directory& operator=(const partial_directory&) = delete;
  ~partial_directory() {
    if (!done_) {
      std::error_code ignored;
      std::filesystem::remove_all(partial(), ignored);
    }
  }

  result<void> open() {
    std::error_code ec;
    std::filesystem::remove_all(partial(), ec);
    if (!std::filesystem::create_directory(partial(), ec) || ec)
      return detail::io_error("cannot create", partial(), ec ? ec.value() : EEXIST);
    return {};
  }
  result<void> put(const std::string& file, std::string_view bytes) {
    return detail::write_whole(partial() / file, bytes, sync_);
  }
  result<void> commit() {
    if (sync_) detail::sync_directory(partial());
    if (std::rename(partial().c_str(), (dir_ / name_).c_str()) != 0)
      return detail::io_error("cannot rename into", dir_ / name_, errno);
    done_ = true;
    if (sync_) detail::sync_directory(dir_);
    return {};
  }

private:
  std::filesystem::path partial() const { return dir_ / ("." + name_ + ".partial"); }
  std::filesystem::path dir_;
  std::string name_;
  bool sync_ = false, done_ = false;
};

} // namespace write
ZIC_NAMESPACE_END

#endif // ZIC_WRITE_FILE_SINK_HPP
