"""Figures. Every function takes ``ax=`` (created when None), returns the Axes, never calls
``show()`` and sets no global style. Computation lives elsewhere; these only draw Datasets.
"""

# Submodules are imported on use, so that importing the package does not load matplotlib.

__all__ = ["channels", "core", "disorder", "meanfield", "simulation"]
