"""Stadtkern core: the host that loads modules and serves cities."""

__version__ = "0.2.3"
