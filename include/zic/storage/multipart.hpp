#ifndef ZIC_STORAGE_MULTIPART_HPP
#define ZIC_STORAGE_MULTIPART_HPP

// A multipart upload as a step machine that does no I/O: create, parts (several in flight at
// once), complete; and on any failure, once the parts in flight are back, abort, so that no
// stored parts are left behind. A driver asks `next()` what to do, does it, and reports back.
// The same machine drives S3's multipart upload and Azure's Put Block + Put Block List (which
// has nothing to create and nothing to abort: uncommitted blocks expire on their own).

#include "../error.hpp"
#include "../result.hpp"
#include "s3.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

ZIC_NAMESPACE_BEGIN
namespace storage {

/** The sizes a store allows for the parts of one object. */
struct part_limits {
  std::uint64_t min_part = 5ull << 20;   ///< every part but the last is at least this
  std::uint64_t max_part = 5ull << 30;   ///< no part is larger
  std::uint32_t max_parts = 10'000;      ///< parts per object, at most
  std::uint64_t max_object = 5ull << 40; ///< bytes per object, at most

  /// S3 (and GCS's XML API): parts of 5 MiB to 5 GiB, 10,000 of them, 5 TiB in all.
  static constexpr part_limits s3() { return {}; }
  /// Azure block blobs: blocks up to 4,000 MiB, 50,000 of them.
  static constexpr part_limits azure() {
    return {1, 4000ull << 20, 50'000, 50'000ull * (4000ull << 20)};
  }
};

/** How an object of `total` bytes is cut: equal parts of `part_size`, the last one shorter. */
struct part_plan {
  std::uint64_t total = 0;
  std::uint64_t part_size = 0;
  std::uint32_t count = 0;

  /// Offset of part `n` (from 1).
  std::uint64_t offset(std::uint32_t n) const noexcept { return std::uint64_t(n - 1) * part_size; }
  /// Length of part `n` (from 1).
  std::uint64_t length(std::uint32_t n) const noexcept {
    const auto off = offset(n);
    return off >= total ? 0 : std::min(part_size, total - off);
  }
};

/**
 * The parts of an object of `total` bytes: `preferred` bytes each, or larger when the object
 * would otherwise need more parts than the store allows (the peers' rule: at least 5 MiB, at
 * most 10,000 parts on S3). Fails for an object the store cannot hold.
 */
inline result<part_plan> plan_parts(std::uint64_t total, std::uint64_t preferred = 8ull << 20,
                                    const part_limits &limits = part_limits::s3()) {
  if (total > limits.max_object)
    return zic::error(errc::invalid_argument, "an object of " + std::to_string(total) +
                                                  " bytes is larger than the store allows");
  part_plan p;
  p.total = total;
  p.part_size = std::clamp(preferred, limits.min_part, limits.max_part);
  const std::uint64_t fewest = (total + limits.max_parts - 1) / limits.max_parts;
  if (p.part_size < fewest) {
    // Round up to a whole MiB, so the parts stay tidy and the count stays under the limit.
    p.part_size = (fewest + (1ull << 20) - 1) / (1ull << 20) * (1ull << 20);
    if (p.part_size > limits.max_part)
      return zic::error(errc::invalid_argument,
                        "the object cannot be cut into parts the store allows");
  }
  p.count = total == 0 ? 1 : static_cast<std::uint32_t>((total + p.part_size - 1) / p.part_size);
  return p;
}

/**
 * One multipart upload's progress, sans I/O.
 *
 * @code
 * zic::storage::multipart_machine m(plan);
 * for (auto a = m.next(); a.kind != multipart_machine::done; a = m.next()) {
 *   switch (a.kind) {
 *   case multipart_machine::create: m.created(send_create()); break;
 *   case multipart_machine::upload_part: m.part_done(a.part, send_part(a.offset, a.length),
 * md5_hex); break; case multipart_machine::complete: m.completed(send_complete(m.parts())); break;
 *   case multipart_machine::abort: m.aborted(send_abort()); break;
 *   case multipart_machine::wait: wait_for_a_report(); break;  // parts in flight elsewhere
 *   default: break;
 *   }
 * }
 * auto outcome = m.outcome();
 * @endcode
 */
class multipart_machine {
public:
  enum action_kind { create, upload_part, complete, abort, wait, done };
  /** What to do next. */
  struct action {
    action_kind kind = done;
    std::uint32_t part = 0;   ///< for `upload_part`, from 1
    std::uint64_t offset = 0; ///< the part's bytes in the object
    std::uint64_t length = 0;
  };

  /// `has_create`: the store opens an upload first (S3). `has_abort`: a failure must be cleaned up.
  explicit multipart_machine(part_plan plan, bool has_create = true, bool has_abort = true)
      : plan_(plan), has_abort_(has_abort), state_(has_create ? state::fresh : state::parts),
        done_parts_(plan.count, false) {}

  /// The next thing to do; `wait` while parts are in flight and nothing else can start.
  action next() {
    switch (state_) {
    case state::fresh:
      state_ = state::creating;
      return {create};
    case state::creating:
      return {wait};
    case state::parts:
      if (next_part_ <= plan_.count) {
        const std::uint32_t n = next_part_++;
        ++in_flight_;
        return {upload_part, n, plan_.offset(n), plan_.length(n)};
      }
      if (in_flight_ > 0) return {wait};
      state_ = state::completing;
      std::sort(parts_.begin(), parts_.end(),
                [](const auto &a, const auto &b) { return a.number < b.number; });
      return {complete};
    case state::completing:
      return {wait};
    case state::failing:
      if (in_flight_ > 0) return {wait};
      if (!has_abort_ || !opened_) {
        state_ = state::finished;
        return {done};
      }
      state_ = state::aborting;
      return {abort};
    case state::aborting:
      return {wait};
    case state::finished:
      return {done};
    }
    return {done};
  }

  /// The create's outcome: the upload's id, or the failure (nothing was opened, nothing to abort).
  void created(zic::result<std::string> upload_id) {
    if (!upload_id) return fail(std::move(upload_id).error());
    upload_id_ = std::move(*upload_id);
    opened_ = true;
    if (state_ == state::creating) state_ = state::parts;
  }

  /**
   * Part `n`'s outcome: its ETag (or block id), or the failure. `md5_hex` is the MD5 of the
   * bytes sent: when the ETag is an MD5 (an unencrypted S3 part) the two must agree.
   */
  void part_done(std::uint32_t n, zic::result<std::string> etag, std::string_view md5_hex = {}) {
    if (in_flight_ > 0) --in_flight_;
    if (!etag) return fail(std::move(etag).error());
    if (!md5_hex.empty()) {
      const auto stored = etag_md5_hex(*etag);
      if (!stored.empty() && stored != md5_hex)
        return fail(
            zic::error(errc::transport, "part " + std::to_string(n) +
                                            ": the store's ETag is not the MD5 of the bytes sent"));
    }
    if (n == 0 || n > plan_.count || done_parts_[n - 1]) return;
    done_parts_[n - 1] = true;
    bytes_done_ += plan_.length(n);
    parts_.push_back({n, std::move(*etag)});
  }

  /// The complete's outcome; a failure aborts the upload.
  void completed(zic::result<void> r) {
    if (!r) return fail(std::move(r).error());
    state_ = state::finished;
  }

  /// The abort's outcome. The upload's own failure stays the result; a failed abort is added
  /// to its message, since parts may then remain.
  void aborted(zic::result<void> r) {
    if (!r && error_)
      error_->message += "; aborting the upload failed too, parts may remain: " + r.error().message;
    state_ = state::finished;
  }

  /// Ends the upload from outside (cancellation, a file that cannot be read): abort once the
  /// parts in flight are back. The first failure is the one reported.
  void fail(zic::error e) {
    if (!error_) error_ = std::move(e);
    if (state_ == state::creating && !opened_) {
      state_ = state::finished;
      return;
    }
    if (state_ != state::finished && state_ != state::aborting) state_ = state::failing;
  }

  /// Success, or the first failure; meaningful once `next()` said `done`.
  zic::result<void> outcome() const {
    if (error_) return *error_;
    return {};
  }

  bool failed() const noexcept { return error_.has_value(); }
  const std::string &upload_id() const noexcept { return upload_id_; }
  /// The parts accepted, in order once `complete` was asked for.
  const std::vector<completed_part> &parts() const noexcept { return parts_; }
  std::uint64_t bytes_done() const noexcept { return bytes_done_; }
  const part_plan &plan() const noexcept { return plan_; }

private:
  enum class state { fresh, creating, parts, completing, failing, aborting, finished };
  part_plan plan_;
  bool has_abort_;
  state state_;
  bool opened_ = false;
  std::uint32_t next_part_ = 1;
  std::uint32_t in_flight_ = 0;
  std::uint64_t bytes_done_ = 0;
  std::string upload_id_;
  std::vector<completed_part> parts_;
  std::vector<bool> done_parts_;
  std::optional<zic::error> error_;
};

} // namespace storage
ZIC_NAMESPACE_END

#endif // ZIC_STORAGE_MULTIPART_HPP
