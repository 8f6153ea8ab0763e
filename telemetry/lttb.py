"""Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the visual shape of a
series, spikes included, in at most N points. Bucket bounds and next-bucket means are numpy
operations; the walk from bucket to bucket is a loop, since each choice depends on the previous
one. Within a bucket the triangle areas are a numpy expression when buckets are large, and a
plain loop over floats when they hold only a few points (where numpy's per-call cost dominates)."""

from __future__ import annotations

import numpy as np

SMALL_BUCKET = 40  # points per bucket; measured: below it the plain loop is faster


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
    counts = (ends - starts).astype(np.float64)
    mean_x = np.append(np.add.reduceat(x[1:n - 1], starts - 1) / counts, x[-1])
    mean_y = np.append(np.add.reduceat(y[1:n - 1], starts - 1) / counts, y[-1])
    if (n - 2) / (n_out - 2) <= SMALL_BUCKET:
        return _walk_small(x.tolist(), y.tolist(), starts.tolist(), ends.tolist(), mean_x[1:].tolist(),
                           mean_y[1:].tolist(), n)
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


def _walk_small(x, y, starts, ends, next_x, next_y, n) -> np.ndarray:
    out = [0]
    a = 0
    for s, e, cx, cy in zip(starts, ends, next_x, next_y, strict=True):
        ax, ay = x[a], y[a]
        dx, dy = ax - cx, cy - ay
        best, best_area = s, -1.0
        for j in range(s, e):
            area = abs(dx * (y[j] - ay) - (ax - x[j]) * dy)
            if area > best_area:
                best, best_area = j, area
        a = best
        out.append(a)
    out.append(n - 1)
    return np.array(out, np.int64)
