"""Per-module keys derived from the deployment's one secret (``STADTKERN_SECRET_KEY``).

Modules need keys (participation markers, signed links) that are the same in every API and worker
process of a city's deployment and survive restarts. Deriving them from the core secret gives that
without a second secret to configure, and a module never sees the root secret or another module's
keys: the module id is part of every derivation.
"""

from __future__ import annotations

import hashlib
import hmac

_LABEL = "stadtkern.module-key.v1"


class ModuleKeys:
    """The keys of one module, derived from the deployment's secret (``ctx.keys.derive("marker")``)."""

    __slots__ = ("_module_id", "_root")

    def __init__(self, module_id: str, root_secret: str) -> None:
        self._module_id = module_id
        self._root = root_secret.encode()

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for ``purpose`` (e.g. ``"marker"``); the same input always gives the same key.

        Rotating ``STADTKERN_SECRET_KEY`` changes every derived key, so anything keyed with one (e.g. the
        one-response-per-device markers of open surveys) starts afresh.
        """
        if not purpose or "/" in purpose:
            raise ValueError("purpose must be a non-empty name without '/'")
        info = f"{_LABEL}/{self._module_id}/{purpose}".encode()
        return hmac.new(self._root, info, hashlib.sha256).digest()

    def __repr__(self) -> str:  # never print key material
        return f"ModuleKeys(module_id={self._module_id!r})"
