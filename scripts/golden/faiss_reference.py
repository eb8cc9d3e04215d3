#!/usr/bin/env python3
"""Exact top-k inner-product search with FAISS's IndexFlatIP: the reference for ExactIndex.

Usage: /usr/bin/python3 faiss_reference.py VECTORS.f32 QUERIES.f32 DIM K
  VECTORS.f32, QUERIES.f32: row-major little-endian float32 matrices of DIM columns.
Prints JSON: {"ids": [[...], ...], "scores": [[...], ...]}, one list per query, best first.
Runs on one thread so that the scores are summed in a fixed order.
"""
import json
import sys

import faiss
import numpy as np


def main() -> None:
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    vectors_file, queries_file, dim, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    vectors = np.fromfile(vectors_file, dtype="<f4").reshape(-1, dim)
    queries = np.fromfile(queries_file, dtype="<f4").reshape(-1, dim)
    faiss.omp_set_num_threads(1)
    index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    scores, ids = index.search(queries, k)
    json.dump({"ids": ids.tolist(), "scores": scores.astype(float).tolist()}, sys.stdout)


if __name__ == "__main__":
    main()
