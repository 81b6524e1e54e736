"""Vector helpers shared by the intent classifier and the extractive composer."""

from __future__ import annotations

import numpy as np


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (zero rows stay zero), so dot products are cosines."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
