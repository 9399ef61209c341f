"""Validator calibration: precision, recall, noisy validators and blind spots, by hand."""

from __future__ import annotations

import pytest

from reviewdesk.stats import compute_overview
from reviewdesk.store import Store
from tests.stats.conftest import StoreBuilder, d

EMAIL = {"validator": "pii", "code": "email", "severity": "error"}
INSULT = {"validator": "toxicity", "code": "insult", "severity": "critical"}


def test_calibration_by_hand(builder: StoreBuilder, store: Store) -> None:
    builder.add(
        [builder.item(d("alice", "approve"), flags=[EMAIL]) for _ in range(3)]
        + [builder.item(d("alice", "reject"), flags=[EMAIL, EMAIL])]  # pii_leak
        + [builder.item(flags=[EMAIL])]  # flagged, not reviewed yet
        + [builder.item(d("alice", "reject", reasons=["unsafe"]), flags=[INSULT])]
        + [builder.item(d("alice", "edit"), flags=[INSULT])]
        + [builder.item(d("alice", "reject", reasons=["factual_error"])) for _ in range(2)]
        + [builder.item(d("alice", "approve"))]
    )
    calibration = compute_overview(store.engine, min_labels=2).calibration
    rows = {(row.validator, row.code): row for row in calibration.validators}
    email, insult = rows[("pii", "email")], rows[("toxicity", "insult")]
    # pii.email: 5 items flagged, 4 reviewed, 1 rejected of the 4 rejects in the store.
    assert (email.flagged_items, email.labels, email.approve, email.edit, email.reject) == (
        5,
        4,
        3,
        0,
        1,
    )
    assert email.precision == pytest.approx(0.25) and email.recall == pytest.approx(0.25)
    assert email.noisy
    # toxicity.insult: one reject and one edit, both "caught".
    assert (insult.precision, insult.recall, insult.noisy) == (1.0, pytest.approx(0.25), False)
    assert calibration.noisy == ("pii.email",)
    assert calibration.rejects == 4
    # factual_error: 2 rejects, both on unflagged items: a blind spot. unsafe and pii_leak have
    # fewer than min_labels rejects and are flagged anyway.
    assert calibration.blind_spots == ("factual_error",)
    assert calibration.unflagged_rejects == {"factual_error": 2}
    by_severity = {(r.validator, r.code, r.severity): r.labels for r in calibration.by_severity}
    assert by_severity == {("pii", "email", "error"): 4, ("toxicity", "insult", "critical"): 2}


def test_a_validator_with_no_reviews_yet_is_listed(builder: StoreBuilder, store: Store) -> None:
    builder.add([builder.item(flags=[EMAIL])])
    [row] = compute_overview(store.engine).calibration.validators
    assert (row.flagged_items, row.labels, row.precision, row.recall, row.noisy) == (
        1,
        0,
        None,
        None,
        False,
    )
