"""Regenerate ``data-samples/musterstadt`` with ``python -m sozplan.datasets``."""

from sozplan.datasets import build_musterstadt

if __name__ == "__main__":
    for path in build_musterstadt():
        print(path)
