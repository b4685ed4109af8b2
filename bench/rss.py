"""Peak resident memory of this process (a benchmark helper)."""

from __future__ import annotations

import resource


def peak_rss_mib() -> float:
    """The peak RSS of this process image, in MiB.

    Linux keeps `ru_maxrss` across fork and exec, so a child started by a big parent reports at least the
    parent's size; VmHWM in /proc belongs to the current image only."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
