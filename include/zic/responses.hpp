#ifndef ZIC_RESPONSES_HPP
#define ZIC_RESPONSES_HPP

#include "detail/fields.hpp"
#include "detail/json_reader.hpp"
#include "detail/text.hpp"
#include "http.hpp"
#include "model.hpp"
#include "result.hpp"
#include "views.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

ZIC_NAMESPACE_BEGIN

static_assert(body_padding >= simdjson::SIMDJSON_PADDING, "transports must leave simdjson's padding");

namespace detail {

// Deep enough for any answer of this API, shallow enough that no input can exhaust the stack.
inline constexpr std::size_t max_json_depth = 128;

inline zic::error json_failure(std::string_view what, simdjson::error_code e) {
  if (e == simdjson::CAPACITY)
    return zic::error(errc::too_large, "the " + std::string(what) + " is too large to parse");
  std::string why = e == simdjson::EMPTY        ? "it is empty"
                    : e == simdjson::DEPTH_ERROR ? "it is nested too deeply"
                                                 : simdjson::error_message(e);
  return zic::error(errc::json_parse, "the " + std::string(what) + " is not valid JSON: " + why);
}

inline zic::error schema_failure(std::string_view what, std::string_view field,
                                 std::string_view expected) {
  return zic::error(errc::json_schema, "the " + std::string(what) + " has an unexpected shape: " +
                                           std::string(field) + " " + std::string(expected));
}

/// Reads the envelope `{"code":..., "message":..., "data":...}` and yields `data` (a
/// one-element array is unwrapped). Code 0, and 200 with data from older servers, mean
/// success; any other code is an `api_error` carrying the code and the server's message.
inline result<void> read_envelope(tape_value root, std::string_view what, tape_value& data, bool& has_data) {
  if (!root.is_object()) return schema_failure(what, "the document", "is not an object");
  std::int64_t code = 0;
  bool has_code = false;
  std::string_view message;
  has_data = false;
  for (auto [key, value] : root.fields()) {
    switch (classify(key)) {
    case field::code:
      if (value.is_null() || !read_int64(value, code)) return schema_failure(what, "\"code\"", "is not an integer");
      has_code = true;
      break;
    case field::message: read_string(value, message); break;  // a non-string one is not worth failing for
    case field::data:
      data = value;
      has_data = !value.is_null();
      break;
    default: break;
    }
  }
  if (!has_code) return schema_failure(what, "\"code\"", "is missing");
  // 200 is success from Milvus 2.4-era servers, which always sent data with it; without data
  // it is today's "partition not found".
  if (code != 0 && !(code == 200 && has_data)) {
    zic::error e(errc::api_error, "the server answered code " + std::to_string(code) +
                                      (message.empty() ? std::string() : ": " + printable(message, 500)));
    e.api_code = code;
    return e;
  }
  if (has_data && data.is_array()) {
    std::size_t n = 0;
    tape_value first;
    for (tape_value item : data.items()) {
      if (n++ == 0) first = item;
    }
    if (n == 1) {
      data = first;
    } else if (n == 0) {
      has_data = false;
    } else {
      return schema_failure(what, "\"data\"", "is an array of more than one element");
    }
  }
  return {};
}

inline result<tape_value> data_object(std::string_view what, tape_value data, bool has_data) {
  if (!has_data) return schema_failure(what, "\"data\"", "is missing");
  if (!data.is_object()) return schema_failure(what, "\"data\"", "is not an object");
  return data;
}

inline zic::error bad_field(std::string_view what, std::string_view prefix, std::string_view key,
                            std::string_view expected) {
  return schema_failure(what, "\"" + std::string(prefix) + std::string(key) + "\"", expected);
}

inline result<void> read_create(std::string_view what, tape_value data, bool has_data, std::string& job_id) {
  auto obj = data_object(what, data, has_data);
  if (!obj) return std::move(obj).error();
  bool found = false;
  for (auto [key, value] : obj->fields()) {
    if (classify(key) == field::job_id) {
      if (!read_id(value, job_id)) return bad_field(what, "data.", key, "is not a string");
      found = true;
    }
  }
  if (!found || job_id.empty()) return schema_failure(what, "\"data.jobId\"", "is missing");
  return {};
}

// Where views keep the text of numeric job ids (every other string is a view into the DOM).
using id_texts = std::deque<std::string>;

// The storage behind views: their per-file entries, records and numeric ids.
struct view_storage {
  std::vector<file_progress_view> files;
  std::vector<import_job_summary_view> records;
  id_texts ids;
};

inline void clear_text(std::string& s) noexcept { s.clear(); }
inline void clear_text(std::string_view& s) noexcept { s = {}; }

inline bool read_id(tape_value e, std::string& out, id_texts*) { return read_id(e, out); }
inline bool read_id(tape_value e, std::string_view& out, id_texts* store) {
  if (e.is_int64() || e.is_uint64()) {
    std::string text;
    if (!read_id(e, text)) return false;
    out = store->emplace_back(std::move(text));
    return true;
  }
  return read_string(e, out);
}

// Room for an array's elements in one allocation, as the tape counts them; bounded, so that a
// body of many tiny elements cannot ask for more memory than its own size would justify.
template <class Vector> inline void reserve_for(Vector& v, tape_value array) {
  v.reserve(std::min<std::size_t>(array.count(), std::size_t(1) << 16));
}

// Reads the fields shared by the job and each of its files. Returns false on a wrong type.
template <class Progress> inline bool read_common_field(field f, tape_value v, Progress& out) {
  switch (f) {
  case field::file_name: return read_string(v, out.file_name);
  case field::file_size: return read_int64(v, out.file_size);
  case field::state: return read_string(v, out.state_text);
  case field::progress: return read_percent(v, out.progress);
  case field::imported_rows: out.has_imported_rows = true; return read_int64(v, out.imported_rows);
  case field::total_rows: return read_int64(v, out.total_rows);
  case field::complete_time: return read_string(v, out.complete_time);
  case field::reason: return read_string(v, out.reason);
  default: return true;  // unknown fields are ignored
  }
}

template <class Progress> inline void reset_common(Progress& p) {
  clear_text(p.file_name);
  p.file_size = 0;
  p.state = job_state::unknown;
  clear_text(p.state_text);
  p.progress = 0;
  p.imported_rows = 0;
  p.has_imported_rows = false;
  p.total_rows = 0;
  clear_text(p.complete_time);
  clear_text(p.reason);
}

// Fills `out` (owned or view) and its per-file entries in `files` (its own vector, or the
// parser's for a view), reusing their storage.
template <class Progress, class Files>
inline result<void> read_progress(std::string_view what, tape_value data, bool has_data, Progress& out,
                                  Files& files, id_texts* ids) {
  auto obj = data_object(what, data, has_data);
  if (!obj) return std::move(obj).error();
  reset_common(out);
  clear_text(out.job_id);
  clear_text(out.collection_name);
  clear_text(out.create_time);
  std::size_t n = 0;
  for (auto [key, value] : obj->fields()) {
    bool ok = true;
    const field f = classify(key);
    if (f == field::job_id) {
      ok = read_id(value, out.job_id, ids);
    } else if (f == field::collection_name) {
      ok = read_string(value, out.collection_name);
    } else if (f == field::create_time) {
      ok = read_string(value, out.create_time);
    } else if (f == field::details) {
      if (value.is_null()) continue;
      if (!value.is_array()) return bad_field(what, "data.", key, "is not an array");
      reserve_for(files, value);
      for (tape_value item : value.items()) {
        if (!item.is_object()) return bad_field(what, "data.details[" + std::to_string(n) + "]", "", "is not an object");
        if (n == files.size()) files.emplace_back();
        auto& fp = files[n];
        reset_common(fp);
        for (auto [fkey, fvalue] : item.fields())
          if (!read_common_field(classify(fkey), fvalue, fp))
            return bad_field(what, "data.details[" + std::to_string(n) + "].", fkey, "has the wrong type");
        fp.state = parse_job_state(fp.state_text);
        ++n;
      }
    } else {
      ok = read_common_field(f, value, out);
    }
    if (!ok) return bad_field(what, "data.", key, "has the wrong type");
  }
  files.resize(n);
  out.state = parse_job_state(out.state_text);
  return {};
}

inline result<void> read_progress(std::string_view what, tape_value data, bool has_data, import_progress& out) {
  return read_progress(what, data, has_data, out, out.details, nullptr);
}

template <class Page, class Records>
inline result<void> read_list(std::string_view what, tape_value data, bool has_data, Page& out,
                              Records& records, id_texts* ids) {
  out.count.reset();
  out.current_page.reset();
  out.page_size.reset();
  std::size_t n = 0;
  if (has_data) {
    auto obj = data_object(what, data, has_data);
    if (!obj) return std::move(obj).error();
    for (auto [key, value] : obj->fields()) {
      const field which = classify(key);
      if (which == field::records) {
        if (value.is_null()) continue;
        if (!value.is_array()) return bad_field(what, "data.", key, "is not an array");
        reserve_for(records, value);
        for (tape_value item : value.items()) {
          if (!item.is_object()) return bad_field(what, "data.records[" + std::to_string(n) + "]", "", "is not an object");
          if (n == records.size()) records.emplace_back();
          auto& s = records[n];
          clear_text(s.job_id);
          clear_text(s.collection_name);
          clear_text(s.state_text);
          s.progress.reset();
          clear_text(s.reason);
          for (auto [fkey, fvalue] : item.fields()) {
            bool ok = true;
            switch (classify(fkey)) {
            case field::job_id: ok = read_id(fvalue, s.job_id, ids); break;
            case field::collection_name: ok = read_string(fvalue, s.collection_name); break;
            case field::state: ok = read_string(fvalue, s.state_text); break;
            case field::reason: ok = read_string(fvalue, s.reason); break;
            case field::progress:
              if (!fvalue.is_null()) {
                int p = 0;
                ok = read_percent(fvalue, p);
                s.progress = p;
              }
              break;
            default: break;
            }
            if (!ok) return bad_field(what, "data.records[" + std::to_string(n) + "].", fkey, "has the wrong type");
          }
          s.state = parse_job_state(s.state_text);
          ++n;
        }
      } else if (which == field::count || which == field::current_page || which == field::page_size) {
        if (value.is_null()) continue;
        std::int64_t v = 0;
        if (!read_int64(value, v)) return bad_field(what, "data.", key, "is not an integer");
        (which == field::count ? out.count : which == field::current_page ? out.current_page : out.page_size) = v;
      }
    }
  }
  records.resize(n);
  return {};
}

inline result<void> read_list(std::string_view what, tape_value data, bool has_data, import_job_page& out) {
  return read_list(what, data, has_data, out, out.records, nullptr);
}

// A describe answer names the job it describes. One that names another job answers another
// request (a connection out of step, a confused proxy): reading it as this job's state would
// report the wrong job as Completed or Failed, so it is a failure, and worth asking again.
inline result<void> check_job(std::string_view what, std::string_view asked, std::string_view answered) {
  if (asked.empty() || answered.empty() || asked == answered) return {};
  zic::error e(errc::transport, "the " + std::string(what) + " is for job " + std::string(answered) + ", not " +
                                    std::string(asked) + ": the connection answered another request");
  e.request_sent = true;
  return e;
}

// Readers of an envelope's data, in the form `response_parser::parse` takes. `asked`: the job
// the answer must be about, when known.
inline auto progress_into(import_progress& out, std::string_view asked = {}) {
  return [&out, asked](std::string_view what, tape_value data, bool has) {
    auto ok = read_progress(what, data, has, out);
    return ok ? check_job(what, asked, out.job_id) : ok;
  };
}

inline auto list_into(import_job_page& out) {
  return [&out](std::string_view what, tape_value data, bool has) { return read_list(what, data, has, out); };
}

// Readers that fill a view from `store`.
inline auto progress_view_into(import_progress_view& v, view_storage& store, std::string_view asked = {}) {
  return [&v, &store, asked](std::string_view what, tape_value data, bool has) {
    store.ids.clear();
    auto ok = read_progress(what, data, has, v, store.files, &store.ids);
    v.details = store.files;
    return ok ? check_job(what, asked, v.job_id) : ok;
  };
}

inline auto list_view_into(import_job_page_view& v, view_storage& store) {
  return [&v, &store](std::string_view what, tape_value data, bool has) {
    store.ids.clear();
    auto ok = read_list(what, data, has, v, store.records, &store.ids);
    v.records = store.records;
    return ok;
  };
}

} // namespace detail

/**
 * A reusable parser for the API's answers. It owns one simdjson parser and one scratch
 * buffer, so parsing the same kind of answer again allocates nothing once warm. Parsing into
 * an existing object reuses its strings and vectors; on failure that object is unspecified.
 * The `view_*` functions copy nothing: their views live until this parser parses again.
 * Inputs given as `http_response` are read in place when the transport left
 * `http_response::padded()` bodies; others are copied to scratch first.
 * Not thread-safe: use one per thread (the free functions below keep one per thread).
 */
class response_parser {
public:
  response_parser() {
    // A failed allocation here is retried, and reported, by the first parse.
    if (parser_.allocate(4096, detail::max_json_depth)) parser_ = simdjson::dom::parser();
  }

  /// The job id of a create answer.
  result<std::string> parse_create(std::string_view body) {
    std::string id;
    if (auto ok = parse_create(body, id); !ok) return std::move(ok).error();
    return id;
  }
  result<void> parse_create(std::string_view body, std::string& job_id) {
    return run(body, false, "create answer", [&](auto what, auto data, bool has) {
      return detail::read_create(what, data, has, job_id);
    });
  }

  result<import_progress> parse_progress(std::string_view body) {
    import_progress p;
    if (auto ok = parse_progress(body, p); !ok) return std::move(ok).error();
    return p;
  }
  result<void> parse_progress(std::string_view body, import_progress& out) {
    return run(body, false, "describe answer", detail::progress_into(out));
  }
  result<void> parse_progress(const http_response& r, import_progress& out) {
    return run(r.body, r.padded(), "describe answer", detail::progress_into(out));
  }

  result<import_job_page> parse_list(std::string_view body) {
    import_job_page page;
    if (auto ok = parse_list(body, page); !ok) return std::move(ok).error();
    return page;
  }
  result<void> parse_list(std::string_view body, import_job_page& out) {
    return run(body, false, "list answer", detail::list_into(out));
  }
  result<void> parse_list(const http_response& r, import_job_page& out) {
    return run(r.body, r.padded(), "list answer", detail::list_into(out));
  }

  /// A describe answer as views into this parser (valid until it parses again).
  result<import_progress_view> view_progress(std::string_view body) { return view_progress(body, false); }
  result<import_progress_view> view_progress(const http_response& r) { return view_progress(r.body, r.padded()); }

  /// A list answer as views into this parser (valid until it parses again).
  result<import_job_page_view> view_list(std::string_view body) { return view_list(body, false); }
  result<import_job_page_view> view_list(const http_response& r) { return view_list(r.body, r.padded()); }

  /// The `{"code":0,"data":{}}` answer of commit and abort.
  result<void> parse_empty(std::string_view body) {
    return run(body, false, "answer", [](auto, auto, bool) { return result<void>(); });
  }

  /// Parses a transport's answer with a reader of the envelope's `data` (used by the client).
  template <class Read> result<void> parse(const http_response& r, std::string_view what, Read&& read) {
    return run(r.body, r.padded(), what, std::forward<Read>(read));
  }

private:
  result<import_progress_view> view_progress(std::string_view body, bool padded) {
    import_progress_view v;
    auto ok = run(body, padded, "describe answer", detail::progress_view_into(v, views_));
    if (!ok) return std::move(ok).error();
    return v;
  }

  result<import_job_page_view> view_list(std::string_view body, bool padded) {
    import_job_page_view v;
    auto ok = run(body, padded, "list answer", detail::list_view_into(v, views_));
    if (!ok) return std::move(ok).error();
    return v;
  }

  template <class Read>
  result<void> run(std::string_view body, bool padded, std::string_view what, Read&& read) {
    const char* data = body.data();
    if (!padded) {
      // The caller's buffer cannot be read past its end: copy into ours, which can.
      if (scratch_.capacity() < body.size() + simdjson::SIMDJSON_PADDING)
        scratch_.reserve(body.size() + simdjson::SIMDJSON_PADDING);
      scratch_.assign(body.data(), body.size());
      data = scratch_.data();
    }
    simdjson::dom::element root;
    if (auto e = parser_.parse(data, body.size(), false).get(root)) return detail::json_failure(what, e);
    detail::tape_value payload;
    bool has_data = false;
    if (auto ok = detail::read_envelope(detail::tape_value::root(parser_.doc), what, payload, has_data); !ok) return ok;
    return read(what, payload, has_data);
  }

  simdjson::dom::parser parser_;
  std::string scratch_;
  detail::view_storage views_;
};

namespace detail {

inline response_parser& thread_parser() {
  thread_local response_parser p;
  return p;
}
} // namespace detail

/// The job id from a create answer (`data.jobId`, also `jobID` or `data` as a one-element array).
inline result<std::string> parse_create_response(std::string_view body) {
  return detail::thread_parser().parse_create(body);
}
/// A describe / get_progress answer.
inline result<import_progress> parse_progress_response(std::string_view body) {
  return detail::thread_parser().parse_progress(body);
}
/// The same, reusing `out`'s strings and vectors (no allocation once warm).
inline result<void> parse_progress_response(std::string_view body, import_progress& out) {
  return detail::thread_parser().parse_progress(body, out);
}
/// A list answer (one page on cloud, every job on Milvus).
inline result<import_job_page> parse_list_response(std::string_view body) {
  return detail::thread_parser().parse_list(body);
}
inline result<void> parse_list_response(std::string_view body, import_job_page& out) {
  return detail::thread_parser().parse_list(body, out);
}
/// The answer of commit or abort: success, or the server's error.
inline result<void> parse_empty_response(std::string_view body) {
  return detail::thread_parser().parse_empty(body);
}

ZIC_NAMESPACE_END

#endif // ZIC_RESPONSES_HPP
