#!/usr/bin/env python3
"""Precision and recall of capture's extraction against hand-labelled real notes.

The labels (``tests/data/extraction_labels.tsv``) judge every non-blank line
of the 16 daily notes in the shared corpus by ``LABELLING.md``: keep (a
memory worth having) or not. They hold no note text: each row names the
workspace, the file and the line, and carries the first 8 hex digits of the
SHA-256 of the line, so a changed corpus is noticed instead of mis-scored.

A line is *captured* when ``extract_items`` yields an item from it.
Precision = captured lines labelled keep / captured lines; recall = captured
lines labelled keep / lines labelled keep.

The split is by file: in each workspace the second note by date is held out
(never looked at while tuning), and so is Alex-Gao's only note; the other
notes are the tuning set.

A second and a third labeller labelled the held-out notes again, each on their
own, by the same rubric and without seeing what capture extracts or the other
labels (``tests/data/extraction_labels_second.tsv``, ``…_third.tsv``). The
script prints capture's figures against each of those, and against the majority
of the three, and how far each pair of labellers agree (share of lines, Cohen's
kappa), and the second's and the third's keeps scored against the first labels
as capture's are: the target is judged on the first labels, the others say how
much of the gap is the labels' own.

    python3 bench/extraction_quality.py [--corpus DIR] [--details]

Exit status 0 when the held-out figures meet the target, 1 when not, 2 when
the corpus is absent or does not match the labels.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from taskrunner.memory.extract import extract_items, split_lines  # noqa: E402

LABELS = ROOT / "tests" / "data" / "extraction_labels.tsv"
SECOND_LABELS = ROOT / "tests" / "data" / "extraction_labels_second.tsv"
THIRD_LABELS = ROOT / "tests" / "data" / "extraction_labels_third.tsv"
CORPUS = ROOT.parent / "shared" / "corpus" / "workspaces"
#: the held-out figures must reach both
TARGET_PRECISION = 0.85
TARGET_RECALL = 0.85


@dataclass(frozen=True)
class Label:
    workspace: str
    file: str
    line: int
    digest: str
    keep: bool
    kind: str
    split: str

    @property
    def rel(self) -> str:
        return f"{self.workspace}/{self.file}"


@dataclass
class Figures:
    """Counts for one split; ``misses`` and ``noise`` name the lines, for tuning."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    labelled: int = 0
    noise: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        captured = self.true_positive + self.false_positive
        return self.true_positive / captured if captured else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0

    def meets_target(self) -> bool:
        return self.precision >= TARGET_PRECISION and self.recall >= TARGET_RECALL


class CorpusMismatch(Exception):
    """Raised when a labelled line is missing or its text no longer matches its hash."""


def line_digest(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()[:8]


def load_labels(path: Path = LABELS) -> list[Label]:
    labels = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw or raw.startswith("#"):
            continue
        workspace, file, line, digest, keep, kind, split = raw.split("\t")
        labels.append(Label(workspace, file, int(line), digest, keep == "1", kind, split))
    return labels


def measure(labels: Iterable[Label], corpus: Path = CORPUS) -> dict[str, Figures]:
    """Figures per split (``tuning``, ``heldout``); raises ``CorpusMismatch``."""
    by_file: dict[str, list[Label]] = {}
    for label in labels:
        by_file.setdefault(label.rel, []).append(label)
    figures: dict[str, Figures] = {}
    for rel, group in sorted(by_file.items()):
        path = corpus / rel
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CorpusMismatch(f"{path} cannot be read ({exc.strerror})") from exc
        lines = split_lines(text)
        captured = {item.line for item in extract_items(text)}
        for label in group:
            if label.line > len(lines) or line_digest(lines[label.line - 1]) != label.digest:
                raise CorpusMismatch(f"{rel}:{label.line} does not match its label's hash")
            split = figures.setdefault(label.split, Figures())
            split.labelled += 1
            where = f"{rel}:{label.line} ({label.kind})"
            if label.line in captured:
                if label.keep:
                    split.true_positive += 1
                else:
                    split.false_positive += 1
                    split.noise.append(where)
            elif label.keep:
                split.false_negative += 1
                split.misses.append(where)
    return figures


def agreement(first: Iterable[Label], second: Iterable[Label]) -> tuple[float, float]:
    """Share of the lines both label sets judge alike, and Cohen's kappa.

    Raises ``CorpusMismatch`` when the two do not label the same lines of the same text.
    """
    ours = {(label.rel, label.line, label.digest): label.keep for label in first}
    theirs = {(label.rel, label.line, label.digest): label.keep for label in second}
    if set(ours) != set(theirs):
        raise CorpusMismatch("the two label sets do not label the same lines")
    lines = len(ours)
    agreed = sum(ours[key] == theirs[key] for key in ours) / lines
    keep_ours = sum(ours.values()) / lines
    keep_theirs = sum(theirs.values()) / lines
    chance = keep_ours * keep_theirs + (1 - keep_ours) * (1 - keep_theirs)
    return agreed, (agreed - chance) / (1 - chance) if chance < 1 else 1.0


def scored_as_capture(kept: Iterable[Label], reference: Iterable[Label]) -> Figures:
    """One labeller's keeps scored against another's labels as capture's are: how
    far a careful person, not a program, gets towards the target.

    Raises ``CorpusMismatch`` when the two do not label the same lines of the same text.
    """
    predicted = {(label.rel, label.line, label.digest): label.keep for label in kept}
    wanted = {(label.rel, label.line, label.digest): label.keep for label in reference}
    if set(predicted) != set(wanted):
        raise CorpusMismatch("the two label sets do not label the same lines")
    figures = Figures(labelled=len(wanted))
    for key, keep in wanted.items():
        if predicted[key]:
            if keep:
                figures.true_positive += 1
            else:
                figures.false_positive += 1
        elif keep:
            figures.false_negative += 1
    return figures


def majority(*label_sets: Iterable[Label]) -> list[Label]:
    """Each line kept when more than half the label sets keep it, in the first set's order.

    The kind is the first set's when it agrees with the verdict, else the first
    kind among the sets that do. Raises ``CorpusMismatch`` when the sets do not
    label the same lines of the same text.
    """
    sets = [list(labels) for labels in label_sets]
    keyed = [{(x.rel, x.line, x.digest): x for x in labels} for labels in sets]
    if any(set(other) != set(keyed[0]) for other in keyed[1:]):
        raise CorpusMismatch("the label sets do not label the same lines")
    voted = []
    for label in sets[0]:
        votes = [by_key[(label.rel, label.line, label.digest)] for by_key in keyed]
        keep = 2 * sum(vote.keep for vote in votes) > len(votes)
        kind = next(vote.kind for vote in votes if vote.keep == keep)
        voted.append(Label(**{**label.__dict__, "keep": keep, "kind": kind}))
    return voted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument(
        "--details", action="store_true", help="list the noise and the misses of the tuning set"
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    try:
        labels = load_labels()
        figures = measure(labels, args.corpus)
        first = [x for x in labels if x.split == "heldout"]
        second = load_labels(SECOND_LABELS)
        third = load_labels(THIRD_LABELS)
        figures["heldout2"] = measure(second, args.corpus)["heldout"]
        figures["heldout3"] = measure(third, args.corpus)["heldout"]
        figures["majority"] = measure(majority(first, second, third), args.corpus)["heldout"]
        pairs = {
            "first and second": agreement(first, second),
            "first and third": agreement(first, third),
            "second and third": agreement(second, third),
        }
        people = {
            "second": scored_as_capture(second, first),
            "third": scored_as_capture(third, first),
        }
    except CorpusMismatch as exc:
        print(f"labels do not match the corpus: {exc}", file=sys.stderr)
        return 2
    print(f"{'set':<8} {'lines':>5} {'keep':>5} {'tp':>4} {'fp':>4} {'fn':>4} precision recall")
    for name in ("tuning", "heldout", "heldout2", "heldout3", "majority"):
        f = figures[name]
        keep = f.true_positive + f.false_negative
        print(
            f"{name:<8} {f.labelled:>5} {keep:>5} {f.true_positive:>4} {f.false_positive:>4} "
            f"{f.false_negative:>4} {f.precision:>9.3f} {f.recall:>6.3f}"
        )
    print(
        "heldout2, heldout3: the held-out notes by the second and the third labeller; "
        "majority: each line as at least two of the three label it"
    )
    for pair, (agreed, kappa) in pairs.items():
        print(f"  {pair} agree on {agreed:.1%} of the lines (Cohen's kappa {kappa:.2f})")
    for person, f in people.items():
        print(
            f"  the {person} labeller's keeps, scored against the first labels as capture is: "
            f"precision {f.precision:.3f}, recall {f.recall:.3f}"
        )
    if args.details:
        tuning = figures["tuning"]
        print("\nnoise (captured, labelled not worth keeping):")
        print("\n".join(f"  {where}" for where in tuning.noise))
        print("\nmisses (labelled worth keeping, not captured):")
        print("\n".join(f"  {where}" for where in tuning.misses))
    target = f"precision >= {TARGET_PRECISION} and recall >= {TARGET_RECALL}"
    if figures["heldout"].meets_target():
        print(f"held-out set meets the target ({target})")
        return 0
    print(f"held-out set misses the target ({target})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
