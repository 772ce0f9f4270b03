"""Module keys: stable across processes, separate per module and purpose, never the root secret."""

from __future__ import annotations

import pytest

from core.api import ModuleKeys


def test_same_inputs_give_the_same_key_in_any_process() -> None:
    assert ModuleKeys("participation", "root-secret").derive("marker") == ModuleKeys(
        "participation", "root-secret"
    ).derive("marker")
    assert len(ModuleKeys("participation", "root-secret").derive("marker")) == 32


def test_keys_differ_by_module_purpose_and_root() -> None:
    keys = {
        ModuleKeys("participation", "root-secret").derive("marker"),
        ModuleKeys("events", "root-secret").derive("marker"),
        ModuleKeys("participation", "root-secret").derive("links"),
        ModuleKeys("participation", "other-root").derive("marker"),
    }
    assert len(keys) == 4
    assert b"root-secret" not in ModuleKeys("participation", "root-secret").derive("marker")


def test_purpose_cannot_reach_into_another_module_and_repr_hides_material() -> None:
    with pytest.raises(ValueError, match="purpose"):
        ModuleKeys("events", "root-secret").derive("../participation/marker")
    with pytest.raises(ValueError, match="purpose"):
        ModuleKeys("events", "root-secret").derive("")
    assert "root-secret" not in repr(ModuleKeys("events", "root-secret"))
