"""varpy: volcanic and laboratory rock-physics data analysis and failure forecasting.

>>> import varpy
>>> sorted(k for k in ("Volcanic", "Laboratory", "open") if hasattr(varpy, k))
['Laboratory', 'Volcanic', 'open']
"""
import logging

from varpy._version import __version__
from varpy import exceptions
from varpy.management import (ECLD, ECVD, EVD, SCLD, SCVD, Laboratory, Model, ModelOutput,
                              Volcanic, open)

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__", "exceptions", "Volcanic", "Laboratory", "open", "ECVD", "SCVD", "EVD",
           "ECLD", "SCLD", "Model", "ModelOutput"]
