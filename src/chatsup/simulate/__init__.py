"""`chatsup simulate`: simulated visitors and advisors driving a running server
through its public API only (HTTP and WebSockets), deterministic for a seed.
`chatsup demo` uses it for live traffic; the benchmarks as a load generator."""

from chatsup.simulate.plan import Shift, Tuning, VisitPlan, visits
from chatsup.simulate.report import SimReport
from chatsup.simulate.run import simulate

__all__ = ["Shift", "SimReport", "Tuning", "VisitPlan", "simulate", "visits"]
