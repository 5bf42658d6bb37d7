"""Follow-up questions: the second turn's hit@1 alone and in the context of the first.

    .venv/bin/python bench/followups.py            # about a minute on 2 cores
    .venv/bin/python bench/followups.py --show     # every second turn as searched

Data: bench/followups.jsonl (frozen before the follow-up rules were written),
two-turn exchanges over the shipped corpus (corpus/), each with ``lang``,
``first`` (the first turn), ``q`` (the second), ``gold`` (phrases the right
passage contains; none for an off-topic question) and ``kind``: ``followup``
(the second turn alone is ambiguous) or ``standalone`` (it stands on its own
and must not be changed).  The index is the bot's: the seed corpus with the
semantic layer (e5-small).

Scoring, as bench/quality.py: a hit when the first passage's text or quote
contains a gold phrase (case, quotation marks and white space folded); an
off-topic question is right when nothing is answered.  "alone" asks ``q``;
"in context" asks what ``docbot.index.follow_up(q, first)`` builds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from quality import fold  # noqa: E402

from docbot.index import Answer, Searcher, build_index, follow_up  # noqa: E402

DATA = ROOT / "bench" / "followups.jsonl"
LANGS = ("en", "de", "es")


def right(answer: Answer, gold: list[str]) -> bool:
    """Hit@1 for an answerable question; nothing answered for an off-topic one."""
    if not gold:
        return not answer.hits
    if not answer.hits:
        return False
    first = answer.hits[0]
    text = fold(first.passage.text + " " + first.quote.text)
    return any(fold(g) in text for g in gold)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="print every second turn")
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "index.db"
        build_index(ROOT / "corpus", db, semantic="e5-small")
        searcher = Searcher.open(db, "e5-small")
        if not searcher.semantic_active:
            print("The semantic layer is not active; numbers would not be the bot's.")
            return 1
        results: dict[tuple[str, str], list[tuple[bool, bool, bool]]] = defaultdict(list)
        for row in rows:
            gold = list(row["gold"])
            built = follow_up(row["q"], row["first"])
            alone = right(searcher.ask(row["q"]), gold)
            in_context = right(searcher.ask(built.question), gold)
            unchanged = built.question == row["q"]
            results[(row["lang"], row["kind"])].append((alone, in_context, unchanged))
            if args.show:
                mark = "+" if in_context else "-"
                print(f"{mark} {row['id']} [{built.how}] {built.question}")
    print("\n| language | follow-ups | hit@1 alone | hit@1 in context | recognised |")
    print("|---|---|---|---|---|")
    for lang in LANGS:
        group = results[(lang, "followup")]
        n = len(group)
        print(
            f"| {lang} | {n} | {sum(a for a, _, _ in group) / n:.2f} "
            f"| {sum(c for _, c, _ in group) / n:.2f} "
            f"| {sum(not u for _, _, u in group)}/{n} |"
        )
    print("\n| language | self-contained | unchanged | right alone | right in context |")
    print("|---|---|---|---|---|")
    for lang in LANGS:
        group = results[(lang, "standalone")]
        n = len(group)
        print(
            f"| {lang} | {n} | {sum(u for _, _, u in group)}/{n} "
            f"| {sum(a for a, _, _ in group)}/{n} | {sum(c for _, c, _ in group)}/{n} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
