"""Writes test/fixtures/esci-parquet: a small synthetic table in the ESCI shopping queries layout,
once as Parquet (the dataset's own format: examples snappy-compressed in row groups of 4, products
gzip-compressed in row groups of 3) and once as CSV, both by Apache Arrow (pyarrow), an
implementation independent of the library's readers. test/data/judgment-downloads.test.ts loads
both folders and expects the same judgments.

Run once (pyarrow is not a test-time dependency): python3 -m venv /tmp/pq &&
/tmp/pq/bin/pip install pyarrow && /tmp/pq/bin/python scripts/golden/esci_parquet_fixture.py
"""
import os

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "esci-parquet")

examples = pa.table({
    "example_id": pa.array(range(10), pa.int64()),
    "query": ["revent 80 cfm", "revent 80 cfm", "revent 80 cfm", "!awnmower tires", "!awnmower tires",
              "ventilador de techo", "ventilador de techo", "扇風機", "扇風機", "扇風機"],
    "query_id": pa.array([0, 0, 0, 1, 1, 2, 2, 3, 3, 3], pa.int64()),
    "product_id": ["B000MOO21W", "B07X3Y6B1V", "B0MISSING0", "B08L3B9B9Y", "B07X3Y6B1V",
                   "B07X3Y6B1V", "B0ES000001", "B0JP000001", "B0JP000002", "B07X3Y6B1V"],
    "product_locale": ["us", "us", "us", "us", "us", "es", "es", "jp", "jp", "jp"],
    "esci_label": ["I", "E", "E", "S", "C", "E", "I", "E", "S", "I"],
    "small_version": pa.array([0, 1, 1, 1, 0, 1, 1, 0, 1, 1], pa.int64()),
    "large_version": pa.array([1] * 10, pa.int64()),
    "split": ["train", "train", "test", "train", "test", "train", "test", "train", "train", "test"],
})

products = pa.table({
    "product_id": ["B000MOO21W", "B07X3Y6B1V", "B08L3B9B9Y", "B07X3Y6B1V", "B0ES000001", "B0JP000001", "B0JP000002", "B07X3Y6B1V"],
    "product_title": ["Panasonic FV-20VQ3 WhisperCeiling 190 CFM", "Homewerks 7141-80 Bathroom Fan", "MaxAuto 2-Pack 13x5.00-6 Tires",
                      "Ventilador Homewerks", "Ventilador de techo Minka", "山善 扇風機 30cm", "アイリスオーヤマ サーキュレーター", "Homewerks 換気扇"],
    "product_description": ["<b>Quiet</b> fan, \"190\" CFM", None, "Tubeless\nlawn mower tires", None, "Silencioso", "静音", None, None],
    "product_bullet_point": ["Energy Star", "80 CFM\nquiet", None, "", "3 velocidades", "タイマー付き", "首振り", None],
    "product_brand": ["Panasonic", "Homewerks", "MaxAuto", "Homewerks", "Minka", "山善", "アイリスオーヤマ", "Homewerks"],
    "product_color": ["White", "White", None, None, "Blanco", "ホワイト", None, None],
    "product_locale": ["us", "us", "us", "es", "es", "jp", "jp", "jp"],
})

for kind in ("parquet", "csv"):
    os.makedirs(os.path.join(ROOT, kind), exist_ok=True)
pq.write_table(examples, os.path.join(ROOT, "parquet", "shopping_queries_dataset_examples.parquet"), row_group_size=4, compression="snappy")
pq.write_table(products, os.path.join(ROOT, "parquet", "shopping_queries_dataset_products.parquet"), row_group_size=3, compression="gzip")
pacsv.write_csv(examples, os.path.join(ROOT, "csv", "shopping_queries_dataset_examples.csv"))
pacsv.write_csv(products, os.path.join(ROOT, "csv", "shopping_queries_dataset_products.csv"))
# Nested columns between flat ones: the reader must skip their subtrees to find the next column.
nested = pa.table({
    "query": ["fan", "lamp"],
    "tags": pa.array([["a", "b"], []], pa.list_(pa.string())),
    "dims": pa.array([{"w": 1, "h": {"cm": 2}}, None], pa.struct([("w", pa.int64()), ("h", pa.struct([("cm", pa.int64())]))])),
    "product_id": ["B1", "B2"],
    "esci_label": ["E", "I"],
})
pq.write_table(nested, os.path.join(ROOT, "nested.parquet"))
print("wrote", ROOT)
