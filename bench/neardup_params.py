"""Exact Jaccard of designed near-duplicate pairs, hard negatives and all other pairs of the fixture sites,
for several shingle sizes (the measurement behind the parameters in docs/dedupe.md).

    .venv/bin/python bench/neardup_params.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import itertools

import numpy as np
from fanwen.testsite import build_sites
from fanwen.archive.neardup.shingles import Folder, shingle_hashes, jaccard
f = Folder()
for seed in (7, 8):
    b = build_sites(seed=seed, articles_per_site=120)
    truth = [t for t in b.truth if t.reachable]
    key = {(t.host, t.path): i for i, t in enumerate(truth)}
    parent = list(range(len(truth)))
    def find(x):
        while parent[x] != x: x = parent[x]
        return x
    for i, t in enumerate(truth):
        if t.variant and t.variant not in ("topic", "template"):
            parent[find(i)] = find(key[(t.host, t.variant_of)])
    negs = {(i, key[(t.host, t.variant_of)]) for i, t in enumerate(truth) if t.variant in ("topic", "template")}
    folded = [f.fold(t.body) for t in truth]
    for k in (3, 4, 5, 6, 8):
        sh = [shingle_hashes(x, k) for x in folded]
        pos, neg, bg = [], [], []
        for i, j in itertools.combinations(range(len(truth)), 2):
            if find(i) == find(j):
                pos.append((jaccard(sh[i], sh[j]), truth[i].variant or truth[j].variant))
            elif (i, j) in negs or (j, i) in negs:
                neg.append(jaccard(sh[i], sh[j]))
            else:
                bg.append(jaccard(sh[i], sh[j]))
        pv = sorted(p for p, _ in pos)
        print(f"seed {seed} k={k}: positives n={len(pos)} min={pv[0]:.3f} p10={pv[len(pv)//10]:.3f} | hard negatives max={max(neg):.3f} mean={np.mean(neg):.3f} | background max={max(bg):.3f} p99.9={np.quantile(bg, .999):.3f}")
        if k == 5 and seed == 7:
            print("   lowest positives:", sorted(pos)[:6])
