#!/usr/bin/python3
"""scikit-learn's PCA on a matrix written by a test: the reference for lib/src/embed/pca.ts.

Usage: /usr/bin/python3 scripts/golden/pca_reference.py MATRIX.f32 ROWS COLS COMPONENTS
MATRIX.f32 holds ROWS x COLS float32 values, little-endian, row-major. Prints one JSON object:
components (COMPONENTS lists of COLS), explained_variance, explained_variance_ratio, mean,
coordinates (ROWS lists of COMPONENTS: PCA.transform of the same matrix) and the sklearn version.
The exact solver (svd_solver="full") is used, in float64, so the reference is not itself an
approximation; signs are sklearn's own (the test compares up to sign).
Run with Debian's python (python3-sklearn); the `python3` on PATH may lack sklearn.
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.decomposition import PCA


def main() -> None:
    if len(sys.argv) != 5:
        sys.exit(f"usage: {sys.argv[0]} MATRIX.f32 ROWS COLS COMPONENTS")
    path, rows, cols, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    data = np.fromfile(path, dtype="<f4")
    if data.size != rows * cols:
        sys.exit(f"{path}: expected {rows} x {cols} = {rows * cols} float32 values, found {data.size}")
    x = data.reshape(rows, cols).astype(np.float64)
    fit = PCA(n_components=k, svd_solver="full").fit(x)
    json.dump(
        {
            "sklearn": sklearn.__version__,
            "components": fit.components_.tolist(),
            "explained_variance": fit.explained_variance_.tolist(),
            "explained_variance_ratio": fit.explained_variance_ratio_.tolist(),
            "mean": fit.mean_.tolist(),
            "coordinates": fit.transform(x).tolist(),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
