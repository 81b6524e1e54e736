"""`python -m assistant.demo`: rewrite knowledge/demo/*.csv from the fixed seed."""

from __future__ import annotations

import csv

from assistant.demo.files import write_demo


def main() -> None:
    for path in write_demo():
        rows = sum(1 for _ in csv.reader(path.open(encoding="utf-8"))) - 1
        print(f"wrote {path} ({rows} rows)")


if __name__ == "__main__":
    main()
