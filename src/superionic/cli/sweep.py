"""CLI subcommand ``sweep``: the parameter sweep of a TOML spec's ``[sweep]`` table.

Runs on local processes (``--workers N``, default one per core) or on a running Dask scheduler
(``--scheduler ADDRESS``); every point is written to the store (``--store``, default
``<spec>.sweep/`` next to the spec) as it finishes, and ``--resume`` continues an interrupted
sweep. The combined Dataset is written to ``--output`` (NetCDF).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ModelError
from ._group import main


@main.command("sweep")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workers", type=int, default=None,
              help="Local worker processes (default: one per core).")
@click.option("--scheduler", default=None,
              help="Address of a Dask scheduler (e.g. tcp://host:8786) instead of local "
                   "processes.")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Store directory (default: SPEC with the suffix .sweep).")
@click.option("--resume", is_flag=True,
              help="Continue the sweep in an existing store (finished points are kept).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="NetCDF file of the combined result (default: SPEC with the suffix .nc).")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def sweep_command(spec, workers, scheduler, store, resume, output, no_progress):
    """Run the [sweep] table of SPEC (a TOML model spec) and write the combined Dataset."""
    from .. import io as sio
    from ..sweeps import Store, read_sweep_spec, sweep_from_spec
    from ..sweeps.executors import process_pool

    if workers is not None and scheduler is not None:
        raise click.UsageError("give either --workers or --scheduler, not both")
    if workers is not None and workers < 1:
        raise click.BadParameter(f"{workers}: need at least 1", param_hint="--workers")
    store = store or spec.with_suffix(".sweep")
    output = output or spec.with_suffix(".nc")
    from ._outputs import check_output

    check_output(output, "--output")
    try:
        model_spec, sweep_spec = read_sweep_spec(spec)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    st = Store(store)
    if not resume and st.read_manifest() is not None and any(st.points.glob("point-*.nc")):
        raise click.ClickException(
            f"store {store} already holds finished points: rerun with --resume to continue, or "
            "remove it"
        )
    client = executor = None
    try:
        if scheduler is not None:
            from distributed import Client

            client = Client(scheduler)
            executor = client
        elif workers is not None:
            executor = "inline" if workers == 1 else process_pool(workers)
        ds = sweep_from_spec(model_spec, sweep_spec, executor=executor, store=store,
                             resume=True, progress=not no_progress)
    except (ModelError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if client is not None:
            client.close()
        elif executor not in (None, "inline"):
            executor.shutdown(wait=True, cancel_futures=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    sio.write_netcdf(ds, output)
    shape = " x ".join(f"{n} ({ds.sizes[n]})" for n in _dims(ds))
    click.echo(f"{sweep_spec.task} sweep over {shape}: store {store}")
    click.echo(f"wrote {output}")


def _dims(ds) -> list[str]:
    import json

    grid = json.loads(ds.attrs["sweep_grid"])
    return [n.replace(".", "_") for n in grid["names"]]
