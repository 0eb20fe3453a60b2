"""Page clean-up before OCR: straighten the page and erase table rules.

Tesseract's layout analysis fails on ruled tables that are a degree or two off straight (a
Form 16 is mostly tables): whole columns of amounts come back as noise. So we measure the
skew from the ink itself (the shear that makes the rows' ink profile sharpest), rotate the
page straight, and paint the long horizontal and vertical rules white. Everything here is
vectorised numpy; on a 300 dpi A4 page it costs a fraction of what tesseract takes.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image

MAX_SKEW_DEGREES = 5.0

Mask = NDArray[np.bool_]


def otsu_threshold(gray: NDArray[np.uint8]) -> int:
    sample = gray[::3, ::3] if gray.size > 1_000_000 else gray
    hist = np.bincount(sample.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128
    levels = np.arange(256, dtype=np.float64)
    weight_bg = np.cumsum(hist)
    weight_fg = total - weight_bg
    cum_mean = np.cumsum(hist * levels)
    mean_all = cum_mean[-1] / total
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_all * weight_bg - cum_mean) ** 2 / (weight_bg * weight_fg)
    between = np.nan_to_num(between)
    return int(np.argmax(between))


def _profile_score(ys: NDArray[np.float64], xs: NDArray[np.float64], slope: float) -> float:
    rows = np.round(ys - xs * slope).astype(np.int64)
    rows -= rows.min()
    counts = np.bincount(rows).astype(np.float64)
    return float(np.dot(counts, counts))


def estimate_skew(gray: Image.Image) -> float:
    """The angle (degrees, counter-clockwise as PIL's `rotate` takes it) that makes the
    page's rows horizontal."""
    factor = max(1, round(min(gray.size) / 600))
    small = gray.reduce(factor) if factor > 1 else gray
    arr = np.asarray(small, dtype=np.uint8)
    ink = arr < otsu_threshold(arr)
    ys, xs = np.nonzero(ink)
    if len(ys) < 200:
        return 0.0
    if len(ys) > 60_000:
        pick = np.random.default_rng(0).choice(len(ys), 60_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    fy, fx = ys.astype(np.float64), xs.astype(np.float64)
    best = max(
        np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 1e-9, 0.25),
        key=lambda d: _profile_score(fy, fx, math.tan(math.radians(d))),
    )
    fine = max(
        np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05),
        key=lambda d: _profile_score(fy, fx, math.tan(math.radians(d))),
    )
    # Ink on a row with slope s (y grows downwards) satisfies y - x*s = const: the row runs
    # down to the right, so the page turns counter-clockwise by atan(s) to straighten it.
    return float(fine)


def _shift_and(a: Mask, k: int, axis: int) -> Mask:
    """out[i] = a[i] & a[i + k] along `axis` (the result is k shorter)."""
    if axis == 1:
        return a[:, :-k] & a[:, k:]
    return a[:-k, :] & a[k:, :]


def _erode(ink: Mask, length: int, axis: int) -> Mask:
    """out[i] is True when ink[i : i + length] is all ink (out is length - 1 shorter)."""
    out, span = ink, 1
    while span * 2 <= length:
        out, span = _shift_and(out, span, axis), span * 2
    if span < length:
        out = _shift_and(out, length - span, axis)
    return out


def _dilate(starts: Mask, length: int, axis: int, size: int) -> Mask:
    """Every position covered by a window of `length` that starts where `starts` is True."""
    pad = [(0, 0), (0, 0)]
    pad[axis] = (length - 1, length - 1)
    out = np.pad(starts, pad)
    span = 1
    while span * 2 <= length:
        head = out[:, :-span] if axis == 1 else out[:-span, :]
        tail = out[:, span:] if axis == 1 else out[span:, :]
        out, span = head | tail, span * 2
    if span < length:
        k = length - span
        head = out[:, :-k] if axis == 1 else out[:-k, :]
        tail = out[:, k:] if axis == 1 else out[k:, :]
        out = head | tail
    return out[:, :size] if axis == 1 else out[:size, :]


def _dense_windows(ink: Mask, length: int, axis: int, density: float) -> Mask:
    """out[i] is True when at least `density` of ink[i : i + length] is ink."""
    counts = np.cumsum(ink, axis=axis, dtype=np.int32)
    if axis == 1:
        zero = np.zeros((ink.shape[0], 1), np.int32)
        counts = np.concatenate([zero, counts], axis=1)
        sums = counts[:, length:] - counts[:, :-length]
    else:
        zero = np.zeros((1, ink.shape[1]), np.int32)
        counts = np.concatenate([zero, counts], axis=0)
        sums = counts[length:, :] - counts[:-length, :]
    dense: Mask = sums >= int(density * length)
    return dense


def _rules(ink: Mask, faint: Mask, length: int, axis: int, density: float = 0.85) -> Mask:
    """Pixels of straight runs at least `length` long along `axis` that are almost solid ink
    (a scanned rule breaks up where JPEG and blur thin it; text is never that dense), with
    the faint halo around them."""
    if length <= 1 or ink.shape[axis] < length:
        return np.zeros_like(ink)
    starts = _dense_windows(ink, length, axis, density)
    if not starts.any():
        return np.zeros_like(ink)
    return _dilate(starts, length, axis, ink.shape[axis]) & faint


def erase_rules(gray: Image.Image, dpi: float) -> Image.Image:
    """Paint table rules white: dense runs of ink longer than any character is wide or tall."""
    arr = np.array(gray, dtype=np.uint8)
    threshold = otsu_threshold(arr)
    ink = arr < threshold
    faint = arr < min(235, threshold + 50)  # a rule's grey halo goes with it
    # A thin rule scanned a little off straight, blurred and JPEG-compressed is grey and
    # wanders between two neighbouring pixel columns: look for it in the grey mask
    # widened by one pixel across the rule.
    # (Horizontally, only over a longer run and almost without a gap: across a line of
    # text the grey of the letters' middles would add up to a "rule".)
    wide_v = faint.copy()
    wide_v[:, 1:] |= faint[:, :-1]
    wide_h = faint.copy()
    wide_h[1:, :] |= faint[:-1, :]
    h_len = max(20, int(dpi * 0.35))
    horizontal = _rules(ink, faint, h_len, axis=1) | _rules(wide_h, faint, 2 * h_len, 1, 0.98)
    vertical = _rules(ink | wide_v, faint, max(20, int(dpi * 0.30)), axis=0)
    rules = horizontal | vertical
    if not rules.any():
        return gray
    grown = rules.copy()
    grown[1:, :] |= rules[:-1, :]
    grown[:-1, :] |= rules[1:, :]
    grown[:, 1:] |= rules[:, :-1]
    grown[:, :-1] |= rules[:, 1:]
    arr[grown] = 255
    return Image.fromarray(arr, mode="L")


def prepare(page: Image.Image, dpi: float) -> Image.Image:
    gray = page.convert("L")
    angle = estimate_skew(gray)
    if abs(angle) >= 0.2:
        # NEAREST: a quarter of BILINEAR's cost, and tesseract reads the result as well.
        gray = gray.rotate(angle, resample=Image.Resampling.NEAREST, expand=False, fillcolor=255)
    return erase_rules(gray, dpi)


def sideways(gray: Image.Image) -> bool:
    """Whether the page's lines of text run up and down (a page scanned turned by 90°): the
    ink's row profile of upright text is much sharper (lines and gaps) than its column
    profile; turned, it is the other way round. Table rules are erased first, since they
    sharpen both."""
    factor = max(1, round(min(gray.size) / 500))
    small = gray.reduce(factor) if factor > 1 else gray
    cleaned = erase_rules(small, 150 / factor)
    arr = np.asarray(cleaned, dtype=np.uint8)
    ink = arr < otsu_threshold(arr)
    if ink.sum() < 200:
        return False

    def sharpness(profile: NDArray[np.int64]) -> float:
        p = profile.astype(np.float64)
        nz = p[p > 0]
        return float(p.var() / (nz.mean() ** 2)) if nz.size else 0.0

    return sharpness(ink.sum(axis=0)) > 1.3 * sharpness(ink.sum(axis=1))
