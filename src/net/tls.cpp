#include "llmload/net/tls.hpp"

#include <boost/asio/ip/address.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace llmload::net {
namespace ssl = boost::asio::ssl;

namespace {

std::string openssl_reason(const boost::system::error_code& ec) {
  std::string text = ec.message();
  if (const unsigned long e = ERR_get_error(); e != 0) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof buffer);
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

}  // namespace

core::Result<std::shared_ptr<ssl::context>> make_client_tls_context(const TlsClientOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (options.insecure) {
    context->set_verify_mode(ssl::verify_none, ec);
  } else {
    context->set_verify_mode(ssl::verify_peer, ec);
    if (!ec) {
      if (options.ca_bundle.empty()) {
        context->set_default_verify_paths(ec);
        if (ec) return core::fail("cannot load the system's trusted CAs: {}", openssl_reason(ec));
      } else {
        context->load_verify_file(options.ca_bundle, ec);
        if (ec) {
          return core::fail("--ca-bundle {}: cannot load CA certificates: {}", options.ca_bundle,
                            openssl_reason(ec));
        }
      }
    }
  }
  if (ec) return core::fail("cannot set up TLS: {}", openssl_reason(ec));
  return context;
}

core::Result<std::shared_ptr<ssl::context>> make_server_tls_context(const std::string& cert_chain_file,
                                                                    const std::string& private_key_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_chain_file, ec);
  if (ec) return core::fail("--tls-cert {}: {}", cert_chain_file, openssl_reason(ec));
  context->use_private_key_file(private_key_file, ssl::context::pem, ec);
  if (ec) return core::fail("--tls-key {}: {}", private_key_file, openssl_reason(ec));
  return context;
}

core::Result<void> prepare_client_tls(Stream::Tls& tls, const std::string& host, bool verify) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);  // only whether it parses matters
  const bool is_ip = !ec;
  if (!is_ip && SSL_set_tlsext_host_name(tls.native_handle(), host.c_str()) != 1) {
    return core::fail("cannot set TLS SNI to '{}'", host);
  }
  if (verify) {
    // Checks the certificate's DNS names or IP addresses (subjectAltName) against the target.
    X509_VERIFY_PARAM* param = SSL_get0_param(tls.native_handle());
    const int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                         : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (ok != 1) return core::fail("cannot set TLS verification for host '{}'", host);
  }
  return {};
}

}  // namespace llmload::net
