"""Where a spec runs: :class:`~varpy.spec.open_executor` (serial, local Dask or a scheduler).

May import: :mod:`varpy.spec.schema`, :mod:`varpy.exceptions`, and lazily
:mod:`dask.distributed` (optional; :class:`~varpy.spec.ExecutorError` when it is missing).
"""
from __future__ import annotations

import logging

from varpy.exceptions import SpecError, VarpyError
from varpy.spec.schema import _EXECUTORS

log = logging.getLogger(__name__)


class ExecutorError(VarpyError, RuntimeError):
    """The executor a spec asks for cannot be started or reached (Dask missing, no scheduler)."""


class open_executor:
    """Context manager giving the executor a spec asks for (None for serial runs).

    ``{"type": "local", "n_workers": n, "threads_per_worker": t}`` starts a
    :class:`dask.distributed.LocalCluster` and closes it on exit; ``{"type": "dask",
    "address": "tcp://host:8786"}`` connects a :class:`dask.distributed.Client` to a running
    scheduler (the cluster is left running).
    """

    def __init__(self, config: dict | None):
        self.config = dict(config or {"type": "serial"})
        self._client = None
        self._cluster = None

    def __enter__(self):
        kind = self.config.get("type", "serial")
        if kind == "serial":
            return None
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:
            raise ExecutorError(f"executor type {kind!r} needs dask.distributed ({exc}); "
                                "install it with pip install 'varpy[dask]', or use type: "
                                "serial") from None
        if kind == "local":
            self._cluster = LocalCluster(n_workers=int(self.config.get("n_workers") or 2),
                                         threads_per_worker=int(
                                             self.config.get("threads_per_worker") or 1),
                                         processes=True, dashboard_address=None)
            self._client = Client(self._cluster)
        elif kind == "dask":
            try:
                self._client = Client(self.config["address"], timeout="30s")
            except OSError as exc:
                raise ExecutorError(f"cannot connect to the Dask scheduler "
                                    f"{self.config['address']!r} (executor.address): {exc}"
                                    ) from None
        else:
            raise SpecError(f"unknown executor type {kind!r}", key="executor.type",
                            expected=", ".join(_EXECUTORS))
        log.info("running on %s", self._client)
        return self._client

    def __exit__(self, *exc):
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        return False
