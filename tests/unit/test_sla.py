"""SLA clocks: business and calendar hours in Warsaw, holidays, DST, pauses, the legal deadlines.

The business-hours mechanics run on the form channel (24 business hours to the first reply); the e-mail
channel's own targets (one working day) have their tests below."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zwrotnica.domain import sla
from zwrotnica.domain.sla_policy import SlaPolicy, default_policy, parse_duration
from zwrotnica.models.ticket import (
    TicketCategory,
    TicketChannel,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketStatus,
)

W = ZoneInfo("Europe/Warsaw")
K = TicketEventKind
S = TicketStatus


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=W)


def opened(when: datetime) -> TicketEvent:
    return TicketEvent(at=when, kind=K.OPENED)


def first_reply_due(
    history,
    channel=TicketChannel.FORM,
    category=TicketCategory.OTHER,
    priority=TicketPriority.NORMAL,
    step="breach",
):
    policy = default_policy()
    targets = policy.targets_for(channel, category, priority)
    clock_list, _ = sla.evaluate(history, policy, targets, set(), now=max(e.at for e in history))
    clock = next(c for c in clock_list if c.metric == "first_reply")
    return clock.thresholds[step]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", timedelta(hours=24)),
        ("60s", timedelta(seconds=60)),
        ("5m", timedelta(minutes=5)),
        ("2d", timedelta(days=2)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["24", "h", "1.5h", "-1h", ""])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("opened_at", "expected"),
    [
        # 24 business hours = 3 working days of 8 h. Opened Monday 10:00 -> Thursday 10:00.
        (at(2026, 11, 23, 10, 0), at(2026, 11, 26, 10, 0)),
        # Opened Friday 20:00 (closed): the clock starts Monday 8:00 -> Wednesday 16:00.
        (at(2026, 11, 20, 20, 0), at(2026, 11, 25, 16, 0)),
        # Opened Saturday: same.
        (at(2026, 11, 21, 11, 0), at(2026, 11, 25, 16, 0)),
        # Across 11 November (Independence Day, Wednesday): Tue 12:00 + 24 h -> Mon 16 Nov 12:00.
        (at(2026, 11, 10, 12, 0), at(2026, 11, 13, 12, 0) + timedelta(days=3)),
        # Across Christmas 2026 (24, 25, 26 December; 24th closed from 2025): Wed 23 Dec 8:00 ->
        # 23 Dec (8 h), 28, 29 -> Tue 29 Dec 16:00.
        (at(2026, 12, 23, 8, 0), at(2026, 12, 29, 16, 0)),
        # DST: clocks go back on Sunday 25 October 2026; Friday 23 Oct 12:00 -> Wed 28 Oct 12:00 local.
        (at(2026, 10, 23, 12, 0), at(2026, 10, 28, 12, 0)),
        # DST: clocks go forward on Sunday 29 March 2026; Friday 27 March 12:00 -> Wed 1 April 12:00 local.
        (at(2026, 3, 27, 12, 0), at(2026, 4, 1, 12, 0)),
    ],
)
def test_form_first_reply_due_in_business_hours(opened_at, expected):
    assert first_reply_due([opened(opened_at)]) == expected


def test_chat_first_reply_is_60_seconds_of_business_time():
    assert first_reply_due([opened(at(2026, 11, 23, 10, 0))], channel=TicketChannel.CHAT) == at(
        2026, 11, 23, 10, 1
    )


def test_social_runs_on_calendar_hours():
    # Saturday 22:00 + 2 h, no business calendar.
    assert first_reply_due([opened(at(2026, 11, 21, 22, 0))], channel=TicketChannel.SOCIAL) == at(
        2026, 11, 22, 0, 0
    )


def test_payment_and_delivery_issues_are_faster_and_urgent_faster_still():
    start = [opened(at(2026, 11, 23, 8, 0))]
    assert first_reply_due(start, category=TicketCategory.PAYMENT) == at(2026, 11, 24, 12, 0)  # 12 h
    assert first_reply_due(start, priority=TicketPriority.URGENT) == at(2026, 11, 23, 14, 0)  # 6 h


def test_warning_at_75_percent():
    assert first_reply_due([opened(at(2026, 11, 23, 8, 0))], step="warn") == at(2026, 11, 25, 10, 0)  # 18 h


def test_pending_on_customer_pauses_the_reply_clock_across_a_weekend():
    history = [
        opened(at(2026, 11, 20, 8, 0)),  # Friday 8:00, 4 h counted until noon
        TicketEvent(at=at(2026, 11, 20, 12, 0), kind=K.STATUS, status=S.PENDING_CUSTOMER),
        TicketEvent(at=at(2026, 11, 24, 8, 0), kind=K.STATUS, status=S.OPEN),  # Tuesday 8:00 resumed
    ]
    # 20 h left from Tuesday 8:00 -> Tue 8 h, Wed 8 h, Thu 4 h -> Thursday 12:00.
    assert first_reply_due(history) == at(2026, 11, 26, 12, 0)


def test_while_paused_there_is_no_due_time():
    history = [
        opened(at(2026, 11, 20, 8, 0)),
        TicketEvent(at=at(2026, 11, 20, 9, 0), kind=K.STATUS, status=S.PENDING_CUSTOMER),
    ]
    assert first_reply_due(history) is None


def test_pending_on_a_courier_pauses_resolution_but_not_the_first_reply():
    history = [
        opened(at(2026, 11, 23, 8, 0)),
        TicketEvent(at=at(2026, 11, 23, 9, 0), kind=K.STATUS, status=S.PENDING_THIRD_PARTY),
    ]
    policy = default_policy()
    targets = policy.targets_for(TicketChannel.FORM, TicketCategory.OTHER, TicketPriority.NORMAL)
    clock_list, _ = sla.evaluate(history, policy, targets, set(), now=at(2026, 11, 23, 9, 0))
    by_metric = {c.metric: c for c in clock_list}
    assert by_metric["resolution"].paused and by_metric["resolution"].thresholds["breach"] is None
    assert not by_metric["first_reply"].paused and by_metric["first_reply"].elapsed == timedelta(hours=1)


def test_reply_stops_first_reply_and_a_customer_message_starts_next_reply():
    history = [
        opened(at(2026, 11, 23, 8, 0)),
        TicketEvent(at=at(2026, 11, 23, 9, 0), kind=K.AGENT_REPLY),
        TicketEvent(at=at(2026, 11, 23, 10, 0), kind=K.CUSTOMER_MESSAGE),
    ]
    policy = default_policy()
    targets = policy.targets_for(TicketChannel.FORM, TicketCategory.OTHER, TicketPriority.NORMAL)
    clock_list, _ = sla.evaluate(history, policy, targets, set(), now=at(2026, 11, 23, 10, 0))
    by_metric = {c.metric: c for c in clock_list}
    assert not by_metric["first_reply"].running
    assert by_metric["next_reply"].thresholds["breach"] == at(2026, 11, 26, 10, 0)


def test_ladder_gives_each_step_once_and_the_next_due_time():
    history = [opened(at(2026, 11, 23, 8, 0))]
    policy = default_policy()
    targets = policy.targets_for(TicketChannel.FORM, TicketCategory.OTHER, TicketPriority.NORMAL)
    _, state = sla.evaluate(history, policy, targets, set(), now=at(2026, 11, 25, 10, 0))
    assert state.due == ["first_reply:warn"]
    assert state.next_due_at == at(2026, 11, 25, 16, 0)  # the breach, 24 business hours after Monday 8:00
    _, again = sla.evaluate(history, policy, targets, {"first_reply:warn"}, now=at(2026, 11, 25, 10, 0))
    assert again.due == []


def test_complaint_legal_deadline_is_a_hard_target_no_pause_stops():
    opened_at = at(2026, 12, 10, 9, 0)
    deadline = at(2026, 12, 24, 23, 59)
    history = [
        opened(opened_at),
        TicketEvent(at=at(2026, 12, 10, 10, 0), kind=K.STATUS, status=S.PENDING_CUSTOMER),
    ]
    policy = default_policy()
    targets = policy.targets_for(TicketChannel.FORM, TicketCategory.COMPLAINT, TicketPriority.HIGH)
    _, state = sla.evaluate(history, policy, targets, set(), now=deadline, legal_deadline=deadline)
    assert "legal:breach" in state.due and "legal:warn" in state.due


def test_a_policy_change_recomputes_from_the_same_history():
    history = [opened(at(2026, 11, 23, 10, 0))]
    faster = default_policy().targets | {
        "email": {"first_reply": "4h business", "next_reply": "4h business", "resolution": "24h business"}
    }
    import json
    from importlib import resources

    config = json.loads(resources.files("zwrotnica.config").joinpath("sla_policy.json").read_text())
    policy = SlaPolicy.from_config(config | {"version": "v2", "targets": faster})
    targets = policy.targets_for(TicketChannel.EMAIL, TicketCategory.OTHER, TicketPriority.NORMAL)
    clock_list, _ = sla.evaluate(history, policy, targets, set(), now=at(2026, 11, 23, 10, 0))
    assert clock_list[0].thresholds["breach"] == at(2026, 11, 23, 14, 0)
    default = default_policy()
    same_targets = default.targets_for(TicketChannel.EMAIL, TicketCategory.OTHER, TicketPriority.NORMAL)
    before, _ = sla.evaluate(history, default, same_targets, set(), now=at(2026, 11, 23, 10, 0))
    assert before[0].thresholds["breach"] == at(2026, 11, 24, 10, 0)


def test_policy_without_a_channel_is_refused():
    import json
    from importlib import resources

    config = json.loads(resources.files("zwrotnica.config").joinpath("sla_policy.json").read_text())
    del config["targets"]["chat"]
    with pytest.raises(ValueError, match="chat"):
        SlaPolicy.from_config(config)


def test_each_wait_for_a_reply_has_its_own_next_reply_steps():
    history = [
        opened(at(2026, 11, 23, 8, 0)),
        TicketEvent(at=at(2026, 11, 23, 9, 0), kind=K.AGENT_REPLY),
        TicketEvent(at=at(2026, 11, 23, 10, 0), kind=K.CUSTOMER_MESSAGE),
        TicketEvent(at=at(2026, 11, 23, 11, 0), kind=K.AGENT_REPLY),
        TicketEvent(at=at(2026, 11, 24, 8, 0), kind=K.CUSTOMER_MESSAGE),
    ]
    policy = default_policy()
    targets = policy.targets_for(TicketChannel.FORM, TicketCategory.OTHER, TicketPriority.NORMAL)
    done = {"next_reply#1:warn", "next_reply#1:breach"}  # the first wait was escalated and answered
    clock_list, state = sla.evaluate(history, policy, targets, done, now=at(2026, 11, 26, 14, 0))
    clock = next(c for c in clock_list if c.metric == "next_reply")
    # The second wait started Tuesday 8:00 with a full 24 h: only its own warning (18 h) is due
    # by Thursday 14:00.
    assert clock.step_key == "next_reply#2" and clock.elapsed == timedelta(0)
    assert "next_reply#2:warn" in state.due and "next_reply#2:breach" not in state.due


# ---- What each target means: the clock is named per channel and metric --------------------------------


def email_first_reply_due(opened_at: datetime, policy: SlaPolicy | None = None) -> datetime:
    policy = policy or default_policy()
    targets = policy.targets_for(TicketChannel.EMAIL, TicketCategory.OTHER, TicketPriority.NORMAL)
    clock_list, _ = sla.evaluate([opened(opened_at)], policy, targets, set(), now=opened_at)
    return next(c for c in clock_list if c.metric == "first_reply").thresholds["breach"]


@pytest.mark.parametrize(
    ("opened_at", "expected"),
    [
        # One working day (8 business hours, Mon-Fri 8-16): Monday 10:00 -> Tuesday 10:00.
        (at(2026, 11, 23, 10, 0), at(2026, 11, 24, 10, 0)),
        # Friday 15:00: 1 h on Friday, 7 h on Monday -> Monday 15:00.
        (at(2026, 11, 20, 15, 0), at(2026, 11, 23, 15, 0)),
        # Saturday: nothing counts before Monday 8:00 -> Monday 16:00.
        (at(2026, 11, 21, 11, 0), at(2026, 11, 23, 16, 0)),
        # Wednesday 23 December 12:00: 4 h, then 24-27 December closed (Wigilia, Christmas, Sunday),
        # 4 h on Monday 28 December -> 12:00.
        (at(2026, 12, 23, 12, 0), at(2026, 12, 28, 12, 0)),
    ],
)
def test_email_first_reply_is_one_working_day(opened_at, expected):
    assert email_first_reply_due(opened_at) == expected


def test_the_policy_names_the_clock_of_every_target():
    targets = default_policy().targets_for(TicketChannel.EMAIL, TicketCategory.OTHER, TicketPriority.NORMAL)
    assert targets.business_hours("first_reply") and targets.business_hours("resolution")
    social = default_policy().targets_for(TicketChannel.SOCIAL, TicketCategory.OTHER, TicketPriority.NORMAL)
    assert not social.business_hours("first_reply")


@pytest.mark.parametrize("target", ["24h", "24h hours", "24h Calendar", "business 24h"])
def test_a_target_without_its_clock_is_refused(target):
    import json
    from importlib import resources

    config = json.loads(resources.files("zwrotnica.config").joinpath("sla_policy.json").read_text())
    config["targets"]["email"]["first_reply"] = target
    with pytest.raises(ValueError, match="clock"):
        SlaPolicy.from_config(config)


def test_calendar_hours_are_real_hours_across_the_autumn_clock_change():
    import json
    from importlib import resources

    config = json.loads(resources.files("zwrotnica.config").joinpath("sla_policy.json").read_text())
    config["targets"]["email"] = {
        "first_reply": "24h calendar",
        "next_reply": "24h calendar",
        "resolution": "72h calendar",
    }
    policy = SlaPolicy.from_config(config)
    # Saturday 24 October 2026 12:00 CEST + 24 real hours: the clocks go back at 3:00 on Sunday, so the
    # promise reads 11:00 CET on Sunday (and no business calendar holds it until Monday).
    assert email_first_reply_due(at(2026, 10, 24, 12, 0), policy) == datetime(
        2026, 10, 25, 10, 0, tzinfo=ZoneInfo("UTC")
    )
    assert email_first_reply_due(at(2026, 10, 24, 12, 0), policy).astimezone(W).hour == 11


def test_the_promise_is_the_first_reply_target_on_its_own_clock():
    policy = default_policy()
    targets = policy.targets_for(TicketChannel.EMAIL, TicketCategory.DELIVERY, TicketPriority.NORMAL)
    # Delivery questions: 0.5 x 8 business hours = 4 h; Friday 14:00 -> 2 h Friday, 2 h Monday.
    assert policy.due(targets, "first_reply", at(2026, 11, 20, 14, 0)) == at(2026, 11, 23, 10, 0)


def test_a_legal_deadline_is_announced_at_75_percent_and_on_the_morning_of_its_last_day():
    policy = default_policy()
    targets = policy.targets_for(TicketChannel.SYSTEM, TicketCategory.PAYMENT, TicketPriority.HIGH)
    opened_at, deadline = at(2026, 12, 10, 9, 0), at(2026, 12, 24, 23, 59)
    history = [opened(opened_at)]
    done = {"first_reply:warn", "first_reply:breach", "resolution:warn", "resolution:breach"}
    done |= {"next_reply#0:warn", "next_reply#0:breach"}

    def due(now: datetime) -> list[str]:
        _, state = sla.evaluate(history, policy, targets, done, now=now, legal_deadline=deadline)
        return [s for s in state.due if s.startswith("legal:")]

    # 75% of the 14 days 14 h 59 min from 10 December 9:00 is 10 days 23 h 14 min 15 s: 21 December 8:14:15.
    assert due(at(2026, 12, 21, 8, 14)) == []
    assert due(at(2026, 12, 21, 8, 15)) == ["legal:warn"]
    assert due(at(2026, 12, 24, 7, 59)) == ["legal:warn"]
    assert due(at(2026, 12, 24, 8, 0)) == ["legal:final", "legal:warn"]
    assert due(at(2026, 12, 24, 23, 59)) == ["legal:breach", "legal:final", "legal:warn"]
