"""Write assets/data/digits.npz from scikit-learn's copy of the UCI optical digits.

scikit-learn is needed only to run this script once (it is not a quizapp
dependency); the app reads the committed file and downloads nothing:

    /work/torchvenv/bin/python scripts/extract_digits.py

The file holds ``images`` (1797 x 64, uint8, pixel counts 0..16, rows of the
8 x 8 image in reading order) and ``target`` (1797, uint8 class 0..9), in
scikit-learn's order. ``quizapp.optim.data.load_digits`` divides by 16.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parents[1] / "assets" / "data" / "digits.npz"


def main() -> None:
    bunch = load_digits()
    images = bunch.data.astype(np.uint8)
    assert images.shape == (1797, 64) and images.max() == 16 and images.min() == 0
    assert np.array_equal(images, bunch.data)  # the counts are whole numbers
    target = bunch.target.astype(np.uint8)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, images=images, target=target)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {images.shape[0]} images, "
          f"classes {np.bincount(target).tolist()}")


if __name__ == "__main__":
    main()
