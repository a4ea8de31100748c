// Create imports and await them concurrently on one io_context, with coroutines. Ctrl-C
// cancels every wait (the jobs go on on the server).
//   async_pipeline ENDPOINT API_KEY COLLECTION FILE...
#include <zic/async.hpp>
#include <zic/transport/beast.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdio>
#include <list>
#include <string>

namespace asio = boost::asio;
using client_type = zic::basic_async_client<zic::beast_async_transport>;

// One file's import, start to finish. Each runs on its own client: a client makes one call at
// a time, as a socket does.
asio::awaitable<void> import_one(client_type& client, asio::cancellation_signal& stop, std::string collection,
                                 std::string file, int& failures) {
  zic::create_import_request request;
  request.collection_name = collection;
  request.files = {{file}};
  auto job = co_await client.async_create_import(request, asio::use_awaitable);
  if (!job) {
    std::fprintf(stderr, "%s: %s\n", file.c_str(), job.error().message.c_str());
    ++failures;
    co_return;
  }
  zic::wait_options wait;
  wait.on_progress = [&](const zic::import_progress& p) {
    std::printf("%s: %s %d%%\n", file.c_str(), p.state_text.c_str(), p.progress);
  };
  // GCC 12: what a co_await returns goes into a named variable, never a temporary that lives
  // across another co_await (so no `c ? co_await a : co_await b`).
  auto done = co_await client.async_wait_for_import(*job, wait, asio::bind_cancellation_slot(stop.slot(), asio::use_awaitable));
  if (!done || done->state != zic::job_state::completed) {
    std::fprintf(stderr, "%s: %s\n", file.c_str(), done ? done->reason.c_str() : done.error().message.c_str());
    ++failures;
    co_return;
  }
  std::printf("%s: job %s imported %lld rows\n", file.c_str(), job->c_str(), static_cast<long long>(done->total_rows));
}

int main(int argc, char** argv) {
  if (argc < 5) return std::fprintf(stderr, "usage: %s ENDPOINT API_KEY COLLECTION FILE...\n", argv[0]), 2;
  zic::client_options options;
  options.endpoint = argv[1];
  options.api_key = argv[2];

  asio::io_context io;  // one thread runs every import; nothing blocks it
  std::list<client_type> clients;
  std::list<asio::cancellation_signal> stops;
  // Ctrl-C: every wait ends with errc::cancelled, and a message that names its job.
  asio::signal_set interrupt(io, SIGINT);
  interrupt.async_wait([&](boost::system::error_code ec, int) {
    if (!ec)
      for (auto& stop : stops) stop.emit(asio::cancellation_type::terminal);
  });
  int failures = 0, running = argc - 4;
  for (int i = 4; i < argc; ++i) {
    auto& client = clients.emplace_back(options, zic::beast_async_transport(io.get_executor()));
    auto& stop = stops.emplace_back();
    asio::co_spawn(io, import_one(client, stop, argv[3], argv[i], failures), [&](std::exception_ptr) {
      if (--running == 0) interrupt.cancel();  // nothing left to cancel: let io.run() return
    });
  }
  io.run();
  return failures == 0 ? 0 : 1;
}
