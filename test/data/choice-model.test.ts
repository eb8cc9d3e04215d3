import { describe, expect, it } from "vitest";
import {
  DEFAULT_CHOICE_PARAMS,
  Rng,
  choiceProbabilities,
  esciGrade,
  sampleChoices,
  userUtility,
  type ChoiceProduct,
  type QueryIntent,
  type User,
} from "shoplm";

const intent = (over: Partial<QueryIntent> = {}): QueryIntent => ({
  targets: [{ category: "phone-cases", attributes: { compatibleWith: "Orbis S5", colour: "black" } }],
  brand: null,
  family: null,
  brandOnly: false,
  need: null,
  ...over,
});

const product = (over: Partial<ChoiceProduct> = {}): ChoiceProduct => ({
  id: "p1",
  category: "phone-cases",
  brand: "Voltix",
  family: "voltix-flex-phone-cases",
  attributes: { compatibleWith: "Orbis S5", colour: "black", material: "silicone", feature: "slim" },
  price: 15,
  rating: 4,
  ...over,
});

const neutral: User = {
  id: "u1",
  persona: "test",
  joined: "2024-01-01",
  preferences: { categories: [], brands: [], priceSensitivity: 0.3, qualitySensitivity: 0, attributes: [], searchPropensity: 0.5, activity: 1 },
};

describe("esciGrade", () => {
  it("grades Exact, Substitute (soft attribute, brand, model), Irrelevant (critical attribute) and related categories", () => {
    expect(esciGrade(intent(), product())).toBe("E");
    expect(esciGrade(intent(), product({ attributes: { ...product().attributes, colour: "red" } }))).toBe("S");
    expect(esciGrade(intent(), product({ attributes: { ...product().attributes, compatibleWith: "Voltix V12" } }))).toBe("I");
    expect(esciGrade(intent({ brand: "Orbis" }), product())).toBe("S");
    expect(esciGrade(intent({ family: "other" }), product())).toBe("S");
    expect(esciGrade(intent(), product({ category: "smartphones", attributes: {} }))).toBe("C");
    expect(esciGrade({ ...intent(), targets: [{ category: "earbuds", attributes: {} }] }, product({ category: "over-ear-headphones", attributes: {} }))).toBe("S");
    expect(esciGrade(intent(), product({ category: "dog-toys", attributes: {} }))).toBe("I");
  });

  it("grades brand-only queries: the brand's products are Exact, the rest Irrelevant", () => {
    const brandOnly = intent({ brand: "Voltix", brandOnly: true, targets: [{ category: "phone-cases", attributes: {} }] });
    expect(esciGrade(brandOnly, product())).toBe("E");
    expect(esciGrade(brandOnly, product({ brand: "Zapp" }))).toBe("I");
    expect(esciGrade(brandOnly, product({ category: "smartphones" }))).toBe("I");
  });
});

describe("choice model", () => {
  it("is a pure function of user, query and list", () => {
    const list = [product(), product({ id: "p2", price: 40 })];
    expect(choiceProbabilities(neutral, { intent: intent() }, list)).toEqual(choiceProbabilities(neutral, { intent: intent() }, list));
  });

  it("has position bias: the same product is clicked less the lower it is shown", () => {
    const out = choiceProbabilities(neutral, { intent: intent() }, [product(), product(), product(), product()]);
    for (let k = 1; k < out.length; k++) expect(out[k].click).toBeLessThan(out[k - 1].click);
    expect(out[0].examine).toBe(1);
    expect(out[3].examine).toBeCloseTo(1 / Math.pow(4, DEFAULT_CHOICE_PARAMS.positionDecay), 12);
  });

  it("prefers relevant products and keeps purchase <= cart <= click, all in [0, 1]", () => {
    const exact = product();
    const irrelevant = product({ id: "p9", category: "dog-toys", attributes: { size: "small", material: "rubber", feature: "squeaky" } });
    const [e] = choiceProbabilities(neutral, { intent: intent() }, [exact]);
    const [i] = choiceProbabilities(neutral, { intent: intent() }, [irrelevant]);
    expect(e.grade).toBe("E");
    expect(i.grade).toBe("I");
    expect(e.click).toBeGreaterThan(10 * i.click);
    for (const o of [e, i]) {
      expect(o.click).toBeLessThanOrEqual(1);
      expect(o.cart).toBeLessThanOrEqual(o.click);
      expect(o.purchase).toBeLessThanOrEqual(o.cart);
      expect(o.purchase).toBeGreaterThanOrEqual(0);
    }
  });

  it("personalises: favourite brand and taste raise utility, a phone the user does not own lowers it sharply", () => {
    const fan: User = {
      ...neutral,
      preferences: {
        ...neutral.preferences,
        brands: [{ value: "Voltix", weight: 1 }],
        attributes: [
          { attribute: "colour", value: "black", weight: 0.5 },
          { attribute: "compatibleWith", value: "Orbis S5", weight: 1 },
        ],
      },
    };
    expect(userUtility(fan, product())).toBeGreaterThan(userUtility(neutral, product()) + 1);
    const wrongPhone = product({ attributes: { ...product().attributes, compatibleWith: "Kestrel K9" } });
    expect(userUtility(fan, wrongPhone)).toBeLessThan(userUtility(neutral, wrongPhone));
    const [liked] = choiceProbabilities(fan, { intent: intent() }, [product()]);
    const [plain] = choiceProbabilities(neutral, { intent: intent() }, [product()]);
    expect(liked.click).toBeGreaterThan(plain.click);
    const off = { ...DEFAULT_CHOICE_PARAMS, utilityScale: 0 };
    expect(choiceProbabilities(fan, { intent: intent() }, [product()], off)[0].click).toBeCloseTo(choiceProbabilities(neutral, { intent: intent() }, [product()], off)[0].click, 12);
  });

  it("samples clicks, carts and purchases with the probabilities it states", () => {
    const list = [product(), product({ id: "p2", attributes: { ...product().attributes, colour: "red" } }), product({ id: "p3", category: "smartphones", attributes: {} })];
    const outcomes = choiceProbabilities(neutral, { intent: intent() }, list);
    const rng = new Rng(3);
    const n = 40000;
    const clicks = [0, 0, 0];
    const carts = [0, 0, 0];
    let purchases = 0;
    for (let i = 0; i < n; i++) {
      const s = sampleChoices(outcomes, rng);
      for (const p of s.clicks) clicks[p - 1]++;
      for (const p of s.carts) carts[p - 1]++;
      purchases += s.purchases.length;
      for (const p of s.purchases) expect(s.carts).toContain(p);
      for (const p of s.carts) expect(s.clicks).toContain(p);
    }
    outcomes.forEach((o, k) => {
      const se = Math.sqrt((o.click * (1 - o.click)) / n);
      expect(Math.abs(clicks[k] / n - o.click)).toBeLessThan(4 * se + 1e-9);
      const seCart = Math.sqrt((o.cart * (1 - o.cart)) / n);
      expect(Math.abs(carts[k] / n - o.cart)).toBeLessThan(4 * seCart + 1e-9);
    });
    const expected = outcomes.reduce((s, o) => s + o.purchase, 0) * n;
    expect(Math.abs(purchases - expected)).toBeLessThan(4 * Math.sqrt(expected) + 1);
  });
});
