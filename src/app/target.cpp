#include "llmload/app/target.hpp"

#include "llmload/api/multipart.hpp"

#include "llmload/api/models_list.hpp"
#include "llmload/net/connection.hpp"
#include "llmload/net/simple_client.hpp"
#include "llmload/net/tls.hpp"
#include "llmload/sim/engine.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace llmload::app {
namespace {

double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

/// The answers mode's key of the plan's --sim-answers (settings checked at resolve; the file
/// is read here, errors naming its file:line).
core::Result<std::shared_ptr<const sim::AnswerKey>> sim_answers(const config::RunPlan& plan) {
  sim::AnswerSettings settings;
  settings.path = plan.sim_answers;
  settings.accuracy = plan.sim_answer_accuracy;
  settings.seed = plan.dataset.seed;  // the run's --seed draws the simulator's answers too
  if (!plan.sim_answer_accuracy_by_category.empty()) {
    auto by = sim::parse_accuracy_by_category(plan.sim_answer_accuracy_by_category);
    if (!by) return core::fail("--sim-answer-accuracy-by-category: {}", by.error().message);
    settings.by_category = std::move(*by);
  }
  if (!plan.sim_answer_accuracy_after.empty()) {
    auto after = sim::parse_accuracy_changes(plan.sim_answer_accuracy_after);
    if (!after) return core::fail("--sim-answer-accuracy-after: {}", after.error().message);
    settings.changes = std::move(*after);
  }
  auto key = sim::AnswerKey::load(settings);
  if (!key) return core::fail("--sim-answers: {}", key.error().message);
  return key;
}

/// The built-in simulator the plan asks for (fixed timing, or engine mode with a preset),
/// listening on loopback.
boost::system::result<std::unique_ptr<sim::SimServer>, TargetError> start_simulator(const config::RunPlan& plan,
                                                                                    std::string_view otlp_endpoint,
                                                                                    std::string& announcement) {
  sim::SimOptions options;
  // With the trace receiver on, the simulator exports its spans to it (as vLLM would).
  options.otlp_traces_endpoint = std::string(otlp_endpoint);
  options.ttft = plan.sim_ttft;
  options.itl = plan.sim_itl;
  const std::string model = plan.served_model_name.empty() ? plan.model : plan.served_model_name;
  if (!model.empty()) options.model = model;
  options.lora_modules = plan.vllm.lora_modules;  // the adapters the requests name
  std::string timing = fmt::format("fixed timing: TTFT {:g} ms, ITL {:g} ms", ms(plan.sim_ttft), ms(plan.sim_itl));
  if (!plan.sim_preset.empty()) {
    auto preset = sim::find_engine_preset(plan.sim_preset);
    if (!preset) return TargetError{"--sim-preset: " + preset.error().message, true};
    options.mode = sim::SimMode::kEngine;
    options.engine = *preset;
    options.engine.seed = plan.dataset.seed;  // and its output lengths, as `llmload sim --seed`
    options.time_scale = plan.sim_time_scale;
    timing = fmt::format("continuous-batching engine, preset {}{}", plan.sim_preset,
                         plan.sim_time_scale == 1.0 ? std::string()
                                                    : fmt::format(", time scale {:g}", plan.sim_time_scale));
  }
  if (!plan.sim_answers.empty()) {
    auto answers = sim_answers(plan);
    if (!answers) return TargetError{answers.error().message, true};
    options.answers = (*answers)->settings();
    options.answer_key = std::move(*answers);
    timing += fmt::format(", answers mode: {} questions right with probability {:g}", options.answer_key->questions(),
                          plan.sim_answer_accuracy);
  }
  auto simulator = std::make_unique<sim::SimServer>(options);
  if (auto started = simulator->start(); !started) {
    return TargetError{"cannot start the built-in simulator: " + started.error().message};
  }
  announcement = fmt::format("llmload bench: no target given (--base-url/--host/--port), benchmarking the "
                             "built-in simulator at {} (model '{}', {})",
                             simulator->base_url(), options.model, timing);
  return simulator;
}

/// vLLM asks the server for its first model when --model is not given.
core::Result<std::string> discover_model(const runtime::Target& target, const net::HeaderList& headers) {
  auto response = net::fetch(target.base, target.endpoints, "GET", target.base.path + "/v1/models", headers, "",
                             std::chrono::seconds(30), target.tls.get(), target.tls_verify);
  if (!response) return response.error();
  if (response->status != 200) {
    return core::fail("GET {}/v1/models answered HTTP {}; pass --model NAME", target.base.to_string(),
                      response->status);
  }
  auto id = api::first_model_id(response->body);
  if (!id) return core::fail("GET {}/v1/models {}; pass --model NAME", target.base.to_string(), id.error().message);
  return id;
}

/// vLLM sends OPENAI_API_KEY as a bearer token unless a header names one. Never printed or saved.
net::HeaderList request_headers(const config::RunPlan& plan) {
  net::HeaderList headers = plan.headers;
  const char* key = std::getenv("OPENAI_API_KEY");
  const bool given = std::any_of(headers.begin(), headers.end(), [](const auto& h) {
    return boost::algorithm::iequals(h.first, "authorization");
  });
  if (key != nullptr && *key != '\0' && !given) net::set_header(headers, "Authorization", std::string("Bearer ") + key);
  // openai-audio posts a form (vLLM: aiohttp's FormData), not JSON.
  if (plan.flavor == api::Flavor::kAudio) net::set_header(headers, "Content-Type", api::multipart_content_type());
  return headers;
}

/// The address resolved once and the TLS context shared by every connection.
boost::system::result<runtime::Target, TargetError> connectable(const config::RunPlan& plan, const net::Url& base) {
  runtime::Target target;
  target.base = base;
  target.path = base.path + plan.endpoint;
  auto endpoints = net::resolve(base.host, base.port);
  if (!endpoints) return TargetError{endpoints.error().message};
  target.endpoints = std::move(*endpoints);
  if (base.tls()) {
    auto context = net::make_client_tls_context({plan.insecure, plan.ca_bundle});
    if (!context) return TargetError{context.error().message, true};
    target.tls = std::move(*context);
    target.tls_verify = !plan.insecure;
  }
  return target;
}

}  // namespace

boost::system::result<StartedTarget, TargetError> start_target(const config::RunPlan& plan,
                                                               std::string_view otlp_endpoint) {
  StartedTarget started;
  net::Url base = plan.base;
  if (plan.use_simulator) {
    auto simulator = start_simulator(plan, otlp_endpoint, started.announcement);
    if (!simulator) return simulator.error();
    started.simulator = std::move(*simulator);
    auto url = net::parse_url(started.simulator->base_url(), "simulator URL");
    if (!url) return TargetError{url.error().message};
    base = *url;
  }
  auto& resolved = started.resolved;
  resolved.simulator = plan.use_simulator;
  resolved.headers = request_headers(plan);
  auto target = connectable(plan, base);
  if (!target) return target.error();
  resolved.target = std::move(*target);
  for (const auto& url : plan.replicas) {  // several replicas: each resolved on its own
    auto replica = connectable(plan, url);
    if (!replica) return TargetError{url.to_string() + ": " + replica.error().message, replica.error().usage};
    resolved.replicas.push_back(std::move(*replica));
  }
  resolved.model = plan.model;
  if (resolved.model.empty()) {
    auto model = discover_model(resolved.target, resolved.headers);
    if (!model) return TargetError{model.error().message};
    resolved.model = *model;
  }
  resolved.body_model = plan.served_model_name.empty() ? resolved.model : plan.served_model_name;
  return started;
}

}  // namespace llmload::app
