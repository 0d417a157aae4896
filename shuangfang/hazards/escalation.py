"""Who hears of a hazard's rectification deadline, and when: reminders before it, escalation up the unit and on to the
regulator after it.

The numbers are the platform's proposal, not a regulation: SAWS Order 16 sets no reminder schedule, and the R6 guards
of the method file (an overdue 重大 hazard feeds the regulator's 挂牌督办 queue; the principal answers for a major
hazard and for moving its deadline) only say who must come to know. A province profile may change the rows.

Pure data and one pure function: the reminder job (notifications.reminders) finds the people and sends the messages.
`Hazard.escalation_step` holds the number of the last step done; an extension of the deadline sets it back to 0
(hazards.services), so that the new deadline is reminded again.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Audience(StrEnum):
    RESPONSIBLE = "responsible"  # the hazard's 整改责任人 (五落实)
    SAFETY_DIRECTORS = "safety_directors"  # the unit's 安全总监
    PRINCIPAL = "principal"  # the unit's 主要负责人
    REGULATOR = "regulator"  # the people of the most local regulator covering the hazard's place


@dataclass(frozen=True)
class Step:
    number: int
    # Days from the deadline: negative before it, positive after it (1 = the first day overdue).
    offset_days: int
    audience: Audience
    major_only: bool = False


# Ordered by offset. Proposal (see the module docstring): three days' notice to the one who rectifies; the first
# overdue day to the safety director, three days overdue to the principal; a major hazard a week overdue to the
# regulator, who then decides on 挂牌督办.
STEPS: tuple[Step, ...] = (
    Step(1, -3, Audience.RESPONSIBLE),
    Step(2, 1, Audience.SAFETY_DIRECTORS),
    Step(3, 3, Audience.PRINCIPAL),
    Step(4, 7, Audience.REGULATOR, major_only=True),
)

# The earliest a step can fall due, in days before the deadline: the reminder job loads no hazard further off.
LEAD_DAYS = max(0, -min(step.offset_days for step in STEPS))


def applies(step: Step, *, is_major: bool) -> bool:
    return is_major or not step.major_only


def final_step(*, is_major: bool) -> int:
    """The number of the last step a hazard of this grade can reach: once there, nothing more is due."""
    return max((step.number for step in STEPS if applies(step, is_major=is_major)), default=0)


def steps_due(*, deadline: date, today: date, is_major: bool, done: int) -> list[Step]:
    """The steps due today and not done yet, in order. A job that missed days (or a hazard registered with a deadline
    already near or past) catches up: each audience still hears of it once, with the state of today."""
    days = (today - deadline).days
    return [
        step for step in STEPS if step.number > done and step.offset_days <= days and applies(step, is_major=is_major)
    ]
