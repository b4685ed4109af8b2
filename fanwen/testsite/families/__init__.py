"""Template families: URL schemes and page renderers of the three CMS styles."""
from __future__ import annotations

from .baihua import Baihua
from .base import Family, Page
from .dede import Dede
from .duanwen import Duanwen
from .moyun import Moyun
from .phpcms import Phpcms

FAMILIES: tuple[type[Family], ...] = (Baihua, Dede, Phpcms, Moyun)
# Served in their own tests, not in the default bundle (whose counts other tests and the demo rely on).
EXTRA_FAMILIES: tuple[type[Family], ...] = (Duanwen,)

__all__ = ["EXTRA_FAMILIES", "FAMILIES", "Baihua", "Dede", "Duanwen", "Family", "Moyun", "Page", "Phpcms"]
