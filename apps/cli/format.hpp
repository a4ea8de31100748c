#ifndef ZIC_CLI_FORMAT_HPP
#define ZIC_CLI_FORMAT_HPP

// How the CLI shows things: human tables, stable JSON (the model's own field names), and the
// progress line of `wait`.

#include <zic/detail/json_writer.hpp>
#include <zic/detail/text.hpp>
#include <zic/model.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace zic_cli {

using zic::detail::json_writer;

inline std::string human_bytes(std::int64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

inline std::string clock_text(std::chrono::steady_clock::duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

// Server text made safe for a terminal.
inline std::string shown(const std::string& s) { return zic::detail::printable(s, 2000); }

// A table with a header row; columns sized to their widest cell.
class table {
public:
  explicit table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string str() const {
    std::vector<std::size_t> width;
    for (const auto& r : rows_)
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (width.size() <= i) width.push_back(0);
        width[i] = std::max(width[i], r[i].size());
      }
    std::string out;
    for (const auto& r : rows_) {
      std::string line;
      for (std::size_t i = 0; i < r.size(); ++i) {
        line += r[i];
        if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

private:
  std::vector<std::vector<std::string>> rows_;
};

// The rows imported, as far as they are known: what the server said, or, for a Completed job
// or file whose server does not say (the cloud), every row (`inferred`). Unknown otherwise.
// The text and the JSON views both show this one rule.
struct imported_rows {
  std::optional<std::int64_t> count;
  bool inferred = false;
};
template <class Progress> imported_rows known_imported(const Progress& p) {
  if (p.has_imported_rows) return {p.imported_rows, false};
  if (p.state == zic::job_state::completed) return {p.total_rows, true};
  return {};
}

// "imported/total", "?" for an unknown count.
template <class Progress> std::string rows_text(const Progress& p) {
  const auto known = known_imported(p);
  return (known.count ? std::to_string(*known.count) : std::string("?")) + "/" + std::to_string(p.total_rows);
}

inline std::string describe_text(const zic::import_progress& p) {
  std::string out;
  auto line = [&](const char* k, const std::string& v) {
    if (!v.empty()) out += std::string(k) + std::string(13 - std::string(k).size(), ' ') + v + "\n";
  };
  line("Job", shown(p.job_id));
  line("Collection", shown(p.collection_name));
  line("State", shown(p.state_text.empty() ? std::string(zic::to_string(p.state)) : p.state_text));
  line("Progress", std::to_string(p.progress) + "%");
  line("Rows", rows_text(p));
  line("Size", human_bytes(p.file_size));
  line("File", shown(p.file_name));
  line("Created", shown(p.create_time));
  line("Completed", shown(p.complete_time));
  line("Reason", shown(p.reason));
  if (!p.details.empty()) {
    table files({"FILE", "STATE", "PROGRESS", "ROWS", "SIZE", "REASON"});
    for (const auto& f : p.details)
      files.add({shown(f.file_name), shown(f.state_text), std::to_string(f.progress) + "%",
                 rows_text(f), human_bytes(f.file_size), shown(f.reason)});
    out += "\n" + files.str();
  }
  return out;
}

inline std::string list_text(const std::vector<zic::import_job_summary>& jobs) {
  table t({"JOB ID", "COLLECTION", "STATE", "PROGRESS", "REASON"});
  for (const auto& j : jobs)
    t.add({shown(j.job_id), shown(j.collection_name), shown(j.state_text),
           j.progress ? std::to_string(*j.progress) + "%" : "-", shown(j.reason)});
  return t.str();
}

// The members a job and each of its files share, under the model's names.
template <class Progress> void write_progress_members(json_writer& w, const Progress& p) {
  w.member("file_name", p.file_name)
      .member("file_size", p.file_size)
      .member("state", zic::to_string(p.state))
      .member("state_text", p.state_text)
      .member("progress", std::int64_t(p.progress))
      .key("imported_rows");
  const auto known = known_imported(p);
  if (known.count) w.value(*known.count);
  else w.value(nullptr);  // the cloud does not say: unknown, not 0
  w.key("imported_rows_inferred").boolean(known.inferred).member("total_rows", p.total_rows)
      .member("complete_time", p.complete_time)
      .member("reason", p.reason);
}

inline std::string progress_json(const zic::import_progress& p) {
  std::string out;
  json_writer w(out);
  w.begin_object().member("job_id", p.job_id).member("collection_name", p.collection_name);
  write_progress_members(w, p);
  w.member("create_time", p.create_time).key("details").begin_array();
  for (const auto& f : p.details) {
    w.begin_object();
    write_progress_members(w, f);
    w.end_object();
  }
  w.end_array().end_object();
  return out + "\n";
}

inline std::string list_json(const std::vector<zic::import_job_summary>& jobs, const zic::import_job_page* page) {
  std::string out;
  json_writer w(out);
  w.begin_object().key("records").begin_array();
  for (const auto& j : jobs) {
    w.begin_object()
        .member("job_id", j.job_id)
        .member("collection_name", j.collection_name)
        .member("state", zic::to_string(j.state))
        .member("state_text", j.state_text);
    if (j.progress) w.member("progress", std::int64_t(*j.progress));
    w.member("reason", j.reason).end_object();
  }
  w.end_array();
  if (page) {
    if (page->count) w.member("count", *page->count);
    if (page->current_page) w.member("current_page", *page->current_page);
    if (page->page_size) w.member("page_size", *page->page_size);
  }
  w.end_object();
  return out + "\n";
}

// `[##########----------]  50%  2,500/5,000 rows  00:03  Importing`
inline std::string progress_bar(const zic::import_progress& p, std::chrono::steady_clock::duration elapsed) {
  constexpr int width = 30;
  int filled = std::clamp(p.progress, 0, 100) * width / 100;
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", p.progress);
  return "[" + std::string(std::size_t(filled), '#') + std::string(std::size_t(width - filled), '-') + "] " + pct +
         "  " + rows_text(p) + " rows  " + clock_text(elapsed) + "  " +
         shown(p.state_text);
}

// One line per change, for logs and pipes.
inline std::string progress_line(const zic::import_progress& p, std::chrono::steady_clock::duration elapsed) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f s", double(ms) / 1000.0);
  return shown(p.state_text) + " " + std::to_string(p.progress) + "% " +
         rows_text(p) + " rows (" + secs + ")";
}

} // namespace zic_cli

#endif
