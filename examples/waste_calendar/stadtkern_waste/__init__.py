"""Waste collection calendar: a Stadtkern module shipped as its own distribution."""
