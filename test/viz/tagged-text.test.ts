import { captureDisplay, taggedText, type MimeBundle } from "shoplm";
import { taggedTextBundle } from "../../lib/src/viz/tagged-text";

const query = { words: ["orbis", "matte", "black", "phone", "case"], tags: ["B-brand", "B-colour", "I-colour", "O", "O"] };

/** The marks of an HTML rendering: type, background colour and the words inside (superscript removed). */
function marks(html: string): { type: string; colour: string; words: string }[] {
  return [...html.matchAll(/<mark class="shoplm-tag" data-type="([^"]*)" title="[^"]*" style="background:([^;]*);[^"]*">([\s\S]*?)<sup[^>]*>[\s\S]*?<\/sup><\/mark>/g)].map(
    (m) => ({ type: m[1], colour: m[2], words: m[3] })
  );
}

function legend(html: string): { type: string; colour: string }[] {
  return [...html.matchAll(/<span class="shoplm-tag-legend" style="background:([^;]*);[^"]*">([^<]*)<\/span>/g)].map((m) => ({ type: m[2], colour: m[1] }));
}

describe("taggedText", () => {
  test("text fallback: each span in brackets followed by its type, labels before the words", () => {
    const bundle = taggedTextBundle([query, { label: "predicted", words: ["blue", "usb-c", "cable", "2m"], tags: ["B-colour", "O", "O", "B-size"] }]);
    expect(bundle["text/plain"]).toBe(["[orbis]brand [matte black]colour phone case", "predicted: [blue]colour usb-c cable [2m]size"].join("\n"));
  });

  test("one colour per type, the same in every row and in the legend; the type as superscript and title", () => {
    const html = String(
      taggedTextBundle([query, { words: ["black", "orbis", "charger"], tags: ["B-colour", "B-brand", "O"] }], { caption: "attribute tags" })["text/html"]
    );
    const found = marks(html);
    expect(found.map((m) => [m.type, m.words])).toEqual([["brand", "orbis"], ["colour", "matte black"], ["colour", "black"], ["brand", "orbis"]]);
    const brand = found.filter((m) => m.type === "brand").map((m) => m.colour);
    const colour = found.filter((m) => m.type === "colour").map((m) => m.colour);
    expect(new Set(brand).size).toBe(1);
    expect(new Set(colour).size).toBe(1);
    expect(brand[0]).not.toBe(colour[0]);
    expect(legend(html)).toEqual([{ type: "brand", colour: brand[0] }, { type: "colour", colour: colour[0] }]);
    expect(html).toContain('title="brand"');
    expect(html).toMatch(/<sup[^>]*>colour<\/sup><\/mark>/);
    expect(html).toContain("attribute tags");
  });

  test("`types` fixes the legend order and the colours across calls; `colors` overrides one", () => {
    const types = ["brand", "colour", "size"];
    const a = String(taggedTextBundle([{ words: ["2m"], tags: ["B-size"] }], { types })["text/html"]);
    const b = String(taggedTextBundle([{ words: ["orbis", "2m"], tags: ["B-brand", "B-size"] }], { types })["text/html"]);
    expect(marks(a)[0].colour).toBe(marks(b)[1].colour);
    // The legend lists only the types that occur, in the given order.
    expect(legend(b).map((l) => l.type)).toEqual(["brand", "size"]);
    const c = String(taggedTextBundle([query], { colors: { brand: "#123456" } })["text/html"]);
    expect(marks(c)[0].colour).toBe("#123456");
    // Twelve types: beyond the palette, still twelve different colours.
    const many = Array.from({ length: 12 }, (_, k) => `t${k}`);
    const d = String(taggedTextBundle([{ words: many, tags: many.map((t) => `B-${t}`) }])["text/html"]);
    expect(new Set(marks(d).map((m) => m.colour)).size).toBe(12);
  });

  test("spans are read as span-level F1 reads them: an I- after O starts a span, a type change splits one", () => {
    const bundle = taggedTextBundle([{ words: ["a", "b", "c", "d"], tags: ["O", "I-size", "I-material", "I-material"] }]);
    expect(bundle["text/plain"]).toBe("a [b]size [c d]material");
  });

  test("words, labels, types and the caption are escaped in the HTML", () => {
    const html = String(
      taggedTextBundle([{ label: "<b>q1</b>", words: ["<script>alert(1)</script>", "a&b", '"x"'], tags: ["B-brand", "O", "B-x<y"] }], { caption: "<i>c</i>" })[
        "text/html"
      ]
    );
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>q1");
    expect(html).not.toContain("<i>c");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("a&amp;b");
    expect(html).toContain("&quot;x&quot;");
    expect(html).toContain('data-type="x&lt;y"');
    // The text fallback is plain text: nothing escaped there.
    expect(String(taggedTextBundle([{ words: ["a&b"], tags: ["B-brand"] }])["text/plain"])).toBe("[a&b]brand");
  });

  test("taggedText sends one bundle with HTML and the text fallback through the display path", () => {
    const shown: MimeBundle[] = [];
    const restore = captureDisplay((bundle) => shown.push(bundle));
    try {
      taggedText([query]);
    } finally {
      restore();
    }
    expect(shown).toHaveLength(1);
    expect(Object.keys(shown[0]).sort()).toEqual(["text/html", "text/plain"]);
    expect(shown[0]["text/plain"]).toBe("[orbis]brand [matte black]colour phone case");
  });

  test("bad input names the row, the field and what was found", () => {
    expect(() => taggedTextBundle([query, { label: "q2", words: ["a", "b"], tags: ["O"] }])).toThrow(
      'taggedText: rows[1] ("q2") has 2 words but 1 tags; expected one tag per word.'
    );
    expect(() => taggedTextBundle([{ words: ["a", "b"], tags: ["O", "X-brand"] }])).toThrow(/rows\[0\]\.tags\[1\]: expected a BIO tag .* found "X-brand"/);
    expect(() => taggedTextBundle([])).toThrow(/at least one row/);
    expect(() => taggedTextBundle([{ words: "a b", tags: ["O"] } as never])).toThrow(/rows\[0\]\.words: expected an array of words; found "a b"/);
    expect(() => taggedTextBundle([{ words: ["a", 2], tags: ["O", "O"] } as never])).toThrow(/rows\[0\]\.words\[1\]: expected a string; found number/);
    expect(() => taggedTextBundle([query], { colors: { brand: "red;position:fixed" } })).toThrow(/colors\["brand"\] should be a CSS colour .* found "red;position:fixed"/);
  });
});
