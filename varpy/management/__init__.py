"""Project management: objects, datatypes, the per-ID store, importers and time scales."""
from varpy.management.core import Laboratory, Project, Volcanic, open
from varpy.management.datatypes import ECLD, ECVD, EVD, SCLD, SCVD, Datatype
from varpy.management.models import Model, ModelOutput

__all__ = ["Project", "Volcanic", "Laboratory", "open", "Datatype", "ECVD", "SCVD", "EVD",
           "ECLD", "SCLD", "Model", "ModelOutput"]
