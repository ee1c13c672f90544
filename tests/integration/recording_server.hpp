#pragma once
// A one-thread HTTP server for integration tests that records each request it gets and
// answers with a minimal OpenAI-style stream (or what a test's responder returns): what went
// over the wire, as a server sees it.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmload::testing_support {

/// A whole HTTP/1.1 response that closes the connection.
inline std::string http_response(const std::string& status, const std::string& type, const std::string& body) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// Records each request and answers it; one connection, one request, then close.
class RecordingServer {
 public:
  /// The whole HTTP response to the n-th request (0-based) whose text is `request`; empty:
  /// the default stream.
  using Responder = std::function<std::string(std::size_t n, const std::string& request)>;

  explicit RecordingServer(Responder respond = {})
      : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}), respond_(std::move(respond)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~RecordingServer() {
    stop_ = true;
    boost::system::error_code ignored;
    boost::asio::ip::tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);  // wake the blocking accept
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      std::string data;
      char buffer[4096];
      std::size_t head_end = std::string::npos, length = 0;
      while (true) {
        const auto n = socket.read_some(boost::asio::buffer(buffer), ec);
        if (ec) break;
        data.append(buffer, n);
        if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
          const auto cl = data.find("Content-Length: ");
          length = cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16));
        }
        if (head_end != std::string::npos && data.size() >= head_end + 4 + length) break;
      }
      std::size_t n = 0;
      {
        std::lock_guard lock(mutex_);
        n = requests_.size();
        requests_.push_back(data);
      }
      if (const std::string custom = respond_ ? respond_(n, data) : std::string(); !custom.empty()) {
        boost::asio::write(socket, boost::asio::buffer(custom), ec);
        continue;
      }
      if (data.starts_with("GET /metrics ")) {
        const std::string not_found = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        boost::asio::write(socket, boost::asio::buffer(not_found), ec);
        continue;
      }
      const std::string body =
          "data: {\"choices\":[{\"index\":0,\"text\":\" hi\"}]}\n\n"
          "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}\n\n"
          "data: [DONE]\n\n";
      const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n"
                                   "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      boost::asio::write(socket, boost::asio::buffer(response), ec);
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Responder respond_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

}  // namespace llmload::testing_support
