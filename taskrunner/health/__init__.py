"""Domain logic of the ``system_health`` task: gateway, disk and cron checks.

Each check module returns ``Check`` records (``report.py``); ``state.py``
turns the difference between the last known problems and the current ones
into alerts. The task in ``tasks/system_health.py`` only wires them up.
"""
