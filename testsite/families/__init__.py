"""Template families: URL schemes and page renderers of the three CMS styles."""
from __future__ import annotations

from .baihua import Baihua
from .base import Family, Page
from .dede import Dede
from .moyun import Moyun
from .phpcms import Phpcms

FAMILIES: tuple[type[Family], ...] = (Baihua, Dede, Phpcms, Moyun)

__all__ = ["FAMILIES", "Baihua", "Dede", "Family", "Moyun", "Page", "Phpcms"]
