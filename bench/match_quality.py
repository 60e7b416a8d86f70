"""Prints recall@1 and the false-positive rate at 0.7 on the name-matching dev set, per kind of pair.

Usage: .venv/bin/python bench/match_quality.py

The dev set is tests/data/name_pairs.csv; the evaluation is the one tests/services/test_matching.py
asserts on (same index of dev persons plus distractors), loaded from there so both always agree.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _load_dev_evaluation() -> ModuleType:
    path = ROOT / "tests" / "services" / "test_matching.py"
    spec = importlib.util.spec_from_file_location("dev_evaluation", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    dev = _load_dev_evaluation()
    pairs = dev.load_dev_pairs()
    results = dev.evaluate_dev_set(pairs)
    positives = sum(pair.label for pair in pairs)
    print(f"dev set: {len(pairs)} pairs ({positives} positive, {len(pairs) - positives} negative)")
    print(
        f"recall@1: {results.recall_at_1:.3f}  ({positives - len(results.missed)}/{positives} ranked first, alone)"
    )
    above = round(results.recall_at_threshold * positives)
    print(
        f"recall at {dev.THRESHOLD}: {results.recall_at_threshold:.3f}  ({above}/{positives} positives scored {dev.THRESHOLD} or more)"
    )
    negatives = len(pairs) - positives
    print(
        f"false-positive rate at {dev.THRESHOLD}: {results.false_positive_rate:.3f}  "
        f"({len(results.false_positives)}/{negatives} negatives scored {dev.THRESHOLD} or more)"
    )
    print("\nper kind (right/total):")
    for kind, (right, total) in sorted(results.by_kind.items()):
        print(f"  {kind:<24} {right:>3}/{total:<3} {right / total:6.1%}")
    for pair, found in results.missed:
        top = ", ".join(f"{m.matched_name!r} {m.score}" for m in found[:2]) or "nothing"
        print(f"\nmissed: {pair.query!r} -> {pair.names[0]!r} [{pair.note}]; found {top}")
    for pair, match in results.false_positives:
        print(f"\nfalse positive: {pair.query!r} ~ {pair.names[0]!r} {match.score} [{pair.note}]")
        for line in match.explanation:
            print(f"    {line}")


if __name__ == "__main__":
    main()
