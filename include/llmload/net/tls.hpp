#pragma once
/// TLS contexts (OpenSSL through Asio): one per run, shared read-only by every connection.

#include "llmload/core/error.hpp"
#include "llmload/net/stream.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace llmload::net {

/// Client-side TLS settings (flags --insecure and --ca-bundle).
struct TlsClientOptions {
  bool insecure = false;    ///< skip certificate and host-name verification
  std::string ca_bundle;    ///< PEM file of trusted CAs; empty: the system's store
};

/// A client context: TLS 1.2+, peer verification on unless `insecure`, trusted CAs from the
/// system store or `ca_bundle`. Errors name the file and OpenSSL's reason.
core::Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const TlsClientOptions& options);

/// A server context from a PEM certificate chain and private key (the simulator's
/// --tls-cert / --tls-key). Errors name the file and OpenSSL's reason.
core::Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const std::string& cert_chain_file, const std::string& private_key_file);

/// Host-name (or IP address) verification and SNI for a client stream's TLS layer, before
/// its handshake. SNI is sent only for DNS names, as RFC 6066 asks.
core::Result<void> prepare_client_tls(Stream::Tls& tls, const std::string& host, bool verify);

}  // namespace llmload::net
