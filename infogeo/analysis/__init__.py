"""Statistics on Riemannian and statistical manifolds.

* :func:`frechet_mean` (Karcher mean) and :func:`geometric_median` (Weiszfeld);
* :func:`kl_centroid`: left, right and symmetrized KL (Bregman) centroids;
* :func:`pairwise_dist`: distance matrices in scipy's ``cdist`` / ``pdist`` layouts;
* :func:`kmeans`, :func:`kmedoids`: geodesic clustering;
* :func:`tangent_pca`: principal components in the tangent space at the mean.
"""

from .centroid import kl_centroid
from .clustering import kmeans, kmedoids
from .frechet import frechet_mean
from .median import geometric_median
from .pairwise import pairwise_dist
from .tangent_pca import TangentPCA, tangent_pca

__all__ = [
    "TangentPCA",
    "frechet_mean",
    "geometric_median",
    "kl_centroid",
    "kmeans",
    "kmedoids",
    "pairwise_dist",
    "tangent_pca",
]
