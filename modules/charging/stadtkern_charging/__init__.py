"""Charging: a Stadtkern module shipped as its own distribution."""
