"""Per-category precision, recall and support of the charge classifier on tests/data/charge_texts.csv."""

import csv
from collections import Counter
from pathlib import Path

from app.services.charge import classify

TABLE_PATH = Path(__file__).resolve().parents[1] / "tests" / "data" / "charge_texts.csv"


def main() -> None:
    with TABLE_PATH.open(newline="", encoding="utf-8") as table:  # newline="": keeps quoted \r\n
        rows = [(row["text"], row["expected"]) for row in csv.DictReader(table)]
    results = [(text, expected, classify(text)) for text, expected in rows]
    support = Counter(expected for _, expected, _ in results)
    predicted = Counter(got for _, _, got in results)
    correct = Counter(expected for _, expected, got in results if expected == got)

    print(f"{'category':<14}{'precision':>10}{'recall':>8}{'support':>9}")
    for category in sorted(support | predicted, key=lambda c: -support[c]):
        precision = correct[category] / predicted[category] if predicted[category] else 0.0
        recall = correct[category] / support[category] if support[category] else 0.0
        print(f"{category:<14}{precision:>10.2f}{recall:>8.2f}{support[category]:>9}")
    print(f"accuracy {sum(correct.values()) / len(results):.3f} on {len(results)} texts")
    for text, expected, got in results:
        if expected != got:
            print(f"  wrong: {text!r}: expected {expected}, got {got}")


if __name__ == "__main__":
    main()
