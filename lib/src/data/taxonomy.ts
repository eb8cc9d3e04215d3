/**
 * The shop's category taxonomy: departments > groups > leaf categories, each leaf with the
 * attributes its products carry, the words shops and shoppers use for it, its price level, and
 * its relations to other leaves (substitutes and complements, which the ESCI grades use).
 *
 * Hand-written on purpose: the names, synonyms and relations are what make the generated shop
 * hard in realistic ways, so they are data a reader can inspect, not something sampled.
 */

/** Attribute names a product can carry (one value each). */
export type AttributeName =
  | "colour"
  | "material"
  | "size"
  | "capacity"
  | "style"
  | "compatibleWith"
  | "connectivity"
  | "audience"
  | "feature";

export const ATTRIBUTE_NAMES: readonly AttributeName[] = [
  "colour",
  "material",
  "size",
  "capacity",
  "style",
  "compatibleWith",
  "connectivity",
  "audience",
  "feature",
];

export interface AttributeSpec {
  readonly name: AttributeName;
  readonly values: readonly string[];
  /**
   * A critical attribute is a central aspect of the query: a product that gets it wrong is
   * Irrelevant, not a Substitute (a case for the wrong phone does not fit; ESCI guidelines).
   */
  readonly critical: boolean;
}

export interface Category {
  /** Slug, unique: "earbuds". */
  readonly id: string;
  /** Display name: "Earbuds". */
  readonly name: string;
  readonly department: string;
  readonly group: string;
  /** [department, group, name]. */
  readonly path: readonly string[];
  /** Names sellers put in titles, most frequent first (weight 1/rank). */
  readonly titleNames: readonly string[];
  /** Names and paraphrases shoppers type that titles (almost) never use. */
  readonly queryNames: readonly string[];
  readonly attributes: readonly AttributeSpec[];
  /** Median price (USD) for a mid-tier brand. */
  readonly basePrice: number;
  /** Phrases about the product, for descriptions. */
  readonly details: readonly string[];
  /** Leaf ids whose products are bought together with this one. */
  readonly complements: readonly string[];
  /** Leaf ids whose products can stand in for this one. */
  readonly substitutes: readonly string[];
  /** Relative share of the catalog. */
  readonly weight: number;
  /** Leaves whose product lines are named after devices (phones, tablets, watches). */
  readonly deviceKind?: DeviceKind;
}

export type DeviceKind = "phone" | "tablet" | "watch";

export interface Department {
  readonly name: string;
  readonly groups: readonly string[];
  readonly categories: readonly string[];
}

// Shared value lists ---------------------------------------------------------------------------

const TECH_COLOURS = ["black", "white", "silver", "grey", "blue", "pink", "green"];
const HOME_COLOURS = ["white", "black", "grey", "beige", "blue", "green", "red", "brown"];
const APPAREL_COLOURS = ["black", "white", "grey", "navy", "blue", "red", "green", "beige", "pink", "olive", "burgundy"];
const BRIGHT_COLOURS = ["red", "blue", "green", "yellow", "pink", "purple", "orange", "black"];
const APPAREL_SIZES = ["XS", "S", "M", "L", "XL", "XXL"];
const SHOE_SIZES = ["5", "6", "7", "8", "9", "10", "11", "12"];
const BED_SIZES = ["twin", "full", "queen", "king"];
const GENERIC_SIZES = ["small", "medium", "large"];
const ADULT_AUDIENCE = ["men's", "women's", "unisex"];
const ALL_AUDIENCE = ["men's", "women's", "kids'", "unisex"];

/** Devices that accessories are made for; the phone, tablet and watch leaves sell these lines. */
export interface Device {
  readonly name: string;
  readonly brand: string;
  readonly kind: DeviceKind;
}

export const DEVICES: readonly Device[] = [
  { name: "Orbis S5", brand: "Orbis", kind: "phone" },
  { name: "Orbis S6", brand: "Orbis", kind: "phone" },
  { name: "Orbis S6 Plus", brand: "Orbis", kind: "phone" },
  { name: "Voltix V12", brand: "Voltix", kind: "phone" },
  { name: "Voltix V13", brand: "Voltix", kind: "phone" },
  { name: "Kestrel K9", brand: "Kestrel", kind: "phone" },
  { name: "Kestrel K10 Mini", brand: "Kestrel", kind: "phone" },
  { name: "Nimbus One", brand: "Nimbus", kind: "phone" },
  { name: "Nimbus One Max", brand: "Nimbus", kind: "phone" },
  { name: "Zapp Z3", brand: "Zapp", kind: "phone" },
  { name: "Orbis Tab 10", brand: "Orbis", kind: "tablet" },
  { name: "Voltix Pad 11", brand: "Voltix", kind: "tablet" },
  { name: "Nimbus Slate", brand: "Nimbus", kind: "tablet" },
  { name: "Kestrel Tab 8", brand: "Kestrel", kind: "tablet" },
  { name: "Orbis Watch 3", brand: "Orbis", kind: "watch" },
  { name: "Voltix Band 2", brand: "Voltix", kind: "watch" },
  { name: "Nimbus Time", brand: "Nimbus", kind: "watch" },
  { name: "Kestrel Pulse", brand: "Kestrel", kind: "watch" },
];

const devices = (kind: DeviceKind): string[] => DEVICES.filter((d) => d.kind === kind).map((d) => d.name);

const a = (name: AttributeName, values: readonly string[], critical = false): AttributeSpec => ({ name, values, critical });

interface LeafSpec {
  id: string;
  name: string;
  titles: string[];
  queries: string[];
  attrs: AttributeSpec[];
  price: number;
  details: string[];
  complements?: string[];
  substitutes?: string[];
  weight: number;
  deviceKind?: DeviceKind;
}

interface GroupSpec {
  group: string;
  leaves: LeafSpec[];
}

const SPEC: ReadonlyArray<{ department: string; groups: GroupSpec[] }> = [
  {
    department: "Electronics",
    groups: [
      {
        group: "Audio",
        leaves: [
          {
            id: "earbuds", name: "Earbuds", weight: 5, price: 59,
            titles: ["wireless earbuds", "earbuds", "in-ear headphones", "true wireless earphones", "earphones"],
            queries: ["ear buds", "earbud headphones", "in ear headphones", "wireless earphones", "buds for music", "cordless earphones"],
            attrs: [a("colour", TECH_COLOURS), a("connectivity", ["bluetooth", "wired"]), a("feature", ["noise cancelling", "sweat resistant", "long battery life", "transparency mode"])],
            details: ["a pocket-sized charging case", "touch controls on each bud", "up to 30 hours of playback with the case", "three sizes of silicone tips", "a low-latency game mode", "dual microphones for clear calls"],
            complements: ["phone-chargers", "smartphones"], substitutes: ["over-ear-headphones"],
          },
          {
            id: "over-ear-headphones", name: "Over-Ear Headphones", weight: 3, price: 89,
            titles: ["over-ear headphones", "headphones", "wireless headphones", "studio headphones"],
            queries: ["over ear headphones", "big headphones", "cans for music", "full size headphones", "headset for music"],
            attrs: [a("colour", TECH_COLOURS), a("connectivity", ["bluetooth", "wired"]), a("feature", ["noise cancelling", "foldable", "long battery life", "built-in microphone"])],
            details: ["memory-foam ear cushions", "a padded adjustable headband", "40 mm drivers", "a detachable 3.5 mm cable", "a hard travel case", "up to 40 hours of battery"],
            complements: ["phone-chargers"], substitutes: ["earbuds"],
          },
          {
            id: "bluetooth-speakers", name: "Bluetooth Speakers", weight: 3, price: 49,
            titles: ["bluetooth speaker", "portable speaker", "wireless speaker"],
            queries: ["blue tooth speaker", "music box for the beach", "portable sound system", "wireless boombox", "speaker for phone"],
            attrs: [a("colour", BRIGHT_COLOURS), a("size", GENERIC_SIZES), a("feature", ["waterproof", "long battery life", "party lights", "stereo pairing"])],
            details: ["360-degree sound", "a built-in carry strap", "12 hours of playtime", "a speakerphone for calls", "deep bass from a passive radiator"],
            complements: ["power-banks"], substitutes: [],
          },
        ],
      },
      {
        group: "Phones & Tablets",
        leaves: [
          {
            id: "smartphones", name: "Smartphones", weight: 1, price: 499, deviceKind: "phone",
            titles: ["smartphone", "unlocked smartphone", "mobile phone", "cell phone"],
            queries: ["cellphone", "new phone", "unlocked mobile", "android phone", "handset"],
            attrs: [a("colour", ["black", "white", "blue", "green", "silver"]), a("capacity", ["64 GB", "128 GB", "256 GB", "512 GB"], true)],
            details: ["a 6.1-inch OLED display", "a triple-lens camera", "all-day battery life", "fast charging", "a dual SIM tray", "face unlock"],
            complements: ["phone-cases", "screen-protectors", "phone-chargers", "earbuds", "power-banks"], substitutes: [],
          },
          {
            id: "tablets", name: "Tablets", weight: 0.8, price: 329, deviceKind: "tablet",
            titles: ["tablet", "android tablet", "tablet computer"],
            queries: ["tab for reading", "touchscreen tablet", "tablet for streaming", "kids tablet", "pad computer"],
            attrs: [a("colour", ["black", "silver", "grey", "blue"]), a("capacity", ["32 GB", "64 GB", "128 GB", "256 GB"], true)],
            details: ["a 10-inch display", "stereo speakers", "a battery that lasts a long flight", "stylus support", "a microSD slot"],
            complements: ["tablet-cases", "phone-chargers"], substitutes: ["laptops"],
          },
          {
            id: "phone-cases", name: "Phone Cases", weight: 6, price: 15,
            titles: ["phone case", "case", "protective case", "cover"],
            queries: ["phone cover", "mobile cover", "cell phone case", "bumper case", "shockproof cover"],
            attrs: [a("compatibleWith", devices("phone"), true), a("colour", ["black", "clear", "blue", "pink", "red", "green", "purple"]), a("material", ["silicone", "leather", "plastic", "TPU"]), a("feature", ["shockproof", "wallet", "slim", "magnetic"])],
            details: ["raised edges that protect the screen and camera", "precise cut-outs for every port", "a grippy finish", "drop protection up to 2 metres", "room for two cards"],
            complements: ["smartphones", "screen-protectors"], substitutes: [],
          },
          {
            id: "tablet-cases", name: "Tablet Cases", weight: 2, price: 22,
            titles: ["tablet case", "folio case", "tablet cover", "smart cover"],
            queries: ["tablet sleeve cover", "cover for tablet", "tablet stand case", "protective folio"],
            attrs: [a("compatibleWith", devices("tablet"), true), a("colour", ["black", "grey", "blue", "pink", "red"]), a("material", ["leather", "plastic", "TPU", "fabric"]), a("feature", ["stand", "keyboard", "pencil holder", "auto sleep"])],
            details: ["a fold-over front that doubles as a stand", "a soft microfibre lining", "a magnetic closure", "corner protection"],
            complements: ["tablets"], substitutes: [],
          },
          {
            id: "screen-protectors", name: "Screen Protectors", weight: 3, price: 9,
            titles: ["screen protector", "tempered glass screen protector", "glass protector"],
            queries: ["screen guard", "screen film", "glass cover for phone screen", "anti scratch glass"],
            attrs: [a("compatibleWith", devices("phone"), true), a("material", ["tempered glass", "plastic film"]), a("feature", ["privacy", "anti-glare", "easy install"])],
            details: ["9H hardness", "an alignment frame for a bubble-free fit", "a two-pack", "an oleophobic coating against fingerprints"],
            complements: ["smartphones", "phone-cases"], substitutes: [],
          },
          {
            id: "phone-chargers", name: "Phone Chargers", weight: 4, price: 19,
            titles: ["charger", "wall charger", "fast charger", "charging adapter"],
            queries: ["phone charger plug", "charging brick", "power adapter", "plug for charging"],
            attrs: [a("connectivity", ["USB-C", "micro-USB", "wireless"], true), a("colour", ["black", "white"]), a("feature", ["fast charging", "dual port", "foldable plug", "cable included"])],
            details: ["20 W output", "a compact design", "protection against overheating", "a 1 m cable"],
            complements: ["smartphones", "tablets", "earbuds"], substitutes: ["power-banks"],
          },
          {
            id: "power-banks", name: "Power Banks", weight: 3, price: 35,
            titles: ["power bank", "portable charger", "battery pack"],
            queries: ["powerbank", "external battery", "charger for travel", "backup battery for phone", "portable battery"],
            attrs: [a("capacity", ["5000 mAh", "10000 mAh", "20000 mAh", "26800 mAh"]), a("colour", ["black", "white", "blue", "pink"]), a("feature", ["fast charging", "slim", "built-in cable", "solar"])],
            details: ["two USB ports", "an LED charge indicator", "enough charge to top up a phone three times", "pass-through charging"],
            complements: ["smartphones", "bluetooth-speakers"], substitutes: ["phone-chargers"],
          },
        ],
      },
      {
        group: "Computers",
        leaves: [
          {
            id: "laptops", name: "Laptops", weight: 2, price: 799,
            titles: ["laptop", "notebook computer", "ultrabook"],
            queries: ["notebook pc", "portable computer", "computer for college", "lap top"],
            attrs: [a("colour", ["silver", "grey", "black", "blue"]), a("capacity", ["256 GB", "512 GB", "1 TB"], true), a("size", ["13 inch", "14 inch", "15 inch", "16 inch"])],
            details: ["a backlit keyboard", "16 GB of memory", "a full-HD display", "a fingerprint reader", "up to 12 hours of battery", "a thin aluminium chassis"],
            complements: ["laptop-sleeves", "computer-mice", "keyboards", "backpacks"], substitutes: ["tablets"],
          },
          {
            id: "keyboards", name: "Keyboards", weight: 3, price: 45,
            titles: ["keyboard", "mechanical keyboard", "wireless keyboard"],
            queries: ["key board", "typing keyboard", "keys for computer", "clicky keyboard"],
            attrs: [a("colour", ["black", "white", "grey", "pink"]), a("connectivity", ["bluetooth", "wired", "wireless"]), a("style", ["mechanical", "low profile", "ergonomic", "compact"])],
            details: ["hot-swappable switches", "RGB backlighting", "a detachable wrist rest", "media keys", "a full numeric pad"],
            complements: ["computer-mice", "laptops"], substitutes: [],
          },
          {
            id: "computer-mice", name: "Computer Mice", weight: 3, price: 29,
            titles: ["mouse", "wireless mouse", "gaming mouse", "optical mouse"],
            queries: ["computer mouse", "mice", "pointer for laptop", "clicker for pc"],
            attrs: [a("colour", ["black", "white", "grey", "pink"]), a("connectivity", ["bluetooth", "wired", "wireless"]), a("style", ["ergonomic", "gaming", "travel", "vertical"])],
            details: ["an adjustable DPI sensor", "silent clicks", "six programmable buttons", "a rechargeable battery"],
            complements: ["keyboards", "laptops"], substitutes: [],
          },
          {
            id: "monitors", name: "Monitors", weight: 2, price: 229,
            titles: ["monitor", "computer monitor", "display"],
            queries: ["computer screen", "pc screen", "second screen", "screen for work"],
            attrs: [a("size", ["24 inch", "27 inch", "32 inch", "34 inch"]), a("colour", ["black", "white", "silver"]), a("feature", ["4K", "curved", "144 Hz", "USB-C input"])],
            details: ["an IPS panel", "thin bezels", "a height-adjustable stand", "a built-in blue-light filter"],
            complements: ["keyboards", "computer-mice", "webcams"], substitutes: [],
          },
          {
            id: "webcams", name: "Webcams", weight: 1.5, price: 49,
            titles: ["webcam", "web camera", "HD webcam"],
            queries: ["camera for video calls", "video call camera", "pc camera", "web cam"],
            attrs: [a("colour", ["black", "white"]), a("feature", ["1080p", "4K", "autofocus", "privacy shutter"])],
            details: ["a built-in stereo microphone", "automatic low-light correction", "a universal clip for monitors", "a privacy cover"],
            complements: ["monitors", "laptops"], substitutes: [],
          },
          {
            id: "laptop-sleeves", name: "Laptop Sleeves", weight: 2, price: 21,
            titles: ["laptop sleeve", "laptop case", "notebook sleeve"],
            queries: ["laptop cover bag", "computer sleeve", "padded laptop pouch", "sleeve for my laptop"],
            attrs: [a("size", ["13 inch", "14 inch", "15 inch", "16 inch"], true), a("colour", ["black", "grey", "navy", "pink", "beige"]), a("material", ["neoprene", "felt", "leather", "polyester"])],
            details: ["a soft fleece lining", "a front pocket for the charger", "water-repellent fabric", "a slim profile"],
            complements: ["laptops"], substitutes: ["backpacks"],
          },
        ],
      },
      {
        group: "Wearables",
        leaves: [
          {
            id: "smartwatches", name: "Smartwatches", weight: 1.2, price: 199, deviceKind: "watch",
            titles: ["smartwatch", "smart watch", "GPS watch"],
            queries: ["watch that tracks steps", "wrist computer", "fitness watch", "watch with notifications"],
            attrs: [a("colour", ["black", "silver", "gold", "pink", "green"]), a("size", ["40 mm", "44 mm"]), a("feature", ["GPS", "heart rate", "LTE", "sleep tracking"])],
            details: ["an always-on display", "water resistance to 50 m", "a week of battery life", "contactless payments", "built-in sport modes"],
            complements: ["watch-bands", "smartphones"], substitutes: ["fitness-trackers"],
          },
          {
            id: "fitness-trackers", name: "Fitness Trackers", weight: 2, price: 59,
            titles: ["fitness tracker", "activity tracker", "fitness band"],
            queries: ["step counter", "pedometer watch", "activity band", "tracker for running", "sleep tracker"],
            attrs: [a("colour", ["black", "pink", "blue", "green", "grey"]), a("feature", ["heart rate", "sleep tracking", "waterproof", "GPS"])],
            details: ["a slim colour screen", "a 10-day battery", "automatic workout detection", "smartphone notifications"],
            complements: ["watch-bands"], substitutes: ["smartwatches"],
          },
          {
            id: "watch-bands", name: "Watch Bands", weight: 2.5, price: 14,
            titles: ["watch band", "watch strap", "replacement band"],
            queries: ["watch strap replacement", "bracelet for smartwatch", "wristband for watch"],
            attrs: [a("compatibleWith", devices("watch"), true), a("colour", ["black", "white", "navy", "pink", "green", "brown"]), a("material", ["silicone", "leather", "nylon", "stainless steel"])],
            details: ["a quick-release pin", "a breathable weave", "tool-free fitting", "adjustable length"],
            complements: ["smartwatches", "fitness-trackers"], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Home & Kitchen",
    groups: [
      {
        group: "Coffee & Tea",
        leaves: [
          {
            id: "coffee-makers", name: "Coffee Makers", weight: 2.5, price: 79,
            titles: ["coffee maker", "drip coffee maker", "coffee machine", "filter coffee machine"],
            queries: ["coffee brewer", "machine that makes coffee", "coffeemaker", "drip brewer", "cafetiere machine"],
            attrs: [a("capacity", ["4-cup", "8-cup", "10-cup", "12-cup"]), a("colour", ["black", "white", "silver", "red"]), a("feature", ["programmable", "thermal carafe", "single serve", "built-in grinder"])],
            details: ["a reusable filter", "a keep-warm plate", "a 24-hour timer", "a pause-and-serve function", "an easy-fill water window"],
            complements: ["coffee-grinders", "mugs", "travel-mugs"], substitutes: ["espresso-machines"],
          },
          {
            id: "espresso-machines", name: "Espresso Machines", weight: 1.5, price: 299,
            titles: ["espresso machine", "espresso maker", "coffee machine"],
            queries: ["latte machine", "cappuccino maker", "barista machine"],
            attrs: [a("colour", ["black", "silver", "red", "white"]), a("feature", ["milk frother", "built-in grinder", "pod compatible", "dual boiler"])],
            details: ["a 15-bar pump", "a steam wand for milk", "a removable water tank", "a cup warmer on top"],
            complements: ["coffee-grinders", "mugs"], substitutes: ["coffee-makers"],
          },
          {
            id: "coffee-grinders", name: "Coffee Grinders", weight: 1.5, price: 39,
            titles: ["coffee grinder", "burr grinder", "coffee mill"],
            queries: ["bean grinder", "coffee bean crusher", "grinder for coffee beans", "coffee grinding machine"],
            attrs: [a("colour", ["black", "silver", "white"]), a("style", ["electric", "manual"]), a("feature", ["burr", "blade", "adjustable grind"])],
            details: ["18 grind settings", "a removable chamber that is easy to clean", "a quiet motor", "a one-touch button"],
            complements: ["coffee-makers", "espresso-machines"], substitutes: [],
          },
          {
            id: "electric-kettles", name: "Electric Kettles", weight: 2, price: 35,
            titles: ["electric kettle", "kettle", "water boiler"],
            queries: ["tea kettle electric", "hot water boiler", "thing to boil water", "cordless kettle"],
            attrs: [a("capacity", ["1 l", "1.5 l", "1.7 l"]), a("colour", ["white", "black", "silver", "red", "green"]), a("material", ["stainless steel", "glass", "plastic"]), a("feature", ["temperature control", "keep warm", "gooseneck", "auto shut-off"])],
            details: ["a 360-degree swivel base", "boil-dry protection", "a visible water gauge", "a removable limescale filter"],
            complements: ["mugs"], substitutes: [],
          },
          {
            id: "mugs", name: "Mugs", weight: 3, price: 14,
            titles: ["mug", "coffee mug", "tea mug", "ceramic mug"],
            queries: ["coffee cup", "tea cup", "cup for hot drinks", "big cup"],
            attrs: [a("capacity", ["300 ml", "350 ml", "450 ml"]), a("colour", HOME_COLOURS), a("material", ["ceramic", "stoneware", "porcelain", "glass"]), a("style", ["minimalist", "rustic", "novelty", "classic"])],
            details: ["a comfortable handle", "a glazed finish", "a set of two", "dishwasher-safe glaze"],
            complements: ["coffee-makers", "electric-kettles"], substitutes: ["travel-mugs"],
          },
          {
            id: "travel-mugs", name: "Travel Mugs", weight: 2.5, price: 24,
            titles: ["travel mug", "insulated tumbler", "tumbler", "commuter mug"],
            queries: ["coffee cup to go", "cup that keeps coffee hot", "thermal mug", "to go cup", "spill proof coffee cup"],
            attrs: [a("capacity", ["350 ml", "450 ml", "600 ml"]), a("colour", ["black", "white", "silver", "blue", "green", "pink"]), a("material", ["stainless steel", "plastic", "bamboo"]), a("feature", ["insulated", "leakproof", "car cup holder fit"])],
            details: ["double-wall vacuum insulation", "a leakproof lid", "a one-hand flip lid", "keeps drinks hot for 6 hours"],
            complements: ["coffee-makers"], substitutes: ["vacuum-flasks", "mugs", "water-bottles"],
          },
        ],
      },
      {
        group: "Cookware",
        leaves: [
          {
            id: "frying-pans", name: "Frying Pans", weight: 2.5, price: 39,
            titles: ["frying pan", "skillet", "fry pan", "saute pan"],
            queries: ["frypan", "pan for eggs", "non stick pan", "cooking pan"],
            attrs: [a("size", ["20 cm", "24 cm", "28 cm", "30 cm"]), a("material", ["cast iron", "stainless steel", "aluminium", "carbon steel"]), a("feature", ["non-stick", "induction compatible", "oven safe", "with lid"])],
            details: ["a stay-cool handle", "even heat distribution", "a PFOA-free coating", "a pouring lip"],
            complements: ["cutting-boards", "knife-sets"], substitutes: ["saucepans"],
          },
          {
            id: "saucepans", name: "Saucepans", weight: 1.5, price: 45,
            titles: ["saucepan", "sauce pan", "cooking pot", "pot"],
            queries: ["pot for soup", "small pot", "milk pan", "pan with lid"],
            attrs: [a("capacity", ["1.5 l", "2 l", "3 l"]), a("material", ["stainless steel", "aluminium", "copper", "enamelled cast iron"]), a("feature", ["non-stick", "induction compatible", "with lid"])],
            details: ["a glass lid with a steam vent", "measurement marks inside", "a tri-ply base", "riveted handles"],
            complements: ["cutting-boards"], substitutes: ["frying-pans"],
          },
          {
            id: "knife-sets", name: "Knife Sets", weight: 1.5, price: 89,
            titles: ["knife set", "kitchen knife set", "knife block set", "chef knife"],
            queries: ["kitchen knives", "chef knives", "cooking knives", "knifes"],
            attrs: [a("material", ["stainless steel", "carbon steel", "ceramic", "Damascus steel"]), a("style", ["Japanese", "German", "modern"]), a("colour", ["black", "silver", "wood"])],
            details: ["a hardwood block", "full-tang blades", "a honing steel", "ergonomic handles"],
            complements: ["cutting-boards", "frying-pans"], substitutes: [],
          },
          {
            id: "cutting-boards", name: "Cutting Boards", weight: 1.5, price: 25,
            titles: ["cutting board", "chopping board", "butcher block"],
            queries: ["board for chopping", "chopping block", "kitchen board", "carving board"],
            attrs: [a("material", ["bamboo", "wood", "plastic", "composite"]), a("size", GENERIC_SIZES), a("feature", ["juice groove", "non-slip feet", "set of 3"])],
            details: ["a deep juice groove", "non-slip feet", "knife-friendly surface", "handles on both sides"],
            complements: ["knife-sets", "frying-pans"], substitutes: [],
          },
        ],
      },
      {
        group: "Small Appliances",
        leaves: [
          {
            id: "blenders", name: "Blenders", weight: 2, price: 69,
            titles: ["blender", "countertop blender", "smoothie blender", "personal blender"],
            queries: ["smoothie maker", "liquidizer", "machine for smoothies", "juice blender"],
            attrs: [a("capacity", ["600 ml", "1 l", "1.5 l", "2 l"]), a("colour", ["black", "white", "silver", "red"]), a("feature", ["to-go cup", "ice crushing", "variable speed", "heated"])],
            details: ["stainless steel blades", "a 1000 W motor", "a BPA-free jar", "pulse mode"],
            complements: [], substitutes: [],
          },
          {
            id: "toasters", name: "Toasters", weight: 1.5, price: 39,
            titles: ["toaster", "2-slice toaster", "4-slice toaster"],
            queries: ["bread toaster", "toast maker", "thing to make toast"],
            attrs: [a("capacity", ["2-slice", "4-slice"]), a("colour", ["black", "white", "silver", "red", "cream"]), a("style", ["retro", "modern", "classic"])],
            details: ["extra-wide slots", "six browning settings", "a defrost button", "a removable crumb tray"],
            complements: [], substitutes: [],
          },
          {
            id: "air-fryers", name: "Air Fryers", weight: 2, price: 99,
            titles: ["air fryer", "hot air fryer", "oil-free fryer"],
            queries: ["airfryer", "oil free fryer", "fryer without oil", "healthy fryer"],
            attrs: [a("capacity", ["3 l", "4.5 l", "5.5 l", "9 l"]), a("colour", ["black", "white", "grey"]), a("feature", ["dual basket", "digital display", "rotisserie", "window"])],
            details: ["eight presets", "a dishwasher-safe basket", "a shake reminder", "rapid air circulation"],
            complements: [], substitutes: [],
          },
        ],
      },
      {
        group: "Storage",
        leaves: [
          {
            id: "food-containers", name: "Food Containers", weight: 2, price: 25,
            titles: ["food storage containers", "meal prep containers", "storage box set", "lunch box"],
            queries: ["plastic boxes with lids", "leftover boxes", "meal prep boxes", "lunch containers", "boxes for food"],
            attrs: [a("material", ["glass", "plastic", "stainless steel", "bamboo"]), a("capacity", ["500 ml", "1 l", "1.5 l"]), a("feature", ["airtight", "microwave safe", "leakproof", "stackable"])],
            details: ["snap-lock lids", "a set of ten", "freezer-safe materials", "nesting storage"],
            complements: [], substitutes: [],
          },
          {
            id: "vacuum-flasks", name: "Vacuum Flasks", weight: 1.5, price: 29,
            titles: ["vacuum flask", "thermos", "insulated flask", "thermal flask"],
            queries: ["thermos flask", "bottle that keeps drinks hot", "hot drink flask", "thermos bottle"],
            attrs: [a("capacity", ["500 ml", "750 ml", "1 l"]), a("colour", ["black", "silver", "green", "blue", "red"]), a("feature", ["insulated", "cup lid", "leakproof"])],
            details: ["double-wall steel", "a lid that doubles as a cup", "keeps drinks hot for 24 hours", "a wide mouth"],
            complements: [], substitutes: ["travel-mugs", "water-bottles"],
          },
        ],
      },
    ],
  },
  {
    department: "Furniture & Decor",
    groups: [
      {
        group: "Furniture",
        leaves: [
          {
            id: "office-chairs", name: "Office Chairs", weight: 2, price: 179,
            titles: ["office chair", "desk chair", "task chair", "ergonomic chair"],
            queries: ["computer chair", "chair for working from home", "swivel chair", "study chair", "chair for back pain"],
            attrs: [a("colour", ["black", "grey", "white", "blue", "beige"]), a("material", ["mesh", "leather", "fabric", "faux leather"]), a("feature", ["lumbar support", "headrest", "adjustable armrests", "reclining"])],
            details: ["a 360-degree swivel", "a gas-lift seat", "a weight capacity of 120 kg", "smooth-rolling casters"],
            complements: ["desks", "desk-lamps"], substitutes: [],
          },
          {
            id: "desks", name: "Desks", weight: 1.5, price: 199,
            titles: ["desk", "computer desk", "writing desk", "standing desk"],
            queries: ["work table", "table for computer", "study table", "home office table", "sit stand desk"],
            attrs: [a("colour", ["white", "black", "oak", "walnut", "grey"]), a("material", ["wood", "metal", "glass", "MDF"]), a("style", ["modern", "industrial", "minimalist", "rustic"]), a("feature", ["height adjustable", "with drawers", "L-shaped", "cable management"])],
            details: ["a spacious work surface", "a steel frame", "easy assembly", "adjustable feet"],
            complements: ["office-chairs", "desk-lamps", "monitors", "desk-organizers"], substitutes: [],
          },
          {
            id: "bookshelves", name: "Bookshelves", weight: 1.5, price: 119,
            titles: ["bookshelf", "bookcase", "shelving unit", "book shelf"],
            queries: ["shelves for books", "book storage", "wall shelf unit"],
            attrs: [a("colour", ["white", "black", "oak", "walnut"]), a("material", ["wood", "metal", "MDF", "bamboo"]), a("style", ["modern", "industrial", "scandinavian", "rustic"]), a("size", ["3-tier", "4-tier", "5-tier"])],
            details: ["adjustable shelves", "an anti-tip wall kit", "a sturdy frame", "open-back design"],
            complements: [], substitutes: [],
          },
        ],
      },
      {
        group: "Lighting",
        leaves: [
          {
            id: "desk-lamps", name: "Desk Lamps", weight: 2, price: 35,
            titles: ["desk lamp", "LED desk lamp", "table lamp", "reading lamp"],
            queries: ["study light", "lamp for desk", "light for reading", "work lamp", "bedside light"],
            attrs: [a("colour", ["black", "white", "silver", "gold", "green"]), a("style", ["modern", "industrial", "vintage", "minimalist"]), a("feature", ["dimmable", "USB charging port", "touch control", "clamp"])],
            details: ["an adjustable arm", "five colour temperatures", "eye-caring flicker-free light", "a weighted base"],
            complements: ["desks"], substitutes: ["floor-lamps"],
          },
          {
            id: "floor-lamps", name: "Floor Lamps", weight: 1, price: 79,
            titles: ["floor lamp", "standing lamp", "arc lamp"],
            queries: ["tall lamp", "lamp for living room", "corner light", "standing light"],
            attrs: [a("colour", ["black", "white", "gold", "brass", "grey"]), a("style", ["modern", "industrial", "vintage", "scandinavian"]), a("feature", ["dimmable", "remote control", "reading light", "smart bulb"])],
            details: ["a linen shade", "a foot switch", "a weighted marble base", "an adjustable head"],
            complements: [], substitutes: ["desk-lamps"],
          },
        ],
      },
      {
        group: "Decor",
        leaves: [
          {
            id: "throw-pillows", name: "Throw Pillows", weight: 2, price: 24,
            titles: ["throw pillow", "decorative pillow", "cushion", "accent pillow"],
            queries: ["sofa cushion", "couch pillow", "decorative cushion cover", "pillows for sofa"],
            attrs: [a("colour", HOME_COLOURS.concat(["mustard", "teal"])), a("material", ["velvet", "linen", "cotton", "faux fur"]), a("size", ["45 cm", "50 cm", "60 cm"]), a("style", ["boho", "modern", "farmhouse", "geometric"])],
            details: ["a hidden zip", "a plump insert", "a washable cover", "piped edges"],
            complements: ["rugs"], substitutes: [],
          },
          {
            id: "rugs", name: "Rugs", weight: 1.5, price: 89,
            titles: ["area rug", "rug", "runner rug", "carpet"],
            queries: ["floor carpet", "living room carpet", "mat for the floor", "rug for bedroom"],
            attrs: [a("colour", HOME_COLOURS), a("material", ["wool", "jute", "polypropylene", "cotton"]), a("size", ["60x90 cm", "120x170 cm", "160x230 cm", "200x300 cm"]), a("style", ["boho", "modern", "vintage", "shaggy"])],
            details: ["a low pile that is easy to vacuum", "a non-slip backing", "a hand-woven look", "stain resistance"],
            complements: ["throw-pillows"], substitutes: [],
          },
          {
            id: "wall-clocks", name: "Wall Clocks", weight: 1, price: 29,
            titles: ["wall clock", "clock", "silent wall clock"],
            queries: ["clock for the kitchen", "hanging clock", "big clock", "non ticking clock"],
            attrs: [a("colour", ["black", "white", "gold", "wood", "silver"]), a("size", ["25 cm", "30 cm", "40 cm"]), a("style", ["modern", "vintage", "minimalist", "farmhouse"])],
            details: ["a silent sweep movement", "large easy-read numbers", "a glass front", "runs on one AA battery"],
            complements: [], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Bedding & Bath",
    groups: [
      {
        group: "Bedding",
        leaves: [
          {
            id: "pillows", name: "Pillows", weight: 2, price: 39,
            titles: ["bed pillow", "pillow", "memory foam pillow", "sleeping pillow"],
            queries: ["pillow for neck pain", "head pillow", "soft pillow for bed"],
            attrs: [a("material", ["memory foam", "down", "down alternative", "latex"]), a("size", ["standard", "queen", "king"]), a("feature", ["cooling", "hypoallergenic", "adjustable loft", "set of 2"])],
            details: ["a removable washable cover", "medium-firm support", "a breathable cover", "a shape that holds overnight"],
            complements: ["bed-sheets", "duvets"], substitutes: [],
          },
          {
            id: "duvets", name: "Duvets", weight: 1.5, price: 89,
            titles: ["duvet", "comforter", "quilt", "duvet insert"],
            queries: ["doona", "bed blanket", "warm blanket for bed", "down comforter"],
            attrs: [a("size", BED_SIZES, true), a("material", ["down", "down alternative", "wool", "cotton"]), a("feature", ["all-season", "lightweight", "extra warm", "cooling"])],
            details: ["corner ties", "box stitching that keeps the fill in place", "a cotton shell", "machine washable"],
            complements: ["bed-sheets", "pillows"], substitutes: ["weighted-blankets"],
          },
          {
            id: "bed-sheets", name: "Bed Sheets", weight: 2, price: 49,
            titles: ["sheet set", "bed sheets", "fitted sheet", "bedding set"],
            queries: ["bedsheets", "bed linen", "sheets for bed", "linens"],
            attrs: [a("size", BED_SIZES, true), a("colour", ["white", "grey", "beige", "navy", "sage", "pink"]), a("material", ["cotton", "linen", "bamboo", "microfibre"]), a("feature", ["deep pocket", "cooling", "wrinkle resistant"])],
            details: ["a 400 thread count", "deep pockets", "a sateen weave", "pre-washed softness"],
            complements: ["duvets", "pillows"], substitutes: [],
          },
          {
            id: "weighted-blankets", name: "Weighted Blankets", weight: 1, price: 69,
            titles: ["weighted blanket", "heavy blanket", "gravity blanket"],
            queries: ["blanket for anxiety", "calming blanket", "heavy throw", "blanket to help sleep"],
            attrs: [a("capacity", ["5 kg", "7 kg", "9 kg"]), a("colour", ["grey", "navy", "beige", "green"]), a("material", ["cotton", "minky", "bamboo"])],
            details: ["glass bead filling", "small pockets that keep the weight even", "a removable cover", "loops for a duvet cover"],
            complements: ["pillows"], substitutes: ["duvets"],
          },
        ],
      },
      {
        group: "Bath",
        leaves: [
          {
            id: "bath-towels", name: "Bath Towels", weight: 2, price: 29,
            titles: ["bath towel", "towel set", "bath sheet"],
            queries: ["towels", "shower towel", "big towel", "fluffy towels"],
            attrs: [a("colour", ["white", "grey", "navy", "beige", "green", "pink"]), a("material", ["cotton", "Turkish cotton", "bamboo", "microfibre"]), a("feature", ["quick dry", "set of 4", "extra large"])],
            details: ["600 gsm weight", "double-stitched hems", "high absorbency", "a hanging loop"],
            complements: [], substitutes: [],
          },
        ],
      },
      {
        group: "Sleep",
        leaves: [
          {
            id: "sleep-masks", name: "Sleep Masks", weight: 1, price: 12,
            titles: ["sleep mask", "eye mask", "blackout mask"],
            queries: ["eye cover for sleeping", "blindfold for sleep", "night mask", "mask for sleeping"],
            attrs: [a("colour", ["black", "pink", "navy", "grey", "purple"]), a("material", ["silk", "cotton", "memory foam"]), a("feature", ["contoured", "blackout", "cooling"])],
            details: ["an adjustable strap", "total light blocking", "a soft lining", "a travel pouch"],
            complements: ["pillows"], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Sports & Outdoors",
    groups: [
      {
        group: "Fitness",
        leaves: [
          {
            id: "yoga-mats", name: "Yoga Mats", weight: 2, price: 29,
            titles: ["yoga mat", "exercise mat", "fitness mat"],
            queries: ["mat for yoga", "pilates mat", "workout mat", "gym mat"],
            attrs: [a("colour", ["purple", "blue", "black", "pink", "green", "grey"]), a("material", ["TPE", "natural rubber", "PVC", "cork"]), a("size", ["4 mm", "6 mm", "10 mm"])],
            details: ["a non-slip texture", "a carry strap", "alignment lines", "cushioning for the knees"],
            complements: ["resistance-bands", "water-bottles"], substitutes: [],
          },
          {
            id: "dumbbells", name: "Dumbbells", weight: 1.5, price: 49,
            titles: ["dumbbells", "dumbbell set", "adjustable dumbbells", "hand weights"],
            queries: ["weights for home", "free weights", "hand weights set", "weights for lifting"],
            attrs: [a("capacity", ["2 kg", "5 kg", "10 kg", "20 kg"]), a("material", ["neoprene", "cast iron", "rubber", "vinyl"]), a("feature", ["adjustable", "set of 2", "with rack"])],
            details: ["a knurled grip", "hexagonal ends that do not roll", "colour-coded weights", "a compact stand"],
            complements: ["yoga-mats"], substitutes: ["resistance-bands"],
          },
          {
            id: "resistance-bands", name: "Resistance Bands", weight: 1, price: 19,
            titles: ["resistance bands", "exercise bands", "loop bands"],
            queries: ["stretch bands", "workout bands", "rubber bands for exercise", "fitness elastic"],
            attrs: [a("material", ["latex", "fabric", "TPE"]), a("feature", ["set of 5", "with handles", "door anchor"])],
            details: ["five resistance levels", "a mesh carry bag", "an exercise guide", "anti-snap layers"],
            complements: ["yoga-mats"], substitutes: ["dumbbells"],
          },
          {
            id: "water-bottles", name: "Water Bottles", weight: 3, price: 22,
            titles: ["water bottle", "sports bottle", "insulated water bottle", "drinking bottle"],
            queries: ["bottle for water", "gym bottle", "hydration bottle", "reusable bottle"],
            attrs: [a("capacity", ["500 ml", "750 ml", "1 l", "1.5 l"]), a("colour", BRIGHT_COLOURS.concat(["white", "silver"])), a("material", ["stainless steel", "plastic", "glass", "aluminium"]), a("feature", ["insulated", "straw lid", "leakproof", "time markers"])],
            details: ["a BPA-free lid", "a carry loop", "a wide mouth for ice", "keeps water cold for 24 hours"],
            complements: ["yoga-mats", "hiking-backpacks"], substitutes: ["vacuum-flasks", "travel-mugs"],
          },
        ],
      },
      {
        group: "Camping & Hiking",
        leaves: [
          {
            id: "tents", name: "Tents", weight: 1.5, price: 149,
            titles: ["tent", "camping tent", "dome tent", "backpacking tent"],
            queries: ["tent for camping", "shelter for camping", "pop up tent", "festival tent"],
            attrs: [a("capacity", ["1-person", "2-person", "4-person", "6-person"]), a("colour", ["green", "orange", "grey", "blue"]), a("feature", ["waterproof", "instant setup", "lightweight", "blackout"])],
            details: ["a rainfly with taped seams", "two doors", "a carry bag", "aluminium poles"],
            complements: ["sleeping-bags", "camping-lanterns", "hiking-backpacks"], substitutes: [],
          },
          {
            id: "sleeping-bags", name: "Sleeping Bags", weight: 1.5, price: 69,
            titles: ["sleeping bag", "mummy sleeping bag", "camping sleeping bag"],
            queries: ["sleep sack", "bag for sleeping outdoors", "camping bed roll"],
            attrs: [a("style", ["mummy", "rectangular", "double"]), a("material", ["down", "synthetic"]), a("feature", ["3-season", "4-season", "lightweight", "compact"]), a("colour", ["green", "blue", "orange", "black", "red"])],
            details: ["a compression sack", "a draft collar", "a two-way zip", "a comfort rating of -5 C"],
            complements: ["tents", "camping-lanterns"], substitutes: [],
          },
          {
            id: "hiking-backpacks", name: "Hiking Backpacks", weight: 1.5, price: 89,
            titles: ["hiking backpack", "daypack", "trekking rucksack", "backpacking pack"],
            queries: ["hiking bag", "rucksack for trekking", "trail pack", "camping backpack"],
            attrs: [a("capacity", ["20 l", "30 l", "45 l", "65 l"]), a("colour", ["black", "green", "blue", "red", "grey", "orange"]), a("feature", ["rain cover", "hydration compatible", "ventilated back"])],
            details: ["padded hip belts", "many zip pockets", "trekking pole loops", "an adjustable torso length"],
            complements: ["water-bottles", "tents", "hiking-boots"], substitutes: ["backpacks"],
          },
          {
            id: "camping-lanterns", name: "Camping Lanterns", weight: 1, price: 25,
            titles: ["camping lantern", "LED lantern", "lantern"],
            queries: ["light for camping", "tent light", "battery lantern", "outdoor lamp"],
            attrs: [a("colour", ["black", "green", "orange", "yellow"]), a("feature", ["rechargeable", "solar", "collapsible", "dimmable"])],
            details: ["up to 1000 lumens", "a hanging hook", "a power-bank output", "three light modes"],
            complements: ["tents", "sleeping-bags"], substitutes: [],
          },
        ],
      },
      {
        group: "Cycling",
        leaves: [
          {
            id: "bike-helmets", name: "Bike Helmets", weight: 1, price: 59,
            titles: ["bike helmet", "cycling helmet", "bicycle helmet"],
            queries: ["helmet for cycling", "head protection for bike", "road bike helmet"],
            attrs: [a("size", ["S", "M", "L"], true), a("colour", ["black", "white", "red", "blue", "matte grey"]), a("audience", ["adult", "kids'"], true), a("feature", ["MIPS", "LED rear light", "visor"])],
            details: ["a dial fit system", "18 air vents", "an in-mould shell", "a magnetic buckle"],
            complements: [], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Clothing & Shoes",
    groups: [
      {
        group: "Tops",
        leaves: [
          {
            id: "t-shirts", name: "T-Shirts", weight: 4, price: 19,
            titles: ["t-shirt", "tee", "crew neck t-shirt", "graphic tee"],
            queries: ["tshirt", "tee shirt", "short sleeve top", "t shirt", "basic top"],
            attrs: [a("size", APPAREL_SIZES, true), a("colour", APPAREL_COLOURS), a("material", ["cotton", "organic cotton", "polyester", "linen"]), a("audience", ALL_AUDIENCE), a("style", ["slim fit", "oversized", "classic fit", "v-neck"])],
            details: ["a tagless collar", "pre-shrunk fabric", "reinforced seams", "a soft hand feel"],
            complements: ["jeans"], substitutes: [],
          },
          {
            id: "hoodies", name: "Hoodies", weight: 2.5, price: 45,
            titles: ["hoodie", "hooded sweatshirt", "pullover hoodie", "zip hoodie"],
            queries: ["hooded jumper", "sweatshirt with hood", "hoody", "hooded top"],
            attrs: [a("size", APPAREL_SIZES, true), a("colour", APPAREL_COLOURS), a("material", ["cotton", "fleece", "polyester blend"]), a("audience", ALL_AUDIENCE), a("style", ["oversized", "zip-up", "cropped", "classic"])],
            details: ["a kangaroo pocket", "ribbed cuffs", "a brushed fleece inside", "an adjustable drawstring hood"],
            complements: ["jeans"], substitutes: [],
          },
        ],
      },
      {
        group: "Outerwear",
        leaves: [
          {
            id: "rain-jackets", name: "Rain Jackets", weight: 2, price: 79,
            titles: ["rain jacket", "waterproof jacket", "shell jacket", "raincoat"],
            queries: ["coat for rain", "jacket for wet weather", "rain coat", "waterproof coat", "anorak"],
            attrs: [a("size", APPAREL_SIZES, true), a("colour", ["black", "navy", "yellow", "red", "green", "olive"]), a("audience", ALL_AUDIENCE), a("feature", ["packable", "breathable", "hooded", "insulated"])],
            details: ["sealed seams", "a packable hood", "pit zips for ventilation", "a 10,000 mm waterproof rating"],
            complements: ["hiking-boots", "umbrellas"], substitutes: [],
          },
          {
            id: "winter-gloves", name: "Winter Gloves", weight: 1.5, price: 25,
            titles: ["winter gloves", "gloves", "thermal gloves", "mittens"],
            queries: ["warm gloves", "gloves for cold weather", "ski gloves", "hand warmers gloves"],
            attrs: [a("size", ["S", "M", "L", "XL"], true), a("colour", ["black", "grey", "navy", "brown", "red"]), a("material", ["wool", "leather", "fleece", "synthetic"]), a("feature", ["touchscreen", "waterproof", "insulated"])],
            details: ["touchscreen fingertips", "a fleece lining", "an elastic wrist", "a non-slip palm"],
            complements: [], substitutes: [],
          },
          {
            id: "umbrellas", name: "Umbrellas", weight: 1, price: 22,
            titles: ["umbrella", "compact umbrella", "travel umbrella", "golf umbrella"],
            queries: ["brolly", "rain umbrella", "windproof umbrella"],
            attrs: [a("colour", ["black", "navy", "red", "clear", "yellow"]), a("size", ["compact", "standard", "golf"]), a("feature", ["windproof", "auto open", "UV protection"])],
            details: ["a fibreglass frame", "a one-touch button", "a protective sleeve", "a vented double canopy"],
            complements: ["rain-jackets"], substitutes: [],
          },
        ],
      },
      {
        group: "Bottoms",
        leaves: [
          {
            id: "jeans", name: "Jeans", weight: 2.5, price: 55,
            titles: ["jeans", "denim jeans", "slim jeans", "straight-leg jeans"],
            queries: ["denim pants", "denim trousers", "blue jeans", "jean pants"],
            attrs: [a("size", ["28", "30", "32", "34", "36", "38"], true), a("colour", ["blue", "black", "light blue", "grey", "white"]), a("audience", ADULT_AUDIENCE), a("style", ["slim fit", "straight", "skinny", "relaxed"])],
            details: ["a five-pocket design", "a little stretch", "a button fly", "a mid-rise waist"],
            complements: ["t-shirts", "hoodies", "sneakers"], substitutes: [],
          },
        ],
      },
      {
        group: "Shoes",
        leaves: [
          {
            id: "running-shoes", name: "Running Shoes", weight: 3, price: 99,
            titles: ["running shoes", "running trainers", "road running shoes", "jogging shoes"],
            queries: ["shoes for running", "runners", "trainers for jogging", "marathon shoes", "running sneakers"],
            attrs: [a("size", SHOE_SIZES, true), a("colour", ["black", "white", "blue", "grey", "red", "pink", "neon yellow"]), a("audience", ADULT_AUDIENCE), a("feature", ["cushioned", "lightweight", "wide fit", "trail"])],
            details: ["a breathable mesh upper", "a responsive foam midsole", "a reflective heel tab", "a grippy rubber outsole"],
            complements: ["socks", "fitness-trackers", "water-bottles"], substitutes: ["sneakers"],
          },
          {
            id: "sneakers", name: "Sneakers", weight: 3, price: 75,
            titles: ["sneakers", "trainers", "casual shoes", "canvas shoes"],
            queries: ["everyday shoes", "tennis shoes", "kicks", "street shoes"],
            attrs: [a("size", SHOE_SIZES, true), a("colour", ["white", "black", "grey", "navy", "beige", "red"]), a("audience", ALL_AUDIENCE), a("material", ["canvas", "leather", "suede", "knit"])],
            details: ["a cushioned insole", "a classic low-top shape", "a vulcanised sole", "padded collar"],
            complements: ["socks", "jeans"], substitutes: ["running-shoes"],
          },
          {
            id: "hiking-boots", name: "Hiking Boots", weight: 1.5, price: 129,
            titles: ["hiking boots", "walking boots", "trekking boots", "hiking shoes"],
            queries: ["boots for hiking", "mountain boots", "trail boots", "outdoor boots"],
            attrs: [a("size", SHOE_SIZES, true), a("colour", ["brown", "black", "grey", "green"]), a("audience", ADULT_AUDIENCE), a("feature", ["waterproof", "ankle support", "lightweight", "insulated"])],
            details: ["a lugged rubber sole", "a waterproof membrane", "a padded tongue", "speed-lace hooks"],
            complements: ["socks", "hiking-backpacks", "rain-jackets"], substitutes: [],
          },
        ],
      },
      {
        group: "Accessories",
        leaves: [
          {
            id: "socks", name: "Socks", weight: 2, price: 14,
            titles: ["socks", "crew socks", "ankle socks", "running socks"],
            queries: ["sox", "sport socks", "cushioned socks", "pack of socks"],
            attrs: [a("size", ["S", "M", "L"], true), a("colour", ["black", "white", "grey", "mixed"]), a("material", ["cotton", "merino wool", "bamboo", "polyester"]), a("feature", ["6-pack", "cushioned", "moisture wicking", "compression"])],
            details: ["a reinforced heel and toe", "arch support", "a seamless toe", "a stay-up cuff"],
            complements: ["running-shoes", "sneakers", "hiking-boots"], substitutes: [],
          },
          {
            id: "sunglasses", name: "Sunglasses", weight: 1.5, price: 39,
            titles: ["sunglasses", "polarized sunglasses", "sun glasses", "shades"],
            queries: ["sunnies", "sun shades", "glasses for the sun", "uv glasses"],
            attrs: [a("colour", ["black", "tortoise", "gold", "silver", "blue"]), a("style", ["aviator", "wayfarer", "round", "sport", "cat-eye"]), a("audience", ADULT_AUDIENCE), a("feature", ["polarized", "UV400", "mirrored"])],
            details: ["a hard case", "a microfibre cloth", "spring hinges", "lightweight frames"],
            complements: [], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Beauty & Personal Care",
    groups: [
      {
        group: "Oral & Shaving",
        leaves: [
          {
            id: "electric-toothbrushes", name: "Electric Toothbrushes", weight: 1.5, price: 59,
            titles: ["electric toothbrush", "sonic toothbrush", "rechargeable toothbrush"],
            queries: ["power toothbrush", "battery toothbrush", "electronic tooth brush", "tooth brush electric"],
            attrs: [a("colour", ["white", "black", "pink", "blue"]), a("feature", ["pressure sensor", "travel case", "2-minute timer", "whitening mode"])],
            details: ["two brush heads", "a 3-week battery", "five cleaning modes", "a USB charger"],
            complements: [], substitutes: [],
          },
          {
            id: "razors", name: "Razors", weight: 1.5, price: 49,
            titles: ["electric shaver", "razor", "foil shaver", "beard trimmer"],
            queries: ["shaving machine", "shaver for men", "trimmer for beard"],
            attrs: [a("audience", ["men's", "women's"]), a("feature", ["wet and dry", "cordless", "precision trimmer", "travel lock"]), a("colour", ["black", "silver", "blue", "pink"])],
            details: ["self-sharpening blades", "a pop-up trimmer", "a charging stand", "a 60-minute runtime"],
            complements: [], substitutes: [],
          },
        ],
      },
      {
        group: "Hair",
        leaves: [
          {
            id: "hair-dryers", name: "Hair Dryers", weight: 1.5, price: 49,
            titles: ["hair dryer", "blow dryer", "hairdryer", "ionic hair dryer"],
            queries: ["hair drier", "blow drier", "dryer for hair", "hair blower"],
            attrs: [a("colour", ["black", "pink", "white", "purple", "rose gold"]), a("feature", ["ionic", "diffuser", "travel size", "cool shot"])],
            details: ["two speed settings", "a concentrator nozzle", "a 1800 W motor", "a hanging loop"],
            complements: ["shampoo"], substitutes: [],
          },
          {
            id: "shampoo", name: "Shampoo", weight: 2, price: 12,
            titles: ["shampoo", "hair shampoo", "clarifying shampoo", "shampoo bar"],
            queries: ["hair wash", "hair cleanser", "shampoo for dandruff"],
            attrs: [a("capacity", ["250 ml", "400 ml", "1 l"]), a("feature", ["sulfate-free", "anti-dandruff", "for curly hair", "volumising"])],
            details: ["argan oil", "a fresh citrus scent", "a pump bottle", "no parabens"],
            complements: ["hair-dryers"], substitutes: [],
          },
        ],
      },
      {
        group: "Skin Care",
        leaves: [
          {
            id: "face-moisturizers", name: "Face Moisturizers", weight: 2, price: 24,
            titles: ["face moisturizer", "face cream", "moisturising cream", "day cream"],
            queries: ["moisturiser", "face lotion", "cream for dry skin", "moisturizer for face"],
            attrs: [a("capacity", ["30 ml", "50 ml", "100 ml"]), a("feature", ["SPF 30", "fragrance-free", "for sensitive skin", "anti-aging"])],
            details: ["hyaluronic acid", "a lightweight texture", "a non-greasy finish", "dermatologist-tested formula"],
            complements: ["sunscreen"], substitutes: [],
          },
          {
            id: "sunscreen", name: "Sunscreen", weight: 1.5, price: 16,
            titles: ["sunscreen", "sun cream", "sunblock", "sun lotion"],
            queries: ["spf lotion", "sun protection cream", "suncream", "sun screen"],
            attrs: [a("capacity", ["50 ml", "100 ml", "200 ml"]), a("feature", ["SPF 30", "SPF 50", "water resistant", "mineral"])],
            details: ["broad-spectrum UVA and UVB protection", "a non-sticky formula", "reef-friendly filters", "a travel-size tube"],
            complements: ["face-moisturizers"], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Toys & Games",
    groups: [
      {
        group: "Games & Puzzles",
        leaves: [
          {
            id: "board-games", name: "Board Games", weight: 2, price: 34,
            titles: ["board game", "strategy game", "family board game", "party game"],
            queries: ["family game", "game night game", "tabletop game", "games for adults"],
            attrs: [a("audience", ["kids'", "family", "adult"]), a("capacity", ["2 players", "2-4 players", "2-6 players", "4-8 players"]), a("style", ["strategy", "party", "cooperative", "trivia"])],
            details: ["a 30-minute play time", "illustrated cards", "a quick-start guide", "a sturdy box insert"],
            complements: [], substitutes: ["jigsaw-puzzles"],
          },
          {
            id: "jigsaw-puzzles", name: "Jigsaw Puzzles", weight: 1.5, price: 19,
            titles: ["jigsaw puzzle", "puzzle", "1000-piece puzzle"],
            queries: ["jigsaw", "puzzle for adults", "picture puzzle", "jig saw puzzle"],
            attrs: [a("capacity", ["300 pieces", "500 pieces", "1000 pieces", "2000 pieces"]), a("style", ["landscape", "animals", "art", "map"])],
            details: ["a poster of the finished image", "thick pieces that snap together", "a resealable bag", "random-cut pieces"],
            complements: [], substitutes: ["board-games"],
          },
        ],
      },
      {
        group: "Toys",
        leaves: [
          {
            id: "building-blocks", name: "Building Blocks", weight: 2, price: 39,
            titles: ["building blocks", "building set", "construction toy", "brick set"],
            queries: ["toy bricks", "bricks for kids", "construction set", "stacking bricks"],
            attrs: [a("capacity", ["100 pieces", "300 pieces", "500 pieces", "1000 pieces"]), a("style", ["city", "space", "vehicles", "castle"]), a("audience", ["toddler", "kids'", "teen"])],
            details: ["step-by-step instructions", "compatible with major brick brands", "a storage tub", "mini figures"],
            complements: [], substitutes: [],
          },
          {
            id: "plush-toys", name: "Plush Toys", weight: 1.5, price: 18,
            titles: ["plush toy", "stuffed animal", "soft toy", "teddy bear"],
            queries: ["cuddly toy", "stuffy", "plushie", "soft teddy"],
            attrs: [a("size", GENERIC_SIZES), a("style", ["bear", "bunny", "dinosaur", "unicorn", "dog"]), a("colour", ["brown", "white", "pink", "grey", "blue"])],
            details: ["embroidered eyes", "a super-soft fabric", "surface-washable material", "a gift tag"],
            complements: [], substitutes: [],
          },
          {
            id: "rc-cars", name: "Remote Control Cars", weight: 1, price: 45,
            titles: ["remote control car", "RC car", "RC truck", "radio controlled car"],
            queries: ["remote car", "toy car with remote", "rc truck for kids", "remote control truck"],
            attrs: [a("colour", ["red", "blue", "black", "green", "orange"]), a("feature", ["off-road", "rechargeable", "waterproof", "high speed"])],
            details: ["a 2.4 GHz controller", "two batteries", "shock absorbers", "a top speed of 30 km/h"],
            complements: [], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Pet Supplies",
    groups: [
      {
        group: "Dogs",
        leaves: [
          {
            id: "dog-beds", name: "Dog Beds", weight: 1.5, price: 49,
            titles: ["dog bed", "pet bed", "orthopedic dog bed", "dog cushion"],
            queries: ["bed for dog", "puppy bed", "dog mattress", "doggy bed"],
            attrs: [a("size", GENERIC_SIZES.concat(["extra large"]), true), a("colour", ["grey", "brown", "beige", "navy"]), a("material", ["memory foam", "plush", "canvas", "faux fur"]), a("feature", ["washable cover", "orthopedic", "waterproof", "bolster"])],
            details: ["a non-slip base", "a removable cover", "raised edges to rest on", "chew-resistant fabric"],
            complements: ["dog-toys", "pet-bowls"], substitutes: [],
          },
          {
            id: "dog-leashes", name: "Dog Leashes", weight: 1.5, price: 19,
            titles: ["dog leash", "dog lead", "retractable leash", "training leash"],
            queries: ["lead for dog", "dog rope", "leash for puppy"],
            attrs: [a("size", GENERIC_SIZES), a("colour", ["black", "red", "blue", "pink", "green"]), a("material", ["nylon", "leather", "rope"]), a("feature", ["reflective", "retractable", "padded handle"])],
            details: ["a strong metal clip", "reflective stitching", "a padded handle", "a waste-bag holder"],
            complements: ["dog-toys", "dog-beds"], substitutes: [],
          },
          {
            id: "dog-toys", name: "Dog Toys", weight: 2, price: 14,
            titles: ["dog toy", "chew toy", "squeaky toy", "tug toy"],
            queries: ["toys for dogs", "puppy toy", "dog chew", "something for my dog to chew"],
            attrs: [a("size", GENERIC_SIZES), a("material", ["rubber", "rope", "plush", "nylon"]), a("feature", ["squeaky", "treat dispensing", "durable", "floating"])],
            details: ["tough materials for heavy chewers", "a squeaker inside", "a treat pocket", "non-toxic materials"],
            complements: ["dog-beds", "dog-leashes"], substitutes: [],
          },
          {
            id: "pet-bowls", name: "Pet Bowls", weight: 1.5, price: 15,
            titles: ["pet bowl", "dog bowl", "food bowl", "water bowl"],
            queries: ["dish for dog food", "feeding bowl", "cat bowl", "pet feeder"],
            attrs: [a("material", ["stainless steel", "ceramic", "silicone", "plastic"]), a("size", GENERIC_SIZES), a("feature", ["non-slip", "slow feeder", "elevated", "set of 2"])],
            details: ["a rubber base", "dishwasher-safe materials", "a spill-proof rim", "a raised stand"],
            complements: ["dog-beds"], substitutes: [],
          },
        ],
      },
      {
        group: "Cats",
        leaves: [
          {
            id: "cat-trees", name: "Cat Trees", weight: 1, price: 79,
            titles: ["cat tree", "cat tower", "cat condo", "scratching post"],
            queries: ["cat climbing tower", "cat scratcher", "play tower for cats", "cat furniture"],
            attrs: [a("size", GENERIC_SIZES), a("colour", ["grey", "beige", "white", "brown"]), a("feature", ["sisal posts", "hammock", "condo", "wall mounted"])],
            details: ["plush perches", "sisal-wrapped posts", "a dangling toy", "a wide stable base"],
            complements: ["litter-boxes"], substitutes: [],
          },
          {
            id: "litter-boxes", name: "Litter Boxes", weight: 1, price: 35,
            titles: ["litter box", "litter tray", "cat litter box"],
            queries: ["cat toilet", "kitty litter pan", "litter pan", "cat potty"],
            attrs: [a("size", GENERIC_SIZES), a("colour", ["grey", "white", "beige", "blue"]), a("feature", ["hooded", "self-cleaning", "top entry", "odour filter"])],
            details: ["a carbon filter", "a swing door", "a scoop included", "high sides against scatter"],
            complements: ["cat-trees"], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Garden & Tools",
    groups: [
      {
        group: "Power & Hand Tools",
        leaves: [
          {
            id: "cordless-drills", name: "Cordless Drills", weight: 1.5, price: 89,
            titles: ["cordless drill", "drill driver", "combi drill", "power drill"],
            queries: ["battery drill", "electric drill", "drill for home", "screwdriver drill"],
            attrs: [a("capacity", ["12 V", "18 V", "20 V"]), a("feature", ["brushless", "hammer", "two batteries", "LED light"])],
            details: ["a keyless chuck", "two speed settings", "a carry case", "a fast charger"],
            complements: ["drill-bits", "screwdriver-sets"], substitutes: [],
          },
          {
            id: "drill-bits", name: "Drill Bits", weight: 1, price: 24,
            titles: ["drill bit set", "drill bits", "bit set"],
            queries: ["bits for drill", "drilling bits", "masonry bits", "screwdriver bits"],
            attrs: [a("material", ["HSS", "titanium-coated", "cobalt", "carbide"]), a("capacity", ["15 pieces", "50 pieces", "100 pieces"])],
            details: ["a labelled case", "wood, metal and masonry bits", "a magnetic holder", "split-point tips"],
            complements: ["cordless-drills"], substitutes: [],
          },
          {
            id: "screwdriver-sets", name: "Screwdriver Sets", weight: 1, price: 29,
            titles: ["screwdriver set", "precision screwdriver set", "screwdriver kit"],
            queries: ["screw driver set", "repair tool kit", "phillips and flat screwdrivers", "tools for electronics repair"],
            attrs: [a("capacity", ["6 pieces", "32 pieces", "115 pieces"]), a("feature", ["magnetic", "precision", "insulated", "ratchet"])],
            details: ["magnetic tips", "a storage case", "cushioned grips", "chrome vanadium steel"],
            complements: ["cordless-drills"], substitutes: [],
          },
        ],
      },
      {
        group: "Garden",
        leaves: [
          {
            id: "garden-hoses", name: "Garden Hoses", weight: 1, price: 39,
            titles: ["garden hose", "expandable hose", "water hose", "hose pipe"],
            queries: ["hosepipe", "hose for watering", "expanding hose", "garden water pipe"],
            attrs: [a("size", ["15 m", "25 m", "30 m", "50 m"]), a("colour", ["green", "blue", "black", "orange"]), a("feature", ["expandable", "kink-free", "spray nozzle", "hose reel"])],
            details: ["brass fittings", "a 10-pattern spray gun", "a latex inner tube", "a storage bag"],
            complements: ["plant-pots"], substitutes: [],
          },
          {
            id: "plant-pots", name: "Plant Pots", weight: 1.5, price: 19,
            titles: ["plant pot", "planter", "flower pot", "indoor planter"],
            queries: ["pot for plants", "plant holder", "flower planter", "pots for succulents"],
            attrs: [a("material", ["ceramic", "terracotta", "plastic", "concrete"]), a("size", GENERIC_SIZES), a("colour", ["white", "black", "terracotta", "green", "grey"]), a("feature", ["drainage hole", "self-watering", "set of 3", "with saucer"])],
            details: ["a drainage hole and plug", "a matching saucer", "a matte glaze", "frost resistance"],
            complements: ["garden-hoses", "pruning-shears"], substitutes: [],
          },
          {
            id: "pruning-shears", name: "Pruning Shears", weight: 1, price: 22,
            titles: ["pruning shears", "secateurs", "garden shears", "pruners"],
            queries: ["garden scissors", "plant clippers", "hedge clippers"],
            attrs: [a("material", ["carbon steel", "stainless steel", "titanium-coated"]), a("style", ["bypass", "anvil", "ratchet"])],
            details: ["a safety lock", "sharp precision blades", "a spring-loaded handle", "non-slip grips"],
            complements: ["plant-pots"], substitutes: [],
          },
          {
            id: "string-lights", name: "String Lights", weight: 1.5, price: 25,
            titles: ["string lights", "fairy lights", "outdoor string lights", "festoon lights"],
            queries: ["party lights", "patio lights", "twinkle lights", "garden lights", "christmas lights"],
            attrs: [a("size", ["5 m", "10 m", "15 m", "30 m"]), a("colour", ["warm white", "multicolour", "cool white"]), a("feature", ["solar", "waterproof", "remote control", "plug-in"])],
            details: ["eight lighting modes", "shatterproof bulbs", "a timer", "connectable strands"],
            complements: [], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Baby",
    groups: [
      {
        group: "Travel",
        leaves: [
          {
            id: "strollers", name: "Strollers", weight: 1, price: 249,
            titles: ["stroller", "pushchair", "pram", "travel system"],
            queries: ["buggy", "baby carriage", "baby stroller", "pram for newborn"],
            attrs: [a("colour", ["black", "grey", "navy", "beige", "green"]), a("style", ["lightweight", "jogging", "double", "travel system"]), a("feature", ["one-hand fold", "reversible seat", "all-terrain wheels"])],
            details: ["a large shopping basket", "a UV50+ canopy", "a five-point harness", "a cup holder"],
            complements: ["diaper-bags", "car-seats"], substitutes: [],
          },
          {
            id: "car-seats", name: "Car Seats", weight: 1, price: 179,
            titles: ["car seat", "infant car seat", "convertible car seat", "booster seat"],
            queries: ["baby seat for car", "child seat", "carseat", "toddler car seat"],
            attrs: [a("audience", ["infant", "toddler", "child"], true), a("colour", ["black", "grey", "navy", "red"]), a("feature", ["ISOFIX", "rear facing", "360 swivel", "side impact protection"])],
            details: ["a removable washable cover", "a five-point harness", "an adjustable headrest", "a level indicator"],
            complements: ["strollers"], substitutes: [],
          },
          {
            id: "diaper-bags", name: "Diaper Bags", weight: 1, price: 45,
            titles: ["diaper bag", "nappy bag", "changing bag", "diaper backpack"],
            queries: ["baby bag", "bag for baby stuff", "nappy backpack", "diaper tote"],
            attrs: [a("colour", ["black", "grey", "beige", "navy", "pink"]), a("material", ["nylon", "canvas", "vegan leather"]), a("feature", ["changing mat", "insulated pockets", "stroller straps"])],
            details: ["a wipe-clean changing mat", "insulated bottle pockets", "stroller straps", "a wide top opening"],
            complements: ["strollers", "baby-bottles"], substitutes: [],
          },
        ],
      },
      {
        group: "Feeding & Monitoring",
        leaves: [
          {
            id: "baby-bottles", name: "Baby Bottles", weight: 1, price: 19,
            titles: ["baby bottle", "feeding bottle", "anti-colic bottle"],
            queries: ["milk bottle for baby", "infant bottle", "newborn bottle", "bottles for breastfed babies"],
            attrs: [a("capacity", ["150 ml", "260 ml", "330 ml"]), a("material", ["glass", "plastic", "silicone"]), a("feature", ["anti-colic", "set of 3", "slow flow"])],
            details: ["a soft teat", "a wide neck for easy cleaning", "a vent against colic", "BPA-free materials"],
            complements: ["diaper-bags"], substitutes: [],
          },
          {
            id: "baby-monitors", name: "Baby Monitors", weight: 1, price: 89,
            titles: ["baby monitor", "video baby monitor", "audio baby monitor"],
            queries: ["baby camera", "nursery camera", "monitor for baby room", "baby cam"],
            attrs: [a("colour", ["white", "grey"]), a("feature", ["night vision", "two-way talk", "app control", "temperature sensor"])],
            details: ["a 5-inch parent unit", "a long-range signal", "lullabies built in", "a 12-hour battery"],
            complements: [], substitutes: [],
          },
        ],
      },
    ],
  },
  {
    department: "Office Supplies",
    groups: [
      {
        group: "Paper & Writing",
        leaves: [
          {
            id: "notebooks", name: "Notebooks", weight: 2, price: 12,
            titles: ["notebook", "journal", "notepad", "bullet journal"],
            queries: ["note book", "diary for notes", "writing pad", "lined journal"],
            attrs: [a("size", ["A4", "A5", "pocket"]), a("colour", ["black", "navy", "green", "red", "kraft"]), a("style", ["lined", "dotted", "blank", "grid"])],
            details: ["thick 100 gsm paper", "an elastic closure", "a ribbon bookmark", "numbered pages"],
            complements: ["pens"], substitutes: [],
          },
          {
            id: "pens", name: "Pens", weight: 2, price: 10,
            titles: ["gel pens", "ballpoint pens", "fountain pen", "pen set"],
            queries: ["biros", "writing pens", "pens for school", "ink pens"],
            attrs: [a("colour", ["black", "blue", "assorted", "red"]), a("style", ["gel", "ballpoint", "fountain", "fineliner"]), a("capacity", ["1 pen", "10 pens", "24 pens"])],
            details: ["quick-drying ink", "a comfortable grip", "a fine 0.5 mm tip", "smudge-free lines"],
            complements: ["notebooks"], substitutes: [],
          },
        ],
      },
      {
        group: "Organisation",
        leaves: [
          {
            id: "desk-organizers", name: "Desk Organizers", weight: 1, price: 22,
            titles: ["desk organizer", "desk tidy", "pen holder", "desktop organiser"],
            queries: ["desk storage", "organiser for desk", "stationery holder", "desk caddy"],
            attrs: [a("material", ["bamboo", "metal mesh", "acrylic", "leather"]), a("colour", ["black", "white", "natural", "gold"]), a("feature", ["drawers", "phone stand", "rotating"])],
            details: ["several compartments", "a small drawer", "a non-slip base", "a slot for letters"],
            complements: ["desks", "pens"], substitutes: [],
          },
          {
            id: "backpacks", name: "Backpacks", weight: 2.5, price: 49,
            titles: ["backpack", "laptop backpack", "school backpack", "rucksack"],
            queries: ["bookbag", "school bag", "back pack", "bag for laptop"],
            attrs: [a("colour", ["black", "grey", "navy", "pink", "green", "beige"]), a("capacity", ["15 l", "20 l", "25 l", "30 l"]), a("material", ["polyester", "canvas", "nylon", "leather"]), a("feature", ["laptop compartment", "USB charging port", "anti-theft", "water resistant"])],
            details: ["a padded laptop sleeve", "breathable back panel", "a luggage strap", "hidden pockets"],
            complements: ["laptops", "water-bottles"], substitutes: ["hiking-backpacks", "laptop-sleeves"],
          },
        ],
      },
    ],
  },
];

function build(): { departments: Department[]; categories: Category[] } {
  const departments: Department[] = [];
  const categories: Category[] = [];
  for (const dept of SPEC) {
    const ids: string[] = [];
    for (const group of dept.groups) {
      for (const leaf of group.leaves) {
        ids.push(leaf.id);
        categories.push({
          id: leaf.id,
          name: leaf.name,
          department: dept.department,
          group: group.group,
          path: [dept.department, group.group, leaf.name],
          titleNames: leaf.titles,
          queryNames: leaf.queries,
          attributes: leaf.attrs,
          basePrice: leaf.price,
          details: leaf.details,
          complements: leaf.complements ?? [],
          substitutes: leaf.substitutes ?? [],
          weight: leaf.weight,
          ...(leaf.deviceKind ? { deviceKind: leaf.deviceKind } : {}),
        });
      }
    }
    departments.push({ name: dept.department, groups: dept.groups.map((g) => g.group), categories: ids });
  }
  return { departments, categories };
}

const built = build();

export const DEPARTMENTS: readonly Department[] = built.departments;
export const CATEGORIES: readonly Category[] = built.categories;

const byId = new Map(CATEGORIES.map((c) => [c.id, c]));

/** The leaf category with this id; an unknown id is an error that says so. */
export function categoryById(id: string): Category {
  const found = byId.get(id);
  if (!found) throw new Error(`Unknown category id "${id}": expected one of the ${CATEGORIES.length} leaf ids in the taxonomy (e.g. "${CATEGORIES[0].id}").`);
  return found;
}

export function hasCategory(id: string): boolean {
  return byId.has(id);
}

/** The spec of `attribute` in `category`, or undefined when that category does not use it. */
export function attributeSpec(category: Category, attribute: string): AttributeSpec | undefined {
  return category.attributes.find((spec) => spec.name === attribute);
}

/**
 * Problems in the taxonomy (dangling relation ids, duplicate ids, empty lists, a title name that
 * is also a query name); empty when it is sound. A test keeps it empty.
 */
export function taxonomyProblems(): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of CATEGORIES) {
    if (seen.has(c.id)) problems.push(`duplicate category id ${c.id}`);
    seen.add(c.id);
    for (const rel of [...c.complements, ...c.substitutes]) {
      if (!byId.has(rel)) problems.push(`${c.id} relates to unknown category ${rel}`);
      if (rel === c.id) problems.push(`${c.id} relates to itself`);
    }
    if (c.titleNames.length === 0 || c.queryNames.length === 0) problems.push(`${c.id} has no title or query names`);
    if (c.attributes.length === 0) problems.push(`${c.id} has no attributes`);
    for (const spec of c.attributes) if (spec.values.length < 2) problems.push(`${c.id}.${spec.name} has fewer than two values`);
    const titles = new Set(c.titleNames.map((t) => t.toLowerCase()));
    for (const q of c.queryNames) if (titles.has(q.toLowerCase())) problems.push(`${c.id}: "${q}" is both a title name and a query name`);
    if (c.details.length < 3) problems.push(`${c.id} has fewer than three details`);
  }
  return problems;
}
