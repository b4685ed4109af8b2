"""Charts with Chinese labels: matplotlib set up with a CJK font, or a clear warning when there is none."""

from __future__ import annotations

import click

# Preferred families, simplified Chinese first; any font whose name says CJK/Han/WenQuanYi comes next.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback")
NO_FONT = ("warning: no CJK font found, so Chinese labels will show as empty boxes;"
           " install one (Debian/Ubuntu: apt-get install fonts-noto-cjk)")


def cjk_font() -> str | None:
    """The name of an installed font that has Chinese characters, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    others = sorted(n for n in names if any(k in n for k in ("CJK", "Han Sans", "Han Serif", "WenQuanYi")))
    return others[0] if others else None


def pyplot():
    """matplotlib.pyplot without a display, its sans-serif font a CJK one (a warning on stderr if none)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = cjk_font()
    if font is None:
        click.echo(NO_FONT, err=True)
    else:
        plt.rcParams["font.sans-serif"] = [font, *plt.rcParams["font.sans-serif"]]
        plt.rcParams["font.family"] = "sans-serif"
        plt.rcParams["axes.unicode_minus"] = False
    return plt
