"""BM25 at scale: the searches' postings-only scorer against bm25s's exhaustive one, side by side.

The exhaustive peer is bm25s itself (:func:`bm25s_scorer`, its own index of the same documents and
its ``get_scores``), so the comparison is against the library the scores are held equal to.

    python -m bench.bm25 [--copies 1,10,50,175] [--out bench/results]

The documents are the corpus's paragraphs (``../shared/corpus``, 14,342 with the seed) repeated
``copies`` times, so 175 copies is about the full release's 2.5 million paragraphs. Repeats keep
the vocabulary and grow every term's postings in proportion, as more cables of the same kind
would. The questions are the seed eval's 114. For each size: build time, then per question the
exhaustive path (score every document, mask, partition the top 100) and the postings path
(``BM25Index.match`` and ``top``), p50 / p99 of each and their ratio, and a check that both
return the same top 100; then hybrid's whole keyword part (the top 100, the best score and its
document, and the question's coverage of that document), exhaustive as the ranking did it before
(every document scored once, plus once per distinct term for the coverage's document
frequencies) against the postings path.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer

from eval.questions import bundled_questions_path, load_questions
from qa.cables.corpus import iter_cable_files, read_cable_file, seed_cable_path
from qa.errors import CableParseError
from qa.store.bm25_index import _STOPWORDS, _TOKEN_PATTERN, BM25Index, analyzed

DEPTH = 100
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "cables"


def corpus_documents(cables: Path = CORPUS) -> list[str]:
    """The seed's and the corpus's paragraphs as the paragraph BM25 index reads them (the seed alone
    where ``cables`` is absent)."""
    files = sorted(iter_cable_files([cables])) if cables.is_dir() else []
    texts = []
    for path in [seed_cable_path(), *files]:
        try:
            cable = read_cable_file(path)
        except CableParseError:
            continue
        texts += [f"{p.section or ''}. {p.text}" for p in cable.paragraphs]
    return texts


Scorer = Callable[[list[str]], npt.NDArray[np.float32]]


def bm25s_scorer(documents: list[str]) -> Scorer:
    """bm25s's own index of ``documents``, cut as cableqa cuts them, and its exhaustive scorer: every
    document's score for a question's terms (zeros where none is known)."""
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([analyzed(d) for d in documents], token_pattern=_TOKEN_PATTERN,
                                   stopwords=list(_STOPWORDS), stemmer=Stemmer.Stemmer("english"),
                                   show_progress=False), show_progress=False)

    def scores(terms: list[str]) -> npt.NDArray[np.float32]:
        known = [t for t in terms if t in retriever.vocab_dict]
        if not known:
            return np.zeros(len(documents), dtype=np.float32)
        return np.asarray(retriever.get_scores(known), dtype=np.float32)

    return scores


def _exhaustive_keyword_part(scorer: Scorer, terms: list[str]) -> None:
    """Hybrid's keyword work scoring every document: all scores, their top, best, and each distinct
    term's document frequency counted from its own full score array."""
    scores = scorer(terms)
    np.argpartition(-scores, DEPTH - 1)[:DEPTH] if len(scores) > DEPTH else None
    best = int(np.argmax(scores)) if len(scores) else -1
    for term in dict.fromkeys(terms):
        per_term = scorer([term])
        np.count_nonzero(per_term)
        _ = best >= 0 and per_term[best] > 0


def _percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 99))


def _measure(texts: list[str], copies: int, questions: list[str]) -> dict[str, float | int | bool]:
    started = time.perf_counter()
    index = BM25Index.build(texts * copies)
    built = time.perf_counter() - started
    exhaustive_scores = bm25s_scorer(texts * copies)
    exhaustive, postings, hybrid_exhaustive, hybrid_postings = [], [], [], []
    same = True
    for question in questions:
        terms = index.tokens(question)
        t0 = time.perf_counter()
        scores = exhaustive_scores(terms)
        hits = np.flatnonzero(scores > 0)
        top = hits[np.argsort(-scores[hits], kind="stable")][:DEPTH] if len(hits) <= 4 * DEPTH else \
            hits[np.argpartition(-scores[hits], DEPTH - 1)[:DEPTH]]
        t1 = time.perf_counter()
        docs, _ = index.match(terms).top(DEPTH)
        t2 = time.perf_counter()
        _exhaustive_keyword_part(exhaustive_scores, terms)
        t3 = time.perf_counter()
        top_docs, _ = index.match(terms).top(DEPTH)  # hybrid's best paragraph is the top's first
        index.coverage(terms, int(top_docs[0]) if len(top_docs) else -1)
        t4 = time.perf_counter()
        exhaustive.append((t1 - t0) * 1000)
        postings.append((t2 - t1) * 1000)
        hybrid_exhaustive.append((t3 - t2) * 1000)
        hybrid_postings.append((t4 - t3) * 1000)
        same &= set(docs.tolist()) == set(top.tolist()) or len(hits) > DEPTH  # ties at the cut may differ
    e50, e99 = _percentiles(exhaustive)
    p50, p99 = _percentiles(postings)
    h50, _ = _percentiles(hybrid_exhaustive)
    k50, _ = _percentiles(hybrid_postings)
    return {"documents": index.size, "build_s": round(built, 1), "exhaustive_p50_ms": round(e50, 3),
            "exhaustive_p99_ms": round(e99, 3), "postings_p50_ms": round(p50, 3), "postings_p99_ms": round(p99, 3),
            "speedup_p50": round(e50 / p50, 2) if p50 else 0.0, "same_top": same,
            "hybrid_exhaustive_p50_ms": round(h50, 3), "hybrid_postings_p50_ms": round(k50, 3),
            "hybrid_speedup_p50": round(h50 / k50, 2) if k50 else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", default="1,10,50,175")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    texts = corpus_documents()
    questions = [q.question for q in load_questions(bundled_questions_path())]
    rows = []
    for copies in [int(c) for c in args.copies.split(",")]:
        row = _measure(texts, copies, questions)
        rows.append(row)
        print(json.dumps(row), flush=True)
    report = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "load_average": os.getloadavg()[0], "questions": len(questions), "depth": DEPTH, "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bm25.json").write_text(json.dumps(report, indent=1) + "\n")
    lines = ["| documents | build | top-100: exhaustive p50 / p99 | top-100: postings p50 / p99 | ratio | "
             "hybrid keyword part p50: exhaustive / postings | ratio |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['documents']:,} | {r['build_s']} s | {r['exhaustive_p50_ms']} / {r['exhaustive_p99_ms']} ms | "
              f"{r['postings_p50_ms']} / {r['postings_p99_ms']} ms | {r['speedup_p50']}x | "
              f"{r['hybrid_exhaustive_p50_ms']} / {r['hybrid_postings_p50_ms']} ms | {r['hybrid_speedup_p50']}x |"
              for r in rows]
    (args.out / "bm25.md").write_text(f"BM25 top-{DEPTH}, {len(questions)} seed questions, load average "
                                      f"{report['load_average']:.1f}\n\n" + "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
