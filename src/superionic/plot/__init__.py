"""Figures. Every function takes ``ax=`` (created when None), returns the Axes, never calls
``show()`` and sets no global style. Computation lives elsewhere; these only draw Datasets.
"""
