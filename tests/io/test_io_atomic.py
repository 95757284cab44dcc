"""Atomic writing: a result file appears complete at its final path or not at all."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from superionic.io import atomic, read_netcdf, write_csv, write_netcdf


def test_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "data.txt"
    atomic.write_text_atomic(path, "old")
    with pytest.raises(RuntimeError, match="disk"), atomic.atomic_path(path) as tmp:
        assert tmp.parent == path.parent and tmp.suffix == ".txt" and tmp.name.startswith(".")
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt"]


def test_netcdf_csv_and_figures_go_through_a_temporary_file(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    moved = []
    original = atomic.os.replace

    def spy(src, dst):
        moved.append((str(src), str(dst)))
        return original(src, dst)

    monkeypatch.setattr(atomic.os, "replace", spy)
    ds = xr.Dataset({"x": ("t", np.arange(3.0), {"units": "K"})})
    write_netcdf(ds, tmp_path / "a.nc")
    write_csv(ds, tmp_path / "a.csv")
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    atomic.save_figure(fig, tmp_path / "a.png", dpi=50)
    assert [dst.rsplit("/", 1)[1] for _, dst in moved] == ["a.nc", "a.csv", "a.png"]
    assert all(src.rsplit("/", 1)[1].startswith(".a.") for src, _ in moved)
    assert read_netcdf(tmp_path / "a.nc")["x"].attrs["units"] == "K"
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.nc", "a.png"]
