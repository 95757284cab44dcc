"""The main job: each section module computes, plots and writes one part of the report.

A section exposes ``build(outdir: pathlib.Path, *, quick: bool = False, progress=None) -> dict``;
it writes its files under ``outdir`` and returns a JSON-serialisable summary.
"""

SECTIONS = ("core", "meanfield", "simulation", "channels", "materials")

__all__ = ["SECTIONS"]
