"""Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the visual shape of a
series, spikes included, in at most N points. Bucket bounds, next-bucket means and the triangle
areas of a bucket are numpy operations; only the walk from bucket to bucket is a Python loop,
since each choice depends on the previous one."""

from __future__ import annotations

import numpy as np


def lttb_indices(x: np.ndarray, y: np.ndarray, n_out: int) -> np.ndarray:
    """Indices of the points to keep (sorted; first and last always kept)."""
    n = len(x)
    if n_out >= n or n <= 2:
        return np.arange(n)
    if n_out < 3:
        return np.array([0, n - 1])[:max(n_out, 0)]
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    # n_out - 2 buckets between the fixed first and last points.
    edges = np.linspace(1, n - 1, n_out - 1).astype(np.int64)
    starts, ends = edges[:-1], edges[1:]
    # Mean point of each bucket, and of the "next bucket" (the last point for the final one).
    sums_x = np.add.reduceat(x[1:n - 1], starts - 1)
    sums_y = np.add.reduceat(y[1:n - 1], starts - 1)
    counts = (ends - starts).astype(np.float64)
    mean_x = np.append(sums_x / counts, x[-1])
    mean_y = np.append(sums_y / counts, y[-1])
    out = np.empty(n_out, np.int64)
    out[0], out[-1] = 0, n - 1
    a = 0
    for i in range(n_out - 2):
        s, e = starts[i], ends[i]
        cx, cy = mean_x[i + 1], mean_y[i + 1]
        ax, ay = x[a], y[a]
        area = np.abs((ax - cx) * (y[s:e] - ay) - (ax - x[s:e]) * (cy - ay))
        a = s + int(np.argmax(area))
        out[i + 1] = a
    return out
