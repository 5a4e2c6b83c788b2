"""Inference from the Fisher metric: information, Cramér–Rao covariance, Wald intervals
and ellipsoids, Fisher–Rao confidence balls and profile likelihoods."""

from .profile import ProfileLikelihood, profile_likelihood
from .regions import GeodesicBall, WaldEllipsoid
from .result import FitResult, attach_inference
from .wald import ball_radius, covariance_from_information, wald_intervals

__all__ = [
    "FitResult",
    "GeodesicBall",
    "ProfileLikelihood",
    "WaldEllipsoid",
    "attach_inference",
    "ball_radius",
    "covariance_from_information",
    "profile_likelihood",
    "wald_intervals",
]
