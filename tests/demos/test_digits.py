"""demos/digits.py: an MLP reads the 8x8 handwritten digits (quick mode: a subset, eager)."""

from __future__ import annotations

from typing import Any


def test_quick_run_learns_digits_and_writes_its_pages(run_demo: Any) -> None:
    run = run_demo("digits")
    assert "240 training images, 120 test images" in run.out
    assert "2410 parameters" in run.out.replace(",", "")
    assert "check passed: quick run: the loss falls by a third and test accuracy is >= 70%" in run.out
    assert "true \\ predicted" in run.out  # the confusion matrix
    html = (run.folder / "replay.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "default-src 'none'" in html
    run.assert_plots("misclassified.png")


def test_confusion_matrix_counts_each_pair(demo: Any) -> None:
    digits = demo("digits")
    matrix = digits.confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], classes=3)
    assert matrix == [[1, 0, 0], [0, 1, 1], [1, 0, 2]]
    assert sum(map(sum, matrix)) == 6
