/**
 * Training on about 5 MB of real product text (Amazon item texts, then Crowdflower product
 * texts): the vocabulary of 8,000 is reached, and the time it took is printed (measured, not
 * asserted: timings belong in bench/, never in a test's verdict), with the vocabulary growth.
 */
import { trainWordPiece } from "shoplm";
import { AMAZON_ITEMS, amazonTexts, crowdflowerRows } from "./datasets";

const amazon = amazonTexts();
const crowdflower = crowdflowerRows();

function corpusOfAbout(bytes: number): { texts: string[]; bytes: number } {
  const texts: string[] = [];
  let total = 0;
  const seen = new Set<string>();
  const candidates = [...(amazon ?? []), ...(crowdflower ?? []).flatMap((r) => [r.title, r.description])];
  for (const text of candidates) {
    if (total >= bytes) break;
    if (seen.has(text)) continue; // Crowdflower repeats each product once per query
    seen.add(text);
    texts.push(text);
    total += Buffer.byteLength(text, "utf8") + 1;
  }
  return { texts, bytes: total };
}

describe("WordPiece training speed", () => {
  it.skipIf(amazon === null)(
    `reaches 8,000 pieces on about 5 MB of product text${amazon === null ? ` (skipped: ${AMAZON_ITEMS} not found)` : ""}`,
    () => {
      const { texts, bytes } = corpusOfAbout(5_000_000);
      for (const scoring of ["bpe", "wordpiece"] as const) {
        const start = performance.now();
        const r = trainWordPiece(texts, { vocabSize: 8000, scoring });
        const seconds = (performance.now() - start) / 1000;
        expect(r.vocab).toHaveLength(8000);
        const at = (size: number): string => {
          const step = r.merges.find((m) => m.vocabSize >= size);
          return step === undefined ? "-" : (step.corpusTokens / r.wordTokens).toFixed(2);
        };
        console.log(
          `${scoring}: ${(bytes / 1e6).toFixed(2)} MB, ${texts.length} texts, ${r.wordTokens} words (${r.wordTypes} distinct) -> ` +
            `${r.vocab.length} pieces, ${r.merges.length} merges in ${seconds.toFixed(2)} s. Pieces per word on the training text: ` +
            `characters ${(r.initialCorpusTokens / r.wordTokens).toFixed(2)}, ` +
            [500, 1000, 2000, 4000, 8000].map((s) => `${s} ${at(s)}`).join(", "),
        );
      }
    },
    300_000,
  );
});
