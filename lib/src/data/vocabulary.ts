/**
 * The shop's vocabulary beyond category names: other words for attribute values (synonyms,
 * spelling variants, unit conversions), abbreviations, common misspellings, and the vague needs
 * shoppers describe instead of naming a product. Category synonyms live in the taxonomy.
 */
import type { Rng } from "../core/random";
import type { AttributeName } from "./taxonomy";
import type { ProductAttributes } from "./records";

/** Other ways to say an attribute value (lower case). Sellers mostly use the value itself. */
export const VALUE_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  // colours
  grey: ["gray", "charcoal"],
  "matte grey": ["matte gray", "gunmetal"],
  navy: ["navy blue", "dark blue"],
  beige: ["tan", "sand", "khaki"],
  silver: ["metallic", "chrome"],
  burgundy: ["maroon", "wine red"],
  olive: ["khaki green", "army green"],
  clear: ["transparent", "see-through"],
  pink: ["rose", "blush"],
  "rose gold": ["rosegold", "pink gold"],
  purple: ["violet", "lilac"],
  "light blue": ["sky blue", "pale blue"],
  brown: ["chocolate", "coffee brown"],
  multicolour: ["multicolor", "rainbow", "multi-coloured"],
  "warm white": ["soft white", "yellow light"],
  "cool white": ["daylight", "bright white"],
  sage: ["light green", "sage green"],
  assorted: ["mixed colours", "multicolor"],
  tortoise: ["tortoiseshell", "havana"],
  oak: ["light wood", "natural oak"],
  walnut: ["dark wood"],
  kraft: ["brown paper"],
  "neon yellow": ["volt", "fluorescent yellow"],
  // materials
  aluminium: ["aluminum", "alu"],
  "stainless steel": ["steel", "inox", "18/8 steel"],
  "faux leather": ["vegan leather", "pu leather", "leatherette"],
  "vegan leather": ["faux leather", "pu leather"],
  leather: ["genuine leather", "real leather"],
  microfibre: ["microfiber"],
  polyester: ["poly"],
  "memory foam": ["viscoelastic foam", "foam"],
  "down alternative": ["synthetic down", "faux down"],
  wood: ["wooden", "timber"],
  "tempered glass": ["9h glass", "toughened glass"],
  "natural rubber": ["rubber"],
  MDF: ["engineered wood", "particle board"],
  "cast iron": ["cast-iron", "iron"],
  "enamelled cast iron": ["enameled cast iron", "dutch oven style"],
  synthetic: ["synthetic fill", "polyester fill"],
  // features
  "noise cancelling": ["noise canceling", "noise cancellation", "anc"],
  "sweat resistant": ["sweatproof", "sweat proof", "for workouts"],
  waterproof: ["water proof", "rainproof", "water tight"],
  "water resistant": ["splash proof", "water repellent"],
  insulated: ["thermal", "vacuum insulated", "keeps hot"],
  leakproof: ["leak proof", "spill proof", "no spill"],
  "non-stick": ["nonstick", "non stick"],
  "induction compatible": ["induction ready", "for induction hobs"],
  "lumbar support": ["back support", "lower back support"],
  "height adjustable": ["sit stand", "adjustable height"],
  dimmable: ["with dimmer", "adjustable brightness"],
  polarized: ["polarised", "anti glare"],
  "fast charging": ["quick charge", "rapid charging"],
  rechargeable: ["usb rechargeable", "battery powered"],
  hypoallergenic: ["allergy friendly", "anti allergy"],
  lightweight: ["light weight", "ultralight"],
  orthopedic: ["orthopaedic"],
  "self-cleaning": ["self cleaning", "automatic"],
  touchscreen: ["touch screen", "texting"],
  "anti-dandruff": ["dandruff", "for flaky scalp"],
  "sulfate-free": ["sulphate free", "no sulfates"],
  "fragrance-free": ["unscented", "no perfume"],
  expandable: ["expanding", "stretchable"],
  "kink-free": ["tangle free", "no kink"],
  solar: ["solar powered", "sun powered"],
  "4K": ["uhd", "ultra hd"],
  "1080p": ["full hd", "fhd"],
  "144 Hz": ["high refresh rate", "144hz"],
  "two-way talk": ["talk back", "2 way audio"],
  "night vision": ["infrared", "sees in the dark"],
  "one-hand fold": ["easy fold", "compact fold"],
  foldable: ["folding", "collapsible"],
  "built-in microphone": ["with mic", "mic"],
  "long battery life": ["long lasting battery", "all day battery"],
  "with lid": ["lidded", "including lid"],
  // sizes and audiences
  XS: ["extra small"],
  S: ["small"],
  M: ["medium", "med"],
  L: ["large"],
  XL: ["extra large"],
  XXL: ["2xl", "xx large"],
  twin: ["single"],
  full: ["double"],
  queen: ["queen size", "queen sized"],
  king: ["king size", "king sized"],
  "men's": ["mens", "for men", "male"],
  "women's": ["womens", "ladies", "for women"],
  "kids'": ["kids", "children's", "for kids", "youth"],
  unisex: ["for men and women", "gender neutral"],
  // connectivity
  bluetooth: ["bt", "blue tooth", "cordless"],
  wired: ["corded", "with cable"],
  wireless: ["cordless", "wifi"],
  "USB-C": ["type c", "usb type c"],
  "micro-USB": ["micro usb", "android cable"],
  // styles
  oversized: ["baggy", "loose fit"],
  "slim fit": ["fitted", "tailored"],
  minimalist: ["minimal", "simple"],
  vintage: ["retro", "old style"],
  retro: ["vintage", "50s style"],
  scandinavian: ["nordic", "scandi"],
  farmhouse: ["country", "cottage"],
  industrial: ["loft", "metal and wood"],
  mechanical: ["clicky", "mech"],
  ergonomic: ["comfortable", "wrist friendly"],
  boho: ["bohemian", "hippie"],
};

/** Abbreviations shoppers use; the generator also writes some units this way. */
export const ABBREVIATIONS: Readonly<Record<string, readonly string[]>> = {
  "stainless steel": ["ss"],
  bluetooth: ["bt"],
  "noise cancelling": ["anc", "nc"],
  "extra large": ["xl"],
  wireless: ["wl"],
  pieces: ["pcs", "pc"],
  inch: ["in", '"'],
  with: ["w/"],
  litre: ["l", "ltr"],
  large: ["lg"],
  medium: ["med"],
  small: ["sm"],
  "t-shirt": ["tee"],
  "remote control": ["rc"],
  kilogram: ["kg"],
  "light emitting diode": ["led"],
};

/** Common misspellings of words in titles and queries (real-world-style: dropped, doubled, swapped and phonetic). */
export const MISSPELLINGS: Readonly<Record<string, readonly string[]>> = {
  headphones: ["headphons", "hedphones", "headfones"],
  earbuds: ["earbds", "earbugs", "earbudes"],
  wireless: ["wirless", "wireles", "wireliss"],
  bluetooth: ["bluetoth", "blutooth", "bluetooh"],
  speaker: ["speeker", "spekaer", "speakr"],
  charger: ["chager", "charguer", "chrager"],
  keyboard: ["keybord", "keyboad", "keybaord"],
  mouse: ["mose", "mouce"],
  monitor: ["moniter", "monitr"],
  laptop: ["labtop", "laptob", "lapptop"],
  tablet: ["tablit", "tablett"],
  smartphone: ["smartfone", "smarphone"],
  phone: ["fone", "phnoe"],
  case: ["csae", "cace"],
  protector: ["protecter", "protetor"],
  power: ["pwer", "powr"],
  watch: ["wacth", "whatch"],
  smartwatch: ["smartwach", "smart wach"],
  coffee: ["cofee", "coffe", "coffie"],
  espresso: ["expresso", "espreso"],
  grinder: ["grindr", "grinderr"],
  kettle: ["kettel", "ketle", "kettl"],
  travel: ["travle", "traval"],
  frying: ["fryin", "fring"],
  knife: ["knif", "nife"],
  knives: ["knifes", "knifves"],
  cutting: ["cuting", "cuttin"],
  board: ["bord", "baord"],
  blender: ["blendr", "blander", "blendar"],
  toaster: ["toster", "toastr"],
  fryer: ["frier", "fyer", "friar"],
  containers: ["contaners", "containors"],
  thermos: ["thermus", "termos"],
  flask: ["flsk", "flaks"],
  chair: ["chiar", "chari"],
  desk: ["dsek", "deks"],
  lamp: ["lmap", "lampe"],
  bookshelf: ["bookshelve", "bokshelf"],
  pillow: ["pilow", "pillw"],
  cushion: ["cushon", "cusion"],
  clock: ["clcok", "clok"],
  duvet: ["duvay", "duve"],
  sheets: ["sheats", "shets"],
  blanket: ["blankit", "blankett"],
  towel: ["towl", "towell"],
  mask: ["masck", "msk"],
  yoga: ["yuga", "yoag"],
  dumbbells: ["dumbells", "dumbels", "dumbbels"],
  bands: ["bnads", "bans"],
  bottle: ["botle", "bottel", "bottl"],
  tent: ["tnet", "tenet"],
  sleeping: ["sleping", "sleepng"],
  backpack: ["bakpack", "backpak", "bagpack"],
  hiking: ["hikking", "hikeing"],
  lantern: ["lanturn", "lantren"],
  helmet: ["helment", "hemlet"],
  bicycle: ["bicyle", "bycicle"],
  hoodie: ["hoodei", "hoddie"],
  jacket: ["jaket", "jackit"],
  gloves: ["glovs", "gloes"],
  umbrella: ["umbrela", "umberella", "umbrellla"],
  jeans: ["jeens", "jenas"],
  running: ["runing", "runnig"],
  shoes: ["shoos", "sheos", "shose"],
  sneakers: ["sneekers", "snekers", "sneackers"],
  boots: ["bootes", "botts"],
  socks: ["sockes", "soks"],
  sunglasses: ["sunglases", "sunglasess", "sunglsses"],
  toothbrush: ["toothbruhs", "toothbrsh", "tootbrush"],
  electric: ["electirc", "eletric", "electic"],
  razor: ["razer", "rasor"],
  dryer: ["dryar", "drayer"],
  shampoo: ["shampo", "shampoe"],
  moisturizer: ["moisterizer", "moisturizor", "moistrizer"],
  sunscreen: ["sunscren", "sunscrean"],
  game: ["gmae", "gam"],
  puzzle: ["puzzel", "puzle"],
  blocks: ["bloks", "blocs"],
  plush: ["plsh", "pluch"],
  remote: ["remot", "remoet"],
  control: ["contol", "controll"],
  leash: ["leesh", "lesh"],
  toys: ["toyz", "tyos"],
  bowl: ["bowel", "bwol"],
  litter: ["liter", "littre"],
  drill: ["dril", "drilll"],
  screwdriver: ["screwdiver", "scewdriver"],
  hose: ["hsoe", "hoze"],
  garden: ["gardn", "garedn"],
  pot: ["pott", "poot"],
  shears: ["shers", "sheers"],
  scissors: ["sissors", "scisors"],
  lights: ["lihgts", "lites"],
  stroller: ["strolller", "stroler"],
  diaper: ["diper", "daiper"],
  baby: ["babby", "bbay"],
  notebook: ["notbook", "noteboook"],
  organizer: ["organzier", "orginizer"],
  stainless: ["stainles", "stainlees"],
  leather: ["lether", "leahter"],
  black: ["balck", "blak"],
  white: ["whiet", "wite"],
  waterproof: ["waterprof", "waterpoof", "watterproof"],
  insulated: ["insolated", "insulted"],
  cancelling: ["cancellling", "canselling"],
  mattress: ["matress", "mattres"],
  vacuum: ["vaccum", "vacume"],
};

/** A vague need: what the shopper says instead of a product, and what would satisfy it. */
export interface Need {
  readonly id: string;
  /** How shoppers phrase it (lower case). */
  readonly phrasings: readonly string[];
  /** Categories that satisfy the need, with the attribute values it requires in them (if any). */
  readonly targets: ReadonlyArray<{ readonly category: string; readonly attributes?: ProductAttributes }>;
}

export const NEEDS: readonly Need[] = [
  { id: "runner-gift", phrasings: ["gift for a runner", "present for someone who runs", "gift ideas for my running friend", "what to buy a marathon runner"], targets: [{ category: "running-shoes" }, { category: "fitness-trackers" }, { category: "socks", attributes: { feature: "moisture wicking" } }, { category: "water-bottles" }] },
  { id: "keep-coffee-hot", phrasings: ["something to keep coffee hot", "keep my coffee warm on the commute", "hot drinks on the go", "coffee stays hot all morning"], targets: [{ category: "travel-mugs", attributes: { feature: "insulated" } }, { category: "vacuum-flasks" }] },
  { id: "warm-camping", phrasings: ["stay warm while camping", "cold nights in a tent", "how not to freeze camping"], targets: [{ category: "sleeping-bags" }, { category: "winter-gloves" }, { category: "vacuum-flasks" }] },
  { id: "home-office", phrasings: ["work from home setup", "home office essentials", "set up a home office", "upgrade my wfh desk"], targets: [{ category: "office-chairs" }, { category: "desks" }, { category: "desk-lamps" }, { category: "monitors" }, { category: "webcams" }] },
  { id: "new-puppy", phrasings: ["new puppy essentials", "things for a new puppy", "getting a puppy what do i need", "puppy starter kit"], targets: [{ category: "dog-beds" }, { category: "dog-leashes" }, { category: "dog-toys" }, { category: "pet-bowls" }] },
  { id: "charge-on-the-go", phrasings: ["keep my phone charged on the go", "phone dies when travelling", "charge phone without a socket", "battery runs out on trips"], targets: [{ category: "power-banks" }] },
  { id: "gym-music", phrasings: ["music at the gym", "listen to music while working out", "headphones that stay in when running", "workout audio"], targets: [{ category: "earbuds", attributes: { feature: "sweat resistant" } }] },
  { id: "sleep-better", phrasings: ["help me sleep better", "cant sleep at night", "better sleep", "sleep through the night"], targets: [{ category: "sleep-masks" }, { category: "weighted-blankets" }, { category: "pillows" }] },
  { id: "stay-hydrated", phrasings: ["drink more water at work", "stay hydrated all day", "remember to drink water"], targets: [{ category: "water-bottles" }] },
  { id: "rainy-walks", phrasings: ["stay dry on rainy days", "walking the dog in the rain", "rainy day essentials", "keep dry in a storm"], targets: [{ category: "umbrellas" }, { category: "rain-jackets" }, { category: "hiking-boots", attributes: { feature: "waterproof" } }] },
  { id: "baby-shower", phrasings: ["baby shower gift", "gift for new parents", "present for a newborn", "what to get expecting parents"], targets: [{ category: "baby-monitors" }, { category: "diaper-bags" }, { category: "baby-bottles" }, { category: "plush-toys" }] },
  { id: "first-kitchen", phrasings: ["first apartment kitchen", "kitchen basics for a new home", "moving out cooking stuff", "starter kitchen kit"], targets: [{ category: "frying-pans" }, { category: "saucepans" }, { category: "knife-sets" }, { category: "cutting-boards" }] },
  { id: "smoothies", phrasings: ["morning smoothies", "make healthy drinks at home", "protein shakes at home"], targets: [{ category: "blenders" }] },
  { id: "game-night", phrasings: ["game night with friends", "fun for the family on a rainy evening", "something to play with friends", "family evening entertainment"], targets: [{ category: "board-games" }, { category: "jigsaw-puzzles" }] },
  { id: "busy-cat", phrasings: ["keep my cat busy", "indoor cat entertainment", "stop cat scratching the sofa"], targets: [{ category: "cat-trees" }] },
  { id: "less-oil", phrasings: ["cook without oil", "healthier fried food", "crispy fries without deep frying"], targets: [{ category: "air-fryers" }] },
  { id: "video-calls", phrasings: ["look better on video calls", "look good in video meetings", "better picture for online meetings"], targets: [{ category: "webcams" }, { category: "desk-lamps" }] },
  { id: "hiking-trip", phrasings: ["weekend hiking trip", "going hiking in the mountains", "day hike gear", "trekking holiday packing"], targets: [{ category: "hiking-boots" }, { category: "hiking-backpacks" }, { category: "water-bottles" }, { category: "rain-jackets" }] },
  { id: "protect-phone", phrasings: ["protect my new phone", "stop my phone from breaking", "keep phone screen from cracking"], targets: [{ category: "phone-cases" }, { category: "screen-protectors" }] },
  { id: "cosy-living-room", phrasings: ["make my living room cosy", "cosy living room ideas", "warmer feel for the lounge"], targets: [{ category: "throw-pillows" }, { category: "rugs" }, { category: "floor-lamps" }] },
  { id: "garden-party", phrasings: ["garden party decorations", "outdoor party at night", "light up the patio"], targets: [{ category: "string-lights" }] },
  { id: "desk-back-pain", phrasings: ["back hurts from sitting at my desk", "desk job back pain", "sit comfortably all day"], targets: [{ category: "office-chairs", attributes: { feature: "lumbar support" } }] },
  { id: "coffee-lover-gift", phrasings: ["gift for a coffee lover", "present for a coffee snob", "coffee fan birthday present"], targets: [{ category: "coffee-grinders" }, { category: "espresso-machines" }, { category: "mugs" }, { category: "coffee-makers" }] },
  { id: "diy-repairs", phrasings: ["fix things around the house", "diy repairs at home", "hang shelves myself", "basic toolkit for a new home"], targets: [{ category: "cordless-drills" }, { category: "screwdriver-sets" }, { category: "drill-bits" }] },
  { id: "sun-protection", phrasings: ["protect my skin from the sun", "beach day skin care", "avoid sunburn"], targets: [{ category: "sunscreen" }, { category: "face-moisturizers", attributes: { feature: "SPF 30" } }] },
  { id: "gamer-gift", phrasings: ["gift for a gamer", "pc gaming setup", "present for someone who plays video games"], targets: [{ category: "keyboards", attributes: { style: "mechanical" } }, { category: "computer-mice", attributes: { style: "gaming" } }, { category: "over-ear-headphones" }] },
  { id: "back-to-school", phrasings: ["back to school", "things for the first day of school", "school supplies for college"], targets: [{ category: "backpacks" }, { category: "notebooks" }, { category: "pens" }] },
  { id: "travel-with-baby", phrasings: ["travelling with a baby", "going out with a newborn", "road trip with a toddler"], targets: [{ category: "strollers" }, { category: "car-seats" }, { category: "diaper-bags" }] },
  { id: "leftovers", phrasings: ["keep food fresh longer", "store leftovers", "take lunch to work"], targets: [{ category: "food-containers" }] },
  { id: "yoga-at-home", phrasings: ["start doing yoga at home", "stretching routine at home", "pilates in the living room"], targets: [{ category: "yoga-mats" }, { category: "resistance-bands" }] },
  { id: "home-strength", phrasings: ["strength training at home", "build muscle without a gym", "home workout equipment"], targets: [{ category: "dumbbells" }, { category: "resistance-bands" }] },
  { id: "cycle-commute", phrasings: ["bike to work safely", "cycling commute safety", "ride to the office"], targets: [{ category: "bike-helmets" }] },
  { id: "beach-trip", phrasings: ["beach holiday essentials", "summer trip to the seaside", "day at the beach"], targets: [{ category: "sunglasses" }, { category: "sunscreen" }, { category: "bluetooth-speakers", attributes: { feature: "waterproof" } }] },
  { id: "cold-hands", phrasings: ["cold hands in winter", "my fingers freeze on the bike", "warm hands while texting outside"], targets: [{ category: "winter-gloves" }] },
  { id: "quick-breakfast", phrasings: ["quick breakfast before work", "faster mornings in the kitchen", "tea and toast in the morning"], targets: [{ category: "toasters" }, { category: "electric-kettles" }, { category: "coffee-makers" }] },
  { id: "kids-birthday", phrasings: ["present for a 7 year old", "kids birthday gift", "toy for my nephew"], targets: [{ category: "building-blocks" }, { category: "rc-cars" }, { category: "plush-toys" }, { category: "board-games", attributes: { audience: "kids'" } }] },
  { id: "camping-trip", phrasings: ["first camping trip", "going camping this weekend", "festival camping checklist"], targets: [{ category: "tents" }, { category: "sleeping-bags" }, { category: "camping-lanterns" }] },
  { id: "balcony-herbs", phrasings: ["grow herbs on the balcony", "start an indoor garden", "grow my own basil"], targets: [{ category: "plant-pots" }, { category: "pruning-shears" }] },
  { id: "tidy-desk", phrasings: ["declutter my desk", "messy desk solutions", "keep pens and cables tidy"], targets: [{ category: "desk-organizers" }] },
  { id: "bathroom-refresh", phrasings: ["hotel feel in the bathroom", "spa day at home", "fluffy bathroom upgrade"], targets: [{ category: "bath-towels" }] },
];

const needsById = new Map(NEEDS.map((n) => [n.id, n]));

export function needById(id: string): Need {
  const found = needsById.get(id);
  if (!found) throw new Error(`Unknown need "${id}": expected one of ${NEEDS.map((n) => n.id).join(", ")}.`);
  return found;
}

/** Shopper variants of an attribute value: synonyms, plus unit rewrites for sizes and capacities. */
export function valueVariants(attribute: AttributeName, value: string): string[] {
  const out = new Set<string>(VALUE_SYNONYMS[value] ?? []);
  for (const abbrev of ABBREVIATIONS[value.toLowerCase()] ?? []) out.add(abbrev);
  if (attribute === "capacity" || attribute === "size") for (const unit of unitVariants(value)) out.add(unit);
  out.delete(value);
  out.delete(value.toLowerCase());
  return [...out];
}

/** "500 ml" -> "17 oz", "0.5 l"; "1 l" -> "1 litre", "34 oz"; "10000 mAh" -> "10k mah"; "2-person" -> "2 man". */
export function unitVariants(value: string): string[] {
  const m = /^(\d+(?:\.\d+)?)\s*(ml|l|GB|TB|mAh|kg|inch|cm|m|mm|V)$/.exec(value);
  const out: string[] = [];
  if (m) {
    const n = Number(m[1]);
    const unit = m[2];
    if (unit === "ml") out.push(`${Math.round(n / 29.5735)} oz`, `${n}ml`);
    if (unit === "l") out.push(`${n} litre`, `${n} liter`, `${Math.round((n * 1000) / 29.5735)} oz`, `${n}l`);
    if (unit === "GB" || unit === "TB") out.push(`${n}${unit.toLowerCase()}`, `${n} gig`);
    if (unit === "mAh") out.push(`${n / 1000}k mah`, `${n}mah`);
    if (unit === "kg") out.push(`${Math.round(n * 2.20462)} lb`, `${n}kg`);
    if (unit === "inch") out.push(`${n}"`, `${n} in`, `${n}in`);
    if (unit === "cm") out.push(`${n}cm`, `${Math.round(n / 2.54)} inch`);
    if (unit === "m") out.push(`${n}m`, `${Math.round(n * 3.28084)} ft`);
    if (unit === "mm") out.push(`${n}mm`);
    if (unit === "V") out.push(`${n}v`, `${n} volt`);
  }
  const person = /^(\d+)-person$/.exec(value);
  if (person) out.push(`${person[1]} man`, `${person[1]} person`);
  const cup = /^(\d+)-(cup|slice)$/.exec(value);
  if (cup) out.push(`${cup[1]} ${cup[2]}`, `${cup[1]} ${cup[2]}s`);
  const tier = /^(\d+)-tier$/.exec(value);
  if (tier) out.push(`${tier[1]} shelf`, `${tier[1]} shelves`);
  const pieces = /^(\d+) pieces$/.exec(value);
  if (pieces) out.push(`${pieces[1]} pcs`, `${pieces[1]} pc`, `${pieces[1]} piece`);
  return out;
}

const KEYBOARD_NEIGHBOURS: Readonly<Record<string, string>> = {
  a: "qsz", b: "vgn", c: "xdv", d: "sfe", e: "wrd", f: "dgr", g: "fht", h: "gjy", i: "uok", j: "hku", k: "jli", l: "ko", m: "nj",
  n: "bmh", o: "ipl", p: "ol", q: "wa", r: "etf", s: "adw", t: "ryg", u: "yij", v: "cbf", w: "qes", x: "zcs", y: "tuh", z: "xa",
};

/**
 * One typo in `word`: a known misspelling when there is one (70%), else a random edit
 * (drop, double, swap neighbours, or hit a neighbouring key). Words under 4 letters stay as they are.
 */
export function misspell(word: string, rng: Rng): string {
  const lower = word.toLowerCase();
  const known = MISSPELLINGS[lower];
  if (known && rng.next() < 0.7) return rng.choice(known);
  if (lower.length < 4 || !/^[a-z]+$/.test(lower)) return known ? rng.choice(known) : lower;
  for (let attempt = 0; attempt < 5; attempt++) {
    const i = 1 + rng.int(lower.length - 2); // keep the first letter: people rarely get it wrong
    const op = rng.int(4);
    let out: string;
    if (op === 0) out = lower.slice(0, i) + lower.slice(i + 1);
    else if (op === 1) out = lower.slice(0, i) + lower[i] + lower.slice(i);
    else if (op === 2) out = lower.slice(0, i) + lower[i + 1] + lower[i] + lower.slice(i + 2);
    else {
      const near = KEYBOARD_NEIGHBOURS[lower[i]] ?? lower[i];
      out = lower.slice(0, i) + near[rng.int(near.length)] + lower.slice(i + 1);
    }
    if (out !== lower) return out;
  }
  return lower.slice(0, -1);
}

/** The vocabulary as plain data (written to data/<profile>/vocabulary.json). */
export function vocabularyData(): {
  valueSynonyms: Readonly<Record<string, readonly string[]>>;
  abbreviations: Readonly<Record<string, readonly string[]>>;
  misspellings: Readonly<Record<string, readonly string[]>>;
  needs: readonly Need[];
} {
  return { valueSynonyms: VALUE_SYNONYMS, abbreviations: ABBREVIATIONS, misspellings: MISSPELLINGS, needs: NEEDS };
}
