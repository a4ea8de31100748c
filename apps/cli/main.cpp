// zic: the command-line face of the library. Create, follow, list, commit and abort imports.

#include "format.hpp"
#include "usage.hpp"
#if defined(ZIC_CLI_WITH_WRITER)
#include "write.hpp"
#endif

#include <zic/transport/beast.hpp>
#if defined(ZIC_CLI_WITH_CURL)
#include <zic/transport/curl.hpp>
#endif
#include <zic/zic.hpp>

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace zic_cli;
using zic::errc;

enum exit_code {
  ok = 0,
  usage_error = 2,
  server_error = 3,
  transport_error = 4,
  job_failed = 5,
  job_missing = 6,
  output_failed = 7,
  input_mismatch = 8,
};

// Whether everything printed on stdout reached it: a full disk, a closed pipe or descriptor
// must not pass for success (a script would read nothing and go on).
bool stdout_written() { return std::fflush(stdout) == 0 && !std::ferror(stdout); }

struct usage_failure {
  std::string message;
  const char* help_for;  // which --help to point at
};

struct flag_spec {
  std::string_view name;
  bool takes_value;
  std::string_view commands;  // "" for global flags, else the commands that accept it
};

constexpr flag_spec flags[] = {
    {"endpoint", true, ""},        {"api-key", true, ""},        {"flavor", true, ""},
    {"cluster-id", true, ""},      {"project-id", true, ""},     {"region-id", true, ""},
    {"db", true, ""},              {"transport", true, ""},      {"timeout", true, ""},
    {"ca-file", true, ""},         {"insecure", false, ""},      {"json", false, ""},
    {"verbose", false, ""},        {"help", false, ""},
    {"collection", true, "create list"},
    {"partition", true, "create"}, {"object-url", true, "create"}, {"file", true, "create"},
    {"volume", true, "create"},    {"data-path", true, "create"},  {"access-key", true, "create"},
    {"secret-key", true, "create"}, {"token", true, "create"},    {"option", true, "create"},
    {"idempotency-key", true, "create"},
    {"page", true, "list"},        {"page-size", true, "list"},   {"all", false, "list"},
    {"interval", true, "wait"},    {"deadline", true, "wait"},    {"two-phase", false, "wait"},
    {"schema", true, "write"},     {"out", true, "write"},        {"format", true, "write"},
    {"compression", true, "write"}, {"chunk-size", true, "write"},
};

struct command_line {
  std::map<std::string, std::vector<std::string>, std::less<>> values;  // flag -> values, in order
  std::vector<std::string> positionals;

  bool has(std::string_view f) const { return values.find(f) != values.end(); }
  std::optional<std::string> last(std::string_view f) const {
    auto it = values.find(f);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
  const std::vector<std::string>& all(std::string_view f) const {
    static const std::vector<std::string> none;
    auto it = values.find(f);
    return it == values.end() ? none : it->second;
  }
};

const flag_spec* find_flag(std::string_view name) {
  for (const auto& f : flags)
    if (f.name == name) return &f;
  return nullptr;
}

command_line scan(int argc, char** argv) {
  command_line cl;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h") a = "--help";
    if (a.substr(0, 2) != "--" || a == "--") {
      cl.positionals.emplace_back(a);
      continue;
    }
    std::string_view name = a.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const flag_spec* spec = find_flag(name);
    // Name the flag, never its value: a mistyped --api-key must not print the key.
    if (!spec) throw usage_failure{"unknown flag --" + std::string(name), nullptr};
    auto& slot = cl.values[std::string(name)];
    if (!spec->takes_value) {
      if (inline_value) throw usage_failure{"flag --" + std::string(name) + " takes no value", nullptr};
      slot.emplace_back();
      continue;
    }
    if (inline_value) {
      slot.push_back(*inline_value);
    } else if (i + 1 < argc) {
      slot.emplace_back(argv[++i]);
    } else {
      throw usage_failure{"flag --" + std::string(name) + " needs a value", nullptr};
    }
  }
  return cl;
}

const char* usage_of(std::string_view command) {
  if (command == "create") return create_usage;
  if (command == "describe" || command == "progress") return describe_usage;
  if (command == "list") return list_usage;
  if (command == "wait") return wait_usage;
  if (command == "commit") return commit_usage;
  if (command == "abort") return abort_usage;
  return import_usage;
}

double seconds_value(const command_line& cl, std::string_view flag, double fallback, const char* help) {
  auto v = cl.last(flag);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    double d = std::stod(*v, &used);
    if (used == v->size() && d > 0 && d < 1e9) return d;
  } catch (...) {
  }
  throw usage_failure{"--" + std::string(flag) + " needs a positive number of seconds, not \"" + *v + "\"", help};
}

std::int64_t int_value(const command_line& cl, std::string_view flag, std::int64_t fallback, const char* help) {
  auto v = cl.last(flag);
  if (!v) return fallback;
  std::int64_t n = 0;
  if (!zic::detail::parse_decimal(*v, n) || n < 1)
    throw usage_failure{"--" + std::string(flag) + " needs a whole number of at least 1, not \"" + *v + "\"", help};
  return n;
}

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

std::optional<std::string> env_value(const char* name) {
  if (const char* e = std::getenv(name); e && *e) return std::string(e);
  return std::nullopt;
}

// A bucket credential: the flag, else ZIC_<NAME>, else the store's standard variable, so that a
// secret never has to be on the command line, where `ps` shows it.
std::string credential(const command_line& cl, std::string_view flag, const char* zic_env, const char* std_env) {
  if (auto v = cl.last(flag)) return *v;
  if (auto v = env_value(zic_env)) return *v;
  return env_value(std_env).value_or("");
}

std::string setting(const command_line& cl, std::string_view flag, const char* env, std::string fallback = {}) {
  if (auto v = cl.last(flag)) return *v;
  if (const char* e = std::getenv(env); e && *e) return e;
  return fallback;
}

int exit_for(const zic::error& e) {
  if (e.code == errc::job_not_found) return job_missing;
  if (e.code == errc::invalid_argument) return usage_error;
  if (e.code == errc::transport || e.code == errc::timeout || e.code == errc::tls ||
      e.code == errc::ambiguous_outcome || e.code == errc::cancelled)
    return transport_error;
  return server_error;
}

bool ca_file_given = false;  // set once the command line is read

std::string hint_for(const zic::error& e) {
  if (e.http_status == 401 || e.api_code == 21119 || e.api_code == 1800 || e.api_code == 80001 || e.api_code == 80002)
    return "check the API key: --api-key or ZIC_API_KEY";
  if (e.http_status == 403) return "the API key lacks the privilege for this call";
  if (e.code == errc::job_not_found) return "the job never existed, or it finished and was removed after its retention period";
  if (e.code == errc::tls && e.message.find("issuer") != std::string::npos && !ca_file_given)
    return "for a private CA use --ca-file; --insecure skips verification (testing only)";
  if (e.code == errc::transport && e.message.find("cannot connect") != std::string::npos)
    return "is the endpoint right and the server running? see --endpoint or ZIC_ENDPOINT";
  if (e.api_code == 800) return "check --db";
  if (e.code == errc::invalid_argument && (e.message.find("are cloud fields") != std::string::npos ||
                                           e.message.find("the cloud flavour needs") != std::string::npos ||
                                           e.message.find("belong to the cloud flavour") != std::string::npos))
    return "choose the flavour with --flavor cloud|milvus or ZIC_FLAVOR; a local endpoint is milvus unless told";
  if (e.http_status == 404) return "this endpoint does not offer that call; check --endpoint and --flavor";
  return {};
}

int report(const zic::error& e) {
  std::string line = "zic: " + shown(e.message);
  if (auto hint = hint_for(e); !hint.empty()) line += " (hint: " + hint + ")";
  std::fprintf(stderr, "%s\n", line.c_str());
  return exit_for(e);
}

struct setup {
  zic::client_options options;
  zic::transport_options transport;
  std::string transport_name = "beast";
  bool json = false, verbose = false;
};

setup configure(const command_line& cl) {
  setup s;
  auto& o = s.options;
  o.endpoint = setting(cl, "endpoint", "ZIC_ENDPOINT", zic::default_endpoint);
  o.api_key = setting(cl, "api-key", "ZIC_API_KEY");
  o.cluster_id = setting(cl, "cluster-id", "ZIC_CLUSTER_ID");
  o.project_id = setting(cl, "project-id", "ZIC_PROJECT_ID");
  o.region_id = setting(cl, "region-id", "ZIC_REGION_ID");
  o.db_name = setting(cl, "db", "ZIC_DB");
  if (auto f = cl.last("flavor") ? cl.last("flavor") : env_value("ZIC_FLAVOR")) {
    if (*f == "cloud") o.flavor = zic::api_flavor::cloud;
    else if (*f == "milvus") o.flavor = zic::api_flavor::milvus;
    else throw usage_failure{"--flavor (or ZIC_FLAVOR) takes cloud or milvus, not \"" + *f + "\"", main_usage};
  }
  const double timeout = seconds_value(cl, "timeout", 30, main_usage);
  o.timeout = millis(timeout);
  o.deadline = std::max(millis(timeout * 4), std::chrono::milliseconds(std::chrono::minutes(2)));
  s.transport.ca_file = cl.last("ca-file").value_or("");
  ca_file_given = !s.transport.ca_file.empty();
  s.transport.insecure = cl.has("insecure");
  if (s.transport.insecure)
    std::fprintf(stderr, "zic: warning: --insecure: TLS certificates and host names are not verified\n");
  s.transport_name = cl.last("transport").value_or("beast");
  if (s.transport_name != "beast" && s.transport_name != "curl")
    throw usage_failure{"--transport takes beast or curl, not \"" + s.transport_name + "\"", main_usage};
#if !defined(ZIC_CLI_WITH_CURL)
  if (s.transport_name == "curl") throw usage_failure{"this zic was built without the curl transport", main_usage};
#endif
  s.json = cl.has("json");
  s.verbose = cl.has("verbose");
  if (s.verbose)
    o.observer = [](const zic::attempt_event& e) { std::fprintf(stderr, "zic: %s\n", zic::to_string(e).c_str()); };
  return s;
}

zic::any_transport make_transport(const setup& s) {
#if defined(ZIC_CLI_WITH_CURL)
  if (s.transport_name == "curl") return zic::any_transport(zic::curl_transport(s.transport));
#endif
  return zic::any_transport(zic::beast_transport(s.transport));
}

int run_create(zic::client& c, const setup& s, const command_line& cl) {
  zic::create_import_request r;
  r.collection_name = cl.last("collection").value_or("");
  if (r.collection_name.empty()) throw usage_failure{"import create needs --collection", create_usage};
  r.partition_name = cl.last("partition").value_or("");
  for (const auto& url : cl.all("object-url")) r.object_urls.push_back({url});
  for (const auto& group : cl.all("file")) {
    std::vector<std::string> paths;
    std::string_view rest = group;
    while (true) {
      auto comma = rest.find(',');
      paths.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
    r.files.push_back(std::move(paths));
  }
  r.volume_name = cl.last("volume").value_or("");
  for (const auto& p : cl.all("data-path")) r.data_paths.push_back({p});
  if (!r.object_urls.empty()) {  // the keys of the bucket the cloud reads; nothing else takes them
    r.access_key = credential(cl, "access-key", "ZIC_ACCESS_KEY", "AWS_ACCESS_KEY_ID");
    r.secret_key = credential(cl, "secret-key", "ZIC_SECRET_KEY", "AWS_SECRET_ACCESS_KEY");
    r.token = credential(cl, "token", "ZIC_SESSION_TOKEN", "AWS_SESSION_TOKEN");
  } else {
    r.access_key = cl.last("access-key").value_or("");
    r.secret_key = cl.last("secret-key").value_or("");
    r.token = cl.last("token").value_or("");
  }
  for (const auto& kv : cl.all("option")) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw usage_failure{"--option takes KEY=VALUE, not \"" + kv + "\"", create_usage};
    r.options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  r.idempotency_key = cl.last("idempotency-key").value_or("");
  auto id = c.create_import(r);
  if (!id) return report(id.error());
  if (s.json) {
    std::string out;
    json_writer(out).begin_object().member("job_id", *id).end_object();
    std::printf("%s\n", out.c_str());
  } else {
    std::printf("%s\n", id->c_str());
  }
  if (!stdout_written()) {
    // The job exists: its id must reach someone.
    const int err = errno;
    std::fprintf(stderr, "zic: import job %s was created, but writing its id to standard output failed: %s\n",
                 shown(*id).c_str(), std::strerror(err));
    return output_failed;
  }
  return ok;
}

int run_describe(zic::client& c, const setup& s, const std::string& job) {
  auto p = c.describe_import(job);
  if (!p) return report(p.error());
  std::fputs(s.json ? progress_json(*p).c_str() : describe_text(*p).c_str(), stdout);
  return ok;
}

int run_list(zic::client& c, const setup& s, const command_line& cl) {
  zic::list_import_jobs_request r;
  r.current_page = int_value(cl, "page", 1, list_usage);
  r.page_size = int_value(cl, "page-size", cl.has("all") ? 100 : 10, list_usage);
  r.collection_name = cl.last("collection").value_or("");
  std::vector<zic::import_job_summary> jobs;
  std::optional<zic::import_job_page> page;
  if (cl.has("all")) {
    if (cl.has("page")) throw usage_failure{"--all and --page do not go together", list_usage};
    auto done = c.for_each_import_job([&](const zic::import_job_summary& j) { jobs.push_back(j); }, r);
    if (!done) return report(done.error());
  } else {
    auto p = c.list_import_jobs(r);
    if (!p) return report(p.error());
    jobs = p->records;
    page = std::move(*p);
  }
  if (s.json) {
    std::fputs(list_json(jobs, page ? &*page : nullptr).c_str(), stdout);
  } else if (jobs.empty()) {
    std::printf("No import jobs.\n");
  } else {
    std::fputs(list_text(jobs).c_str(), stdout);
    if (page && page->count && c.flavor() == zic::api_flavor::cloud)
      std::printf("(page %lld, %zu shown; count %lld; --all for every page)\n",
                  static_cast<long long>(page->current_page.value_or(r.current_page)), jobs.size(),
                  static_cast<long long>(*page->count));
  }
  return ok;
}

int run_wait(zic::client& c, const setup& s, const command_line& cl, const std::string& job) {
  zic::wait_options w;
  w.interval = millis(seconds_value(cl, "interval", 1, wait_usage));
  if (w.interval < zic::wait_options::min_interval)
    throw usage_failure{"--interval must be at least 0.1 seconds: shorter pauses would flood the server", wait_usage};
  w.max_interval = std::max(w.interval, std::chrono::milliseconds(10'000));
  w.deadline = millis(seconds_value(cl, "deadline", 86400, wait_usage));
  w.two_phase = cl.has("two-phase");
  const bool terminal = !s.json && isatty(STDOUT_FILENO);
  const auto start = std::chrono::steady_clock::now();
  std::string last;
  w.on_progress = [&](const zic::import_progress& p) {
    if (s.json) return;
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (terminal) {
      std::printf("\r%s\x1b[K", progress_bar(p, elapsed).c_str());
      std::fflush(stdout);
      return;
    }
    // One line per change; the time alone is not a change.
    std::string key = p.state_text + "/" + std::to_string(p.progress) + "/" + std::to_string(p.imported_rows);
    if (key == last) return;
    last = key;
    std::printf("%s\n", progress_line(p, elapsed).c_str());
    std::fflush(stdout);
  };
  auto done = c.wait_for_import(job, w);
  if (terminal) std::printf("\n");
  if (!done) return report(done.error());
  if (s.json) std::fputs(progress_json(*done).c_str(), stdout);
  if (done->state == zic::job_state::failed) {
    std::fprintf(stderr, "zic: import job %s failed: %s\n", shown(job).c_str(),
                 done->reason.empty() ? "the server gave no reason" : shown(done->reason).c_str());
    return job_failed;
  }
  if (!s.json) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    if (done->state == zic::job_state::uncommitted)
      std::printf("Import job %s is Uncommitted: run `zic import commit %s` to make it visible.\n",
                  shown(job).c_str(), shown(job).c_str());
    else
      std::printf("Import job %s completed: %lld rows in %.1f s.\n", shown(job).c_str(),
                  static_cast<long long>(done->total_rows), double(ms) / 1000.0);
  }
  return ok;
}

int run_two_phase(zic::client& c, const setup& s, const std::string& command, const std::string& job) {
  auto r = command == "commit" ? c.commit_import(job) : c.abort_import(job);
  if (!r) return report(r.error());
  if (s.json) {
    std::string out;
    json_writer(out).begin_object().member("job_id", job).member("result", command == "commit" ? "committed" : "aborted").end_object();
    std::printf("%s\n", out.c_str());
  } else {
    std::printf("%s import job %s.\n", command == "commit" ? "Committed" : "Aborted", shown(job).c_str());
  }
  return ok;
}

// `zic write`: no server involved, so only --json and --help of the global flags apply.
int run_write_command(const command_line& cl) {
  if (cl.has("help")) {
    std::fputs(write_usage, stdout);
    return ok;
  }
  for (const auto& [name, values] : cl.values) {
    const flag_spec* spec = find_flag(name);
    if (spec->commands != "write" && name != "json")
      throw usage_failure{"--" + name + " is not an option of write", write_usage};
  }
#if defined(ZIC_CLI_WITH_WRITER)
  write_settings s;
  auto need = [&](const char* flag) {
    auto v = cl.last(flag);
    if (!v) throw usage_failure{std::string("write needs --") + flag, write_usage};
    return *v;
  };
  s.schema_path = need("schema");
  s.out_dir = need("out");
  s.format = cl.last("format").value_or("parquet");
  s.compression = cl.last("compression").value_or("snappy");
  s.chunk_size = cl.last("chunk-size");
  s.json = cl.has("json");
  s.inputs.assign(cl.positionals.begin() + 1, cl.positionals.end());
  try {
    return run_write(s);
  } catch (const write_failure& f) {
    std::fprintf(stderr, "zic: %s\n", f.message.c_str());
    return f.code;
  }
#else
  throw usage_failure{"this zic was built without the bulk writer (zic::writer)", main_usage};
#endif
}

int run(int argc, char** argv) {
  command_line cl = scan(argc, argv);
  const auto& pos = cl.positionals;
  const std::string group = pos.size() > 0 ? pos[0] : "";
  const std::string command = pos.size() > 1 ? pos[1] : "";
  if (group == "write") return run_write_command(cl);
  if (cl.has("help")) {
    std::fputs(group.empty() ? main_usage : usage_of(command), stdout);
    return ok;
  }
  if (group.empty()) throw usage_failure{"no command given", main_usage};
  if (group != "import") throw usage_failure{"unknown command \"" + group + "\"", main_usage};
  if (command.empty()) throw usage_failure{"import needs a command", import_usage};
  const char* help = usage_of(command);
  if (help == import_usage) throw usage_failure{"unknown command \"import " + command + "\"", import_usage};
  const std::string canonical = command == "progress" ? "describe" : command;
  for (const auto& [name, values] : cl.values) {
    const flag_spec* spec = find_flag(name);
    if (!spec->commands.empty() && (" " + std::string(spec->commands) + " ").find(" " + canonical + " ") == std::string::npos)
      throw usage_failure{"--" + name + " is not an option of import " + command, help};
  }
  const bool takes_job = canonical == "describe" || canonical == "wait" || canonical == "commit" || canonical == "abort";
  if (takes_job && pos.size() < 3) throw usage_failure{"import " + command + " needs a JOB_ID", help};
  if (pos.size() > (takes_job ? 3u : 2u)) throw usage_failure{"unexpected argument \"" + pos.back() + "\"", help};

  setup s = configure(cl);
  auto client = zic::client::make(s.options, make_transport(s));
  if (!client) return report(client.error());
  if (s.verbose)
    std::fprintf(stderr, "zic: endpoint %s, %s flavour, %s transport, API key %s\n", s.options.endpoint.c_str(),
                 client->flavor() == zic::api_flavor::cloud ? "cloud" : "milvus", s.transport_name.c_str(),
                 s.options.api_key.empty() ? "not set" : "set");
  if (canonical == "create") return run_create(*client, s, cl);
  if (canonical == "list") return run_list(*client, s, cl);
  if (canonical == "describe") return run_describe(*client, s, pos[2]);
  if (canonical == "wait") return run_wait(*client, s, cl, pos[2]);
  return run_two_phase(*client, s, canonical, pos[2]);
}

} // namespace

int main(int argc, char** argv) {
  // A closed pipe is an error to report (EPIPE), not a signal that kills zic mid-sentence.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const int code = run(argc, argv);
    if (code != output_failed && !stdout_written()) {
      std::fprintf(stderr, "zic: writing to standard output failed: %s\n", std::strerror(errno));
      return output_failed;
    }
    return code;
  } catch (const usage_failure& u) {
    std::fprintf(stderr, "zic: %s\n", u.message.c_str());
    std::fprintf(stderr, "%s", u.help_for ? u.help_for : main_usage);
    return usage_error;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zic: %s\n", e.what());
    return server_error;
  }
}
