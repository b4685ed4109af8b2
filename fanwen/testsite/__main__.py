"""Command line: `python -m fanwen.testsite serve|truth`.

Examples:
    python -m fanwen.testsite serve --port 8000 --seed 7 --articles-per-site 120
    python -m fanwen.testsite serve --family baihua --articles-per-site 100000   # one large site
    python -m fanwen.testsite truth --seed 7 --articles-per-site 120 -o truth.json
    python -m fanwen.testsite chaos        # the hostile site of tests/test_hostile.py (fanwen/testsite/chaos.py)
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from .bundle import build_sites
from .families import EXTRA_FAMILIES, FAMILIES
from .server import serve

FAMILY_NAMES = {cls.name: cls for cls in (*FAMILIES, *EXTRA_FAMILIES)}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m fanwen.testsite", description="Generated 范文 test sites.")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("chaos", help="serve the chaos site (hostile answers, sitemaps) on 127.0.0.1 until Ctrl-C")
    for name, doc in (("serve", "serve the sites on 127.0.0.1 until Ctrl-C"), ("truth", "dump the ground truth as JSON")):
        s = sub.add_parser(name, help=doc, description=doc)
        s.add_argument("--seed", type=int, default=7)
        s.add_argument("--articles-per-site", type=int, default=120)
        s.add_argument("--family", action="append", choices=sorted(FAMILY_NAMES),
                       help="only this family's site (repeatable; default: the four of the demo)")
        if name == "serve":
            s.add_argument("--port", type=int, default=8000)
        else:
            s.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd == "chaos":
        return _serve_chaos()
    families = tuple(FAMILY_NAMES[name] for name in args.family) if args.family else FAMILIES
    bundle = build_sites(seed=args.seed, articles_per_site=args.articles_per_site, families=families)
    if args.cmd == "truth":
        data = json.dumps([t.to_dict() for t in bundle.truth], ensure_ascii=False, indent=1)
        if args.output == "-":
            sys.stdout.write(data + "\n")
        else:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(data + "\n")
        return 0
    with serve(bundle, port=args.port) as server:
        print(f"Serving {len(bundle.truth)} documents on 127.0.0.1:{server.port}; map these hosts to 127.0.0.1:")
        print("  " + " ".join(bundle.hosts))
        for url in server.start_urls:
            print(url)
        print(f"e.g. curl --resolve {bundle.start_hosts[0]}:{server.port}:127.0.0.1 {server.start_urls[0]}")
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped")
    return 0


def _serve_chaos() -> int:
    from .chaos import ChaosSite

    with ChaosSite() as chaos:
        print(f"chaos site: {chaos.start_url} (must stay untouched: {chaos.offsite.url('/')}, {chaos.other_port.url('/')})")
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
