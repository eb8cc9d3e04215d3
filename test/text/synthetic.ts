/**
 * Hard synthetic text for tokenizer tests: fixed edge cases (empty strings, CJK, accents, emoji
 * sequences, Unicode punctuation, control and zero-width characters, very long words, special
 * tokens typed in the text) and seeded random mixtures of the same ingredients.
 */
import { Rng } from "shoplm";

export const EDGE_CASES: readonly string[] = [
  "",
  " ",
  "\t\n\r  \u00a0\u3000",
  "Wireless Bluetooth Headphones, Noise-Cancelling (Black)",
  "USB-C 3.1 Gen-2 cable, 2m / 6.6ft — 10Gbps!!!",
  "蓝牙耳机 无线 降噪 (黑色)",
  "小米Redmi Note 12 Pro+ 5G手机",
  "ワイヤレスイヤホン Bluetooth5.3 ノイズキャンセリング",
  "무선 블루투스 이어폰",
  "Café crème brûlée — Müller's Spätzle, ½ kg, 20 °C",
  "ＵＳＢ　３．０ ハブ ４ポート",
  "ﬁne ﬂour, m² area, x³, Ⅻ o'clock, ℃, №5",
  "ΣΊΣΥΦΟΣ ΟΔΟΣ ΚΑΛΟΣ",
  "İstanbul DİYARBAKIR ı İ",
  "Straße groß ẞ",
  "😀 great 👍🏽 product!! ❤️ 👨‍👩‍👧‍👦 🇫🇷 #1 ⭐⭐⭐⭐⭐",
  "price: $19.99 (was €25,00) ~ £15 | ¥2000 + tax = ?",
  "“smart quotes” «guillemets» ‹single› „low“ 『brackets』 【new】 ¿qué? ¡sí!",
  "a…b–c—d・e、f。g",
  "email me: shop@example.com or visit https://example.com/p?id=42&ref=abc#top",
  "<b>Bold</b> &amp; <i>italic</i> <br/> 5&quot;",
  "zero\u200bwidth\u200cjoin\u200dners\ufeffbom\u00adsoft-hyphen",
  "control\u0000chars\u0001here\u0007\u001b[31m red\u007f \u0085next\u2028line\u2029para",
  "replacement \ufffd char and private \ue000 use",
  "lone \ud800 surrogate \udc00 halves",
  "combining: e\u0301 a\u0308 n\u0303 o\u0302 (decomposed)",
  "a".repeat(99),
  "b".repeat(100),
  "c".repeat(101),
  "supercalifragilisticexpialidocious".repeat(4),
  "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
  "Fill in: the [MASK] is waterproof",
  "[CLS] already [SEP] there [PAD][PAD]",
  "foo[MASK]bar [mask] [UNK] [MASK",
  "[[MASK]] ([SEP])",
  "numbers 1,234,567.89 3.14159 -42 1e10 0x1F 2024-01-31 12:30",
  "Arabic العربية Hebrew עברית Thai ภาษาไทย Hindi हिन्दी",
  "emoji-only 🎧🎧🎧",
  "tabs\tand\nnewlines\r\nmixed",
  "   leading and trailing spaces   ",
  "...!!!???,,,;;;",
  "x".repeat(400),
  "Crème brûlée 蓝牙 ｶﾀｶﾅ 🤖 Ωmega µm",
  "Extension B: 𠀀𠀁 𪚥 and compat 丽",
  "𠮷野家 の 牛丼",
];

const POOLS: readonly string[][] = [
  [..."abcdefghijklmnopqrstuvwxyz"],
  [..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
  [..."0123456789"],
  [..." ", " ", " ", " ", "\t", "\n", "\u00a0", "\u3000"],
  [..."!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"],
  [..."“”‘’«»—–…¿¡・、。【】『』"],
  [..."éèêëáàâäãåçñóòôöõúùûüíìîïýÿæœøßÉÀÇÑÖÜ"],
  [..."蓝牙耳机无线降噪黑色白色手机充电器数据线保护壳"],
  [..."ひらがなカタカナｶﾀｶﾅ"],
  [..."한국어무선"],
  ["😀", "👍🏽", "❤️", "👨‍👩‍👧", "🇫🇷", "⭐", "🎧", "\u200d", "\ufe0f"],
  [..."ＡＢＣ１２３　ﬁﬂ²³½℃"],
  ["\u0301", "\u0308", "\u0000", "\u0007", "\u200b", "\ufeff", "\ufffd", "\ue000"],
  ["[MASK]", "[SEP]", "[CLS]", "[PAD]", "[UNK]", "[mask]"],
  ["shoe", "phone", "cable", "charger", "wireless", "bluetooth", "running", "waterproof"],
];

/** `count` seeded random strings mixing the pools (words, punctuation, scripts, emoji, controls). */
export function randomTexts(count: number, seed: number | string): string[] {
  const rng = new Rng(seed);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = rng.int(40);
    let text = "";
    for (let j = 0; j < n; j++) {
      const pool = POOLS[rng.int(POOLS.length)];
      text += pool[rng.int(pool.length)];
    }
    texts.push(text);
  }
  return texts;
}

/** Text pairs (query, product) made from the same material. */
export function randomPairs(count: number, seed: number | string): [string, string][] {
  const a = randomTexts(count, `${seed}-a`);
  const b = randomTexts(count, `${seed}-b`);
  return a.map((x, i) => [x, b[i]]);
}
