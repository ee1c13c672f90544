#include "llmload/metrics/request_record.hpp"

namespace llmload::metrics {

std::string_view outcome_name(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::kOk: return "ok";
    case Outcome::kNoContent: return "no_content";
    case Outcome::kHttpStatus: return "http_status";
    case Outcome::kServerError: return "server_error";
    case Outcome::kConnectError: return "connect_error";
    case Outcome::kConnectionClosed: return "connection_closed";
    case Outcome::kProtocolError: return "protocol_error";
    case Outcome::kMalformedChunk: return "malformed_chunk";
    case Outcome::kEventTooLarge: return "event_too_large";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kCancelled: return "cancelled";
    case Outcome::kConnectTimeout: return "connect_timeout";
    case Outcome::kFirstByteTimeout: return "first_byte_timeout";
    case Outcome::kIdleTimeout: return "idle_timeout";
    case Outcome::kTlsError: return "tls_error";
    case Outcome::kResponseTooLarge: return "response_too_large";
  }
  return "unknown";
}

}  // namespace llmload::metrics
