"""memory_guard's domain: snapshots of the files an OpenClaw agent's memory lives in.

- ``tracked``: which workspace files are guarded, found without following links out.
- ``reading``: reading one file safely (no FIFOs, no symlinks, no torn copies).
- ``objects``: the content-addressed object store (one copy per distinct content).
- ``manifest``: entries and events, the journal of changes and its checkpoint.
- ``history``: versions of a path and the state of the workspace at a moment.
- ``snapshot``: one scan, turning what changed into an event.
- ``retention``: which versions are kept as they age.
- ``findings``: vanished, shrunk and oversized files, as alerts with stable keys.
- ``problem_state``: the open findings between runs (``problems.json``).
- ``restore``: putting a version (or a folder at a moment) back.
- ``guard_run``: one scheduled guard run, tying these together.
- ``commands``: the user's ``--list``, ``--restore`` and ``--prune-deleted``.
- ``layout``: where one workspace's snapshots live, and the guard lock.
"""
