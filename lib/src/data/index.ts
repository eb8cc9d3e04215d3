/**
 * Data: the generated shop (taxonomy, vocabulary, catalog, queries with ESCI judgments, users,
 * sessions, the user-choice model), its shipped files, and loaders for real public datasets.
 */
export {
  categoryById, hasCategory, attributeSpec, taxonomyProblems, type AttributeName, ATTRIBUTE_NAMES,
  type AttributeSpec, type Category, type DeviceKind, type Department, type Device, DEVICES, DEPARTMENTS,
  CATEGORIES,
} from "./taxonomy";
export { brandByName, brandProblems, type PriceTier, PRICE_TIERS, type Brand, BRANDS } from "./brands";
export {
  needById, valueVariants, unitVariants, misspell, VALUE_SYNONYMS, ABBREVIATIONS, MISSPELLINGS, type Need,
  NEEDS,
} from "./vocabulary";
export {
  type ProductAttributes, type Product, type QueryKind, QUERY_KINDS, type IntentTarget, type QueryIntent,
  type Split, SPLITS, type Query, type EsciLabel, type Judgment, type Preference, type AttributeTaste,
  type UserPreferences, type User, type LoggingPolicy, type SessionEvent, type SessionEventType,
  type Session,
} from "./records";
export {
  splitOf, CATALOG_FIRST_DAY, CATALOG_LAST_DAY, LOG_START, LOG_END, SPLIT_BOUNDARIES,
} from "./calendar";
export {
  isEsciLabel, esciGrade, ESCI_LABELS, ESCI_NAMES, ESCI_GAINS, ESCI_GRADES,
  type GradedProduct,
} from "./esci";
export {
  keywordTokens, queryKeywords, keywordMatch, productText, keywordSearch, STOP_WORDS, type KeywordMatch,
  KeywordIndex,
} from "./keyword-match";
export { shopPrice, generateProducts } from "./products";
export { kindCounts, candidatePool, generateQueries, QUERY_KIND_SHARES, type CatalogIndex } from "./queries";
export { generateUsers, type Persona, PERSONAS } from "./users";
export {
  relativePrice, userUtility, purchaseGivenCart, choiceProbabilities, browseCartProbability, sampleChoices,
  type ChoiceModelParams, DEFAULT_CHOICE_PARAMS, type ChoiceProduct, type ChoiceOutcome, type SampledChoices,
} from "./choice-model";
export { buildLoggingIndex, loggingRanking, type LoggingIndex } from "./logging-policy";
export { simulateSessions, type SessionOptions } from "./sessions";
export { generateWorld, type ShopSettings, type ShopWorld, GENERATOR_VERSION } from "./world";
export {
  impressions, interactions, userSequences, type Impression, type InteractionType, type Interaction,
  type SequenceOptions,
} from "./logs";
export { clickThroughByPosition, positionClickModel, type PositionedClick } from "./position-bias";
export { cumulativeShare, topPopularityShare } from "./long-tail";
export {
  keywordDifficulty, describeShop, type KeywordDifficulty, type ShopStats, CARD_BEGIN, CARD_END,
} from "./describe";
export {
  gzipDeterministic, parseJsonLines, taxonomyData, serializeWorld, writeFiles, checksumLines, parseChecksums,
  shopDir, readManifest, readShopFile, loadShop, SHOP_RECORD_FILES, type ShopRecordFile, type ShopRecords,
  type ManifestFile, type ShopManifest, type LoadedShop,
} from "./shop-files";
export { firstInvalidUtf8, decodeLatin1, decodeBytes, isGzip, readFileBytes, readFileHead, readTextFile, Utf8Census, utf8Decoding, type ByteDecoding, type TextEncoding, type DecodedText } from "./encoding";
export { stripHtml } from "./html";
export { collectTable, parseCsvText, readCsvFile, readCsvHeader, streamCsvFile, type CsvFileInfo, type CsvOptions, type CsvTable, CsvFormatError } from "./csv";
export { isParquet, parquetColumns, streamParquetFile } from "./parquet";
export { isParquetFile, readTable, streamTable, tableColumns, TABLE_FILE } from "./tables";
export { describeIssues, type RecordIssue, type SourceFile, type LoadedRecords } from "./load-report";
export {
  loadSearchJudgments, type JudgmentFormat, JUDGMENT_FORMATS, type SearchJudgment, type GradeMapping,
  GRADE_MAPPINGS, type JudgmentLoadOptions,
} from "./judgments";
export {
  recboleField, loadRecSequences, type ItemText, type UserSequence, type SequenceFormat,
  type SequenceLoadResult, type SequenceLoadOptions,
} from "./sequences";
export {
  recordsFrame, productsFrame, queriesFrame, judgmentsFrame, usersFrame, sessionsFrame, impressionsFrame,
  interactionsFrame, searchJudgmentsFrame, itemsFrame, sequencesFrame,
} from "./frames";
export { ATTRIBUTE_TAG_TYPES, ATTRIBUTE_TAGS, splitWords, wordSpans, tagTitle, tagQuery, titleSplit, attributeTagRows, countAttributeSpans, type AttributeTagType, type AttributeTagRow, type WordSpan } from "./attribute-tags";
export { loadAttributeTags } from "./shop-files";
export { type AttributeTagStats } from "./describe";
