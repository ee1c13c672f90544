// HTTPS end to end: the simulator serving TLS with a certificate made at test time, the
// engine verifying it (CA bundle, host name / IP), refusing it without trust, and --insecure.
#include "llmload/net/connection.hpp"
#include "llmload/net/tls.hpp"
#include "llmload/runtime/runner.hpp"
#include "llmload/sim/sim_server.hpp"
#include "llmload/workload/random_dataset.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "cli_support.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmload {
namespace {

namespace fs = std::filesystem;
using metrics::Outcome;

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("llmload-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // A self-signed certificate for the DNS name "localhost" only (no IP address in it).
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl could not make a test certificate";
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  void SetUp() override {
    sim::SimOptions options;
    options.ttft = std::chrono::milliseconds(2);
    options.itl = std::chrono::milliseconds(1);
    options.tls_cert_file = (dir_ / "cert.pem").string();
    options.tls_key_file = (dir_ / "key.pem").string();
    server_ = std::make_unique<sim::SimServer>(options);
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().message;
  }

  /// A target named `host` that connects to the simulator's 127.0.0.1 address.
  runtime::Target target(const std::string& host, const net::TlsClientOptions& tls) {
    runtime::Target t;
    t.base = net::parse_url("https://" + host + ":" + std::to_string(server_->port())).value();
    t.path = "/v1/completions";
    t.endpoints = net::resolve("127.0.0.1", server_->port()).value();
    auto context = net::make_client_tls_context(tls);
    EXPECT_TRUE(context) << context.error().message;
    t.tls = *context;
    t.tls_verify = !tls.insecure;
    return t;
  }

  std::vector<metrics::RequestRecord> run(const runtime::Target& t, std::size_t count) {
    runtime::RequestTemplate request;
    request.body.model = "llmload-sim";
    request.body.ignore_eos = true;
    runtime::RunnerOptions options;
    options.max_concurrency = 4;  // connections are reused across requests
    workload::RandomDatasetOptions data;
    data.input_len = 8;
    data.output_len = 5;
    const auto specs = workload::make_random_dataset(count, data).value();
    const std::vector<core::Nanos> offsets(count, 0);
    return runtime::Runner(t, request, options).run(specs, offsets).records;
  }

  static fs::path dir_;
  std::unique_ptr<sim::SimServer> server_;
};

fs::path Tls::dir_;

TEST_F(Tls, TrustedCertificateAndMatchingHostName) {
  EXPECT_TRUE(server_->base_url().starts_with("https://"));
  const auto records = run(target("localhost", {false, (dir_ / "cert.pem").string()}), 12);
  for (const auto& r : records) {
    ASSERT_TRUE(r.ok()) << metrics::outcome_name(r.outcome) << ": " << r.error;
    EXPECT_EQ(r.chunk_ns.size(), 5u);
    EXPECT_EQ(r.usage_completion_tokens, 5);
  }
  const auto opened = std::count_if(records.begin(), records.end(), [](const auto& r) { return r.connect_ns > 0; });
  EXPECT_LE(opened, 4);  // kept-alive TLS connections were reused
}

TEST_F(Tls, UntrustedCertificateIsRefused) {
  const auto records = run(target("localhost", {}), 2);  // system CAs only
  for (const auto& r : records) {
    EXPECT_EQ(r.outcome, Outcome::kTlsError) << r.error;
    EXPECT_NE(r.error.find("certificate verify failed"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("--ca-bundle"), std::string::npos) << r.error;
  }
}

TEST_F(Tls, HostNameThatTheCertificateDoesNotNameIsRefused) {
  // Trusted CA, but the certificate names "localhost", not 127.0.0.1.
  const auto records = run(target("127.0.0.1", {false, (dir_ / "cert.pem").string()}), 1);
  EXPECT_EQ(records[0].outcome, Outcome::kTlsError) << records[0].error;
  EXPECT_NE(records[0].error.find("does not name this host"), std::string::npos) << records[0].error;
  EXPECT_EQ(records[0].error.find("--ca-bundle"), std::string::npos) << records[0].error;
}

TEST_F(Tls, InsecureSkipsVerification) {
  const auto records = run(target("127.0.0.1", {true, ""}), 3);
  for (const auto& r : records) EXPECT_TRUE(r.ok()) << r.error;
}

using llmload::testing_support::slurp;

TEST_F(Tls, BenchCommandOverHttps) {
  const std::string url = "https://localhost:" + std::to_string(server_->port());
  const auto out = dir_ / "out.txt", err = dir_ / "err.txt";
  auto bench = [&](const std::string& extra) {
    const std::string command = std::string(LLMLOAD_BINARY) + " bench --base-url " + url +
                                " --num-prompts 6 --random-input-len 8 --random-output-len 3 " +
                                extra + " >" + out.string() + " 2>" + err.string();
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(bench("--ca-bundle " + (dir_ / "cert.pem").string()), 0) << slurp(out) << slurp(err);
  EXPECT_NE(slurp(out).find("Successful requests:                     6"), std::string::npos) << slurp(out);
  // The prompts' lengths were counted by the server's /tokenize, over TLS on one kept-alive
  // connection (net::KeepAliveClient).
  EXPECT_NE((slurp(out) + slurp(err)).find("made exact with the server's /tokenize (6 requests to it)"),
            std::string::npos) << slurp(out) << slurp(err);
  EXPECT_EQ(bench(""), 3);  // the model lookup fails: the certificate is not trusted
  EXPECT_NE(slurp(err).find("certificate verify failed"), std::string::npos) << slurp(err);
  EXPECT_EQ(bench("--insecure"), 0) << slurp(err);
  EXPECT_EQ(bench("--insecure --base-url http://127.0.0.1:1"), 2) << slurp(err);  // https only
}

}  // namespace
}  // namespace llmload
