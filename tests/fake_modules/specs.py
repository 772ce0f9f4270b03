"""Specs the loader tests point fake entry points at (``tests.fake_modules.specs:spec_alpha``)."""

from __future__ import annotations

import msgspec

from core.api import ModuleSpec
from schemas import LocalizedText


class GammaSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    radius_km: int
    labels: list[str] = msgspec.field(default_factory=list)


spec_alpha = ModuleSpec(id="alpha", title=LocalizedText(de="Alpha"))
spec_beta = ModuleSpec(id="beta", title=LocalizedText(de="Beta"))
spec_gamma = ModuleSpec(id="gamma", title=LocalizedText(de="Gamma"), settings=GammaSettings)
spec_delta = ModuleSpec(id="delta", title=LocalizedText(de="Delta"))

# Not a ModuleSpec: the loader must say so rather than fail later.
not_a_spec = {"id": "alpha"}
