"""The metrics as pure functions of activations, logits or images (NumPy, float64).

Definitions follow TF-GAN's ``tensorflow_gan/python/eval/classifier_metrics.py``
(the reference implementation of Heusel et al. and Salimans et al. that
published numbers were computed with) and the papers cited per function. All
statistics are computed in float64, whatever the dtype of the inputs; MS-SSIM, a
function of images, is computed in float32 `keras.ops` on the active backend.
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = [
    "MSSSIM_POWER_FACTORS",
    "frechet_distance",
    "frechet_distance_from_activations",
    "inception_score",
    "kernel_distance",
    "kernel_distance_blocks",
    "knn_radii",
    "mean_and_covariance",
    "mmd2_polynomial_unbiased",
    "ms_ssim",
    "msssim_diversity",
    "msssim_settings",
    "polynomial_kernel",
    "precision_recall",
    "ssim_multiscale",
    "trace_sqrt_product",
]


def _as_matrix(values: object, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [num_examples, dim], got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


# ------------------------------------------------------------------------ FID
def mean_and_covariance(activations: object) -> tuple[np.ndarray, np.ndarray]:
    """Mean and *unbiased* covariance (divided by N - 1) of ``activations [N, d]``, float64."""
    x = _as_matrix(activations, "activations")
    if len(x) < 2:
        raise ValueError(f"Need at least 2 activations for a covariance, got {len(x)}.")
    mu = x.mean(axis=0)
    centred = x - mu
    return mu, centred.T @ centred / (len(x) - 1)


def _symmetric_sqrt(matrix: np.ndarray) -> np.ndarray:
    """The PSD square root of a symmetric PSD matrix (eigenvalues below 0 from round-off -> 0)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def trace_sqrt_product(sigma1: object, sigma2: object) -> float:
    """``tr((Σ1 Σ2)^{1/2})`` for symmetric PSD ``Σ1``, ``Σ2``, real and numerically safe.

    ``Σ1 Σ2`` is not symmetric, but it has the eigenvalues of the symmetric PSD
    matrix ``A Σ2 A`` with ``A = Σ1^{1/2}``, so
    ``tr((Σ1 Σ2)^{1/2}) = Σ_i sqrt(λ_i(A Σ2 A))`` (TF-GAN's ``trace_sqrt_product``).
    Both steps use a symmetric eigen-decomposition and clip the tiny negative
    eigenvalues that round-off produces, so there is no complex part to drop
    (unlike ``scipy.linalg.sqrtm(Σ1 Σ2)``) and singular covariances (N < d) work.
    """
    s1 = np.asarray(sigma1, dtype=np.float64)
    s2 = np.asarray(sigma2, dtype=np.float64)
    root = _symmetric_sqrt(s1)
    inner = root @ s2 @ root
    values = np.linalg.eigvalsh((inner + inner.T) / 2.0)
    return float(np.sqrt(np.clip(values, 0.0, None)).sum())


def frechet_distance(mu1: object, sigma1: object, mu2: object, sigma2: object) -> float:
    """Fréchet distance between the Gaussians N(mu1, Σ1) and N(mu2, Σ2).

    Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge
    to a Local Nash Equilibrium" (arXiv:1706.08500), eq. (6)::

        d² = ||mu1 - mu2||² + tr(Σ1) + tr(Σ2) - 2 tr((Σ1 Σ2)^{1/2})

    On Inception pool-3 features this is the FID; on a classifier's features,
    TF-GAN's Fréchet classifier distance. The result is clipped at 0 (it is a
    squared distance; round-off can make FID(x, x) -1e-13).
    """
    mu1 = np.asarray(mu1, dtype=np.float64).ravel()
    mu2 = np.asarray(mu2, dtype=np.float64).ravel()
    s1 = np.asarray(sigma1, dtype=np.float64)
    s2 = np.asarray(sigma2, dtype=np.float64)
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (len(mu1), len(mu1)):
        raise ValueError(
            f"Shapes do not match: mu1 {mu1.shape}, sigma1 {s1.shape}, mu2 {mu2.shape}, "
            f"sigma2 {s2.shape} (expected [d] and [d, d])."
        )
    value = (np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
             - 2.0 * trace_sqrt_product(s1, s2))
    return float(max(value, 0.0))


def frechet_distance_from_activations(activations1: object, activations2: object) -> float:
    """`frechet_distance` of the means and unbiased covariances of two activation sets
    (TF-GAN's ``frechet_classifier_distance_from_activations``)."""
    return frechet_distance(*mean_and_covariance(activations1), *mean_and_covariance(activations2))


# ------------------------------------------------------------------------ KID
def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3,
                      coef0: float = 1.0) -> np.ndarray:
    """``k(x, y) = (x·y / d + coef0) ** degree`` for all rows of ``x`` and ``y``."""
    k = x @ y.T
    k /= x.shape[1]
    k += coef0
    result = k.copy()
    for _ in range(int(degree) - 1):  # repeated products: much faster than ** 3
        result *= k
    return result


def mmd2_polynomial_unbiased(x: object, y: object) -> float:
    """Unbiased estimate of MMD² between the samples ``x [m, d]`` and ``y [n, d]`` with the
    cubic kernel ``k(a, b) = (a·b / d + 1)³`` (Bińkowski et al. 2018, arXiv:1801.01401)::

        MMD²_u = Σ_{i≠j} k(x_i, x_j) / (m(m-1)) + Σ_{i≠j} k(y_i, y_j) / (n(n-1))
                 - 2 Σ_{i,j} k(x_i, y_j) / (m n)
    """
    x = _as_matrix(x, "x")
    y = _as_matrix(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y have different dimensions: {x.shape[1]} and {y.shape[1]}.")
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError(f"Need at least 2 examples per sample, got {m} and {n}.")
    k_xx = polynomial_kernel(x, x)
    k_yy = polynomial_kernel(y, y)
    k_xy = polynomial_kernel(x, y)
    return float((k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
                 + (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
                 - 2.0 * k_xy.mean())


#: Kernel matrices up to this many entries (float64: 160 MB) are computed once per call.
_MAX_KERNEL_ENTRIES = 20_000_000


def kernel_distance(real: object, generated: object, num_subsets: int = 100,
                    subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance: mean and std of `mmd2_polynomial_unbiased` over subsets.

    Bińkowski, Sutherland, Arbel & Gretton 2018, "Demystifying MMD GANs"
    (arXiv:1801.01401), with the protocol of their reference code (and of
    torch-fidelity/clean-fid): ``num_subsets`` times, draw ``subset_size``
    generated and ``subset_size`` real rows without replacement (generated
    first, from ``np.random.default_rng(seed)``), estimate MMD², and return the
    mean and the (population) standard deviation of the estimates. The subset
    size is capped at the smaller sample. Being unbiased, KID can be slightly
    negative when both samples come from one distribution.

    Speed: when it is cheaper and fits in memory, the real-real kernel matrix
    is computed once and each subset's sum read off it (``1_Sᵀ K 1_S``).
    """
    real = _as_matrix(real, "real")
    generated = _as_matrix(generated, "generated")
    if real.shape[1] != generated.shape[1]:
        raise ValueError(f"Dimensions differ: {real.shape[1]} and {generated.shape[1]}.")
    size = int(min(subset_size, len(real), len(generated)))
    if int(num_subsets) < 1:
        raise ValueError(f"num_subsets must be positive, got {num_subsets}.")
    if size < 2:
        raise ValueError(f"Need at least 2 examples per set, got {len(real)} and {len(generated)}.")
    # The real-real kernel, when it is cheaper than per-subset kernels and fits in memory.
    k_rr = (polynomial_kernel(real, real)
            if len(real) ** 2 <= min(int(num_subsets) * size * size, _MAX_KERNEL_ENTRIES) else None)
    rng = np.random.default_rng(seed)
    pairs = size * (size - 1)
    estimates = []
    for _ in range(int(num_subsets)):
        g_index = rng.choice(len(generated), size, replace=False)
        r_index = rng.choice(len(real), size, replace=False)
        g = generated[g_index]
        k_gg = polynomial_kernel(g, g)
        gg = (k_gg.sum() - np.trace(k_gg)) / pairs
        if k_rr is None:
            k = polynomial_kernel(real[r_index], real[r_index])
            rr = (k.sum() - np.trace(k)) / pairs
        else:
            in_r = _indicator(r_index, len(real))
            rr = (in_r @ k_rr @ in_r - k_rr.diagonal()[r_index].sum()) / pairs
        rg = polynomial_kernel(real[r_index], g).mean()
        estimates.append(rr + gg - 2.0 * rg)
    estimates = np.asarray(estimates)
    return float(estimates.mean()), float(estimates.std())


def _indicator(index: np.ndarray, length: int) -> np.ndarray:
    vector = np.zeros(length)
    vector[index] = 1.0
    return vector


def kernel_distance_blocks(real: object, generated: object,
                           max_block_size: int = 1024) -> tuple[float, float]:
    """KID by TF-GAN's block estimator (``kernel_classifier_distance_and_std_from_activations``).

    Both sets are cut, in order, into the same number of nearly equal blocks,
    ``ceil(max(m, n) / max_block_size)``, of at most ``max_block_size`` rows
    (the first blocks one row smaller when the sizes do not divide); the result
    is the mean of `mmd2_polynomial_unbiased` over block pairs and its standard
    error ``sqrt(var / n_blocks)`` (Bessel-corrected var; NaN for one block).
    Every row is used once, so it is cheaper than `kernel_distance`; the rows
    must be in random order.
    """
    real = _as_matrix(real, "real")
    generated = _as_matrix(generated, "generated")
    blocks = int(np.ceil(max(len(real), len(generated)) / int(max_block_size)))

    def bounds(n: int) -> np.ndarray:
        small, extra = divmod(n, blocks)
        sizes = [small] * (blocks - extra) + [small + 1] * extra
        return np.concatenate([[0], np.cumsum(sizes)])

    r, g = bounds(len(real)), bounds(len(generated))
    estimates = np.asarray([
        mmd2_polynomial_unbiased(real[r[i]:r[i + 1]], generated[g[i]:g[i + 1]])
        for i in range(blocks)
    ])
    mean = estimates.mean()
    if blocks < 2:
        return float(mean), float("nan")
    variance = np.mean((estimates - mean) ** 2) * blocks / (blocks - 1)
    return float(mean), float(np.sqrt(variance / blocks))


# ------------------------------------------------------------------------- IS
def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def inception_score(logits: object = None, probabilities: object = None,
                    splits: int = 10) -> tuple[float, float]:
    """Inception Score ``exp(E_x[KL(p(y|x) || p(y))])``: mean and std over ``splits``.

    Salimans et al. 2016, "Improved Techniques for Training GANs"
    (arXiv:1606.03498). The N predictions are cut into ``splits`` consecutive
    parts ``[i N // splits, (i + 1) N // splits)`` (as in the authors' code);
    per part, ``p(y)`` is the mean of ``p(y|x)`` over the part and the score is
    TF-GAN's ``classifier_score_from_logits``; the mean and (population) std of
    the part scores are returned. ``splits=1`` is TF-GAN's classifier score.
    Give ``logits`` (preferred, log-softmax in float64) or ``probabilities``.
    It ranges from 1 (one class, or no confident prediction) to the number of
    classes (confident predictions, all classes equally often).
    """
    if (logits is None) == (probabilities is None):
        raise ValueError("Pass exactly one of logits= or probabilities=.")
    if logits is not None:
        log_p = _log_softmax(_as_matrix(logits, "logits"))
    else:
        p = _as_matrix(probabilities, "probabilities")
        log_p = np.log(np.clip(p / p.sum(axis=1, keepdims=True), 1e-300, None))
    n, splits = len(log_p), int(splits)
    if not 1 <= splits <= n:
        raise ValueError(f"splits must be in [1, {n}] (the number of predictions), got {splits}.")
    scores = []
    for i in range(splits):
        part = log_p[i * n // splits:(i + 1) * n // splits]
        p = np.exp(part)
        log_marginal = np.log(p.mean(axis=0))
        kl = np.sum(p * (part - log_marginal), axis=1)
        scores.append(np.exp(kl.mean()))
    scores = np.asarray(scores)
    return float(scores.mean()), float(scores.std())


# ------------------------------------------------------------ precision/recall
def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


def knn_radii(features: object, k: int = 3, block_size: int = 1000) -> np.ndarray:
    """Squared distance of each row to its k-th nearest other row (the row itself excluded)."""
    x = _as_matrix(features, "features")
    if not 1 <= int(k) < len(x):
        raise ValueError(f"k must be in [1, {len(x) - 1}] for {len(x)} features, got {k}.")
    radii = np.empty(len(x))
    for start in range(0, len(x), block_size):
        d = _squared_distances(x[start:start + block_size], x)
        # Index 0 of the partition is the row itself (distance 0), so k is the k-th neighbour.
        radii[start:start + block_size] = np.partition(d, int(k), axis=1)[:, int(k)]
    return radii


def _coverage(manifold: np.ndarray, radii: np.ndarray, queries: np.ndarray,
              block_size: int) -> float:
    inside = np.zeros(len(queries), dtype=bool)
    for start in range(0, len(queries), block_size):
        d = _squared_distances(queries[start:start + block_size], manifold)
        inside[start:start + block_size] = np.any(d <= radii[None, :], axis=1)
    return float(inside.mean())


def precision_recall(real: object, generated: object, k: int = 3,
                     block_size: int = 1000) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019, arXiv:1904.06991).

    The manifold of a feature set is the union of balls around its points, each
    with the radius to the point's k-th nearest neighbour in the set (k = 3 in
    the paper). Precision: the fraction of generated features inside the real
    manifold (are samples realistic?). Recall: the fraction of real features
    inside the generated manifold (is the real distribution covered?). The
    paper uses equally many real and generated features (the evaluator
    subsamples to that); distances are Euclidean, computed in blocks.
    """
    real = _as_matrix(real, "real")
    generated = _as_matrix(generated, "generated")
    precision = _coverage(real, knn_radii(real, k, block_size), generated, block_size)
    recall = _coverage(generated, knn_radii(generated, k, block_size), real, block_size)
    return precision, recall


# -------------------------------------------------------------------- MS-SSIM
#: Wang, Simoncelli & Bovik 2003, "Multi-scale structural similarity for image
#: quality assessment", table of exponents (also tf.image.ssim_multiscale's default).
MSSSIM_POWER_FACTORS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def msssim_settings(height: int, width: int) -> dict[str, object]:
    """MS-SSIM parameters that fit ``height x width`` images.

    The standard setting (5 scales, 11x11 Gaussian window, sigma 1.5) needs
    images of at least 176 pixels a side: `tf.image.ssim_multiscale` halves
    the image 4 times and the window must fit the smallest scale. For smaller
    images, the most scales (at most 5, at least 1) whose smallest scale is
    ``>= 5`` pixels are used, with the window shrunk to that scale (odd, at most
    11; sigma scaled as 1.5 * size / 11), and the first exponents of the
    standard table renormalised to sum to 1. 28x28 and 32x32 get 3 scales and
    a 7x7 window (sigma 0.95); 64x64, 4 scales; 128x128, 5 scales with 7x7.
    """
    side = int(min(height, width))
    if side < 3:
        raise ValueError(f"Images of {height}x{width} are too small for MS-SSIM.")
    for scales in range(len(MSSSIM_POWER_FACTORS), 0, -1):
        smallest = side // 2 ** (scales - 1)
        if smallest >= 5 or scales == 1:
            break
    window = min(11, smallest)
    window -= 1 - window % 2  # odd
    factors = np.asarray(MSSSIM_POWER_FACTORS[:scales])
    return {
        "power_factors": tuple(float(f) for f in factors / factors.sum()),
        "filter_size": int(window),
        "filter_sigma": 1.5 * window / 11.0,
    }


def _gaussian_window(size: int, sigma: float) -> np.ndarray:
    """MATLAB's ``fspecial('gaussian')`` as `tf.image.ssim` builds it: the softmax of
    ``-(x² + y²) / (2 σ²)`` over the ``size x size`` grid centred on 0 -> ``[size, size, 1, 1]``."""
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = -0.5 * (coords[None, :] ** 2 + coords[:, None] ** 2) / float(sigma) ** 2
    g = np.exp(g - g.max())
    return (g / g.sum()).reshape(size, size, 1, 1)


def ssim_multiscale(images1: object, images2: object, max_val: float = 1.0,
                    power_factors: tuple[float, ...] = MSSSIM_POWER_FACTORS,
                    filter_size: int = 11, filter_sigma: float = 1.5, k1: float = 0.01,
                    k2: float = 0.03) -> object:
    """MS-SSIM of two batches ``[N, H, W, C]`` in `keras.ops` -> ``[N]`` (float32 tensor).

    Wang, Simoncelli & Bovik 2003, "Multi-scale structural similarity for image
    quality assessment", computed as `tf.image.ssim_multiscale` computes it (same
    Gaussian window, constants ``(k1 max_val)²``, ``(k2 max_val)²`` and exponents), so it
    runs on every Keras backend and equals TensorFlow's to float32 round-off: at each of
    ``len(power_factors)`` scales the contrast-structure term ``cs`` (mean over the valid
    positions of the ``filter_size`` window) is taken, then the images are halved by 2x2
    average pooling (an odd side first gets its last row/column repeated, TF's symmetric
    padding); MS-SSIM is ``Π_j relu(cs_j)^β_j`` with the last scale's full SSIM in place of
    its ``cs``, averaged over channels.
    """
    ops = keras.ops
    x = ops.cast(ops.convert_to_tensor(images1), "float32")
    y = ops.cast(ops.convert_to_tensor(images2), "float32")
    if len(x.shape) != 4 or tuple(x.shape) != tuple(y.shape):
        raise ValueError(f"Expected two batches [N, H, W, C] of one shape, got {x.shape} and "
                         f"{y.shape}.")
    height, width, channels = (int(v) for v in x.shape[1:])
    smallest = min(height, width)
    for _ in range(len(power_factors) - 1):
        smallest = (smallest + 1) // 2  # odd sides are padded before halving
    if smallest < filter_size:
        raise ValueError(
            f"{height}x{width} images have {smallest} pixels at the smallest of "
            f"{len(power_factors)} scales, fewer than the {filter_size}-pixel window "
            "(msssim_settings picks settings that fit).")
    kernel = ops.convert_to_tensor(
        np.tile(_gaussian_window(int(filter_size), filter_sigma), (1, 1, channels, 1)),
        "float32")
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2

    def local_mean(v: object) -> object:
        return ops.depthwise_conv(v, kernel, strides=1, padding="valid")

    def halve(v: object) -> object:
        if v.shape[1] % 2:
            v = ops.concatenate([v, v[:, -1:]], axis=1)
        if v.shape[2] % 2:
            v = ops.concatenate([v, v[:, :, -1:]], axis=2)
        return ops.average_pool(v, 2, strides=2, padding="valid")

    terms = []
    for scale in range(len(power_factors)):
        if scale:
            x, y = halve(x), halve(y)
        mean_x, mean_y = local_mean(x), local_mean(y)
        num0 = mean_x * mean_y * 2.0
        den0 = ops.square(mean_x) + ops.square(mean_y)
        luminance = (num0 + c1) / (den0 + c1)
        num1 = local_mean(x * y) * 2.0
        den1 = local_mean(ops.square(x) + ops.square(y))
        cs = (num1 - num0 + c2) / (den1 - den0 + c2)
        if scale < len(power_factors) - 1:
            terms.append(ops.relu(ops.mean(cs, axis=(1, 2))))
        else:
            terms.append(ops.relu(ops.mean(luminance * cs, axis=(1, 2))))
    stacked = ops.stack(terms, axis=-1)  # [N, C, scales]
    weights = ops.convert_to_tensor(np.asarray(power_factors, np.float32))
    return ops.mean(ops.prod(ops.power(stacked, weights), axis=-1), axis=-1)


def ms_ssim(images1: object, images2: object, max_val: float = 1.0,
            settings: dict[str, object] | None = None) -> np.ndarray:
    """Per-pair MS-SSIM (Wang et al. 2003) of two image batches ``[N, H, W, C]`` in
    ``[0, max_val]``, by `ssim_multiscale` (on the active Keras backend) with
    `msssim_settings` for their size."""
    a = np.asarray(images1, dtype=np.float32)
    b = np.asarray(images2, dtype=np.float32)
    if a.ndim != 4 or a.shape != b.shape:
        raise ValueError(f"Expected two batches [N, H, W, C] of one shape, got {a.shape} and {b.shape}.")
    settings = settings or msssim_settings(a.shape[1], a.shape[2])
    values = ssim_multiscale(a, b, max_val, **settings)
    return keras.ops.convert_to_numpy(values).astype(np.float64)


def msssim_diversity(images: object, num_pairs: int = 1000, seed: int = 0,
                     max_val: float = 1.0) -> float:
    """Mean MS-SSIM over ``num_pairs`` random pairs of distinct images (lower = more diverse).

    The sample-diversity measure of Odena, Olah & Shlens 2017 ("Conditional
    Image Synthesis with Auxiliary Classifier GANs", arXiv:1610.09585): a
    mode-collapsed generator scores near 1; compare with the same number on
    real images of the dataset.
    """
    images = np.asarray(images, dtype=np.float32)
    if len(images) < 2:
        raise ValueError(f"Need at least 2 images, got {len(images)}.")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(images), int(num_pairs))
    second = (first + rng.integers(1, len(images), int(num_pairs))) % len(images)
    return float(ms_ssim(images[first], images[second], max_val).mean())

