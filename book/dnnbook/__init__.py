"""Helpers for the book "How Deep Neural Networks Learn" (one module per chapter, plus shared ones).

Shared:
``plots``        matplotlib styling and the "function and its derivative" figure
``widgets``      ``param_slider``: the one slider helper every chapter uses
``graphs``       drawing a computation graph with forward values and backward gradients

Per chapter: ``dnnbook.<chapter>`` (figures, worked examples and the book's own derivative code),
named like the chapter (``autograder/exercises.py`` lists the chapters, from ``_toc.yml``); the
forward definitions live in ``autograder.reference``.
"""
__all__ = ["plots", "widgets", "graphs"]
