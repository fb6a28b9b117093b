"""Reg 13(1): the family has 15 days to comment on a draft plan; the final plan waits for
the end of them unless their comments have been recorded as received."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.actions import available_actions, check_action
from caseload_app.domain.deadlines import comments_end
from caseload_app.domain.status import CaseDates
from caseload_app.domain.validators import ValidationError

RECEIVED = date(2026, 1, 5)
TODAY = date(2027, 6, 30)


def drafted(served: date, comments: date | None = None) -> CaseDates:
    return CaseDates(
        request_received=RECEIVED,
        stage="draft_issued",
        assess_decision_date=RECEIVED,
        issue_decision_date=RECEIVED,
        draft_served=served,
        comments_received=comments,
    )


def allowed(case: CaseDates, on: date) -> bool:
    try:
        check_action("final_issued", case, on, TODAY)
    except ValidationError:
        return False
    return True


SERVED = st.dates(date(2026, 2, 1), date(2027, 5, 1))


@given(served=SERVED, after=st.integers(0, 40))
def test_without_comments_the_final_waits_until_the_15_days_are_over(served, after):
    on = served + timedelta(days=after)
    assert allowed(drafted(served), on) == (on > comments_end(served))


@given(served=SERVED, comments_after=st.integers(0, 20), after=st.integers(0, 40))
def test_comments_received_let_the_final_follow_them(served, comments_after, after):
    comments = served + timedelta(days=comments_after)
    on = served + timedelta(days=after)
    expected = on > comments_end(served) or on >= comments
    assert allowed(drafted(served, comments), on) == expected


def test_the_refusal_says_until_when_and_what_to_do():
    served = date(2026, 11, 27)  # comments open to Thu 11 Dec 2026
    with pytest.raises(ValidationError) as refused:
        check_action("final_issued", drafted(served), date(2026, 12, 4), TODAY)
    message = str(refused.value)
    assert "until Fri 11 Dec 2026 to comment on the draft plan" in message
    assert "cannot be issued on Fri 4 Dec 2026" in message
    assert "'Family's comments on the draft received'" in message


def test_comments_are_recorded_once_and_offered_only_until_then():
    served = date(2026, 11, 27)
    assert "comments_received" in [a.key for a in available_actions(drafted(served))]
    done = drafted(served, date(2026, 12, 2))
    assert "comments_received" not in [a.key for a in available_actions(done)]
    with pytest.raises(ValidationError, match="already recorded as received on"):
        check_action("comments_received", done, date(2026, 12, 3), TODAY)
    with pytest.raises(ValidationError, match="before the draft plan was served"):
        check_action("comments_received", drafted(served), date(2026, 11, 26), TODAY)
