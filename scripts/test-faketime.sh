#!/usr/bin/env bash
# The suite once more on another date, at 23:59 local time, in a zone that changes its clocks
# that night (Chile moves to summer time at 24:00 on 2027-09-04): no test may depend on today's
# date, the time of day or the zone. The clock starts there and runs on (-f @...): a frozen clock
# would stop every timeout and sleep. Run after scripts/test.sh, which makes the venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${TASKRUNNER_VENV:-.venv}/bin/python

if ! command -v faketime > /dev/null; then
    echo "== installing faketime (Debian package)"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq faketime > /dev/null
    else
        echo "error: faketime is not installed: sudo apt install faketime" >&2
        exit 1
    fi
fi

echo "== pytest under faketime: TZ=America/Santiago, 2027-09-04 23:59:00"
# Left out of this pass:
# - the real-gateway tests (-m "not gateway"): Node's own clock under the preload library is
#   not what they test, and the first pass ran them;
# - the tests that compare the clock with file times (-m "not file_times"): the kernel stamps
#   files with the real time, which faketime does not change, so the two disagree by a year;
# - the tests that compare the times two processes read (-m "not process_clocks"): with -f @…
#   each process's clock starts at that time when the process starts, so a process started
#   later reads an earlier time than one started before it;
# - the closed-stdout tests of `runner.py alerts`: libfaketime's preload opens a descriptor at
#   start-up, which takes the number of the closed stdout (fd 1), so there is no closed stdout
#   to test; they fail even at `faketime -f '+0'`.
TZ=America/Santiago faketime -f '@2027-09-04 23:59:00' "$PY" -m pytest -q -p no:cacheprovider \
    -m "not gateway and not file_times and not process_clocks" -k "not test_runner_alerts_with_stdout_closed" "$@"
