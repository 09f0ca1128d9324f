"""Helpers for the book "How Deep Neural Networks Learn".

``activations``  analytic derivatives of the activation functions, for plots and widgets
                 (the forwards live in ``autograder.reference.activations``)
``plots``        shared matplotlib styling and the "function and its derivative" figure
``widgets``      ``param_slider``: the one slider helper every chapter uses
"""
__all__ = ["activations", "plots", "widgets"]
