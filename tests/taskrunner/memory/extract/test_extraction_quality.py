"""Capture's precision and recall against the hand labels of the shared corpus.

The labels (tests/data/extraction_labels.tsv) reference corpus lines by
workspace, file, line and a hash of the line; bench/extraction_quality.py
computes the figures. Skipped when the corpus is absent.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from support.paths import ROOT, SHARED_CORPUS

sys.path.insert(0, str(ROOT / "bench"))

import extraction_quality as quality

from taskrunner.memory.markdown import split_lines

needs_corpus = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(), reason=f"shared corpus not found at {SHARED_CORPUS}"
)

#: the held-out figures last measured (rounded down): a change that lowers
#: either fails here, whatever it gains elsewhere
FLOOR_PRECISION = 0.61
FLOOR_RECALL = 0.88
#: the tuning set's, likewise: the rules chosen on it must keep what they won
TUNING_FLOOR_PRECISION = 0.82
TUNING_FLOOR_RECALL = 0.90


@pytest.fixture(scope="module")
def figures() -> dict[str, quality.Figures]:
    return quality.measure(quality.load_labels(), SHARED_CORPUS)


@needs_corpus
def test_every_line_of_every_daily_note_is_labelled() -> None:
    labels = quality.load_labels()
    by_file = Counter(label.rel for label in labels)
    notes = sorted(SHARED_CORPUS.glob("*/memory/*.md"))
    assert {f"{p.parent.parent.name}/memory/{p.name}" for p in notes} == set(by_file)
    for note in notes:
        rel = f"{note.parent.parent.name}/memory/{note.name}"
        lines = split_lines(note.read_text(encoding="utf-8"))
        assert by_file[rel] == sum(1 for line in lines if line.strip()), rel
    assert len({label.workspace for label in labels}) == 6 and len(labels) > 1000


@needs_corpus
def test_the_split_is_by_file_and_every_workspace_is_in_the_held_out_set() -> None:
    labels = quality.load_labels()
    split_of: dict[str, set[str]] = {}
    for label in labels:
        split_of.setdefault(label.rel, set()).add(label.split)
    assert all(len(splits) == 1 for splits in split_of.values())
    held_out = {rel.split("/")[0] for rel, splits in split_of.items() if "heldout" in splits}
    assert held_out == {label.workspace for label in labels}


@needs_corpus
def test_a_changed_corpus_line_is_reported_not_scored() -> None:
    label = quality.load_labels()[0]
    wrong = quality.Label(**{**label.__dict__, "digest": "00000000"})
    with pytest.raises(quality.CorpusMismatch, match=f"{label.rel}:{label.line}"):
        quality.measure([wrong], SHARED_CORPUS)


@needs_corpus
def test_the_held_out_figures_stay_above_their_floor(figures: dict[str, quality.Figures]) -> None:
    held_out = figures["heldout"]
    assert held_out.precision >= FLOOR_PRECISION, held_out.noise
    assert held_out.recall >= FLOOR_RECALL, held_out.misses


@needs_corpus
def test_the_tuning_figures_stay_above_their_floor(figures: dict[str, quality.Figures]) -> None:
    tuning = figures["tuning"]
    assert tuning.precision >= TUNING_FLOOR_PRECISION, tuning.noise
    assert tuning.recall >= TUNING_FLOOR_RECALL, tuning.misses


@needs_corpus
@pytest.mark.xfail(
    strict=True,
    reason="held-out precision is 0.62 (recall 0.90), below the 0.85 target: plain bullets "
    "that narrate the agent's day look like the facts beside them",
)
def test_the_held_out_figures_meet_the_target(figures: dict[str, quality.Figures]) -> None:
    assert figures["heldout"].meets_target()


@needs_corpus
def test_the_script_reports_both_sets(
    figures: dict[str, quality.Figures], capsys: pytest.CaptureFixture[str]
) -> None:
    status = quality.main(["--corpus", str(SHARED_CORPUS)])
    out = capsys.readouterr().out
    assert "tuning" in out and "heldout" in out and "precision" in out
    assert status == (0 if figures["heldout"].meets_target() else 1)


def test_the_script_says_when_the_corpus_is_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert quality.main(["--corpus", str(tmp_path / "absent")]) == 2
    assert "corpus not found" in capsys.readouterr().err


@needs_corpus
@pytest.mark.parametrize("path", [quality.SECOND_LABELS, quality.THIRD_LABELS])
def test_each_other_labeller_labels_every_held_out_line_of_the_same_text(path: Path) -> None:
    first = [label for label in quality.load_labels() if label.split == "heldout"]
    other = quality.load_labels(path)
    agreed, kappa = quality.agreement(first, other)
    assert 0 < kappa <= agreed <= 1
    assert [(x.rel, x.line) for x in other] == [(x.rel, x.line) for x in first]
    assert {x.split for x in other} == {"heldout"}
    quality.measure(other, SHARED_CORPUS)  # raises when a line's hash does not match


def test_the_majority_keeps_a_line_two_of_three_keep_with_a_kind_that_agrees() -> None:
    def labels(keeps: str, kinds: str) -> list[quality.Label]:
        return [
            quality.Label("w", "f.md", n, "0", keep == "1", kind, "heldout")
            for n, (keep, kind) in enumerate(zip(keeps, kinds.split(), strict=True))
        ]

    first = labels("1100", "fact fact other other")
    second = labels("1010", "todo other rule other")
    third = labels("0110", "other todo fact status")
    voted = quality.majority(first, second, third)
    assert [(x.keep, x.kind) for x in voted] == [
        (True, "fact"),  # first and second keep: the first's kind
        (True, "fact"),  # first and third keep
        (True, "rule"),  # second and third keep: the first kind among those that keep
        (False, "other"),
    ]
    with pytest.raises(quality.CorpusMismatch):
        quality.majority(first, second, third[1:])


def test_agreement_is_one_for_equal_labels_and_lower_for_each_difference() -> None:
    labels = [quality.Label("w", "f.md", n, "0", n % 2 == 0, "fact", "heldout") for n in range(8)]
    assert quality.agreement(labels, labels) == (1.0, 1.0)
    flipped = [quality.Label(**{**labels[0].__dict__, "keep": not labels[0].keep}), *labels[1:]]
    agreed, kappa = quality.agreement(labels, flipped)
    assert agreed == 7 / 8 and kappa < agreed
    with pytest.raises(quality.CorpusMismatch):
        quality.agreement(labels, labels[1:])


def test_a_labeller_is_scored_against_another_as_capture_is() -> None:
    def labels(keeps: str) -> list[quality.Label]:
        return [
            quality.Label("w", "f.md", n, "0", keep == "1", "fact", "heldout")
            for n, keep in enumerate(keeps)
        ]

    # Kept by both, kept only by the one scored, kept only by the reference, neither.
    scored = quality.scored_as_capture(labels("11100"), labels("10010"))
    counts = (scored.true_positive, scored.false_positive, scored.false_negative)
    assert counts == (1, 2, 1) and scored.labelled == 5
    assert (scored.precision, scored.recall) == (1 / 3, 1 / 2)
    with pytest.raises(quality.CorpusMismatch):
        quality.scored_as_capture(labels("11"), labels("111"))
