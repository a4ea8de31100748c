#ifndef ZIC_STORAGE_UPLOADER_HPP
#define ZIC_STORAGE_UPLOADER_HPP

// The blocking uploader: files or bytes to S3, GCS or Azure over any `http_transport`. Every
// request runs through zic's call engine (retries on 5xx, 429/SlowDown and resets, backoff,
// the deadline, cancellation), exactly as an import call does; what a store's answer means is
// this file's answer policies. Large objects go up as a multipart upload driven by
// `multipart_machine`, over several connections at once (one transport each), with memory
// bounded by connections x part size. Each call is signed once, just before it starts; its
// retries, seconds apart, stay within the stores' 15-minute window for a signature's time.

#include "../call_engine.hpp"
#include "../call_options.hpp"
#include "../clock.hpp"
#include "../detail/text.hpp"
#include "../retry.hpp"
#include "../transport.hpp"
#include "azure.hpp"
#include "digest.hpp"
#include "multipart.hpp"
#include "s3.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

ZIC_NAMESPACE_BEGIN
namespace storage {

/** An object in an S3-compatible store (S3, GCS's XML API, MinIO, …). */
struct s3_destination {
  s3_store store;
  s3_object object;
};

/** A blob in Azure Blob Storage. */
struct azure_destination {
  azure_store store;
  azure_blob blob;
};

/// Where one upload goes.
using destination = std::variant<s3_destination, azure_destination>;

/** Where an upload stands, as the progress callback sees it. */
struct upload_progress {
  std::uint64_t bytes_sent = 0;  ///< bytes the stores accepted (whole parts), all files
  std::uint64_t bytes_total = 0; ///< bytes of all files of the batch
  std::size_t files_done = 0;
  std::size_t files_total = 0;
  double bytes_per_second = 0;             ///< since the batch began
  std::optional<std::chrono::seconds> eta; ///< once a rate is known
};

/** How uploads are sent. */
struct upload_options {
  /// Objects above this size go up in parts; smaller ones in one request.
  std::uint64_t multipart_threshold = 16ull << 20;
  /// Preferred part size; raised when a part would be smaller than the store allows or the
  /// object would need too many parts (see `plan_parts`).
  std::uint64_t part_size = 8ull << 20;
  /// Parts in flight at once, each over its own connection; memory is about this many parts.
  unsigned connections = 4;
  retry_policy retry; ///< per request, as for import calls
  /// One attempt's budget, at most.
  std::chrono::milliseconds attempt_timeout = std::chrono::minutes(5);
  /// The whole upload's budget (every file of a batch, every attempt and pause).
  std::chrono::milliseconds deadline = std::chrono::hours(24);
  /// Ends the upload with `errc::cancelled`; an open multipart upload is then aborted.
  std::stop_token stop;
  /// Called after every part and every file, from the thread that finished it, one call at a time.
  std::function<void(const upload_progress &)> progress;
  /// Told of every attempt (the target shown without a SAS token); may be empty.
  attempt_observer observer;
  zic::clock clock; ///< pauses and the deadline
  /// The time requests are signed at.
  std::function<std::chrono::system_clock::time_point()> wall = [] {
    return std::chrono::system_clock::now();
  };
};

/** One uploaded object. */
struct upload_result {
  std::string url; ///< `s3://bucket/key` (or `gs://…`, the blob's https URL for Azure)
  std::uint64_t size = 0;
  std::string etag;        ///< the store's ETag, when it sent one
  std::uint32_t parts = 0; ///< 0 for a single request
};

namespace detail {

/// The bytes of one upload: a file (each reader opens its own stream, so parts read in
/// parallel) or a caller's buffer.
struct upload_source {
  const std::filesystem::path *file = nullptr;
  std::string_view bytes;
  std::uint64_t size = 0;
};

class source_reader {
public:
  explicit source_reader(const upload_source &s) : src_(s) {}
  result<void> read(std::uint64_t offset, std::uint64_t length, std::string &out) {
    out.clear();
    if (!src_.file) {
      out.assign(
          src_.bytes.substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)));
      return {};
    }
    if (!in_.is_open()) {
      in_.open(*src_.file, std::ios::binary);
      if (!in_) return zic::error(errc::invalid_argument, "cannot open " + src_.file->string());
    }
    out.resize(static_cast<std::size_t>(length));
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(out.data(), static_cast<std::streamsize>(length));
    if (static_cast<std::uint64_t>(in_.gcount()) != length)
      return zic::error(errc::invalid_argument,
                        "cannot read " + src_.file->string() + " (did it change?)");
    return {};
  }

private:
  upload_source src_;
  std::ifstream in_;
};

/// The `ETag` of a single PUT, checked against the MD5 of what was sent when it is one.
inline result<void> check_etag(const http_response &resp, std::string_view md5_hex,
                               std::string &etag_out) {
  if (resp.status < 200 || resp.status >= 300) return store_error(resp, {});
  etag_out = std::string(resp.header("ETag"));
  const auto stored = etag_md5_hex(etag_out);
  if (!stored.empty() && !md5_hex.empty() && stored != md5_hex)
    return zic::error(errc::transport, "the store's ETag is not the MD5 of the bytes sent");
  return {};
}

} // namespace detail

/**
 * Uploads files and buffers to object stores through `Transport`, made by `make_transport`
 * once per connection and kept for the uploader's life (so connections are reused).
 *
 * @code
 * zic::storage::uploader up([] { return zic::curl_transport(); });
 * zic::storage::s3_destination to{{*zic::storage::s3_endpoint::at("http://127.0.0.1:9000"),
 *                                  {"minioadmin", zic::secret("minioadmin")}},
 *                                 {"bucket", "dir/file.parquet"}};
 * auto r = up.upload_file("file.parquet", to);
 * if (!r) std::cerr << r.error().message << '\n';  // e.g. "... NoSuchBucket: ..."
 * @endcode
 */
template <http_transport Transport>
class uploader {
public:
  using transport_factory = std::function<Transport()>;

  explicit uploader(transport_factory make_transport, upload_options options = {})
      : make_(std::move(make_transport)), opt_(std::move(options)) {
    if (opt_.connections == 0) opt_.connections = 1;
  }

  const upload_options &options() const noexcept { return opt_; }

  /// Uploads the file at `path` to `to`.
  result<upload_result> upload_file(const std::filesystem::path &path, const destination &to) {
    auto all = upload_files({{path, to}});
    if (!all) return std::move(all).error();
    return std::move(all->front());
  }

  /// Uploads `data` (which must outlive the call) to `to`.
  result<upload_result> upload_bytes(std::string_view data, const destination &to) {
    begin_batch(data.size(), 1);
    auto r = upload_one(detail::upload_source{nullptr, data, data.size()}, to);
    if (r) finish_file();
    return r;
  }

  /// Uploads each file to its destination, one after another (each one's parts in parallel);
  /// stops at the first failure. Progress counts bytes and files over the whole batch.
  result<std::vector<upload_result>>
  upload_files(const std::vector<std::pair<std::filesystem::path, destination>> &files) {
    std::uint64_t total = 0;
    std::vector<std::uint64_t> sizes;
    for (const auto &[path, to] : files) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(path, ec);
      if (ec || !std::filesystem::is_regular_file(path, ec))
        return zic::error(errc::invalid_argument,
                          "cannot upload " + path.string() + ": not a readable regular file");
      sizes.push_back(size);
      total += size;
    }
    begin_batch(total, files.size());
    std::vector<upload_result> out;
    for (std::size_t i = 0; i < files.size(); ++i) {
      auto r = upload_one(detail::upload_source{&files[i].first, {}, sizes[i]}, files[i].second);
      if (!r) return std::move(r).error();
      out.push_back(std::move(*r));
      finish_file();
    }
    return out;
  }

private:
  // ---- one upload ------------------------------------------------------------------------------

  result<upload_result> upload_one(const detail::upload_source &src, const destination &to) {
    const bool azure = std::holds_alternative<azure_destination>(to);
    // The engine scrubs this one secret as it goes; `scrubbed` masks every other at the end.
    if (const auto *s3 = std::get_if<s3_destination>(&to))
      credential_ = s3->store.credentials.secret_access_key.reveal();
    else
      credential_ = std::get<azure_destination>(to).store.key.reveal();
    current_ = &to;
    upload_result res;
    res.url = url_of(to);
    res.size = src.size;
    if (opt_.stop.stop_requested())
      return zic::error(errc::cancelled, "the upload of " + res.url + " was cancelled");
    if (src.size <= opt_.multipart_threshold) {
      auto r = single(src, to, res);
      if (!r) return scrubbed(std::move(r).error(), to);
      progress_bytes(src.size);
      return res;
    }
    auto plan =
        plan_parts(src.size, opt_.part_size, azure ? part_limits::azure() : part_limits::s3());
    if (!plan) return std::move(plan).error();
    multipart_machine machine(*plan, !azure, !azure);
    run_parts(machine, src, to);
    if (auto r = machine.outcome(); !r) return scrubbed(std::move(r).error(), to);
    res.parts = plan->count;
    res.etag = last_etag_;
    return res;
  }

  result<void> single(const detail::upload_source &src, const destination &to, upload_result &res) {
    auto &t = transport(0);
    std::string body;
    detail::source_reader reader(src);
    if (auto ok = reader.read(0, src.size, body); !ok) return ok;
    const std::string md5_hex = to_hex(md5(body));
    if (const auto *s3 = std::get_if<s3_destination>(&to)) {
      auto req = make_put_object(s3->store.endpoint, s3->object, std::move(body));
      s3_sign(req, s3->store, opt_.wall());
      return call(
          t, "PutObject", req,
          [&](const http_response &a) { return detail::check_etag(a, md5_hex, res.etag); }, true);
    }
    const auto &az = std::get<azure_destination>(to);
    auto req = make_put_blob(az.store.endpoint, az.blob, std::move(body));
    if (auto ok = azure_authorize(req, az.store, opt_.wall()); !ok) return ok;
    const std::string sent_md5 = std::string(req.header("Content-MD5"));
    return call(
        t, "Put Blob", req,
        [&](const http_response &a) {
          auto ok = check_block(a, sent_md5, {});
          if (ok) res.etag = std::string(a.header("ETag"));
          return ok;
        },
        true);
  }

  // Runs the machine with up to `connections` workers; returns when it is done.
  void run_parts(multipart_machine &machine, const detail::upload_source &src,
                 const destination &to) {
    std::mutex mu;
    std::condition_variable cv;
    const unsigned workers =
        static_cast<unsigned>(std::min<std::uint64_t>(opt_.connections, machine.plan().count));
    for (unsigned i = 0; i < workers; ++i)
      transport(i); // made here, not racing in the workers
    auto work = [&](unsigned index) {
      auto &t = transport(index);
      detail::source_reader reader(src);
      std::string body;
      std::unique_lock lock(mu);
      for (;;) {
        const auto a = machine.next();
        if (a.kind == multipart_machine::done) break;
        if (a.kind == multipart_machine::wait) {
          cv.wait(lock);
          continue;
        }
        const std::string upload_id = machine.upload_id();
        std::vector<completed_part> parts;
        if (a.kind == multipart_machine::complete) parts = machine.parts();
        lock.unlock();
        switch (a.kind) {
        case multipart_machine::create: {
          auto r = create(t, to);
          lock.lock();
          machine.created(std::move(r));
          break;
        }
        case multipart_machine::upload_part: {
          std::string md5_hex;
          auto r = send_part(t, reader, body, to, upload_id, a, md5_hex);
          lock.lock();
          const auto before = machine.bytes_done();
          machine.part_done(a.part, std::move(r), md5_hex);
          if (machine.bytes_done() > before) progress_bytes(machine.bytes_done() - before);
          break;
        }
        case multipart_machine::complete: {
          auto r = complete(t, to, upload_id, parts);
          lock.lock();
          machine.completed(std::move(r));
          break;
        }
        case multipart_machine::abort: {
          auto r = abort(t, to, upload_id);
          lock.lock();
          machine.aborted(std::move(r));
          break;
        }
        default:
          lock.lock();
          break;
        }
        cv.notify_all();
      }
      cv.notify_all();
    };
    std::vector<std::jthread> threads;
    for (unsigned i = 1; i < workers; ++i)
      threads.emplace_back(work, i);
    work(0);
    for (auto &th : threads)
      th.join();
  }

  result<std::string> create(Transport &t, const destination &to) {
    const auto &s3 = std::get<s3_destination>(to);
    auto req = make_create_multipart(s3.store.endpoint, s3.object);
    s3_sign(req, s3.store, opt_.wall());
    std::string id;
    auto r = call(
        t, "CreateMultipartUpload", req,
        [&](const http_response &a) -> result<void> {
          auto parsed = parse_upload_id(a);
          if (!parsed) return std::move(parsed).error();
          id = std::move(*parsed);
          return {};
        },
        true);
    if (!r) return std::move(r).error();
    return id;
  }

  result<std::string> send_part(Transport &t, detail::source_reader &reader, std::string &body,
                                const destination &to, const std::string &upload_id,
                                const multipart_machine::action &a, std::string &md5_hex) {
    if (auto ok = reader.read(a.offset, a.length, body); !ok) return std::move(ok).error();
    const std::string raw_md5 = md5(body);
    md5_hex = to_hex(raw_md5);
    std::string etag;
    if (const auto *s3 = std::get_if<s3_destination>(&to)) {
      auto req = make_upload_part(s3->store.endpoint, s3->object, upload_id, a.part,
                                  std::move(body), raw_md5);
      s3_sign(req, s3->store, opt_.wall());
      auto r = call(
          t, "UploadPart", req,
          [&](const http_response &ans) -> result<void> {
            auto e = part_etag(ans, {});
            if (!e) return std::move(e).error();
            etag = std::move(*e);
            return {};
          },
          true);
      body = std::move(req.body); // keep the buffer's capacity for the next part
      if (!r) return std::move(r).error();
      return etag;
    }
    const auto &az = std::get<azure_destination>(to);
    const std::string id = azure_block_id(a.part);
    auto req = make_put_block(az.store.endpoint, az.blob, id, std::move(body), raw_md5);
    if (auto ok = azure_authorize(req, az.store, opt_.wall()); !ok) return std::move(ok).error();
    const std::string sent_md5 = std::string(req.header("Content-MD5"));
    auto r = call(
        t, "Put Block", req,
        [&](const http_response &ans) { return check_block(ans, sent_md5, {}); }, true);
    body = std::move(req.body);
    if (!r) return std::move(r).error();
    md5_hex.clear(); // a block's id is not an ETag: the store checked Content-MD5 itself
    return id;
  }

  result<void> complete(Transport &t, const destination &to, const std::string &upload_id,
                        const std::vector<completed_part> &parts) {
    if (const auto *s3 = std::get_if<s3_destination>(&to)) {
      auto req = make_complete_multipart(s3->store.endpoint, s3->object, upload_id, parts);
      s3_sign(req, s3->store, opt_.wall());
      return call(
          t, "CompleteMultipartUpload", req,
          [&](const http_response &a) -> result<void> {
            auto ok = check_complete(a);
            if (ok) {
              pugi::xml_document doc;
              if (detail::load_xml(doc, a.body))
                last_etag_ = detail::child_text(doc.document_element(), "ETag");
            }
            return ok;
          },
          true);
    }
    const auto &az = std::get<azure_destination>(to);
    std::vector<std::string> ids;
    for (const auto &p : parts)
      ids.push_back(p.etag);
    auto req = make_put_block_list(az.store.endpoint, az.blob, ids);
    if (auto ok = azure_authorize(req, az.store, opt_.wall()); !ok) return ok;
    return call(
        t, "Put Block List", req,
        [&](const http_response &a) -> result<void> {
          auto ok = check_answer(a, {});
          if (ok) last_etag_ = std::string(a.header("ETag"));
          return ok;
        },
        true);
  }

  // Abort runs even when the upload was cancelled: that is when it matters most. Its own budget
  // is short, so a dead store cannot hold the caller long.
  result<void> abort(Transport &t, const destination &to, const std::string &upload_id) {
    const auto &s3 = std::get<s3_destination>(to);
    auto req = make_abort_multipart(s3.store.endpoint, s3.object, upload_id);
    s3_sign(req, s3.store, opt_.wall());
    return call(
        t, "AbortMultipartUpload", req, [](const http_response &a) { return check_answer(a, {}); },
        false);
  }

  // ---- one request, through the call engine ----------------------------------------------------

  template <class Answer>
  result<void> call(Transport &t, std::string_view name, http_request &req, Answer &&answer,
                    bool stoppable) {
    call_options co;
    if (stoppable) {
      co.stop = opt_.stop;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - opt_.clock.now());
      co.deadline = std::max(left, std::chrono::milliseconds(1));
    } else {
      co.deadline = std::chrono::seconds(60);
    }
    std::uint64_t attempts = 0;
    const std::string_view credential = credential_;
    const attempt_observer *observer = opt_.observer ? &observer_ : nullptr;
    call_env env{opt_.retry,
                 co.deadline.value_or(opt_.deadline),
                 opt_.attempt_timeout,
                 observer,
                 credential,
                 nullptr,
                 attempts};
    http_response resp;
    call_engine<Answer &> engine(env, call_kind(name), req, answer, co);
    // zic's blocking driver, but each retry is signed anew at its own time: attempts with
    // long timeouts could otherwise outlast a signature's 15-minute window.
    bool first = true;
    for (auto step = engine.start(opt_.clock.now());;) {
      switch (step.next) {
      case call_step::send: {
        if (!first) resign(req);
        first = false;
        auto sent = zic::detail::send_into(t, req, resp);
        step = engine.after_send(std::move(sent), resp, opt_.clock.now(), zic::detail::uniform01(),
                                 std::chrono::system_clock::now());
        break;
      }
      case call_step::wait: {
        const bool slept = opt_.clock.sleep(step.delay, co.stop);
        step = engine.after_wait(!slept, opt_.clock.now());
        break;
      }
      case call_step::done:
        return engine.take_result();
      }
    }
  }

  // Signs a request again for the destination of the upload under way (its SAS token, already
  // in the target, stays as it is).
  void resign(http_request &req) const {
    if (const auto *s3 = std::get_if<s3_destination>(current_)) {
      s3_sign(req, s3->store, opt_.wall());
      return;
    }
    const auto &az = std::get<azure_destination>(*current_);
    if (!az.store.sas.empty()) {
      detail::set_header(req, "x-ms-date", rfc1123_date(opt_.wall()));
      return;
    }
    // The key was accepted when the call was first signed, so this cannot fail.
    (void)azure_sign(req, azure_credentials{az.store.endpoint.account, az.store.key}, opt_.wall());
  }

  // Masks every credential of `to` from a message built from store text and request URLs
  // (a SAS token is part of an Azure request's target).
  zic::error scrubbed(zic::error e, const destination &to) const {
    auto mask = [&](std::string_view s) {
      zic::detail::redact_credential(e.message, s);
      zic::detail::redact_credential(e.request_id, s);
    };
    if (const auto *s3 = std::get_if<s3_destination>(&to)) {
      mask(s3->store.credentials.secret_access_key.reveal());
      mask(s3->store.credentials.session_token.reveal());
    } else {
      const auto &az = std::get<azure_destination>(to);
      mask(az.store.key.reveal());
      std::string_view sas = az.store.sas.reveal();
      if (!sas.empty() && sas.front() == '?') sas.remove_prefix(1);
      // The whole token, then each value in it (a message may quote one parameter).
      for (auto pos = e.message.find(sas); !sas.empty() && pos != std::string::npos;
           pos = e.message.find(sas))
        e.message.replace(pos, sas.size(), "***");
      while (!sas.empty()) {
        const auto amp = sas.find('&');
        const auto item = sas.substr(0, amp);
        sas = amp == std::string_view::npos ? std::string_view{} : sas.substr(amp + 1);
        const auto eq = item.find('=');
        if (eq != std::string_view::npos && item.substr(0, eq) == "sig") mask(item.substr(eq + 1));
      }
    }
    return e;
  }

  static std::string url_of(const destination &to) {
    if (const auto *s3 = std::get_if<s3_destination>(&to))
      return (s3->store.endpoint.host == "storage.googleapis.com" ? "gs://" : "s3://") +
             s3->object.bucket + "/" + s3->object.key;
    const auto &az = std::get<azure_destination>(to);
    http_request r = azure_request(az.store.endpoint, "GET", az.blob);
    return r.url();
  }

  // ---- connections and progress ------------------------------------------------------------

  Transport &transport(unsigned index) {
    std::lock_guard lock(pool_mu_);
    while (pool_.size() <= index)
      pool_.push_back(std::make_unique<Transport>(make_()));
    return *pool_[index];
  }

  void begin_batch(std::uint64_t total, std::size_t files) {
    started_ = opt_.clock.now();
    deadline_ = zic::detail::later(started_, opt_.deadline);
    progress_ = {};
    progress_.bytes_total = total;
    progress_.files_total = files;
    // Events name the request's path without its query, where a SAS token would be.
    observer_ = [this](const attempt_event &ev) {
      attempt_event copy = ev;
      copy.path = copy.path.substr(0, copy.path.find('?'));
      opt_.observer(copy);
    };
  }

  void progress_bytes(std::uint64_t n) {
    progress_.bytes_sent += n;
    report();
  }
  void finish_file() {
    ++progress_.files_done;
    report();
  }
  void report() {
    const auto elapsed = std::chrono::duration<double>(opt_.clock.now() - started_).count();
    if (elapsed > 0) progress_.bytes_per_second = double(progress_.bytes_sent) / elapsed;
    if (progress_.bytes_per_second > 0) {
      const double left =
          double(progress_.bytes_total - std::min(progress_.bytes_total, progress_.bytes_sent));
      progress_.eta =
          std::chrono::seconds(static_cast<std::int64_t>(left / progress_.bytes_per_second + 0.5));
    }
    if (opt_.progress) opt_.progress(progress_);
  }

  transport_factory make_;
  upload_options opt_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Transport>> pool_;
  clock::time_point started_{};
  clock::time_point deadline_{};
  upload_progress progress_;
  attempt_observer observer_;
  std::string last_etag_;
  std::string_view credential_;
  const destination *current_ = nullptr; // the upload under way
};

} // namespace storage
ZIC_NAMESPACE_END

#endif // ZIC_STORAGE_UPLOADER_HPP
