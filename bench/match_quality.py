"""Prints recall@1 and false positives at 0.7 on both name-matching dev sets, per kind of pair, through the
matcher itself and through the two HTTP paths a lawyer uses: POST /api/v1/match and GET /api/v1/persons?q=.

Usage: .venv/bin/python bench/match_quality.py [--no-http] [--misses]

The dev sets are tests/data/name_pairs.csv (the first: Central Asian, Russian, Turkish, Arabic, Uyghur) and
tests/data/name_pairs_scripts.csv (the second: initials, surname reforms, Azerbaijani, Turkish, Belarusian
and Ukrainian, maiden names, Arabic and Persian script, Uyghur transcriptions, OCR errors, patronymics,
family names one letter apart). The matcher's evaluation is the one tests/services/test_matching.py asserts
(every dev candidate plus 400 distractors in one index), loaded from there so both always agree. The HTTP
runs put the same persons into a fresh SQLite database through POST /api/v1/persons and ask every query.

A positive is right when its person comes first, alone, at 0.7 or more; a negative is a false positive
when its person is returned at 0.7 or more.
"""

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import fresh_sqlite, mint_token  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.main import create_app  # noqa: E402
from app.models.token import Role  # noqa: E402
from app.settings import Settings  # noqa: E402

THRESHOLD = 0.7


def _load_dev_evaluation() -> ModuleType:
    path = ROOT / "tests" / "services" / "test_matching.py"
    spec = importlib.util.spec_from_file_location("dev_evaluation", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _http_verdicts(dev: ModuleType, pairs: list[Any], misses: list[str]) -> tuple[list[bool], list[bool]]:
    """Whether each pair came out right through POST /match and through GET /persons?q=, on a fresh
    database holding the dev persons and the distractors."""
    persons = dev.dev_persons(pairs)
    everybody = [*persons.values(), *dev.distractor_persons(list(persons))]
    with tempfile.TemporaryDirectory() as scratch:
        key = "bench-match-quality-" + "k" * 24
        url = fresh_sqlite(Path(scratch) / "quality.db", key)
        editor = mint_token(url, key, org="quality", role=Role.editor, create_org=True)
        viewer = mint_token(url, key, org="quality", role=Role.viewer)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=url,
            secret_key=key,
            rate_limit_per_minute=1_000_000,
            daily_read_quota=1_000_000,
        )
        with TestClient(create_app(settings)) as client:
            write = {"Authorization": f"Bearer {editor}"}
            read = {"Authorization": f"Bearer {viewer}"}
            ids: dict[str, str] = {}
            for person in everybody:
                body = {"name": person.names[0], "aliases": list(person.names[1:])}
                response = client.post("/api/v1/persons", json=body, headers=write)
                response.raise_for_status()
                ids[person.person_id] = response.json()["id"]
            matched = _post_match(client, read, [pair.query for pair in pairs])
            searched = [_search(client, read, pair.query) for pair in pairs]
    by_match, by_search = [], []
    for pair, hits_match, hits_search in zip(pairs, matched, searched, strict=True):
        wanted = ids[persons[pair.names].person_id]
        for verdicts, hits, path in (
            (by_match, hits_match, "POST /match"),
            (by_search, hits_search, "GET /persons"),
        ):
            right = _judge(pair.label, wanted, hits)
            verdicts.append(right)
            if not right:
                misses.append(f"{path}: {pair.query!r} -> {pair.names[0]!r} [{pair.note}] got {hits[:2]}")
    return by_match, by_search


def _post_match(
    client: TestClient, headers: dict[str, str], queries: list[str]
) -> list[list[tuple[str, float]]]:
    found: list[list[tuple[str, float]]] = []
    for start in range(0, len(queries), 100):
        body = {
            "queries": [{"name": q} for q in queries[start : start + 100]],
            "limit": 50,
            "threshold": THRESHOLD,
        }
        response = client.post("/api/v1/match", json=body, headers=headers)
        response.raise_for_status()
        found += [[(m["person_id"], m["score"]) for m in r["matches"]] for r in response.json()["results"]]
    return found


def _search(client: TestClient, headers: dict[str, str], query: str) -> list[tuple[str, float]]:
    response = client.get("/api/v1/persons", params={"q": query, "limit": 50}, headers=headers)
    response.raise_for_status()
    return [(item["id"], item["match_score"]) for item in response.json()["items"]]


def _judge(label: int, wanted: str, hits: list[tuple[str, float]]) -> bool:
    if label == 0:
        return not any(person == wanted and score >= THRESHOLD for person, score in hits)
    return (
        bool(hits)
        and hits[0][0] == wanted
        and hits[0][1] >= THRESHOLD
        and (len(hits) == 1 or hits[1][1] < hits[0][1])
    )


def _rates(pairs: list[Any], right: list[bool]) -> str:
    """'recall@1 r/n  fp f/m' over the given pairs."""
    positives = [ok for pair, ok in zip(pairs, right, strict=True) if pair.label == 1]
    negatives = [ok for pair, ok in zip(pairs, right, strict=True) if pair.label == 0]
    recall = f"{sum(positives) / len(positives):.3f}" if positives else "  -  "
    wrong = len(negatives) - sum(negatives)
    false_positives = f"{wrong / len(negatives):.3f}" if negatives else "  -  "
    return f"{recall} / {false_positives}"


def _print_table(title: str, pairs: list[Any], columns: dict[str, list[bool]]) -> None:
    positives = sum(pair.label for pair in pairs)
    print(f"\n{title}: {len(pairs)} pairs ({positives} positive, {len(pairs) - positives} negative)")
    print(f"  recall@1 / false positives at {THRESHOLD}, per kind")
    print(f"  {'kind':<22}{'pairs':>6}" + "".join(f"{name:>20}" for name in columns))
    for kind in sorted({pair.kind for pair in pairs}):
        chosen = [i for i, pair in enumerate(pairs) if pair.kind == kind]
        kind_pairs = [pairs[i] for i in chosen]
        cells = [_rates(kind_pairs, [right[i] for i in chosen]) for right in columns.values()]
        print(f"  {kind:<22}{len(chosen):>6}" + "".join(f"{cell:>20}" for cell in cells))
    print(
        f"  {'all':<22}{len(pairs):>6}" + "".join(f"{_rates(pairs, right):>20}" for right in columns.values())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-http", action="store_true", help="the matcher only")
    parser.add_argument("--misses", action="store_true", help="list every miss and false positive")
    args = parser.parse_args()
    dev = _load_dev_evaluation()
    for title, path in (("first dev set", dev.DEV_PAIRS), ("second dev set (scripts)", dev.SCRIPT_PAIRS)):
        pairs = dev.load_dev_pairs(path)
        results = dev.evaluate_dev_set(pairs)
        wrong = {id(pair) for pair, _ in results.missed} | {id(pair) for pair, _ in results.false_positives}
        columns = {"matcher": [id(pair) not in wrong for pair in pairs]}
        misses = [f"matcher: {p.query!r} -> {p.names[0]!r} [{p.note}]" for p, _ in results.missed]
        misses += [
            f"matcher: {p.query!r} ~ {p.names[0]!r} {m.score} [{p.note}]" for p, m in results.false_positives
        ]
        if not args.no_http:
            columns["POST /match"], columns["GET /persons?q="] = _http_verdicts(dev, pairs, misses)
        _print_table(title, pairs, columns)
        if args.misses:
            print("\n".join(f"    {line}" for line in misses))


if __name__ == "__main__":
    main()
