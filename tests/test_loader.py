"""The loader stops start-up with one clear sentence for every way a deployment can be wrong."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from core import __version__
from core.api.contract import ENTRY_POINT_GROUP
from core.errors import StartupError
from core.loader import InstalledModule, ModuleToml, Plan, build_plan, discover
from core.manifest import parse_manifest

SPECS = "tests.fake_modules.specs"


def fake(
    mid: str,
    target: str | None = None,
    *,
    version: str = "1.0.0",
    requires_core: str = ">=0.2,<0.3",
    depends_on: tuple[str, ...] = (),
    after: tuple[str, ...] = (),
) -> InstalledModule:
    meta = ModuleToml(
        id=mid,
        version=version,
        requires_core=requires_core,
        depends_on=list(depends_on),
        after=list(after),
    )
    entry_point = EntryPoint(name=mid, value=target or f"{SPECS}:spec_{mid}", group=ENTRY_POINT_GROUP)
    return InstalledModule(meta=meta, entry_point=entry_point, distribution="fake")


def installed(*modules: InstalledModule) -> dict[str, InstalledModule]:
    return {m.id: m for m in modules}


def manifest(schwerte: str = "", dortmund: str = "") -> str:
    return f'[tenants.dortmund]\nname = "Dortmund"\n{dortmund}\n\n[tenants.schwerte]\nname = "Schwerte"\n{schwerte}\n'


def plan_of(text: str, *modules: InstalledModule) -> Plan:
    return build_plan(parse_manifest(text), installed=installed(*modules))


def fails(text: str, *modules: InstalledModule) -> str:
    with pytest.raises(StartupError) as info:
        plan_of(text, *modules)
    message = str(info.value)
    assert "\n" not in message, "one sentence, one line"
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, Exception)
    return message


def test_a_valid_plan_loads() -> None:
    plan = plan_of(manifest("[tenants.schwerte.modules.alpha]"), fake("alpha"), fake("beta"))
    assert list(plan.specs) == ["alpha"]
    assert list(plan.tenants["schwerte"].modules) == ["alpha"]
    assert plan.tenants["dortmund"].modules == {}


def test_enabled_but_not_installed() -> None:
    message = fails(manifest("[tenants.schwerte.modules.ghost]"), fake("alpha"))
    assert message == ("tenants.schwerte.modules.ghost: module 'ghost' is enabled but not installed (installed: alpha)")


def test_installed_version_outside_the_accepted_range() -> None:
    message = fails(manifest('[tenants.schwerte.modules.alpha]\nversion = ">=2"'), fake("alpha", version="1.4.0"))
    assert message == (
        "tenants.schwerte.modules.alpha.version: module 'alpha' is installed in version 1.4.0, the manifest accepts >=2"
    )
    # inside the range: fine
    plan_of(manifest('[tenants.schwerte.modules.alpha]\nversion = ">=1,<2"'), fake("alpha", version="1.4.0"))


def test_unparseable_accepted_range() -> None:
    message = fails(manifest('[tenants.schwerte.modules.alpha]\nversion = "two"'), fake("alpha"))
    assert message == "tenants.schwerte.modules.alpha.version: 'two' is not a PEP 440 range"


def test_requires_core_not_met() -> None:
    message = fails(manifest("[tenants.schwerte.modules.alpha]"), fake("alpha", requires_core=">=0.3,<0.4"))
    assert message == f"module 'alpha' 1.0.0 requires core >=0.3,<0.4, this core is {__version__}"


def test_dependency_not_installed() -> None:
    message = fails(manifest("[tenants.schwerte.modules.alpha]"), fake("alpha", depends_on=("beta",)))
    assert message == "tenants.schwerte.modules.alpha: module 'alpha' depends on 'beta', which is not installed"


def test_dependency_not_enabled_for_that_city() -> None:
    text = manifest(
        schwerte="[tenants.schwerte.modules.alpha]",
        dortmund="[tenants.dortmund.modules.alpha]\n[tenants.dortmund.modules.beta]",
    )
    message = fails(text, fake("alpha", depends_on=("beta",)), fake("beta"))
    assert message == (
        "tenants.schwerte.modules.alpha: module 'alpha' depends on 'beta', which city 'schwerte' does not enable"
    )


def test_dependency_cycle() -> None:
    text = manifest("[tenants.schwerte.modules.alpha]\n[tenants.schwerte.modules.beta]")
    message = fails(text, fake("alpha", depends_on=("beta",)), fake("beta", depends_on=("alpha",)))
    assert message.startswith("module dependency cycle: ")
    assert {"alpha", "beta"} <= set(message.removeprefix("module dependency cycle: ").split(" -> "))
    # a soft `after` closes a cycle just as well
    message = fails(text, fake("alpha", after=("beta",)), fake("beta", depends_on=("alpha",)))
    assert message.startswith("module dependency cycle: ")


WASTE = "stadtkern_waste.module:spec"  # the partner module, installed as its own distribution


def test_settings_that_do_not_decode_name_the_exact_key() -> None:
    waste = fake("waste", WASTE)
    wrong_type = fails(manifest('[tenants.schwerte.modules.waste]\ndistricts = "Ergste"'), waste)
    assert wrong_type == "tenants.schwerte.modules.waste.districts: Expected `array`, got `str`"

    wrong_item = fails(manifest('[tenants.schwerte.modules.waste]\ndistricts = ["Ergste", 7]'), waste)
    assert wrong_item == "tenants.schwerte.modules.waste.districts.1: Expected `str`, got `int`"

    missing = fails(manifest("[tenants.schwerte.modules.waste]"), waste)
    assert missing == "tenants.schwerte.modules.waste: Object missing required field `districts`"

    unknown = fails(manifest('[tenants.schwerte.modules.waste]\ndistricts = ["Ergste"]\ndistrict = "x"'), waste)
    assert unknown == "tenants.schwerte.modules.waste: Object contains unknown field `district`"

    ok = plan_of(manifest('[tenants.schwerte.modules.waste]\ndistricts = ["Ergste"]'), waste)
    assert ok.tenants["schwerte"].modules["waste"].settings.districts == ["Ergste"]


def test_settings_errors_for_fake_modules() -> None:
    gamma = fake("gamma")
    message = fails(manifest('[tenants.schwerte.modules.gamma]\nradius_km = "far"'), gamma)
    assert message == "tenants.schwerte.modules.gamma.radius_km: Expected `int`, got `str`"
    # the core's keys are not passed on to the settings Struct
    plan = plan_of(
        manifest('[tenants.schwerte.modules.gamma]\nradius_km = 3\nversion = ">=1"\nmin_app_version = "1.2.0"'),
        gamma,
    )
    assert plan.tenants["schwerte"].modules["gamma"].min_app_version == "1.2.0"
    # a module without a settings Struct takes none
    message = fails(manifest("[tenants.schwerte.modules.alpha]\ncolour = 'blue'"), fake("alpha"))
    assert message == "tenants.schwerte.modules.alpha.colour: module 'alpha' takes no settings"


def test_order_respects_depends_on_and_after() -> None:
    text = manifest(
        schwerte=(
            "[tenants.schwerte.modules.gamma]\nradius_km = 1\n"
            "[tenants.schwerte.modules.alpha]\n[tenants.schwerte.modules.beta]\n[tenants.schwerte.modules.delta]"
        )
    )
    plan = plan_of(
        text,
        fake("alpha", depends_on=("beta",)),
        fake("beta"),
        fake("gamma", after=("alpha",)),
        fake("delta"),
    )
    order = list(plan.specs)
    assert order.index("beta") < order.index("alpha") < order.index("gamma")
    assert sorted(order) == ["alpha", "beta", "delta", "gamma"]
    assert list(plan.tenants["schwerte"].modules) == order
    assert list(plan.metas) == order

    # `after` a module nobody enables is no constraint; otherwise manifest order holds
    plan = plan_of(
        manifest("[tenants.schwerte.modules.delta]\n[tenants.schwerte.modules.beta]"),
        fake("beta", after=("alpha",)),
        fake("delta"),
        fake("alpha"),
    )
    assert list(plan.specs) == ["delta", "beta"]


def test_installed_but_not_enabled_is_not_imported() -> None:
    boom = fake("boom", "tests.fake_modules.exploding:spec")
    sys.modules.pop("tests.fake_modules.exploding", None)
    plan = plan_of(manifest("[tenants.schwerte.modules.alpha]"), fake("alpha"), boom)
    assert "boom" not in plan.specs
    assert "tests.fake_modules.exploding" not in sys.modules
    # enabled, it is imported, and the failure names the module
    message = fails(manifest("[tenants.schwerte.modules.boom]"), fake("alpha"), boom)
    assert message.startswith("module 'boom' failed to import: RuntimeError(")


def test_entry_point_must_be_a_matching_module_spec() -> None:
    not_spec = fake("alpha", f"{SPECS}:not_a_spec")
    assert fails(manifest("[tenants.schwerte.modules.alpha]"), not_spec) == (
        "entry point 'alpha' does not point at a ModuleSpec"
    )
    wrong_id = fake("alpha", f"{SPECS}:spec_beta")
    assert fails(manifest("[tenants.schwerte.modules.alpha]"), wrong_id) == ("module 'alpha': its spec says id 'beta'")


def _distribution(root: Path, toml: str, dist_version: str) -> None:
    """A module distribution as pip lays it out: the package, its module.toml and a dist-info."""
    package = root / "stadtkern_fakeversion"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "module.toml").write_text(toml)
    info = root / f"stadtkern_fakeversion-{dist_version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: stadtkern-fakeversion\nVersion: {dist_version}\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nfakeversion = stadtkern_fakeversion:spec\n")


def test_module_toml_version_must_match_the_installed_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = 'id = "fakeversion"\nversion = "1.0.0"\nrequires_core = ">=0.2,<0.3"\n'
    _distribution(tmp_path, toml, "1.1.0")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(StartupError, match=r"module.toml says version 1.0.0, its distribution .* is 1.1.0"):
        discover()


def test_module_toml_refuses_facts_that_belong_to_the_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = 'id = "fakeversion"\nversion = "1.0.0"\nrequires_core = ">=0.2,<0.3"\ntitle = { de = "Doppelt" }\n'
    _distribution(tmp_path, toml, "1.0.0")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(StartupError, match="title"):
        discover()
