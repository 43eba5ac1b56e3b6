"""The generator's steps, in order. A later step (results, cases, doses) is appended here as one line: it receives
the context with the people, households and rosters of the steps before it, and draws from its own random stream.
"""

from epiwatch.demo.generator import households, rosters
from epiwatch.demo.generator.runner import Step

STEPS: list[Step] = [
    Step("households", "people.person", households.make_households, households.restore_households),
    Step("rosters", "people.rosterentry", rosters.make_rosters, rosters.restore_rosters),
]
