"""Removing what install wrote: only a file carrying our marker goes, nothing else breaks."""

from __future__ import annotations

from pathlib import Path

from taskrunner.install.files import remove_ours
from taskrunner.install.openclaw_target import remove_skill

MARKER = "# written by taskrunner install"


def test_a_file_with_the_marker_is_removed_and_a_dry_run_keeps_it(tmp_path: Path) -> None:
    unit = tmp_path / "taskrunner-x.service"
    unit.write_text(f"{MARKER}\n[Service]\n")
    planned = remove_ours(unit, MARKER, dry_run=True, what="systemd service")
    assert planned == {"what": "systemd service", "path": str(unit), "change": "removed"}
    assert unit.exists()
    assert remove_ours(unit, MARKER, dry_run=False, what="systemd service") == planned
    assert not unit.exists()


def test_a_file_without_the_marker_is_the_users_and_stays(tmp_path: Path) -> None:
    unit = tmp_path / "taskrunner-x.service"
    unit.write_text("[Service]\nExecStart=/bin/mine\n")
    action = remove_ours(unit, MARKER, dry_run=False, what="systemd service")
    assert action is not None and action["change"] == "kept"
    assert "left alone" in action["note"]
    assert unit.read_text() == "[Service]\nExecStart=/bin/mine\n"


def test_nothing_there_is_none_even_when_a_file_stands_where_its_folder_would(
    tmp_path: Path,
) -> None:
    assert remove_ours(tmp_path / "absent", MARKER, dry_run=False, what="x") is None
    (tmp_path / "user").write_text("a file, not the folder the unit would be in")
    assert remove_ours(tmp_path / "user" / "x.service", MARKER, dry_run=False, what="x") is None
    assert (tmp_path / "user").is_file()


def test_removing_the_skill_removes_its_folder_only_when_empty(tmp_path: Path) -> None:
    mine, shared = tmp_path / "taskrunner", tmp_path / "shared"
    for folder in (mine, shared):
        folder.mkdir()
        (folder / "SKILL.md").write_text(f"---\nname: x\n---\n{MARKER}\n")
    (shared / "notes.txt").write_text("the user's")
    assert remove_skill(mine / "SKILL.md", MARKER, dry_run=False)["change"] == "removed"
    assert not mine.exists()
    assert remove_skill(shared / "SKILL.md", MARKER, dry_run=False)["change"] == "removed"
    assert sorted(p.name for p in shared.iterdir()) == ["notes.txt"]
    assert remove_skill(mine / "SKILL.md", MARKER, dry_run=False)["change"] == "absent"
    (tmp_path / "blocker").write_text("")
    assert remove_skill(tmp_path / "blocker" / "SKILL.md", MARKER, dry_run=False) == {
        "what": "skill",
        "path": str(tmp_path / "blocker" / "SKILL.md"),
        "change": "absent",
    }
