#pragma once
// `llmload sim` as its own process, for tests whose target dies (SIGKILL: the process and
// every socket it holds are gone at once; an in-process simulator's listening socket would
// live on in the llmload child the test forked, and new connections would wait in its backlog).

#include "cli_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace llmload::testing_support {

/// `llmload sim` on a port of its choosing (read from its first line), as its own process
/// (killed at the end if alive), with `options` (by default 20 ms to the first token, 5 ms
/// between tokens). Picking a free port for it instead could race with the client: a
/// connection to a loopback port nobody listens on yet can connect to itself.
class SimProcess {
 public:
  explicit SimProcess(const std::filesystem::path& dir,
                      std::vector<std::string> options = {"--ttft-ms", "20", "--itl-ms", "5"}) {
    const std::string log = (dir / "sim.txt").string();
    std::vector<std::string> args = {LLMLOAD_BINARY, "sim", "--port", "0"};
    args.insert(args.end(), options.begin(), options.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT_EQ(posix_spawn(&pid_, LLMLOAD_BINARY, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < give_up) {
      const std::string text = slurp(log);
      if (const auto at = text.find(" at http://"); at != std::string::npos && text.find(" (", at) != std::string::npos) {
        url_ = text.substr(at + 4, text.find(" (", at) - at - 4);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "llmload sim did not say where it listens: " << slurp(log);
  }
  ~SimProcess() { kill(); }
  std::string url() const { return url_; }
  pid_t pid() const { return pid_; }
  /// SIGKILL: the process and its sockets are gone at once.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }

 private:
  std::string url_;
  pid_t pid_ = 0;
};

}  // namespace llmload::testing_support
