"""A module whose import fails: installed-but-not-enabled must never import it."""

raise RuntimeError("tests.fake_modules.exploding was imported")
