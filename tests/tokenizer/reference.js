// Prints the reference token ids of every corpus line, and their decoding, as one JSON object
// per line: {"ids": [...], "decoded": "..."}.
//   node reference.js <node_modules dir> <model: qwen3|llama3|llama2|gemma3|deepseek_v3> <corpus.jsonl>
// The tokenizer.json is read from the package's models/ folder (the same file the C++ side
// loads), and encoded with add_special_tokens=false.
"use strict";
const fs = require("fs");
const path = require("path");

const [modules, model, corpus] = process.argv.slice(2);
if (!modules || !model || !corpus) {
  console.error("usage: node reference.js <node_modules> <model> <corpus.jsonl>");
  process.exit(2);
}
const { TokenizerLoader } = require(path.join(modules, "@lenml/tokenizers"));
const dir = path.join(modules, "@lenml", `tokenizer-${model}`, "models");
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8")),
  tokenizerConfig: JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8")),
});
const lines = fs.readFileSync(corpus, "utf8").split("\n").filter((l) => l.length > 0);
const out = [];
for (const line of lines) {
  const text = JSON.parse(line);
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  const decoded = tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  out.push(JSON.stringify({ ids, decoded }));
}
process.stdout.write(out.join("\n") + "\n");
