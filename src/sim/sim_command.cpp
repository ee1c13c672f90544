#include "llmload/sim/sim_command.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdio>

namespace llmload::sim {

namespace {

std::chrono::nanoseconds from_ms(double ms) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1e6 + 0.5));
}

double to_ms(std::chrono::nanoseconds ns) {
  return std::chrono::duration<double, std::milli>(ns).count();
}

// The address as a user would type it into a URL.
std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

void add_sim_options(CLI::App& app, SimOptions& o) {
  app.add_option("--host", o.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", o.port, "Port to listen on (0: any free port)")->capture_default_str();
  app.add_option("--threads", o.threads, "Server threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--model", o.model, "Served model name")->capture_default_str();
  app.add_option_function<double>(
         "--ttft-ms", [&o](double ms) { o.ttft = from_ms(ms); },
         "Fixed time to first token, ms, from the moment the request is read")
      ->default_str(fmt::format("{:g}", to_ms(o.ttft)))
      ->check(CLI::NonNegativeNumber);
  app.add_option_function<double>(
         "--itl-ms", [&o](double ms) { o.itl = from_ms(ms); },
         "Fixed gap between consecutive tokens, ms")
      ->default_str(fmt::format("{:g}", to_ms(o.itl)))
      ->check(CLI::NonNegativeNumber);
  app.add_option("--default-max-tokens", o.default_max_tokens,
                 "Output tokens when a request names no max_tokens")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  app.add_option("--tls-cert", o.tls_cert_file, "PEM certificate chain: serve https (with --tls-key)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", o.tls_key_file, "PEM private key for --tls-cert")
      ->check(CLI::ExistingFile);
  app.add_flag_callback(
      "--no-send-stamp", [&o] { o.stamp_send_time = false; },
      "Leave \"llmload_send_ns\" out of streamed chunks");
}

int run_sim(const SimOptions& options) {
  // The handlers go in before the server listens, so a signal sent as soon as the server
  // answers is always caught.
  boost::asio::io_context signals_ioc(1);
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int) {});

  SimServer server(options);
  if (auto started = server.start(); !started) {
    fmt::print(stderr, "llmload sim: error: {}\n", started.error().message);
    return 1;
  }
  fmt::print("llmload sim: serving model '{}' at {}://{}:{} (fixed timing: TTFT {:g} ms, ITL {:g} ms)\n",
             options.model, options.tls_cert_file.empty() ? "http" : "https", url_host(options.host),
             server.port(), to_ms(options.ttft),
             to_ms(options.itl));
  std::fflush(stdout);
  signals_ioc.run();
  server.stop();
  return 0;
}

}  // namespace llmload::sim
