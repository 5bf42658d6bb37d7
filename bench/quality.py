"""Answer quality, lexical against hybrid (BM25 + the semantic layer), in one run.

    .venv/bin/python bench/quality.py            # everything (about 30 minutes on 2 cores)
    .venv/bin/python bench/quality.py --seed     # the seed corpus's question sets only

Data: the shipped corpus (corpus/) with its question sets -- the seed's
development questions (../shared/eval/seed-dev.jsonl, beside this repository),
bench/questions.jsonl and bench/questions-hard.jsonl (ours, frozen before
tuning: paraphrases, answers only in another language, chatty questions with
typos, keywords, off-topic traps), bench/questions-tune.jsonl (the same kinds,
written later to fit the fusion on) and bench/questions-holdout.jsonl (the same
kinds, written beside it and never tuned on) -- and XQuAD (../shared/eval/xquad/, CC BY-SA
4.0) in English, German and Spanish.  Without ../shared the seed's
development set and XQuAD are skipped, with a note.

A question is hit at rank r when the r-th passage's text or quote contains
one of its gold phrases (case, quotation marks and white space folded); an
off-topic question (no gold) is right when nothing is answered.  XQuAD: each
paragraph is a document; a question is hit when the passage comes from its
paragraph.  Configurations: one language at a time (mono); questions in one
language over paragraphs in another (cross); and the mixed-language corpus
where paragraph i exists only in language i mod 3, so two thirds of each
language's questions are answered only across languages.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
XQUAD = SHARED / "eval" / "xquad"
LANGS = ("en", "de", "es")

import numpy as np  # noqa: E402

from docbot.index import Answer, Searcher, build_index  # noqa: E402
from docbot.index.analysis.question import clean_question  # noqa: E402
from docbot.index.retrieval.encoders import load_encoder  # noqa: E402

_QUOTES = re.compile(r"[’‘“”„«»'\"]")


def fold(text: str) -> str:
    return " ".join(_QUOTES.sub("", text.casefold()).split())


def load_set(path: Path) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for row in rows:
        row.setdefault("kind", "off-topic" if not row["gold"] else "direct")
        if not row["gold"]:
            row["kind"] = "off-topic"
    return rows


def hit_rank(answer: Answer, gold: list[str]) -> int | None:
    for hit in answer.hits:
        text = fold(hit.passage.text + " " + hit.quote.text)
        if any(fold(g) in text for g in gold):
            return hit.rank
    return None


def dense_docs(searcher: Searcher, question: str, k: int = 5) -> list[str]:
    """The semantic layer alone: documents of the k most similar passages, no floor."""
    text = clean_question(question)
    guess = searcher.guess_language(text, None)
    spoken = searcher.spoken_language(text, guess)
    query = searcher.semantic.query_vector(text)
    scored: list[tuple[float, int]] = []
    for lang, index in searcher.indexes.items():
        dense = searcher.semantic.scores(query, spoken, lang)
        for i in np.argsort(-dense.score)[:k]:
            scored.append((float(dense.score[i]), int(index.passage_ids[i])))
    best = [pid for _, pid in sorted(scored, reverse=True)[:k]]
    found = searcher.passages_by_id(best)
    return [found[pid].doc for pid in best if pid in found]


def seed_report(searchers: dict[str, Searcher], sets: dict[str, list[dict[str, object]]]) -> None:
    print("\n## Seed corpus: hit@1 / hit@3 per kind (off-topic: share answered, lower is better)\n")
    print("| set | kind | n | lexical hit@1 | lexical hit@3 | hybrid hit@1 | hybrid hit@3 |")
    print("|---|---|---|---|---|---|---|")
    for name, questions in sets.items():
        by_kind: dict[str, list[dict[str, object]]] = defaultdict(list)
        for q in questions:
            by_kind[str(q["kind"])].append(q)
        answerable = [q for q in questions if q["gold"]]
        groups = [*sorted(by_kind.items()), ("all answerable", answerable)]
        for kind, group in groups:
            cells = []
            for searcher in searchers.values():
                if kind == "off-topic":
                    answered = sum(bool(searcher.ask(str(q["q"])).hits) for q in group)
                    cells += [f"{answered}/{len(group)} answered", ""]
                    continue
                ranks = [hit_rank(searcher.ask(str(q["q"])), list(q["gold"])) for q in group]  # type: ignore[arg-type]
                cells += [
                    f"{sum(r == 1 for r in ranks) / len(group):.2f}",
                    f"{sum(r is not None and r <= 3 for r in ranks) / len(group):.2f}",
                ]
            print(f"| {name} | {kind} | {len(group)} | " + " | ".join(cells) + " |")


def misses(searcher: Searcher, questions: Iterable[dict[str, object]]) -> None:
    print("\n### Hybrid misses (first passage shown)\n")
    for q in questions:
        answer = searcher.ask(str(q["q"]))
        if q["gold"] and hit_rank(answer, list(q["gold"])) == 1:  # type: ignore[arg-type]
            continue
        if not q["gold"] and not answer.hits:
            continue
        first = answer.hits[0] if answer.hits else None
        shown = f"{first.passage.doc} {first.quote.text[:70]!r}" if first else "(no answer)"
        print(f"- [{q['kind']}] {q['q']} -> {shown}")


# --- XQuAD ------------------------------------------------------------------------


def load_xquad(lang: str) -> tuple[list[tuple[str, str]], list[tuple[str, int]]]:
    data = json.loads((XQUAD / f"xquad.{lang}.json").read_text(encoding="utf-8"))
    paragraphs: list[tuple[str, str]] = []
    questions: list[tuple[str, int]] = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            paragraphs.append((article["title"], paragraph["context"].lstrip("\ufeff")))
            questions += [(qa["question"], len(paragraphs) - 1) for qa in paragraph["qas"]]
    return paragraphs, questions


def write_paragraphs(
    folder: Path, chosen: Iterable[tuple[str, int]], data: dict[str, object]
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for lang, i in chosen:
        title, text = data[lang][0][i]  # type: ignore[index]
        body = f"---\nlang: {lang}\ntitle: {title}\n---\n{text}\n"
        (folder / f"{lang}_{i:03d}.txt").write_text(body, encoding="utf-8")


def xquad_report(work: Path, semantic: str, only: list[str] | None = None) -> None:
    data = {lang: load_xquad(lang) for lang in LANGS}
    n = len(data["en"][0])
    full = work / "all"
    write_paragraphs(full / "corpus", [(lang, i) for lang in LANGS for i in range(n)], data)
    started = time.perf_counter()
    build_index(full / "corpus", full / "index.db", semantic=semantic)
    seconds = time.perf_counter() - started
    print(f"\n(XQuAD: 3 x {n} paragraphs indexed with vectors in {seconds:.0f} s)")
    Config = tuple[list[tuple[str, int]], list[tuple[str, str, str, int]]]
    configs: dict[str, Config] = {}
    for lang in LANGS:
        qs = [(lang, q, lang, g) for q, g in data[lang][1]]
        configs[f"mono {lang}"] = ([(lang, i) for i in range(n)], qs)
    for q_lang, p_lang in (("de", "en"), ("es", "en"), ("en", "de"), ("en", "es")):
        qs = [(q_lang, q, p_lang, g) for q, g in data[q_lang][1]]
        configs[f"{q_lang}->{p_lang}"] = ([(p_lang, i) for i in range(n)], qs)
    mixed = [(LANGS[i % 3], i) for i in range(n)]
    configs["mixed"] = (
        mixed,
        [(lang, q, LANGS[g % 3], g) for lang in LANGS for q, g in data[lang][1]],
    )
    if only:
        configs = {k: v for k, v in configs.items() if any(k.startswith(o) for o in only)}
    encoder = load_encoder(semantic)
    print("\n## XQuAD R@1 / R@5 (whole engine: files in, `ask` out, floor on)\n")
    print("| configuration | questions | lexical | dense alone | hybrid |")
    print("|---|---|---|---|---|")
    mixed_by_lang: dict[str, list[float]] = {}
    for name, (paragraphs, questions) in configs.items():
        folder = work / name.replace(" ", "_").replace(">", "")
        shutil.copytree(full, folder)
        shutil.rmtree(folder / "corpus")
        write_paragraphs(folder / "corpus", paragraphs, data)
        build_index(folder / "corpus", folder / "index.db", semantic=semantic)
        cells = []
        hybrid = Searcher(folder / "index.db", encoder)
        runs = [
            (
                Searcher(folder / "index.db"),
                lambda s, q: [h.passage.doc for h in s.ask(q, top=5).hits],
            ),
            (hybrid, dense_docs),
            (hybrid, lambda s, q: [h.passage.doc for h in s.ask(q, top=5).hits]),
        ]
        for searcher, ranked in runs:
            r1 = r5 = 0
            per_lang: dict[str, list[int]] = defaultdict(list)
            for q_lang, question, p_lang, gold in questions:
                docs = ranked(searcher, question)
                target = f"{p_lang}_{gold:03d}.txt"
                first = bool(docs) and docs[0] == target
                r1 += first
                r5 += target in docs
                per_lang[q_lang].append(first)
            cells.append(f"{r1 / len(questions):.3f} / {r5 / len(questions):.3f}")
            if name == "mixed" and searcher is hybrid:
                mixed_by_lang = {k: [statistics.mean(v)] for k, v in per_lang.items()}
        print(f"| {name} | {len(questions)} | " + " | ".join(cells) + " |")
    if mixed_by_lang:
        shown = ", ".join(f"{k} {v[0]:.3f}" for k, v in mixed_by_lang.items())
        print(f"\nMixed-language corpus, hybrid R@1 by question language: {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", action="store_true", help="the seed corpus only")
    parser.add_argument("--misses", action="store_true", help="list the hybrid misses")
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument(
        "--xquad",
        help="XQuAD configurations to run, by prefix, comma-separated "
        "(e.g. 'mono,mixed' or 'de->,mixed'); default all",
    )
    args = parser.parse_args(argv)
    sets: dict[str, list[dict[str, object]]] = {}
    dev = SHARED / "eval" / "seed-dev.jsonl"
    if dev.exists():
        sets["seed-dev"] = load_set(dev)
    else:
        print(f"(no {dev}: the seed's development set is skipped)")
    sets["questions"] = load_set(ROOT / "bench" / "questions.jsonl")
    for name in ("questions-hard", "questions-tune", "questions-holdout"):
        sets[name] = load_set(ROOT / "bench" / f"{name}.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "seed" / "index.db"
        started = time.perf_counter()
        build_index(ROOT / "corpus", db, semantic=args.encoder)
        print(f"(seed corpus indexed with vectors in {time.perf_counter() - started:.1f} s)")
        encoder = load_encoder(args.encoder)
        searchers = {"lexical": Searcher(db), "hybrid": Searcher(db, encoder)}
        seed_report(searchers, sets)
        if args.misses:
            misses(searchers["hybrid"], [q for s in sets.values() for q in s])
        if args.seed:
            return 0
        if not XQUAD.exists():
            print(f"\n(no {XQUAD}: XQuAD is skipped; it comes from ../shared/eval/xquad)")
            return 0
        only = args.xquad.split(",") if args.xquad else None
        xquad_report(work, args.encoder, only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
