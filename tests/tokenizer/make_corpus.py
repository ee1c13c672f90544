#!/usr/bin/env python3
"""Writes corpus.jsonl (one JSON string per line) for the tokenizer parity test.

  python3 tests/tokenizer/make_corpus.py > tests/tokenizer/corpus.jsonl

Kept as a script so the cases stay readable; corpus.jsonl is committed and is what the test
reads. Characters are limited to Unicode 14 assignments (the generated tables' version), and
U+0085, U+FEFF, U+017F and U+212A are left out: JavaScript's \\s and case folding differ from
Oniguruma's there, so the reference itself would not match Hugging Face's Rust tokenizers.
"""
import json
import sys

cases = [
    # English prose
    "The quick brown fox jumps over the lazy dog.",
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness.",
    "Load testing an inference server means measuring time to first token, inter-token latency and throughput under a realistic arrival process.",
    "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.",
    "“Smart quotes,” ‘single ones’, and an ellipsis… plus a dash – and an em dash — too.",
    "Mr. O'Neil's dog didn't bark; we'd've noticed. They're here, you'll see, I'm sure, he'd know.",
    "DON'T SHOUT! I'LL TELL HIM WE'VE GONE. SHE'S AND HE'D AND THEY'RE AND I'M.",
    "MiXeD cAsE: It'S, wE'Re, I'M, yOu'Ll, tHeY'Ve, sHe'D.",
    "rock 'n' roll, 'tis, 'twas, ma'am, o'clock, y'all'd've",
    "Don’t use curly apostrophes’s forms; it’s tricky.",
    "Hello",
    " Hello",
    "  Hello",
    "Hello ",
    "Hello   ",
    "a",
    " ",
    "x y  z   w    v",
    # whitespace runs
    "line one\nline two\n\nline four\n\n\n",
    "\n",
    "\n\n\n\n",
    "\t\tindented with tabs\n\t\t\tmore",
    "trailing spaces   \nand tabs\t\t\n   leading spaces",
    "mixed \t \n \r\n whitespace\r\n\r\nCRLF lines\r\n",
    "    \n    ",
    "end with newline\n",
    "end with spaces    ",
    "word\u00a0nbsp\u2003emspace\u3000ideographic space",
    "\u2028line separator\u2029paragraph separator",
    # numbers
    "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678901234567890",
    "3.14159 2.71828 1e-10 6.022e23 -42 +7 0x1F 0b1010 1,000,000 1_000_000",
    "Prices: $5, $10.99, €1.234,56, ¥1000, £3.50; 50% off; 1/2 and ¾ and ²³ and ½.",
    "Dates 2024-06-10T12:34:56Z and 10/06/2024, phone +1 (555) 123-4567.",
    "Version v1.2.3-rc.4+build.567, IPv4 192.168.0.1, IPv6 fe80::1ff:fe23:4567:890a",
    "٠١٢٣٤٥٦٧٨٩ Arabic-Indic digits, ０１２３ full-width, ⅠⅡⅢ roman numerals, 𝟙𝟚𝟛",
    "abc123def4567ghi89",
    # Chinese, Japanese, Korean
    "我爱自然语言处理。今天天气很好，我们去公园散步吧！",
    "大型语言模型的推理服务需要进行负载测试，以衡量首个词元的延迟和吞吐量。",
    "日本語のテキストも試してみましょう。ひらがな、カタカナ、漢字が混ざっています。",
    "東京タワーは１９５８年に完成しました。ｶﾀｶﾅ半角も。",
    "한국어 문장도 포함합니다. 안녕하세요, 세계!",
    "中文English混合mixed文本text，标点符号！？",
    "繁體中文與简体中文：這是一個測試。",
    # Other scripts
    "Привет, мир! Это тест токенизатора на русском языке.",
    "Ελληνικά: Καλημέρα κόσμε, τι κάνεις;",
    "مرحبا بالعالم! هذا اختبار للغة العربية.",
    "שלום עולם, זה מבחן.",
    "नमस्ते दुनिया, यह एक परीक्षण है।",
    "สวัสดีชาวโลก นี่คือการทดสอบ",
    "Tiếng Việt có nhiều dấu: Việt Nam, người, được, những.",
    # accents and combining characters
    "café naïve résumé façade coöperate São Paulo Zürich Ångström",
    "cafe\u0301 nai\u0308ve re\u0301sume\u0301 (combining accents, NFD input)",
    "A\u030a and \u212b and \u00c5 (three ways to write A-ring)",
    "e\u0301\u0302\u0323 stacked combining marks and o\u0328\u0304",
    "Ǆ ǅ ǆ ﬁ ﬂ ﬀ ligatures and titlecase digraphs",
    "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u036b\u0357\u0334\u0362\u0335\u031c\u0330\u0354L\u0368\u0367\u0369\u0358\u0320G\u0311\u0357\u030e\u0305\u035b\u0341\u0334\u033b\u0348\u034d\u0354\u0339O\u0302\u030c\u030c\u0358\u0328\u0335\u0339\u033b\u031d\u0333 zalgo",
    "\u1100\u1161\u11a8 conjoining jamo and 각",
    # emoji
    "I love pizza 🍕 and tacos 🌮!",
    "Family: 👨‍👩‍👧‍👦 couple: 👩‍❤️‍👨 flag: 🏳️‍🌈 pirate: 🏴‍☠️",
    "Skin tones: 👍🏻 👍🏼 👍🏽 👍🏾 👍🏿 and 🧑🏽‍💻 technologist",
    "Flags 🇺🇸🇯🇵🇫🇷🇩🇪 keycaps 1️⃣ #️⃣ *️⃣",
    "😀😃😄😁😆😅🤣😂🙂🙃🫠 emoji run",
    "❤️ vs ❤ and ☺️ vs ☺ variation selectors",
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland tag sequence",
    # code
    "def fib(n: int) -> int:\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "#include <vector>\nint main() {\n  std::vector<int> v{1, 2, 3};\n  for (auto& x : v) x *= 2;\n  return v[0] == 2 ? 0 : 1;\n}\n",
    "fn main() {\n    let s: &str = \"hello\";\n    println!(\"{s} {}\", s.len());\n}",
    "const f = async (x) => { await fetch(`/api/${x}?q=1&r=2`); return x ?? null; };",
    "SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%son' ORDER BY id DESC;",
    "<html><head><title>Test</title></head><body class=\"main\">&amp; &lt;&gt;</body></html>",
    "{\"key\": [1, 2.5, true, null], \"nested\": {\"a\": \"b\\n\"}}",
    "if [[ -f \"$HOME/.bashrc\" ]]; then source ~/.bashrc; fi 2>&1 | tee -a /tmp/log.txt",
    "x+=1;y-=2;z*=3;w/=4;a%=5;b**=6;c//=7;d<<=8;e>>=9;f&=10;g|=11;h^=12",
    "    indented_code_line = 42  # comment with trailing spaces   ",
    "public static void main(String[] args) { System.out.println(\"Hi\"); }",
    "https://example.com/path/to/page?query=value&other=1#fragment user@example.org",
    "!!!???...,,,;;;:::---___===+++***&&&|||~~~^^^%%%$$$###@@@",
    "((([[[{{{<<<>>>}}}]]])))",
    "____init____ __dunder__ snake_case_name camelCaseName PascalCaseName kebab-case-name",
    # special-token strings inside text
    "<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n",
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>",
    "<s>[INST] What is 2+2? [/INST] 4</s>",
    "<bos><start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
    "<｜begin▁of▁sentence｜>User: hi<｜end▁of▁sentence｜>",
    "<|endoftext|> then text <|endoftext|><|endoftext|>",
    "<|im_start <|im_end| partial <|tokens|> and <think></think> tags",
    "text<|im_start|>glued<|im_end|>together",
    "<unk> <pad> <mask> [multimodal] <unused0>",
    "▁ already has the sentencepiece space ▁▁ twice",
    # odd but valid UTF-8
    "\u0000 nul and \u0001 controls \u001b[31mred\u001b[0m \u007f del",
    "\u200b zero width space, \u200c ZWNJ, \u200d ZWJ, \u2060 word joiner",
    "\u00ad soft hyphen and \u034f combining grapheme joiner",
    "\ue000 private use \U000f0000 plane 15 private use",
    "\U0001d400\U0001d401\U0001d402 math bold and \U00010348 gothic hwair",
    "\u0378\u0379 unassigned code points \U000e0001 tag",
    "Replacement char \ufffd and noncharacters \ufdd0 \uffff \U0010ffff",
    "\u2062\u2063 invisible operators, \u180e mongolian vowel separator",
    "à la carte: l'été, c'est déjà l'heure d'aller à l'école.",
    "Straße, Maßstab, ĲSSELMEER, İstanbul, ıi, ǰ",
    # long line
    " ".join(["Performance matters: tokenizers must be fast and exact, measured and tested."] * 12),
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "=" * 80,
    "-" * 33 + " " * 17 + "\n" * 5 + "\t" * 4,
    "🙂" * 20,
    "的" * 40,
]

for case in cases:
    sys.stdout.write(json.dumps(case, ensure_ascii=False) + "\n")
