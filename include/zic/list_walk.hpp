#ifndef ZIC_LIST_WALK_HPP
#define ZIC_LIST_WALK_HPP

// Walking every page of the job list, sans I/O: which page to ask for next, what to hand the
// visitor, and when the walk is over. Both clients drive it.

#include "model.hpp"
#include "requests.hpp"
#include "result.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

ZIC_NAMESPACE_BEGIN

/**
 * Cloud: from `current_page` (at least 1) on, until a page comes back empty or shorter than
 * the page size the server says it used (it may cap the size asked for), never trusting
 * `count`. Milvus: the single answer. A server that answers every page with the same jobs is
 * an error, not an endless walk.
 */
class list_walk {
public:
  list_walk(const request_context& ctx, list_import_jobs_request r) : ctx_(ctx), r_(std::move(r)) {
    r_.current_page = std::max<std::int64_t>(r_.current_page, 1);
  }

  /// Whether another page is to be fetched.
  bool more() const noexcept { return more_; }
  /// The request for that page.
  const list_import_jobs_request& request() const noexcept { return r_; }

  /**
   * Hands `page`'s jobs to `visit` (filtered by collection on the cloud, where the server does
   * not filter) and decides whether the walk goes on. `visit` may return false to stop.
   */
  template <class Visit> result<void> after_page(const import_job_page& page, Visit& visit) {
    more_ = false;
    const std::size_t fetched = page.records.size();
    if (fetched && ctx_.cloud()) {
      if (page.records.front().job_id == first_of_previous_)
        return zic::error(errc::json_schema, "list failed: the server answered page " +
                                                 std::to_string(r_.current_page) + " with the previous page's jobs");
      first_of_previous_ = page.records.front().job_id;
    }
    for (const auto& job : page.records) {
      if (ctx_.cloud() && !r_.collection_name.empty() && job.collection_name != r_.collection_name) continue;
      if constexpr (std::is_same_v<std::invoke_result_t<Visit&, const import_job_summary&>, bool>) {
        if (!visit(job)) return {};
      } else {
        visit(job);
      }
    }
    // The server's own page size when it states one: it may have capped ours.
    const std::int64_t stated = page.page_size.value_or(r_.page_size);
    const std::int64_t used = stated >= 1 ? std::min(stated, r_.page_size) : r_.page_size;
    more_ = ctx_.cloud() && fetched > 0 && static_cast<std::int64_t>(fetched) >= used;
    ++r_.current_page;
    return {};
  }

private:
  const request_context& ctx_;
  list_import_jobs_request r_;
  std::string first_of_previous_;
  bool more_ = true;
};

ZIC_NAMESPACE_END

#endif // ZIC_LIST_WALK_HPP
