"""Predictive models p(y | x, w): the pull-back Fisher metric on the weights.

``PredictiveModel(family, predict, X, y)`` turns any statistical family and an
autograd-traceable predictor into a Riemannian manifold over the weights; the
ready-made models below have closed-form metrics.
"""

from .chunked import ChunkedModel
from .chunks import Chunks
from .fisher_vector import conjugate_gradient
from .glm import (
    LinearRegression,
    LogisticRegression,
    PoissonRegression,
    SoftmaxRegression,
    linear_regression,
    logistic_regression,
    poisson_regression,
    softmax_regression,
)
from .mlp import MLPClassifier, mlp_classifier
from .predictive import PredictiveModel

__all__ = [
    "ChunkedModel",
    "Chunks",
    "LinearRegression",
    "LogisticRegression",
    "MLPClassifier",
    "PoissonRegression",
    "PredictiveModel",
    "SoftmaxRegression",
    "conjugate_gradient",
    "linear_regression",
    "logistic_regression",
    "mlp_classifier",
    "poisson_regression",
    "softmax_regression",
]
