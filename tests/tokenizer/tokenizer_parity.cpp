// Compares llmload's tokenizer with reference output, line by line.
//   tokenizer_parity <tokenizer.json> <corpus.jsonl> <reference.jsonl>
// corpus.jsonl: one JSON string per line. reference.jsonl: one {"ids": [...], "decoded": "..."}
// per corpus line (tests/tokenizer/reference.js). Exit status 0 only when every line's ids and
// decoding match; otherwise prints the first mismatches with both sequences.
#include "llmload/tokenizer/tokenizer.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> read_lines(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open", path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string escaped(const std::string& s) { return boost::json::serialize(boost::json::value(s)); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: tokenizer_parity <tokenizer.json> <corpus.jsonl> <reference.jsonl>\n";
    return 2;
  }
  try {
    auto tokenizer = llmload::tokenizer::Tokenizer::load(argv[1]);
    if (!tokenizer) {
      std::cerr << "FAIL: " << tokenizer.error().message << "\n";
      return 1;
    }
    const auto corpus = read_lines(argv[2]);
    const auto reference = read_lines(argv[3]);
    if (corpus.size() != reference.size()) {
      std::cerr << fmt::format("FAIL: {} corpus lines but {} reference lines\n", corpus.size(), reference.size());
      return 1;
    }
    std::size_t id_mismatches = 0, decode_mismatches = 0, tokens = 0;
    constexpr std::size_t kShow = 5;
    for (std::size_t i = 0; i < corpus.size(); ++i) {
      const std::string text(boost::json::parse(corpus[i]).as_string());
      const auto ref = boost::json::parse(reference[i]).as_object();
      std::vector<std::int32_t> want;
      for (const auto& id : ref.at("ids").as_array()) want.push_back(static_cast<std::int32_t>(id.to_number<std::int64_t>()));
      const std::string want_text(ref.at("decoded").as_string());
      const auto got = tokenizer->encode(text);
      tokens += got.size();
      if (got != want) {
        if (++id_mismatches <= kShow) {
          std::cerr << fmt::format("ids mismatch, line {}: {}\n  want [{}]\n  got  [{}]\n", i + 1, escaped(text),
                                   fmt::join(want, ","), fmt::join(got, ","));
          std::string pieces;
          for (const auto id : got) pieces += fmt::format("{}|", escaped(std::string(tokenizer->id_to_token(id).value_or("?"))));
          std::cerr << "  got tokens  " << pieces << "\n";
          pieces.clear();
          for (const auto id : want) pieces += fmt::format("{}|", escaped(std::string(tokenizer->id_to_token(id).value_or("?"))));
          std::cerr << "  want tokens " << pieces << "\n";
        }
        continue;
      }
      auto decoded = tokenizer->decode(got);
      const std::string got_text = decoded ? *decoded : "<error: " + decoded.error().message + ">";
      if (got_text != want_text && ++decode_mismatches <= kShow) {
        std::cerr << fmt::format("decode mismatch, line {}:\n  want {}\n  got  {}\n", i + 1, escaped(want_text),
                                 escaped(got_text));
      }
    }
    std::cout << fmt::format("{}: {} lines, {} tokens, {} id mismatches, {} decode mismatches\n", argv[1],
                             corpus.size(), tokens, id_mismatches, decode_mismatches);
    return id_mismatches == 0 && decode_mismatches == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "FAIL: " << e.what() << "\n";
    return 1;
  }
}
