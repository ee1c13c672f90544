// The hostile-server matrix: one loopback test server with a mode per misbehaviour. The first
// generation request (vLLM's initial test run) gets a good answer; every later one gets the
// misbehaviour. Each mode runs the llmload binary against it and checks the outcome kind in the
// result file, that the table was still printed, and that llmload's peak RSS stayed bounded.
#include "cli_support.hpp"

#include <boost/json/parse.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmload {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSseHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
constexpr std::string_view kGoodEvents =
    "data: {\"choices\":[{\"text\":\"a\"}]}\n\ndata: {\"choices\":[{\"text\":\"b\",\"finish_reason\":\"length\"}]}\n\n"
    "data: [DONE]\n\n";

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// A blocking loopback server: one thread per connection, each reading one request and
/// answering it as its mode says (the first generation request always well).
class HostileServer {
 public:
  explicit HostileServer(std::string mode) : mode_(std::move(mode)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 64), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accepter_ = std::thread([this] { accept_loop(); });
  }
  ~HostileServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    accepter_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR);  // wakes connections still sending
    }
    for (auto& t : connections_) t.join();  // the accepter is gone: the list no longer grows
  }
  int port() const { return port_; }
  std::string last_request() {
    std::lock_guard lock(mutex_);
    return last_request_;
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard lock(mutex_);
      open_.push_back(fd);
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }

  /// Reads one request (header and Content-Length body); "" when the client went away.
  std::string read_request(int fd) {
    std::string in;
    char buf[4096];
    for (;;) {
      const auto end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        if (const auto cl = in.find("Content-Length: "); cl != std::string::npos && cl < end) {
          length = std::stoul(in.substr(cl + 16));
        }
        if (in.size() >= end + 4 + length) return in;
      }
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return {};
      in.append(buf, static_cast<std::size_t>(n));
    }
  }

  void serve(int fd) {
    const std::string request = read_request(fd);
    if (!request.empty()) {
      {
        std::lock_guard lock(mutex_);
        last_request_ = request;
      }
      if (request.starts_with("POST /tokenize") || request.starts_with("GET ")) {
        send_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      } else if (served_.fetch_add(1) == 0) {
        send_all(fd, std::string(kSseHead) + std::string(kGoodEvents));
      } else if (misbehave(fd, request)) {
        return;  // it closed the connection itself
      }
    }
    ::shutdown(fd, SHUT_WR);
    char drain[256];
    while (!stopping_ && ::recv(fd, drain, sizeof drain, 0) > 0) {
    }
    std::lock_guard lock(mutex_);
    std::erase(open_, fd);
    ::close(fd);
  }

  /// Sends `bytes` for as long as the client reads (bounded: 64 MiB, or until stopped).
  void flood(int fd, const std::string& bytes) {
    for (std::size_t sent = 0; !stopping_ && sent < (64u << 20); sent += bytes.size()) {
      if (!send_all(fd, bytes)) return;
    }
  }

  /// The misbehaviour of this server's mode; true when it closed `fd` itself.
  bool misbehave(int fd, const std::string& request);

  std::string mode_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> served_{0};
  std::thread accepter_;
  std::mutex mutex_;
  std::vector<std::thread> connections_;
  std::vector<int> open_;
  std::string last_request_;
};

bool HostileServer::misbehave(int fd, const std::string& request) {
  const std::string head(kSseHead);
  if (mode_ == "garbage_after_200") {
    send_all(fd, head + "\x01\x02 this is not an event stream \xff\xfe");
  } else if (mode_ == "bad_chunking") {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nxx\r\n");
  } else if (mode_ == "endless_event") {
    send_all(fd, head + "data: ");
    flood(fd, std::string(64 * 1024, 'x'));
  } else if (mode_ == "endless_tokens") {
    send_all(fd, head);
    std::string events;
    while (events.size() < 64 * 1024) events += "data: {\"choices\":[{\"text\":\"token \"}]}\n\n";
    flood(fd, events);
  } else if (mode_ == "slowloris") {
    const std::string answer = head + std::string(kGoodEvents);
    for (std::size_t i = 0; i < answer.size() && !stopping_; ++i) {
      if (!send_all(fd, answer.substr(i, 1))) return false;
      std::this_thread::sleep_for(200ms);
    }
  } else if (mode_ == "silent") {
    for (int i = 0; i < 100 && !stopping_; ++i) std::this_thread::sleep_for(50ms);
  } else if (mode_ == "close_after_headers") {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
  } else if (mode_ == "http10_close_delimited") {
    send_all(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + std::string(kGoodEvents));
  } else if (mode_ == "gzip") {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n"
                 "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x2b\x49\x2d\x2e\x01\x00");
  } else if (mode_ == "redirect") {
    send_all(fd, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  } else if (mode_ == "huge_header") {
    send_all(fd, "HTTP/1.1 200 OK\r\nX-Huge: " + std::string(2 << 20, 'h') + "\r\n\r\n");
  } else if (mode_ == "one_byte_writes") {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const std::string answer = head + std::string(kGoodEvents);
    for (const char c : answer) {
      if (!send_all(fd, std::string_view(&c, 1))) return false;
    }
  } else if (mode_ == "rst_mid_stream") {
    send_all(fd, head + "data: {\"choices\":[{\"text\":\"a\"}]}\n\n");
    std::this_thread::sleep_for(20ms);
    linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    {
      std::lock_guard lock(mutex_);
      std::erase(open_, fd);
    }
    ::close(fd);  // with SO_LINGER 0: a TCP RST
    return true;
  } else if (mode_ == "error_event") {
    send_all(fd, head + "data: {\"error\":{\"message\":\"engine overloaded\",\"type\":\"server_error\"}}\n\n");
  } else if (mode_ == "echo_headers") {
    const std::string body = "{\"error\":{\"message\":\"unauthorized; you sent: " + request.substr(0, request.find("\r\n\r\n")) + "\"}}";
    send_all(fd, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  }
  return false;
}

struct Mode {
  const char* name;
  const char* outcome;   // the failure reason counted in the result file ("" for none)
  const char* flags;     // extra flags for this mode
  const char* error_has; // a part of the first error
};

const Mode kModes[] = {
    {"garbage_after_200", "no_content", "", "not a server-sent-event stream"},
    {"bad_chunking", "protocol_error", "", ""},
    {"endless_event", "event_too_large", "--max-sse-event-bytes 65536", ""},
    {"endless_tokens", "response_too_large", "--max-response-bytes 1000000", "--max-response-bytes"},
    {"slowloris", "timeout", "--request-timeout 2", ""},
    {"silent", "first_byte_timeout", "--first-byte-timeout 1", ""},
    {"close_after_headers", "connection_closed", "", ""},
    {"http10_close_delimited", "", "", ""},
    {"gzip", "no_content", "", "gzip-compressed"},
    {"redirect", "http_status", "", "HTTP 302"},
    {"huge_header", "protocol_error", "", ""},
    {"one_byte_writes", "", "", ""},
    {"rst_mid_stream", "connection_closed", "", ""},
    {"error_event", "server_error", "", "engine overloaded"},
    {"echo_headers", "http_status", "--header X-Api-Token=tok-very-secret-value", "HTTP 401"},
};

class HostileServerMatrix : public testing_support::CliTest, public ::testing::WithParamInterface<Mode> {
 protected:
  HostileServerMatrix() : CliTest("llmload-hostile") {}
};

long peak_child_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;
}

TEST_P(HostileServerMatrix, OutcomeTableResultFileAndBoundedMemory) {
  const Mode& mode = GetParam();
  HostileServer server(mode.name);
  const auto start = std::chrono::steady_clock::now();
  const auto r = run(std::string("bench --base-url http://127.0.0.1:") + std::to_string(server.port()) +
                     " --model m --ready-check-timeout-sec 5 --num-prompts 2 --random-input-len 4 --random-output-len 2 --save-result "
                     "--result-filename r.json --result-dir " + dir_.string() + " " + mode.flags);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  EXPECT_NE(r.out.find("Serving Benchmark Result"), std::string::npos) << r.out << r.err;
  const std::string saved = testing_support::slurp(dir_ / "r.json");
  ASSERT_FALSE(saved.empty()) << r.err;
  const auto doc = boost::json::parse(saved).as_object();
  const auto& failures = doc.at("llmload").as_object().at("failures_by_reason").as_object();
  if (std::string_view(mode.outcome).empty()) {
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(doc.at("completed").as_int64(), 2) << saved;
    EXPECT_TRUE(failures.empty()) << saved;
  } else {
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // no measured request succeeded
    ASSERT_TRUE(failures.contains(mode.outcome)) << saved;
    EXPECT_EQ(failures.at(mode.outcome).as_object().at("count").as_int64(), 2) << saved;
    const std::string first(failures.at(mode.outcome).as_object().at("first_error").as_string());
    EXPECT_NE(first.find(mode.error_has), std::string::npos) << first;
  }
  EXPECT_EQ(saved.find("tok-very-secret-value"), std::string::npos);
  EXPECT_EQ(r.out.find("tok-very-secret-value"), std::string::npos);
  EXPECT_EQ(r.err.find("tok-very-secret-value"), std::string::npos);
  EXPECT_LT(peak_child_rss_kib(), 512 * 1024);  // llmload's peak resident memory, KiB
}

std::string mode_name(const ::testing::TestParamInfo<Mode>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Modes, HostileServerMatrix, ::testing::ValuesIn(kModes), mode_name);

}  // namespace
}  // namespace llmload
