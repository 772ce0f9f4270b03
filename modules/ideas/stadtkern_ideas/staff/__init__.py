"""Staff routes: moderators decide and merge, editors answer with a status."""

from __future__ import annotations

from stadtkern_ideas.staff import dialogue, discussions, ideas

route_handlers = [*ideas.route_handlers, *dialogue.route_handlers, *discussions.route_handlers]
