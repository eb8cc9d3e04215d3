/**
 * Tokenizer files on disk: a folder with `tokenizer.json`, `tokenizer_config.json`,
 * `special_tokens_map.json` and `vocab.txt`, the layout transformers and transformers.js load
 * (`AutoTokenizer.from_pretrained(folder)`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/files";
import { parseTokenizerJson, tokenizerJsonText, toTokenizerConfigJson, vocabText } from "./tokenizer-json";
import type { WordPieceTokenizer } from "./wordpiece";

/** Writes the tokenizer's files into `dir` (created if missing); returns the paths written. */
export function saveTokenizer(tokenizer: WordPieceTokenizer, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const { specialTokens } = tokenizer.config;
  const files: [string, string][] = [
    ["tokenizer.json", tokenizerJsonText(tokenizer)],
    ["tokenizer_config.json", JSON.stringify(toTokenizerConfigJson(tokenizer), null, 2) + "\n"],
    [
      "special_tokens_map.json",
      JSON.stringify(
        {
          unk_token: specialTokens.unk,
          sep_token: specialTokens.sep,
          pad_token: specialTokens.pad,
          cls_token: specialTokens.cls,
          mask_token: specialTokens.mask,
        },
        null,
        2,
      ) + "\n",
    ],
    ["vocab.txt", vocabText(tokenizer)],
  ];
  return files.map(([name, text]) => {
    const file = path.join(dir, name);
    writeFileAtomic(file, text);
    return file;
  });
}

/** Reads a tokenizer from a folder (or from a `tokenizer.json` path); `tokenizer_config.json` is optional. */
export function loadTokenizer(dirOrFile: string): WordPieceTokenizer {
  const isFile = fs.existsSync(dirOrFile) && fs.statSync(dirOrFile).isFile();
  const dir = isFile ? path.dirname(dirOrFile) : dirOrFile;
  const file = isFile ? dirOrFile : path.join(dir, "tokenizer.json");
  if (!fs.existsSync(file)) {
    throw new Error(`loadTokenizer: expected a tokenizer.json at ${file}, found no such file.`);
  }
  const configFile = path.join(dir, "tokenizer_config.json");
  const configText = fs.existsSync(configFile) ? fs.readFileSync(configFile, "utf8") : null;
  return parseTokenizerJson(fs.readFileSync(file, "utf8"), file, configText);
}
