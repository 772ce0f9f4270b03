"""Power classes drivers filter and count by (the AFIR's categories, Regulation (EU) 2023/1804 Art. 2)."""

from __future__ import annotations

from typing import Literal, get_args

PowerClass = Literal["ac_slow", "ac_medium", "ac_fast", "dc_slow", "dc_fast", "dc_ultra"]
POWER_CLASSES: tuple[str, ...] = get_args(PowerClass)


def power_class(power_type: str, power_w: int) -> PowerClass:
    """AC up to 7.4 kW slow, up to 22 kW medium, above fast; DC below 50 kW slow, below 150 kW fast, else ultra."""
    if power_type != "DC":
        if power_w <= 7400:  # 230 V x 32 A = 7.36 kW
            return "ac_slow"
        # A nominal 22 kW point is 3 x 230 V x 32 A = 22.08 kW: the limits leave room for the rounding.
        return "ac_medium" if power_w <= 22200 else "ac_fast"
    if power_w < 50000:
        return "dc_slow"
    return "dc_fast" if power_w < 150000 else "dc_ultra"
