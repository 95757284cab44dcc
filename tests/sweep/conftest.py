"""A two-worker Dask LocalCluster shared by the sweep tests of a module (processes, small
memory limits, no dashboard)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def dask_client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           memory_limit="1.5GiB", dashboard_address=None)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
