"""Template families: URL schemes and page renderers of the three CMS styles."""
from __future__ import annotations

from .baihua import Baihua
from .base import Family, Page
from .dede import Dede
from .phpcms import Phpcms

FAMILIES: tuple[type[Family], ...] = (Baihua, Dede, Phpcms)

__all__ = ["FAMILIES", "Baihua", "Dede", "Family", "Page", "Phpcms"]
