/**
 * Chapter 3, feature extraction: pooled sentence embeddings, the contrastive bi-encoder, vector
 * search (exact and approximate), the embedding space in 2-D, cold start, and export to ONNX.
 */
export { poolTokens, l2Normalize, poolVectors, l2NormalizeVector, POOLING_MODES, type PoolingMode } from "./pooling";
export { loadTextEmbedder, embedTexts, embedTextStream, embeddingModelId, type EmbeddingMatrix, type TextEmbedder, type LoadedTextEmbedder, type EmbedTextsOptions, type EmbeddingChunk } from "./embed-texts";
export { userVector, historyBefore, type HistoryEvent, type UserVectorOptions } from "./user-vector";
export { infoNceLoss, infoNce, type InfoNceOptions } from "./contrastive";
export { retrievalTrainingData, keywordRetriever, type RetrievalPair, type RetrievalTrainingData, type RetrievalPairCounts, type RetrievalPairOptions } from "./retrieval-pairs";
export { BiEncoder, trainBiEncoder, createBiEncoder, pretrainedBiEncoder, saveBiEncoder, loadBiEncoder, sliceBiEncoderBatch, sliceTextBatch, PairBatches, type BiEncoderOptions, type BiEncoderTrainingOptions, type TrainedBiEncoder, type BiEncoderPooling, type TowerName, type BiEncoderBatch, type BiEncoderShard, type TextBatch } from "./bi-encoder";
export { biEncoderRecipe, biEncoderWorkerSpec, biEncoderWorkerTask, type BiEncoderRecipe } from "./bi-encoder-worker";
export { compareRetrieval, retrievalTable, catalogQrels, scoreRetrieval, keywordRun, denseRun, type RetrievalComparison, type RetrievalRow, type RetrievalMetrics } from "./retrieval-eval";
export { pca, pcaProject, type PcaOptions, type PcaResult, type RowMatrix } from "./pca";
export { cosineSimilarity, cosineMatrix } from "./similarity";
export { INTERACTION_TYPES, interactionCounts, coldProducts, nearestNeighbours, bagOfWordsNeighbours, randomEmbeddings, neighbourCategoryAccuracy, coldStartNeighbours, coldStartTable, type NeighbourOptions, type NeighbourAccuracy, type ColdStartReport, type ColdStartOptions, type ColdStartRow } from "./cold-start";
export { exportOnnx, type ExportOnnxOptions, type OnnxExportManifest } from "./onnx-export";
export { loadOnnxEmbedder, onnxFeatureExtractionPipeline, probeInferenceDevices, checkOnnxExport, onnxParity, onnxParityTexts, type OnnxParityRow, type OnnxEmbedder, type OnnxEmbedderOptions, type OnnxRuntimeName, type TokenVectors, type OnnxFeatureExtractor } from "./onnx-serve";
export { ExactIndex, type VectorMetric, type VectorIndexMetadata, type VectorHits, type VectorRows, type ScoreKernel, type ExactIndexOptions, type EmbeddedRows } from "./vector-search";
export { HnswIndex, type HnswOptions, type HnswSidecar } from "./hnsw-index";
export { HnswSearchPool, type HnswPoolOptions } from "./hnsw-pool";
export { ExactSearchPool, type ExactPoolOptions } from "./exact-pool";
export { recallAgainstExact, efSearchSweep, type RankedIds, type EfSearchRow, type EfSearchSweepOptions } from "./index-recall";
export { VectorStore, catalogRows, type CatalogRow, type CatalogFilter, type CatalogHit } from "./vector-store";
