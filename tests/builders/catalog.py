"""The seeded catalog's risk profiles, by id, as tests follow strategies with them."""

from __future__ import annotations

CONSERVATIVE, MODERATE, AGGRESSIVE = (  # 1.5 %, 2 %, 3 %
    "ab00673a-cd19-44d4-a7c4-05c63e309663",
    "3dc38f3d-4b4e-43b3-a102-e250b7cd3551",
    "9234a512-48d0-4fa9-8b77-fdaec0fd3e00",
)
