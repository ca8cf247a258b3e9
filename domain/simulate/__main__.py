"""``python -m domain.simulate SCENARIO.json``: the result on stdout (exit 0), or
``{"error": {"path": ..., "message": ...}}`` for an invalid scenario (exit 2). Never a traceback."""

from __future__ import annotations

import json
import sys

from domain.simulate.output import to_json
from domain.simulate.run import simulate
from domain.simulate.scenario import InvalidScenario, parse


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(
            json.dumps(
                {"error": {"path": "", "message": "usage: python -m domain.simulate SCENARIO.json"}}
            )
        )
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        print(
            json.dumps({"error": {"path": "", "message": f"cannot read {args[0]}: {exc.strerror}"}})
        )
        return 2
    try:
        result = simulate(parse(text))
    except InvalidScenario as exc:
        print(json.dumps({"error": {"path": exc.path, "message": exc.message}}))
        return 2
    print(json.dumps(to_json(result), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
