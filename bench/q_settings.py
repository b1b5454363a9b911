"""Project settings with django-q2's ORM-broker poll interval from BENCH_Q_POLL (bench only).

Used by `bench/rules.py --poll S` to show what dispatch latency the broker's
poll interval costs (the project's settings poll every 0.5 s).
"""

import os

from ruledesk.settings import *  # noqa: F403
from ruledesk.settings import Q_CLUSTER

Q_CLUSTER = {**Q_CLUSTER, "poll": float(os.environ.get("BENCH_Q_POLL", "0.5"))}
