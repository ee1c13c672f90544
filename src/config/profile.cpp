#include "llmload/config/profile.hpp"

#include "llmload/config/balance.hpp"
#include "llmload/config/profile_limits.hpp"
#include "llmload/config/shard.hpp"
#include "llmload/config/stage_plan.hpp"
#include "llmload/core/input_file.hpp"
#include "llmload/otlp/address.hpp"
#include "llmload/otlp/breakdown.hpp"

#include "llmload/core/units.hpp"
#include "llmload/sim/answer_key.hpp"
#include "llmload/workload/answer_score.hpp"
#include "llmload/workload/dataset_options.hpp"

#include <boost/json/value.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <tuple>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace llmload::config {
namespace {

using Keys = std::initializer_list<std::string_view>;

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string join(Keys keys) {
  std::string out;
  for (auto k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

/// Walks the YAML tree, converting values and collecting every problem with its position.
class Checker {
 public:
  Checker(std::string file, std::vector<std::string> overridden, std::vector<ProfileProblem>& out)
      : file_(std::move(file)), overridden_(std::move(overridden)), out_(out) {}

  void problem(const YAML::Node& node, const std::string& path, std::string message) {
    ProfileProblem p;
    p.file = file_;
    p.message = std::move(message);
    const bool from_override = std::any_of(overridden_.begin(), overridden_.end(), [&](const std::string& o) {
      return path == o || path.starts_with(o + ".");  // the node lies in what --set wrote
    });
    const auto mark = node.Mark();
    if (!from_override && mark.line >= 0) {
      p.line = mark.line + 1;
      p.column = mark.column + 1;
    } else if (from_override) {
      p.file = "--set";
    }
    out_.push_back(std::move(p));
  }

  /// True when `node` is a map; reports keys not in `known` (with the nearest known one).
  bool map(const YAML::Node& node, const std::string& path, Keys known) {
    if (!node.IsMap()) {
      problem(node, path, fmt::format("'{}' must be a mapping of keys ({})", path, join(known)));
      return false;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string_view nearest;
      std::size_t best = 3;  // suggest only close spellings
      for (auto k : known) {
        // A close spelling, or the start of a known key ("burst" for "burstiness").
        const auto d = key.size() >= 3 && k.starts_with(key) ? 1 : edit_distance(key, k);
        if (d < best) best = d, nearest = k;
      }
      problem(it->first, path + "." + key,
              nearest.empty()
                  ? fmt::format("unknown key '{}' in '{}'; known keys: {}", key, path, join(known))
                  : fmt::format("unknown key '{}' in '{}'; did you mean '{}'?", key, path, nearest));
    }
    return true;
  }

  std::optional<std::string> string(const YAML::Node& parent, const std::string& path, const char* key) {
    const YAML::Node n = parent[key];
    if (!n) return std::nullopt;
    if (!n.IsScalar()) {
      problem(n, path + "." + key, fmt::format("'{}.{}' must be a single value", path, key));
      return std::nullopt;
    }
    return n.Scalar();
  }

  template <class T>
  std::optional<T> number(const YAML::Node& parent, const std::string& path, const char* key,
                          std::optional<T> min = std::nullopt, std::optional<T> max = std::nullopt) {
    const YAML::Node n = parent[key];
    if (!n) return std::nullopt;
    T value{};
    if (!n.IsScalar() || !YAML::convert<T>::decode(n, value)) {
      problem(n, path + "." + key,
              fmt::format("'{}.{}' must be {} number, not '{}'", path, key,
                          std::is_integral_v<T> ? "a whole" : "a", n.IsScalar() ? n.Scalar() : "a structure"));
      return std::nullopt;
    }
    if ((min && value < *min) || (max && value > *max)) {
      problem(n, path + "." + key,
              fmt::format("'{}.{}' is {}; it must be {}", path, key, n.Scalar(),
                          min && max ? fmt::format("between {} and {}", *min, *max)
                          : min      ? fmt::format("at least {}", *min)
                                     : fmt::format("at most {}", *max)));
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> boolean(const YAML::Node& parent, const std::string& path, const char* key) {
    const YAML::Node n = parent[key];
    if (!n) return std::nullopt;
    bool value = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, value)) {
      const std::string where = path.empty() ? std::string(key) : path + "." + key;
      problem(n, where, fmt::format("'{}' must be true or false", where));
      return std::nullopt;
    }
    return value;
  }

  /// A value parsed by a core::units function (duration, rate, percent).
  template <class F>
  auto unit(const YAML::Node& parent, const std::string& path, const char* key, F parse)
      -> std::optional<typename decltype(parse(std::string_view{}))::value_type> {
    const YAML::Node n = parent[key];
    if (!n) return std::nullopt;
    if (!n.IsScalar()) {
      problem(n, path + "." + key, fmt::format("'{}.{}' must be a single value", path, key));
      return std::nullopt;
    }
    auto parsed = parse(n.Scalar());
    if (!parsed) {
      problem(n, path + "." + key, fmt::format("'{}.{}': {}", path, key, parsed.error().message));
      return std::nullopt;
    }
    return *parsed;
  }

  void one_of(const YAML::Node& parent, const std::string& path, const char* key,
              const std::string& value, Keys allowed) {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
    problem(parent[key], path + "." + key,
            fmt::format("'{}.{}' is '{}'; choose one of {}", path, key, value, join(allowed)));
  }

 private:
  std::string file_;
  std::vector<std::string> overridden_;
  std::vector<ProfileProblem>& out_;
};

/// target.sim_answers and its companions (the built-in simulator's answers mode).
void read_sim_answers(Checker& c, const YAML::Node& n, ProfileTarget& t) {
  const std::string path = "target";
  if (auto v = c.string(n, path, "sim_answers")) t.sim_answers = *v;
  if (auto v = c.number<double>(n, path, "sim_answer_accuracy", 0.0, 1.0)) t.sim_answer_accuracy = *v;
  if (auto v = c.string(n, path, "sim_answer_accuracy_by_category")) {
    t.sim_answer_accuracy_by_category = *v;
    if (auto r = sim::parse_accuracy_by_category(*v); !r) {
      c.problem(n["sim_answer_accuracy_by_category"], path + ".sim_answer_accuracy_by_category",
                fmt::format("'target.sim_answer_accuracy_by_category': {}", r.error().message));
    }
  }
  if (auto v = c.string(n, path, "sim_answer_accuracy_after")) {
    t.sim_answer_accuracy_after = *v;
    if (auto r = sim::parse_accuracy_changes(*v); !r) {
      c.problem(n["sim_answer_accuracy_after"], path + ".sim_answer_accuracy_after",
                fmt::format("'target.sim_answer_accuracy_after': {}", r.error().message));
    }
  }
  for (const char* key : {"sim_answer_accuracy", "sim_answer_accuracy_by_category", "sim_answer_accuracy_after"}) {
    if (n[key] && !n["sim_answers"]) {
      c.problem(n[key], path + "." + key, fmt::format("'target.{}' needs target.sim_answers: FILE", key));
    }
  }
  if (n["sim_answers"] && (n["base_url"] || n["base_urls"])) {
    c.problem(n["sim_answers"], path + ".sim_answers",
              "'target.sim_answers' applies to the built-in simulator; remove it or target.base_url");
  }
}

/// A base URL of the target: http:// or https://.
bool check_base_url(Checker& c, const YAML::Node& node, const std::string& path, const std::string& url) {
  if (url.starts_with("http://") || url.starts_with("https://")) return true;
  c.problem(node, path, fmt::format("'{}' is '{}'; write http://HOST:PORT or https://HOST:PORT", path, url));
  return false;
}

/// The list of `target.base_urls`, each an http(s) URL.
void read_url_list(Checker& c, const YAML::Node& n, ProfileTarget& t) {
  const YAML::Node list = n["base_urls"];
  if (!list) return;
  if (!list.IsSequence() || list.size() == 0 || list.size() > kMaxTargets) {
    c.problem(list, "target.base_urls",
              fmt::format("'target.base_urls' must be a list of 1 to {} URLs, e.g. [http://gpu-01:8000, http://gpu-02:8000]",
                          kMaxTargets));
    return;
  }
  if (n["base_url"]) c.problem(list, "target.base_urls", "give either 'target.base_url' or 'target.base_urls', not both");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = fmt::format("target.base_urls.{}", i);
    if (!list[i].IsScalar()) {
      c.problem(list[i], path, fmt::format("'{}' must be a URL, e.g. http://gpu-01:8000", path));
    } else if (check_base_url(c, list[i], path, list[i].Scalar())) {
      t.base_urls.push_back(list[i].Scalar());
    }
  }
}

/// `target.base_urls: [URL, ...]` (replicas without a router) and `target.balance`.
void read_base_urls(Checker& c, const YAML::Node& n, ProfileTarget& t) {
  read_url_list(c, n, t);
  if (auto v = c.string(n, "target", "balance")) {
    t.balance = *v;
    c.one_of(n, "target", "balance", t.balance, {"round-robin", "least-in-flight"});
  }
}

/// target.metrics_url (a URL or a list of them), scrape_interval and the timeouts: bench's
/// --metrics-url, --scrape-interval, --request-timeout and --connect-timeout.
void read_target_client(Checker& c, const YAML::Node& n, ProfileTarget& t) {
  const std::string path = "target";
  if (const YAML::Node urls = n["metrics_url"]) {
    const auto add = [&](const YAML::Node& u) {
      if (!u.IsScalar()) {
        c.problem(u, path + ".metrics_url", "'target.metrics_url' must be a URL or a list of URLs");
      } else if (!u.Scalar().starts_with("http://") && !u.Scalar().starts_with("https://")) {
        c.problem(u, path + ".metrics_url",
                  fmt::format("'target.metrics_url' is '{}'; write http://HOST:PORT/metrics", u.Scalar()));
      } else {
        t.metrics_urls.push_back(u.Scalar());
      }
    };
    if (urls.IsSequence()) {
      for (const auto& u : urls) add(u);
    } else {
      add(urls);
    }
  }
  t.scrape_interval = c.unit(n, path, "scrape_interval", core::parse_duration);
  for (const char* key : {"request_timeout", "connect_timeout"}) {
    auto v = c.unit(n, path, key, core::parse_duration);
    if (v && v->count() <= 0) {
      c.problem(n[key], path + "." + key, fmt::format("'target.{}' must be longer than 0, e.g. 30s", key));
      v.reset();
    }
    (std::string_view(key) == "request_timeout" ? t.request_timeout : t.connect_timeout) = v;
  }
}

void read_target(Checker& c, const YAML::Node& n, ProfileTarget& t) {
  const std::string path = "target";
  if (!c.map(n, path, {"base_url", "backend", "endpoint", "model", "served_model_name", "headers",
                       "insecure", "ca_bundle", "ready_check_timeout", "sim_preset", "sim_time_scale", "sim_answers",
                       "sim_answer_accuracy", "sim_answer_accuracy_by_category", "sim_answer_accuracy_after",
                       "otlp_receiver", "request_timeout", "base_urls", "balance", "metrics_url",
                       "scrape_interval", "connect_timeout"})) {
    return;
  }
  read_sim_answers(c, n, t);
  read_target_client(c, n, t);
  t.base_url = c.string(n, path, "base_url");
  if (t.base_url) check_base_url(c, n["base_url"], path + ".base_url", *t.base_url);
  read_base_urls(c, n, t);
  if (auto v = c.string(n, path, "backend")) {
    t.backend = *v;
    c.one_of(n, path, "backend", t.backend,
             {"openai", "vllm", "openai-chat", "openai-embeddings", "openai-embeddings-chat", "openai-embeddings-clip",
              "openai-embeddings-vlm2vec", "infinity-embeddings", "infinity-embeddings-clip", "vllm-pooling",
              "vllm-rerank", "openai-responses", "openai-audio"});
  }
  if (auto v = c.string(n, path, "endpoint")) {
    t.endpoint = *v;
    if (!t.endpoint.starts_with("/")) {
      c.problem(n["endpoint"], path + ".endpoint", "'target.endpoint' must start with '/', e.g. /v1/completions");
    } else if (t.endpoint.find_first_of(std::string_view(" \t\r\n\0", 5)) != std::string::npos) {
      c.problem(n["endpoint"], path + ".endpoint",
                "'target.endpoint' must not contain spaces, tabs, line breaks or NUL (they would change the request line)");
    }
  }
  if (auto v = c.string(n, path, "model")) t.model = *v;
  if (auto v = c.string(n, path, "served_model_name")) t.served_model_name = *v;
  if (const YAML::Node h = n["headers"]) {
    if (!h.IsMap()) {
      c.problem(h, path + ".headers", "'target.headers' must be a mapping of NAME: value");
    } else {
      for (auto it = h.begin(); it != h.end(); ++it) {
        if (!it->second.IsScalar()) {
          c.problem(it->second, path + ".headers", fmt::format("header '{}' must have a single value", it->first.Scalar()));
          continue;
        }
        t.headers.emplace_back(it->first.Scalar(), it->second.Scalar());
      }
    }
  }
  if (auto v = c.boolean(n, path, "insecure")) t.insecure = *v;
  if (auto v = c.string(n, path, "ca_bundle")) t.ca_bundle = *v;
  if (auto v = c.unit(n, path, "ready_check_timeout", core::parse_duration)) t.ready_check_timeout = *v;
  if (auto v = c.string(n, path, "sim_preset")) {
    t.sim_preset = *v;
    if ((t.base_url || !t.base_urls.empty()) && !t.sim_preset.empty()) {
      c.problem(n["sim_preset"], path + ".sim_preset",
                "'target.sim_preset' applies to the built-in simulator; remove it or target.base_url");
    }
  }
  if (auto v = c.string(n, path, "otlp_receiver")) {
    t.otlp_receiver = *v;
    if (auto a = otlp::parse_receiver_address(*v, "'target.otlp_receiver'"); !a) {
      c.problem(n["otlp_receiver"], path + ".otlp_receiver", a.error().message);
    }
  }
  if (auto v = c.number<double>(n, path, "sim_time_scale", 0.001, 1000.0)) {
    t.sim_time_scale = *v;
    if (t.sim_preset.empty()) {
      c.problem(n["sim_time_scale"], path + ".sim_time_scale",
                "'target.sim_time_scale' needs target.sim_preset (it speeds up the simulated engine)");
    }
  }
}

/// The keys of the datasets with their own settings: timed_trace's `trace_format`, hf's and
/// spec_bench's (bench's --timed-trace-*, --hf-*, --spec-bench-category, --blazedit-*).
void read_dataset_source(Checker& c, const YAML::Node& n, const std::string& path, ProfileWorkload& w) {
  const workload::DatasetInfo* dataset = workload::find_dataset(w.dataset);
  const auto only_for = [&](const char* key, workload::DatasetKind kind, const char* name) {
    if (n[key] && (dataset == nullptr || dataset->kind != kind)) {
      c.problem(n[key], path + "." + key, fmt::format("'{}.{}' applies to dataset: {}", path, key, name));
    }
  };
  if (const YAML::Node f = n["trace_format"]; f && c.map(f, path + ".trace_format",
      {"chunk_hash_size", "sec_multiplier", "label_timestamp", "label_input_length", "label_output_length", "label_hash_ids"})) {
    const std::string fp = path + ".trace_format";
    auto& t = w.timed_trace;
    if (auto v = c.number<std::int64_t>(f, fp, "chunk_hash_size", 1, 1 << 20)) t.chunk_hash_size = *v;
    if (auto v = c.number<double>(f, fp, "sec_multiplier", 1e-12)) t.sec_multiplier = *v;
    if (auto v = c.string(f, fp, "label_timestamp")) t.label_timestamp = *v;
    if (auto v = c.string(f, fp, "label_input_length")) t.label_input_length = *v;
    if (auto v = c.string(f, fp, "label_output_length")) t.label_output_length = *v;
    if (auto v = c.string(f, fp, "label_hash_ids")) t.label_hash_ids = *v;
  }
  only_for("trace_format", workload::DatasetKind::kTimedTrace, "timed_trace");
  auto& h = w.hub;
  if (auto v = c.string(n, path, "hf_name")) h.hf_name = *v;
  if (auto v = c.string(n, path, "hf_split")) h.hf_split = *v;
  if (auto v = c.string(n, path, "hf_subset")) h.hf_subset = *v;
  if (auto v = c.number<double>(n, path, "blazedit_min_distance", 0.0, 1.0)) h.blazedit_min_distance = *v;
  if (auto v = c.number<double>(n, path, "blazedit_max_distance", 0.0, 1.0)) h.blazedit_max_distance = *v;
  for (const char* key : {"hf_name", "hf_split", "hf_subset", "blazedit_min_distance", "blazedit_max_distance"}) {
    only_for(key, workload::DatasetKind::kHf, "hf");
  }
  if (auto v = c.string(n, path, "spec_bench_category")) h.spec_bench_category = *v;
  only_for("spec_bench_category", workload::DatasetKind::kSpecBench, "spec_bench");
}

void read_workload(Checker& c, const YAML::Node& n, ProfileWorkload& w) {
  const std::string path = "workload";
  if (!c.map(n, path, {"dataset", "dataset_path", "tokenizer", "input_len", "output_len",
                       "prefix_len", "range_ratio", "seed", "images_per_request", "image_sizes",
                       "turns", "think_time", "trace_time_scale", "num_prefixes", "suffix_len", "score",
                       "trace_format", "hf_name", "hf_split", "hf_subset", "spec_bench_category",
                       "blazedit_min_distance", "blazedit_max_distance"})) {
    return;
  }
  if (auto v = c.string(n, path, "dataset")) {
    w.dataset = *v;
    if (workload::find_dataset(w.dataset) == nullptr) {
      c.problem(n["dataset"], path + ".dataset", fmt::format("'{}.dataset' is '{}'; choose one of {}", path, w.dataset,
                                                             workload::dataset_names()));
    }
  }
  if (auto v = c.string(n, path, "dataset_path")) w.dataset_path = *v;
  const workload::DatasetInfo* dataset = workload::find_dataset(w.dataset);
  const bool file_dataset = dataset != nullptr && dataset->needs_path;
  if (file_dataset && w.dataset_path.empty()) {
    c.problem(n["dataset"], path + ".dataset",
              fmt::format("workload.dataset '{}' reads a file: add dataset_path: FILE (relative to the profile)", w.dataset));
  }
  if (auto v = c.string(n, path, "tokenizer")) w.tokenizer = *v;
  if (auto v = c.number<std::int64_t>(n, path, "input_len", 0)) w.input_len = *v, w.input_len_given = true;
  if (auto v = c.number<std::int64_t>(n, path, "output_len", 1)) w.output_len = *v, w.output_len_given = true;
  if (auto v = c.number<std::int64_t>(n, path, "images_per_request", 0, 64)) w.images_per_request = *v;
  if (auto v = c.string(n, path, "image_sizes")) w.image_sizes = *v;
  if ((n["images_per_request"] || n["image_sizes"]) && (dataset == nullptr || !dataset->images)) {
    c.problem(n["images_per_request"] ? n["images_per_request"] : n["image_sizes"], path,
              "'workload.images_per_request' and 'workload.image_sizes' apply to dataset: random-mm");
  }
  if (auto v = c.number<std::int64_t>(n, path, "prefix_len", 0)) w.prefix_len = *v, w.prefix_len_given = true;
  w.num_prefixes = c.number<std::int64_t>(n, path, "num_prefixes", 1);
  w.suffix_len = c.number<std::int64_t>(n, path, "suffix_len", 0);
  if ((n["num_prefixes"] || n["suffix_len"]) && (dataset == nullptr || dataset->kind != workload::DatasetKind::kPrefixRepetition)) {
    c.problem(n["num_prefixes"] ? n["num_prefixes"] : n["suffix_len"], path,
              "'workload.num_prefixes' and 'workload.suffix_len' apply to dataset: prefix_repetition");
  }
  if (auto v = c.number<double>(n, path, "range_ratio", 0.0, 0.999999)) w.range_ratio = *v;
  if (auto v = c.number<std::uint64_t>(n, path, "seed")) w.seed = *v;
  if (auto v = c.number<std::int64_t>(n, path, "turns", 1, 1000)) w.turns = static_cast<std::int32_t>(*v);
  if (auto v = c.unit(n, path, "think_time", core::parse_duration)) w.think_time = *v;
  if (n["think_time"] && w.turns <= 1) {
    c.problem(n["think_time"], path + ".think_time", "'workload.think_time' applies to multi-turn conversations: add turns: N (N > 1)");
  }
  if (auto v = c.number<double>(n, path, "trace_time_scale", 1e-9)) w.trace_time_scale = *v;
  read_dataset_source(c, n, path, w);
  if (auto v = c.string(n, path, "score")) {
    if (auto spec = workload::parse_score_spec(*v); !spec) {
      c.problem(n["score"], path + ".score", fmt::format("'workload.score' {}: {}", *v, spec.error().message));
    } else {
      w.score = *v;
    }
  }
  if (n["trace_time_scale"] && (dataset == nullptr || !dataset->trace)) {
    c.problem(n["trace_time_scale"], path + ".trace_time_scale", "'workload.trace_time_scale' applies to trace replay (dataset: mooncake or timed_trace)");
  }
}

/// YAML to JSON for extra_body: plain scalars become numbers, booleans or null when they read
/// as such, quoted ones stay strings.
boost::json::value to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    boost::json::object o;
    for (auto it = node.begin(); it != node.end(); ++it) o[it->first.Scalar()] = to_json(it->second);
    return o;
  }
  if (node.IsSequence()) {
    boost::json::array a;
    for (const auto& item : node) a.push_back(to_json(item));
    return a;
  }
  if (!node.IsScalar() || node.IsNull()) return nullptr;
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return boost::json::string(text);  // quoted in the YAML
  std::int64_t i = 0;
  if (const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      ec == std::errc{} && p == text.data() + text.size()) {
    return i;
  }
  double d = 0;
  if (YAML::convert<double>::decode(node, d) && text.find_first_of("0123456789") != std::string::npos) return d;
  bool b = false;
  if (YAML::convert<bool>::decode(node, b)) return b;
  return boost::json::string(text);
}

void read_request(Checker& c, const YAML::Node& n, ProfileRequest& r) {
  const std::string path = "request";
  if (!c.map(n, path, {"temperature", "top_p", "top_k", "min_p", "frequency_penalty",
                       "presence_penalty", "repetition_penalty", "max_tokens", "ignore_eos",
                       "extra_body", "request_id_prefix", "probe_request_rate"})) {
    return;
  }
  r.probe_request_rate = c.number<double>(n, path, "probe_request_rate", 0.0, 1000.0);
  if (auto v = c.string(n, path, "request_id_prefix")) r.request_id_prefix = *v;
  r.temperature = c.number<double>(n, path, "temperature", 0.0);
  r.top_p = c.number<double>(n, path, "top_p", 0.0, 1.0);
  r.top_k = c.number<std::int64_t>(n, path, "top_k", -1);
  r.min_p = c.number<double>(n, path, "min_p", 0.0, 1.0);
  r.frequency_penalty = c.number<double>(n, path, "frequency_penalty");
  r.presence_penalty = c.number<double>(n, path, "presence_penalty");
  r.repetition_penalty = c.number<double>(n, path, "repetition_penalty", 0.0);
  r.max_tokens = c.number<std::int64_t>(n, path, "max_tokens", 1);
  r.ignore_eos = c.boolean(n, path, "ignore_eos");
  if (const YAML::Node e = n["extra_body"]) {
    if (!e.IsMap()) {
      c.problem(e, path + ".extra_body", "'request.extra_body' must be a mapping (sent as a JSON object)");
    } else {
      r.extra_body_json = boost::json::serialize(to_json(e));
    }
  }
}

/// A stage's `stop_when:` (early stop): the windows at least 1 s, error_rate with over.
void read_stop_when(Checker& c, const YAML::Node& n, const std::string& path, StopWhen& s) {
  if (!c.map(n, path, {"errors", "error_rate", "over", "saturation"})) return;
  s.errors = c.number<std::int64_t>(n, path, "errors", 1);
  s.error_rate = c.unit(n, path, "error_rate", core::parse_percent);
  auto window = [&](const char* key) -> std::chrono::nanoseconds {
    const auto d = c.unit(n, path, key, core::parse_duration);
    if (d && *d < std::chrono::seconds(1)) {
      c.problem(n[key], path + "." + key, fmt::format("'{}.{}' must be at least 1s", path, key));
    }
    return d.value_or(std::chrono::nanoseconds(0));
  };
  s.over = window("over");
  s.saturation = window("saturation");
  if (s.error_rate && !(*s.error_rate > 0 && *s.error_rate < 1)) {
    c.problem(n["error_rate"], path + ".error_rate", fmt::format("'{}.error_rate' must be above 0% and below 100%", path));
  }
  if (n["error_rate"].IsDefined() != n["over"].IsDefined()) {
    c.problem(n, path, fmt::format("'{}' needs error_rate and over together, e.g. {{error_rate: 50%, over: 30s}}", path));
  }
  if (!n["errors"] && !n["error_rate"] && !n["saturation"]) {
    c.problem(n, path, fmt::format("'{}' sets no rule; add errors: N, error_rate: R with over: S, or saturation: S", path));
  }
}

/// A simulated disruption's `sim: KIND` (or the compact "KIND [DURATION] [PERCENT]"),
/// `for: DURATION` and `rate: PERCENT` (fail only).
std::optional<sim::SimDisruption> read_sim_event(Checker& c, const YAML::Node& n, const std::string& path) {
  const auto text = c.string(n, path, "sim");
  if (!text) return std::nullopt;
  std::string compact = *text;
  if (auto d = c.unit(n, path, "for", core::parse_duration)) compact += fmt::format(" {}ns", d->count());
  if (const auto rate = c.string(n, path, "rate")) compact += " " + *rate;
  auto d = sim::parse_disruption(compact);
  if (!d) {
    c.problem(n["sim"], path + ".sim",
              fmt::format("'{}.sim': {}; e.g. {{at: 10s, sim: pause, for: 5s}}, {{at: 10s, sim: fail, for: 5s, "
                          "rate: 30%}} or {{at: 10s, sim: restart, for: 2s}}", path, d.error().message));
    return std::nullopt;
  }
  return *d;
}

/// A stage's `events:` (at most 100): each {at: DURATION, run: "shell command"} or, with the
/// built-in simulator as the target, {at: DURATION, sim: KIND, for: DURATION, rate: PERCENT}.
void read_events(Checker& c, const YAML::Node& n, const std::string& path, bool builtin_sim,
                 std::vector<ProfileEvent>& events) {
  if (!n.IsSequence() || n.size() > 100) {
    c.problem(n, path, fmt::format("'{}' must be a list of at most 100 events, e.g. [{{at: 120s, run: \"kubectl delete pod vllm-1\"}}]", path));
    return;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string ep = fmt::format("{}.{}", path, i);
    if (!c.map(n[i], ep, {"at", "run", "sim", "for", "rate"})) continue;
    ProfileEvent e;
    const auto at = c.unit(n[i], ep, "at", core::parse_duration);
    const auto run = c.string(n[i], ep, "run");
    if (!n[i]["at"] || n[i]["run"].IsDefined() == n[i]["sim"].IsDefined() || (run && run->empty())) {
      c.problem(n[i], ep, fmt::format("'{}' needs at and one of run or sim, e.g. {{at: 120s, run: \"kubectl delete pod "
                                      "vllm-1\"}} or {{at: 10s, sim: pause, for: 5s}}", ep));
      continue;
    }
    if (n[i]["run"] && (n[i]["for"] || n[i]["rate"])) {
      c.problem(n[i], ep, fmt::format("'{}': for and rate go with sim, not with run", ep));
      continue;
    }
    if (n[i]["sim"] && !builtin_sim) {
      c.problem(n[i]["sim"], ep + ".sim",
                fmt::format("'{}.sim' disrupts the built-in simulator, but target.base_url names another server; "
                            "remove target.base_url, or use run: \"COMMAND\" (e.g. curl -X POST "
                            "http://HOST:PORT/llmload/sim/pause?for=5s against `llmload sim`)", ep));
      continue;
    }
    e.at = at.value_or(std::chrono::nanoseconds(0));
    if (run) e.run = *run;
    if (n[i]["sim"]) {
      e.sim = read_sim_event(c, n[i], ep);
      if (!e.sim) continue;
    }
    events.push_back(std::move(e));
  }
}

/// A written run name, checked (file:line:column on a bad one).
std::string read_name(Checker& c, const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) {
    c.problem(n, path, fmt::format("'{}' must be a single value, e.g. name: short-qa", path));
    return {};
  }
  if (auto why = check_run_name(n.Scalar()); !why.empty()) {
    c.problem(n, path, fmt::format("'{}' {}", path, why));
    return {};
  }
  return n.Scalar();
}

void read_stage(Checker& c, const YAML::Node& n, const std::string& path, bool builtin_sim, ProfileStage& s) {
  if (!c.map(n, path, {"name", "rate", "burstiness", "concurrency", "requests", "duration", "ramp",
                       "warmup", "cooldown", "stop_when", "repeat", "repeat_seed", "events"})) {
    return;
  }
  if (const YAML::Node w = n["stop_when"]) read_stop_when(c, w, path + ".stop_when", s.stop_when);
  if (const YAML::Node e = n["events"]) read_events(c, e, path + ".events", builtin_sim, s.events);
  s.repeat = c.number<std::int64_t>(n, path, "repeat", 1, 1000);
  if (auto v = c.string(n, path, "repeat_seed")) {
    c.one_of(n, path, "repeat_seed", *v, {"same", "different"});
    s.repeat_same_seed = *v == "same";
  }
  if (const YAML::Node name = n["name"]) s.name = read_name(c, name, path + ".name");
  s.rate = c.unit(n, path, "rate", core::parse_rate);
  if (auto v = c.number<double>(n, path, "burstiness")) {
    if (*v <= 0) c.problem(n["burstiness"], path + ".burstiness", fmt::format("'{}.burstiness' must be above 0 (1 = Poisson)", path));
    else s.burstiness = *v;
  }
  s.concurrency = c.number<std::int64_t>(n, path, "concurrency", 1);
  s.requests = c.number<std::int64_t>(n, path, "requests", 1);
  s.duration = c.unit(n, path, "duration", core::parse_duration);
  if (const YAML::Node ramp = n["ramp"]) {
    const std::string rp = path + ".ramp";
    if (c.map(ramp, rp, {"from", "to", "strategy"})) {
      s.ramp_from = c.unit(ramp, rp, "from", core::parse_rate);
      s.ramp_to = c.unit(ramp, rp, "to", core::parse_rate);
      if (!ramp["from"] || !ramp["to"]) c.problem(ramp, rp, fmt::format("'{}' needs both from and to, e.g. {{from: 1/s, to: 16/s}}", rp));
      if (auto v = c.string(ramp, rp, "strategy")) {
        s.ramp_strategy = *v;
        c.one_of(ramp, rp, "strategy", s.ramp_strategy, {"linear", "exponential"});
      }
      if (n["rate"]) c.problem(n["rate"], path + ".rate", fmt::format("'{}' has both rate and ramp; keep one", path));
    }
  }
  if (auto v = c.boolean(n, path, "warmup")) s.warmup = *v;
  if (auto v = c.boolean(n, path, "cooldown")) s.cooldown = *v, s.warmup = s.warmup || *v;
  if (!s.rate && !n["ramp"] && !s.concurrency && !n["rate"] && !n["concurrency"]) {
    c.problem(n, path, fmt::format("'{}' says neither how fast nor how many at once; add rate: 16/s "
                                   "(open loop) or concurrency: 32 (closed loop)", path));
  }
  if (!n["requests"] && !n["duration"]) {
    c.problem(n, path, fmt::format("'{}' never ends; add requests: 200 or duration: 5m", path));
  }
}

/// The requests a stage plans (conversations times turns) must fit in memory.
void check_stage_size(Checker& c, const YAML::Node& n, const std::string& path, const ProfileStage& s,
                      const ProfileWorkload& w) {
  if (!s.requests && !s.duration) return;
  const std::int64_t turns = std::max<std::int64_t>(w.turns, 1);
  const std::int64_t planned = stage_requests(s);
  const std::int64_t requests = planned > std::numeric_limits<std::int64_t>::max() / turns ? std::numeric_limits<std::int64_t>::max() : planned * turns;
  if (auto fits = check_requests_fit(requests, w.input_len); !fits) {
    c.problem(n["requests"] ? n["requests"] : n, path + ".requests", fmt::format("'{}': {}", path, fits.error().message));
  }
}

void read_slo(Checker& c, const YAML::Node& n, const std::string& path, ProfileSlo& s) {
  if (!c.map(n, path, {"metric", "stat", "max", "min", "max_drift", "ttft", "tpot", "e2el", "on"})) return;
  if (auto v = c.string(n, path, "on")) {
    s.on = *v;
    c.one_of(n, path, "on", s.on, {"mean", "ci_lower", "ci_upper"});
    if (!n["max"] && !n["min"]) c.problem(n["on"], path + ".on", fmt::format("'{}.on' applies to a max or min bound", path));
  }
  const auto metric = c.string(n, path, "metric");
  if (!metric) {
    c.problem(n, path, fmt::format("'{}' needs a metric, e.g. {{metric: ttft, stat: p99, max: 500ms}}", path));
    return;
  }
  s.metric = *metric;
  constexpr std::string_view kMetrics[] = {"ttft", "tpot", "itl", "e2el", "error_rate",
                                           "request_throughput", "output_throughput", "goodput", "accuracy", "recovery_time"};
  // The server-trace breakdown's parts (--otlp-receiver): server_queue_time, prefill_time, ...
  const bool part = otlp::part_of_slo_metric(s.metric).has_value();
  if (!part && std::find(std::begin(kMetrics), std::end(kMetrics), s.metric) == std::end(kMetrics)) {
    std::vector<std::string> known(std::begin(kMetrics), std::end(kMetrics));
    for (std::size_t k = 0; k < otlp::kPartCount; ++k) known.push_back(otlp::slo_metric_of(static_cast<otlp::Part>(k)));
    c.problem(n["metric"], path + ".metric",
              fmt::format("'{}.metric' is '{}'; choose one of {}", path, s.metric, fmt::join(known, ", ")));
    return;  // its bounds cannot be read without knowing their unit
  }
  const bool latency = part || s.metric == "ttft" || s.metric == "tpot" || s.metric == "itl" || s.metric == "e2el";
  if (auto v = c.string(n, path, "stat")) {
    s.stat = *v;
    const bool percentile = s.stat.size() > 1 && s.stat[0] == 'p' &&
                            s.stat.find_first_not_of("0123456789.", 1) == std::string::npos;
    if (!latency) c.problem(n["stat"], path + ".stat", fmt::format("'{}' takes no stat", s.metric));
    else if (!(s.stat == "mean" || s.stat == "median" || percentile)) {
      c.problem(n["stat"], path + ".stat", fmt::format("'{}.stat' is '{}'; write mean, median or pNN such as p99 or p99.9", path, s.stat));
    }
  } else if (latency) {
    c.problem(n, path, fmt::format("'{}' needs a stat for {}: mean, median or pNN (e.g. p99)", path, s.metric));
  }
  auto bound = [&](const char* key) -> std::optional<double> {
    if (!n[key]) return std::nullopt;
    if (latency || s.metric == "recovery_time") {
      auto d = c.unit(n, path, key, core::parse_duration);
      return d ? std::optional<double>(std::chrono::duration<double, std::milli>(*d).count()) : std::nullopt;
    }
    if (s.metric == "error_rate") return c.unit(n, path, key, core::parse_percent);
    if (s.metric == "accuracy") return c.number<double>(n, path, key, 0.0, 1.0);
    return c.unit(n, path, key, core::parse_rate);
  };
  s.max = bound("max");
  s.min = bound("min");
  s.max_drift = c.unit(n, path, "max_drift", core::parse_percent);
  if (!n["max"] && !n["min"] && !n["max_drift"]) {
    c.problem(n, path, fmt::format("'{}' sets no bound; add max, min or max_drift", path));
  }
  if (n["max_drift"] && ((!latency && s.metric != "accuracy") || part)) {
    c.problem(n["max_drift"], path + ".max_drift",
              fmt::format("'{}.max_drift' applies to latency metrics (ttft, tpot, itl, e2el) and accuracy, not {}",
                          path, s.metric));
  }
  auto threshold = [&](const char* key) -> std::optional<double> {
    if (!n[key]) return std::nullopt;
    if (s.metric != "goodput") {
      c.problem(n[key], path + "." + key,
                fmt::format("'{}.{}' is a goodput threshold; it applies to metric: goodput", path, key));
      return std::nullopt;
    }
    auto d = c.unit(n, path, key, core::parse_duration);
    return d ? std::optional<double>(std::chrono::duration<double, std::milli>(*d).count()) : std::nullopt;
  };
  s.good_ttft_ms = threshold("ttft");
  s.good_tpot_ms = threshold("tpot");
  s.good_e2el_ms = threshold("e2el");
  if (s.metric == "goodput" && !n["ttft"] && !n["tpot"] && !n["e2el"]) {
    c.problem(n, path, fmt::format("'{}' needs the per-request thresholds that make a request good: "
                                   "ttft, tpot and/or e2el, e.g. {{metric: goodput, min: 5/s, ttft: 500ms, tpot: 50ms}}", path));
  }
}

void read_search(Checker& c, const YAML::Node& n, const Profile& p, ProfileSearch& s) {
  const std::string path = "search";
  if (!c.map(n, path, {"over", "from", "to", "max_runs", "tolerance", "stage"})) return;
  if (auto v = c.string(n, path, "over")) {
    s.over = *v;
    c.one_of(n, path, "over", s.over, {"rate", "concurrency"});
  }
  const bool rate = s.over != "concurrency";
  auto value = [&](const char* key) -> std::optional<double> {
    if (!n[key]) {
      c.problem(n, path, fmt::format("'search' needs {}, e.g. {{over: rate, from: 1/s, to: 64/s}}", key));
      return std::nullopt;
    }
    if (rate) {
      auto r = c.unit(n, path, key, core::parse_rate);
      if (r && !std::isfinite(*r)) {
        c.problem(n[key], path + "." + key, fmt::format("'search.{}' must be a finite rate such as 16/s", key));
        return std::nullopt;
      }
      return r;
    }
    auto k = c.number<std::int64_t>(n, path, key, 1);
    return k ? std::optional<double>(static_cast<double>(*k)) : std::nullopt;
  };
  const auto from = value("from"), to = value("to");
  if (from && to) {
    s.from = *from;
    s.to = *to;
    if (!(s.from > 0) || !(s.to > s.from)) {
      c.problem(n["to"], path + ".to", fmt::format("'search' needs 0 < from < to (from {:g}, to {:g})", s.from, s.to));
    }
  }
  if (auto v = c.number<std::int64_t>(n, path, "max_runs", 2, 100)) s.max_runs = *v;
  if (auto v = c.unit(n, path, "tolerance", core::parse_percent)) {
    if (!(*v > 0) || *v >= 1) c.problem(n["tolerance"], path + ".tolerance", "'search.tolerance' must be above 0% and below 100%, e.g. 5%");
    else s.tolerance = *v;
  }
  s.stage = p.stages.empty() ? 0 : p.stages.size() - 1;
  if (auto v = c.number<std::int64_t>(n, path, "stage", 0)) {
    if (static_cast<std::size_t>(*v) >= p.stages.size()) {
      c.problem(n["stage"], path + ".stage", fmt::format("'search.stage' is {}; the profile has {} stage(s), numbered from 0", *v, p.stages.size()));
    } else {
      s.stage = static_cast<std::size_t>(*v);
    }
  }
  if (s.stage < p.stages.size()) {
    const ProfileStage& st = p.stages[s.stage];
    if (st.warmup) c.problem(n, path, fmt::format("'search' searches stage {} ('{}'), a warm-up or cool-down; name a measured stage with search.stage", s.stage, st.name));
    if (rate && st.ramp_from) c.problem(n, path, fmt::format("'search' over rate needs stage {} ('{}') to have a rate, not a ramp", s.stage, st.name));
  }
  if (p.slos.empty()) c.problem(n, path, "'search' looks for the highest load meeting every SLO, but the profile has no 'slo' list");
  if (!p.sweep.empty()) c.problem(n, path, "'search' and 'sweep' cannot be combined; run the sweep as its own profile");
}

/// The shard's text checked as bench checks --shard R/N ("auto" is read from the launcher's
/// variables when the profile runs).
void check_shard_text(Checker& c, const YAML::Node& node, const std::string& path, const std::string& text,
                      std::int64_t size) {
  if (text == "auto") return;
  const EnvLookup none = [](std::string_view) { return std::optional<std::string>(); };
  auto checked = resolve_shard(text, size, none, kProfileShardNames);
  if (!checked) {
    c.problem(node, path, checked.error().message + "; write shards: auto, shards: \"0/4\" or shards: {rank: 0, size: 4}");
  }
}

/// `shards:` (bench's --shard and companions): auto, "R/N", or a mapping.
void read_shards(Checker& c, const YAML::Node& n, const std::string& file, ProfileShards& s) {
  const std::string path = "shards";
  const auto mark = n.Mark();
  s.where = mark.line >= 0 ? fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1) : std::string("--set");
  if (n.IsScalar()) {
    s.shard = n.Scalar();
    check_shard_text(c, n, path, s.shard, 0);
    return;
  }
  if (!c.map(n, path, {"shard", "rank", "size", "rendezvous", "start_at", "rendezvous_timeout"})) return;
  if (auto v = c.string(n, path, "shard")) s.shard = *v;
  const auto rank = c.number<std::int64_t>(n, path, "rank", 0, kMaxShards - 1);
  if (auto v = c.number<std::int64_t>(n, path, "size", 1, kMaxShards)) s.size = *v;
  if (n["rank"] && n["shard"]) {
    c.problem(n["rank"], path + ".rank", "give 'shards.rank' with 'shards.size', or 'shards.shard', not both");
  } else if (n["rank"] && !n["size"]) {
    c.problem(n["rank"], path + ".rank", "'shards.rank' needs 'shards.size', e.g. shards: {rank: 0, size: 4}");
  } else if (rank && s.size > 0) {
    s.shard = fmt::format("{}/{}", *rank, s.size);
    s.size = 0;
    check_shard_text(c, n["rank"], path + ".rank", s.shard, 0);
  } else if (!n["rank"]) {
    check_shard_text(c, n["shard"] ? n["shard"] : n, path + ".shard", s.shard, s.size);
  }
  if (auto v = c.string(n, path, "rendezvous")) {
    if (v->empty()) c.problem(n["rendezvous"], path + ".rendezvous", "'shards.rendezvous' must name a folder");
    s.rendezvous = *v;
  }
  if (auto v = c.string(n, path, "start_at")) {
    if (auto at = parse_start_time(*v, "'shards.start_at'"); !at) c.problem(n["start_at"], path + ".start_at", at.error().message);
    s.start_at = *v;
  }
  if (n["rendezvous"] && n["start_at"]) {
    c.problem(n["start_at"], path + ".start_at", "give 'shards.rendezvous' or 'shards.start_at', not both");
  }
  if (auto d = c.unit(n, path, "rendezvous_timeout", core::parse_duration)) {
    if (*d < std::chrono::seconds(1) || *d > std::chrono::hours(24)) {
      c.problem(n["rendezvous_timeout"], path + ".rendezvous_timeout", "'shards.rendezvous_timeout' must be 1s to 24h");
    } else {
      s.rendezvous_timeout = *d;
    }
  }
}

/// One goodput entry at most: a run measures goodput against one set of thresholds.
void check_goodput_slos(Checker& c, const YAML::Node& root, const Profile& p) {
  std::size_t goodput_slos = 0;
  for (const auto& slo : p.slos) goodput_slos += slo.metric == "goodput" ? 1 : 0;
  if (goodput_slos > 1) {
    c.problem(root["slo"], "slo", "'slo' has more than one goodput entry; a run measures goodput against one set of thresholds");
  }
}

/// What a sharded profile cannot do: every shard must run the same sequence of runs, so no
/// capacity search (its next run follows the SLOs of a shard's share) and no early stop (one
/// shard would stop alone); a start time serves one run only.
void check_sharded(Checker& c, const YAML::Node& root, const Profile& p) {
  if (!p.shards) return;
  if (p.search) {
    c.problem(root["search"], "search", "'search' with 'shards': each shard would judge the SLOs on its own share of "
                                        "the load and pick a different next run; search without shards");
  }
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    if (!p.stages[i].stop_when.any()) continue;
    const std::string path = fmt::format("load.stages.{}.stop_when", i);
    c.problem(root["load"]["stages"][i]["stop_when"], path,
              fmt::format("'{}' with 'shards': a shard would stop on its own share while the others go on; leave "
                          "stop_when out of a sharded profile", path));
  }
  std::int64_t runs = 0;
  for (const auto& stage : p.stages) runs += stage.repeat.value_or(p.repeat);
  runs *= std::max<std::int64_t>(1, sweep_point_count(p.sweep));
  if (!p.shards->start_at.empty() && runs > 1) {
    c.problem(root["shards"]["start_at"], "shards.start_at",
              fmt::format("'shards.start_at' starts one run, but the profile runs {} (stages, repeats, sweep points); "
                          "use shards.rendezvous on a folder every shard shares", runs));
  }
}

void read_outputs(Checker& c, const YAML::Node& n, ProfileOutputs& o) {
  const std::string path = "outputs";
  if (!c.map(n, path, {"dir", "formats", "interval", "save_detailed", "show_answers", "metrics_port"})) return;
  if (auto v = c.number<std::int64_t>(n, path, "metrics_port", 0, 65535)) o.metrics_port = static_cast<std::uint16_t>(*v);
  if (auto v = c.boolean(n, path, "save_detailed")) o.save_detailed = *v;
  if (auto v = c.number<std::int64_t>(n, path, "show_answers", 0)) o.show_answers = *v;
  if (auto v = c.string(n, path, "dir")) o.dir = *v;
  if (const YAML::Node f = n["formats"]) {
    o.formats.clear();
    if (!f.IsSequence()) {
      c.problem(f, path + ".formats", "'outputs.formats' must be a list, e.g. [json, csv]");
    } else {
      for (const auto& item : f) {
        const std::string value = item.IsScalar() ? item.Scalar() : "";
        if (value != "json" && value != "csv" && value != "md" && value != "html" && value != "junit") {
          c.problem(item, path + ".formats", fmt::format("unknown output format '{}'; choose from json, csv, md, html, junit", value));
        } else {
          o.formats.push_back(value);
        }
      }
    }
  }
  if (auto v = c.unit(n, path, "interval", core::parse_duration)) {
    if (v->count() <= 0) c.problem(n["interval"], path + ".interval", "'outputs.interval' must be above 0, e.g. 5s");
    else o.interval = *v;
  }
}

/// One value of a sweep axis: a single value, `{name: N, value: V}`, or a whole section (a
/// scenario, e.g. one workload), whose `name:` names the point and is not applied.
void read_sweep_value(Checker& c, const YAML::Node& item, const std::string& where, SweepAxis& axis) {
  if (item.IsScalar()) {
    axis.values.push_back(item.Scalar());
    axis.names.emplace_back();
    return;
  }
  if (!item.IsMap()) {
    c.problem(item, where, fmt::format("'{}' values must be single values or mappings", where));
    return;
  }
  std::string name;
  if (const YAML::Node n = item["name"]) name = read_name(c, n, where + ".name");
  const bool named_value = item["name"] && item["value"] && item.size() == 2;
  YAML::Node section(YAML::NodeType::Map);
  for (auto it = item.begin(); it != item.end(); ++it) {
    if (it->first.Scalar() != "name") section[it->first.Scalar()] = it->second;
  }
  const YAML::Node applied = named_value ? item["value"] : section;
  if (applied.IsScalar()) {
    axis.values.push_back(applied.Scalar());
  } else {
    // A whole section per point (e.g. one workload per scenario), applied like --set.
    YAML::Emitter flow;
    flow << YAML::Flow << applied;
    axis.values.push_back(flow.c_str());
  }
  axis.names.push_back(std::move(name));
}

/// Two runs may not share a name (nor its file-name form): the second one is reported.
void check_unique_names(Checker& c, const YAML::Node& root, const Profile& p) {
  std::vector<std::string> seen;
  // Only maps are subscripted: yaml-cpp throws on operator[] of a scalar (a profile whose
  // `load` or a stage is not a mapping has been reported already).
  const YAML::Node load = root["load"];
  const YAML::Node stages = load && load.IsMap() ? load["stages"] : YAML::Node();
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    const std::string slug = name_slug(p.stages[i].name);
    if (std::find(seen.begin(), seen.end(), slug) != seen.end()) {
      const bool placed = stages && stages.IsSequence() && i < stages.size() && stages[i].IsMap() && stages[i]["name"];
      const YAML::Node at = placed ? stages[i]["name"] : root;
      c.problem(at, fmt::format("load.stages.{}.name", i),
                fmt::format("stage name '{}' is used twice (as a file name); give each stage its own name", p.stages[i].name));
    }
    seen.push_back(slug);
  }
  seen.clear();
  for (const auto& name : sweep_point_names(p)) {
    const std::string slug = name_slug(name);
    if (std::find(seen.begin(), seen.end(), slug) != seen.end()) {
      c.problem(root["sweep"], "sweep",
                fmt::format("two sweep points are named '{}' (as a file name); give each its own name: {{name: ..., value: ...}} or a 'name:' in each section", name));
      return;
    }
    seen.push_back(slug);
  }
}

void read_sweep(Checker& c, const YAML::Node& n, std::vector<SweepAxis>& axes) {
  if (!n.IsMap()) {
    c.problem(n, "sweep", "'sweep' must map profile paths to values, e.g. {load.stages.0.rate: [0.5, 1, 2, 5]}");
    return;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    SweepAxis axis;
    axis.path = it->first.Scalar();
    const YAML::Node v = it->second;
    const std::string where = "sweep." + axis.path;
    if (v.IsSequence()) {
      for (const auto& item : v) read_sweep_value(c, item, where, axis);
    } else if (v.IsMap() && c.map(v, where, {"from", "to", "step"})) {
      const auto from = c.number<double>(v, where, "from");
      const auto to = c.number<double>(v, where, "to");
      const auto step = c.number<double>(v, where, "step");
      if (!from || !to || !step || *step <= 0 || *to < *from || (*to - *from) / *step > 1000) {
        c.problem(v, where, fmt::format("'{}' needs from <= to and a step > 0 giving at most 1000 values, e.g. {{from: 1, to: 8, step: 1}}", where));
      } else {
        for (double x = *from; x <= *to + *step * 1e-9; x += *step) axis.values.push_back(fmt::format("{:g}", x));
        axis.names.resize(axis.values.size());
      }
    } else if (!v.IsMap()) {
      c.problem(v, where, fmt::format("'{}' must be a list of values or {{from, to, step}}", where));
    }
    if (axis.values.empty()) continue;
    axes.push_back(std::move(axis));
  }
}

/// Applies "a.b.0.c=value" to the tree; returns an error sentence or "".
std::string apply_override(YAML::Node& root, const std::string& assignment, std::string& path_out) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return fmt::format("'{}': write PATH=VALUE, e.g. --set load.stages.0.rate=8/s", assignment);
  }
  path_out = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    return fmt::format("'{}': the value is not valid YAML ({})", assignment, e.msg);
  }
  std::vector<std::string> parts;
  std::stringstream ss(path_out);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  YAML::Node current = root;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty()) return fmt::format("'{}': empty step in the path", assignment);
    YAML::Node next;
    if (current.IsSequence()) {
      std::size_t index = 0;
      const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec != std::errc{} || ptr != part.data() + part.size() || index >= current.size()) {
        return fmt::format("'{}': '{}' is not an index of the list there (it has {} items)",
                           assignment, part, current.size());
      }
      if (i + 1 == parts.size()) {
        current[index] = value;
        return "";
      }
      next.reset(current[index]);
    } else {
      if (current.IsScalar()) {
        return fmt::format("'{}': '{}' sits under a single value, not a mapping", assignment, part);
      }
      if (i + 1 == parts.size()) {
        current[part] = value;
        return "";
      }
      next.reset(current[part]);
    }
    current.reset(next);
  }
  return "";
}

/// load.stages, each stage checked against memory with the workload read before it.
void read_load(Checker& c, const YAML::Node& root, Profile& p) {
  if (const YAML::Node load = root["load"];
      load && c.map(load, "load", {"stages", "preconnect", "initial_request", "threads"})) {
    if (auto v = c.boolean(load, "load", "preconnect")) p.preconnect = *v;
    if (auto v = c.boolean(load, "load", "initial_request")) p.initial_request = *v;
    p.threads = c.number<std::int64_t>(load, "load", "threads", 1, 1024);
    const YAML::Node stages = load["stages"];
    if (!stages || !stages.IsSequence() || stages.size() == 0) {
      c.problem(stages ? stages : load, "load.stages",
                "'load.stages' must be a list of at least one stage, e.g. [{rate: 16/s, requests: 200}]");
    } else {
      for (std::size_t i = 0; i < stages.size(); ++i) {
        ProfileStage s;
        read_stage(c, stages[i], fmt::format("load.stages.{}", i), !p.target.base_url && p.target.base_urls.empty(), s);
        check_stage_size(c, stages[i], fmt::format("load.stages.{}", i), s, p.workload);
        if (s.name.empty()) s.name = fmt::format("stage {}", i + 1);
        p.stages.push_back(std::move(s));
      }
    }
  } else if (!load) {
    c.problem(root, "load", "the profile has no 'load' section; add load: {stages: [{rate: 16/s, requests: 200}]}");
  }
}

ProfileLoad parse_impl(const std::string& yaml, const std::string& name,
                       const std::vector<std::string>& overrides, bool check_sweep) {
  ProfileLoad result;
  if (yaml.size() > kMaxProfileBytes) {
    result.problems.push_back({name, 0, 0, fmt::format("the profile is {} bytes; a profile may have at most {} (1 MiB)",
                                                       yaml.size(), kMaxProfileBytes)});
    return result;
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    result.problems.push_back({name, e.mark.line + 1, e.mark.column + 1,
                               fmt::format("not valid YAML: {}", e.msg)});
    return result;
  }
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  std::vector<std::string> overridden;
  for (const auto& o : overrides) {
    std::string path;
    if (auto error = apply_override(root, o, path); !error.empty()) {
      result.problems.push_back({"--set", 0, 0, error});
    } else {
      overridden.push_back(path);
    }
  }
  if (auto bounds = check_yaml_document(root, name); !bounds.empty()) {
    result.problems.insert(result.problems.end(), bounds.begin(), bounds.end());
    return result;  // nothing more is read from such a document
  }
  Checker c(name, overridden, result.problems);
  Profile p;
  p.source = name;
  if (c.map(root, "profile", {"target", "workload", "request", "load", "sweep", "slo", "outputs", "search",
                              "allow_saturated_client", "repeat", "repeat_seed", "shards"})) {
    if (auto v = c.number<std::int64_t>(root, "profile", "repeat", 1, 1000)) p.repeat = *v;
    if (auto v = c.string(root, "profile", "repeat_seed")) {
      c.one_of(root, "profile", "repeat_seed", *v, {"same", "different"});
      p.repeat_same_seed = *v == "same";
    }
    if (root["target"]) read_target(c, root["target"], p.target);
    if (root["workload"]) read_workload(c, root["workload"], p.workload);
    if (root["request"]) read_request(c, root["request"], p.request);
    read_load(c, root, p);
    if (root["sweep"]) {
      read_sweep(c, root["sweep"], p.sweep);
      if (sweep_point_count(p.sweep) > kMaxSweepPoints) {
        c.problem(root["sweep"], "sweep", fmt::format("the sweep has more than {} points (its axes' sizes multiplied); "
                                                      "split it into several profiles", kMaxSweepPoints));
        p.sweep.clear();
      }
    }
    check_unique_names(c, root, p);
    if (const YAML::Node slo = root["slo"]) {
      if (!slo.IsSequence()) {
        c.problem(slo, "slo", "'slo' must be a list, e.g. [{metric: ttft, stat: p99, max: 500ms}]");
      } else {
        for (std::size_t i = 0; i < slo.size(); ++i) {
          ProfileSlo s;
          read_slo(c, slo[i], fmt::format("slo.{}", i), s);
          p.slos.push_back(std::move(s));
        }
      }
    }
    if (root["outputs"]) read_outputs(c, root["outputs"], p.outputs);
    if (auto v = c.boolean(root, "", "allow_saturated_client")) p.allow_saturated_client = *v;
    check_goodput_slos(c, root, p);
    if (root["search"]) {
      p.search.emplace();
      read_search(c, root["search"], p, *p.search);
    }
    if (root["shards"]) read_shards(c, root["shards"], name, p.shards.emplace());
    check_sharded(c, root, p);
  }
  // Each sweep point must itself make a valid profile (a path that names nothing, a value
  // of the wrong kind): check the first and last value of every axis.
  if (check_sweep && result.problems.empty()) {
    for (const auto& axis : p.sweep) {
      for (const std::string& value : {axis.values.front(), axis.values.back()}) {
        auto with = overrides;
        with.push_back(axis.path + "=" + value);
        auto again = parse_impl(yaml, name, with, false);
        for (auto& problem : again.problems) {
          problem.file = name;
          problem.line = problem.column = 0;
          problem.message = fmt::format("sweep {}={}: {}", axis.path, value, problem.message);
          result.problems.push_back(std::move(problem));
        }
      }
    }
  }
  std::stable_sort(result.problems.begin(), result.problems.end(),
                   [](const ProfileProblem& a, const ProfileProblem& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  if (result.problems.empty()) result.profile = std::move(p);
  return result;
}

}  // namespace

ProfileLoad parse_profile(const std::string& yaml, const std::string& name,
                          const std::vector<std::string>& overrides) {
  return parse_impl(yaml, name, overrides, true);
}

ProfileLoad load_profile(const std::string& path, const std::vector<std::string>& overrides) {
  auto text = core::read_input_file(path, kMaxProfileBytes, "profile");
  if (!text) {
    ProfileLoad result;
    // The problem is printed after the path already: "PATH: cannot read the profile: ...".
    std::string message = text.error().message;
    if (const std::string prefix = "profile " + path + ": "; message.starts_with(prefix)) message.erase(0, prefix.size());
    if (message.starts_with("cannot open: ")) message.replace(0, 13, "cannot read the profile: ");
    result.problems.push_back({path, 0, 0, std::move(message)});
    return result;
  }
  auto result = parse_profile(*text, path, overrides);
  if (result.profile && !result.profile->target.sim_answers.empty() &&
      std::filesystem::path(result.profile->target.sim_answers).is_relative()) {
    result.profile->target.sim_answers =
        (std::filesystem::path(path).parent_path() / result.profile->target.sim_answers).lexically_normal().string();
  }
  if (result.profile && !result.profile->workload.dataset_path.empty()) {
    // A dataset named in a profile lies next to it, wherever llmload is run from.
    const std::filesystem::path dataset(result.profile->workload.dataset_path);
    if (dataset.is_relative()) {
      result.profile->workload.dataset_path =
          (std::filesystem::path(path).parent_path() / dataset).lexically_normal().string();
    }
  }
  return result;
}

std::string format_problems(const std::vector<ProfileProblem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (p.line > 0) out += fmt::format("{}:{}:{}: {}\n", p.file, p.line, p.column, p.message);
    else out += fmt::format("{}: {}\n", p.file, p.message);
  }
  return out;
}

std::vector<std::vector<std::string>> sweep_points(const Profile& profile) {
  std::vector<std::vector<std::string>> points{{}};
  for (const auto& axis : profile.sweep) {
    std::vector<std::vector<std::string>> next;
    for (const auto& point : points) {
      for (const auto& value : axis.values) {
        auto extended = point;
        extended.push_back(axis.path + "=" + value);
        next.push_back(std::move(extended));
      }
    }
    points = std::move(next);
  }
  return points;
}

namespace {

/// "rate=2/s" for a rate path's number, "temperature=0.7", "workload 3" for an unnamed section.
std::string value_name(const SweepAxis& axis, std::size_t i) {
  if (i < axis.names.size() && !axis.names[i].empty()) return axis.names[i];
  const auto dot = axis.path.rfind('.');
  const std::string key = dot == std::string::npos ? axis.path : axis.path.substr(dot + 1);
  const std::string& value = axis.values[i];
  if (value.starts_with('{') || value.starts_with('[')) return fmt::format("{} {}", key, i + 1);
  const bool bare_rate = key == "rate" && !value.empty() && value.find_first_not_of("0123456789.eE+-") == std::string::npos;
  return fmt::format("{}={}{}", key, value, bare_rate ? "/s" : "");
}

/// The workload line of describe_profile: only the settings the dataset uses (a file dataset's
/// lengths come from the file unless the profile names them).
std::string describe_workload(const Profile& p) {
  const auto& w = p.workload;
  const workload::DatasetInfo* d = workload::find_dataset(w.dataset);
  const auto kind = d != nullptr ? d->kind : workload::DatasetKind::kRandom;
  const bool output_given = w.output_len_given || p.request.max_tokens.has_value();
  const std::int64_t output = p.request.max_tokens.value_or(w.output_len);
  std::vector<std::string> parts;
  if (kind == workload::DatasetKind::kPrefixRepetition) {
    if (w.prefix_len_given) parts.push_back(fmt::format("prefix {} tokens", w.prefix_len));
    if (w.suffix_len) parts.push_back(fmt::format("suffix {} tokens", *w.suffix_len));
    if (w.num_prefixes) parts.push_back(fmt::format("{} prefixes", *w.num_prefixes));
    if (output_given) parts.push_back(fmt::format("output {} tokens", output));
  } else if (d == nullptr || d->synthetic) {
    parts.push_back(fmt::format("input {} / output {} tokens, range ratio {:g}", w.input_len, output, w.range_ratio));
    if (w.prefix_len > 0) parts.push_back(fmt::format("shared prefix {} tokens", w.prefix_len));
    if (kind == workload::DatasetKind::kRandomMm) {
      parts.push_back(fmt::format("{} image(s) per request{}", w.images_per_request,
                                  w.image_sizes.empty() ? "" : ", sizes " + w.image_sizes));
    }
  } else {
    parts.push_back(w.input_len_given ? fmt::format("input {} tokens", w.input_len) : "input lengths from the file");
    parts.push_back(output_given ? fmt::format("output {} tokens", output) : "output lengths from the file");
  }
  if (d != nullptr && d->trace) parts.push_back(fmt::format("trace time scale {:g}", w.trace_time_scale));
  if (!w.score.empty()) parts.push_back("score " + w.score);
  parts.push_back(fmt::format("seed {}", w.seed));
  return fmt::format("  workload: {} dataset{}, {}\n", w.dataset, w.dataset_path.empty() ? "" : " " + w.dataset_path,
                     fmt::join(parts, ", "));
}

/// The client settings a profile changes from bench's defaults (none: "").
std::string describe_client(const Profile& p) {
  std::vector<std::string> parts;
  if (!p.initial_request) parts.push_back("no initial test request (the stages start cold)");
  if (p.threads) parts.push_back(fmt::format("{} threads", *p.threads));
  if (p.target.request_timeout) parts.push_back("request timeout " + core::format_duration(*p.target.request_timeout));
  if (p.target.connect_timeout) parts.push_back("connect timeout " + core::format_duration(*p.target.connect_timeout));
  if (p.target.scrape_interval) {
    parts.push_back(p.target.scrape_interval->count() > 0 ? "scrape /metrics every " + core::format_duration(*p.target.scrape_interval)
                                                          : std::string("no /metrics scrape"));
  }
  // URLs may hold credentials: counted, not printed.
  if (!p.target.metrics_urls.empty()) parts.push_back(fmt::format("{} more metrics URL(s)", p.target.metrics_urls.size()));
  if (!p.request.request_id_prefix.empty()) parts.push_back("request ids " + p.request.request_id_prefix + "…");
  if (p.outputs.save_detailed) parts.push_back("detailed results (texts and prompts)");
  if (p.outputs.show_answers > 0) parts.push_back(fmt::format("show {} answers", p.outputs.show_answers));
  return parts.empty() ? std::string() : fmt::format("  client: {}\n", fmt::join(parts, ", "));
}

}  // namespace

std::vector<std::string> sweep_point_names(const Profile& profile) {
  std::vector<std::string> names{""};
  for (const auto& axis : profile.sweep) {
    std::vector<std::string> next;
    for (const auto& name : names) {
      for (std::size_t i = 0; i < axis.values.size(); ++i) {
        next.push_back(name.empty() ? value_name(axis, i) : name + ", " + value_name(axis, i));
      }
    }
    names = std::move(next);
  }
  return names;
}

std::string name_slug(const std::string& name) {
  std::string out;
  for (const char c : name) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-';
  }
  return out;
}

std::string check_run_name(const std::string& name) {
  constexpr std::size_t kMaxName = 64;
  if (name.empty() || name.size() > kMaxName) return fmt::format("must be 1 to {} characters long", kMaxName);
  bool alnum = false;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    alnum = alnum || std::isalnum(c) != 0;
    if (std::isalnum(c) == 0 && c < 0x80 && std::string_view(" ._-=/,+()%:").find(ch) == std::string_view::npos) {
      return fmt::format("'{}' may hold letters, digits, spaces and . _ - = / , + ( ) % : only (it names files, "
                         "columns and legends)", name);
    }
  }
  if (!alnum) return fmt::format("'{}' needs at least one letter or digit", name);
  return {};
}

std::string describe_profile(const Profile& p) {
  std::string out = fmt::format("profile {}\n", p.source);
  out += fmt::format("  target: {} ({}{}{})\n",
                     !p.target.base_urls.empty() ? fmt::format("{} replicas, {}", p.target.base_urls.size(), p.target.balance)
                     : p.target.base_url.value_or(p.target.sim_preset.empty()
                                                    ? std::string("the built-in simulator")
                                                    : "the built-in simulator, engine preset " + p.target.sim_preset),
                     p.target.backend, p.target.model.empty() ? "" : ", model ", p.target.model);
  if (!p.target.sim_answers.empty()) {
    out += fmt::format("  simulator answers: {}, right with probability {:g}{}{}\n", p.target.sim_answers,
                       p.target.sim_answer_accuracy,
                       p.target.sim_answer_accuracy_by_category.empty() ? "" : ", by category " + p.target.sim_answer_accuracy_by_category,
                       p.target.sim_answer_accuracy_after.empty() ? "" : ", after " + p.target.sim_answer_accuracy_after);
  }
  if (!p.target.headers.empty()) {
    out += "  headers:";
    for (const auto& [name, value] : p.target.headers) out += " " + name;  // never values
    out += "\n";
  }
  out += describe_workload(p) + describe_client(p);
  if (p.workload.turns > 1) {
    out += fmt::format("  multi-turn: {} turns per conversation, think time {} (stage requests count conversations)\n",
                       p.workload.turns, core::format_duration(p.workload.think_time));
  }
  for (const auto& s : p.stages) {
    std::string how;
    if (s.ramp_from) how = fmt::format("ramp {:g}/s -> {:g}/s ({})", *s.ramp_from, s.ramp_to.value_or(0), s.ramp_strategy);
    else if (s.rate) how = std::isinf(*s.rate) ? "all at once" : fmt::format("{:g}/s (burstiness {:g})", *s.rate, s.burstiness);
    if (s.concurrency) how += fmt::format("{}concurrency {}", how.empty() ? "" : ", at most ", *s.concurrency);
    std::string until;
    if (s.requests) until = fmt::format("{} requests", *s.requests);
    if (s.duration) until += fmt::format("{}{}", until.empty() ? "" : " or ", core::format_duration(*s.duration));
    out += fmt::format("  stage '{}': {}, until {}{}\n", s.name, how, until, s.cooldown ? " (cool-down, not measured)" : s.warmup ? " (warm-up, not measured)" : "");
  }
  const auto points = sweep_points(p);
  if (!p.sweep.empty()) {
    const auto names = sweep_point_names(p);
    out += fmt::format("  sweep: {} points{}{}\n", points.size(), names.size() <= 30 ? ": " : "",
                       names.size() <= 30 ? fmt::format("{}", fmt::join(names, "; ")) : std::string());
  }
  for (const auto& s : p.slos) {
    const bool latency = !s.stat.empty() || s.metric == "recovery_time";
    auto value = [&](double v) {
      if (latency) return fmt::format("{:g} ms", v);
      if (s.metric == "error_rate") return fmt::format("{:g}%", v * 100);
      if (s.metric == "accuracy") return fmt::format("{:g}", v);
      return fmt::format("{:g}/s", v);
    };
    std::string bound;
    if (s.max) bound += " <= " + value(*s.max);
    if (s.min) bound += " >= " + value(*s.min);
    if (s.max_drift) bound += fmt::format(" drift <= {:g}%", *s.max_drift * 100);
    if (s.good_ttft_ms) bound += fmt::format(" (good: ttft <= {:g} ms", *s.good_ttft_ms);
    if (s.good_tpot_ms) bound += fmt::format("{}tpot <= {:g} ms", s.good_ttft_ms ? ", " : " (good: ", *s.good_tpot_ms);
    if (s.good_e2el_ms) bound += fmt::format("{}e2el <= {:g} ms", s.good_ttft_ms || s.good_tpot_ms ? ", " : " (good: ", *s.good_e2el_ms);
    if (s.good_ttft_ms || s.good_tpot_ms || s.good_e2el_ms) bound += ")";
    out += fmt::format("  slo: {}{}{}{}\n", s.metric, s.stat.empty() ? "" : " ", s.stat, bound);
  }
  if (p.search) {
    const bool rate = p.search->over == "rate";
    out += fmt::format("  search: highest {} of stage '{}' meeting every SLO, {:g}{} .. {:g}{}, at most {} runs, tolerance {:g}%\n",
                       p.search->over, p.search->stage < p.stages.size() ? p.stages[p.search->stage].name : "?",
                       p.search->from, rate ? "/s" : "", p.search->to, rate ? "/s" : "", p.search->max_runs,
                       p.search->tolerance * 100);
  }
  if (p.shards) {
    const auto& sh = *p.shards;
    out += fmt::format("  shards: {}{}{}{} (each stage run as one shard; merge each stage's files with llmload merge)\n",
                       sh.shard, sh.size > 0 ? fmt::format(" of {}", sh.size) : "",
                       sh.rendezvous.empty() ? "" : ", rendezvous in " + sh.rendezvous,
                       sh.start_at.empty() ? "" : ", start at " + sh.start_at);
  }
  out += fmt::format("  outputs: {} ({}), interval {}\n", p.outputs.dir,
                     fmt::join(p.outputs.formats, ", "), core::format_duration(p.outputs.interval));
  return out;
}

}  // namespace llmload::config
