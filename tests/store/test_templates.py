"""The prompt-template registry in the store: one text per template version, set once."""

from __future__ import annotations

import pytest

from reviewdesk.domain import Generation
from reviewdesk.errors import TemplateConflictError
from reviewdesk.store import Store
from reviewdesk.store.templates import Added, SeenTemplate, note_templates

V6 = "You answer refund questions.\nBe brief.\n"
V7 = "You answer refund questions.\nBe kind and brief.\nCite the policy.\n"


def test_the_same_text_again_changes_nothing_and_another_text_is_a_conflict(
    store: Store,
) -> None:
    assert store.add_template("refund", "v7", V7) is Added.ADDED
    stored = store.template("refund", "v7")
    assert stored is not None and stored.text == V7 and stored.source == "cli"

    assert store.add_template("refund", "v7", V7, source="api") is Added.UNCHANGED
    with pytest.raises(TemplateConflictError, match=r"refund@v7 has another text already"):
        store.add_template("refund", "v7", V6)
    assert store.template("refund", "v7") == stored  # nothing changed, not even its source

    assert store.add_template("refund", "v7", V6, replace=True) is Added.REPLACED
    replaced = store.template("refund", "v7")
    assert replaced is not None and replaced.text == V6
    assert store.template("refund", "v6") is None


def test_items_texts_fill_the_registry_once_and_later_texts_are_only_counted(
    store: Store,
) -> None:
    seen = [
        SeenTemplate("refund", "v7", V7),
        SeenTemplate("refund", "v7", V7),
        SeenTemplate("refund", "v7", V6),
        SeenTemplate("greeting", "v1", "Hello {name}."),
    ]
    with store.writing() as connection:
        added, differing = note_templates(connection, seen, added_at="2026-12-03T10:00:00.000000Z",
                                          source="import")  # fmt: skip
    assert (added, differing) == (2, ["refund@v7"])
    with store.writing() as connection:
        again = note_templates(connection, [SeenTemplate("refund", "v7", V6)] * 2,
                               added_at="2026-12-03T11:00:00.000000Z", source="import")  # fmt: skip
    assert again == (0, ["refund@v7"])
    kept = store.template("refund", "v7")
    assert kept is not None and kept.text == V7 and kept.mismatches == 3


def test_the_list_has_every_version_with_a_text_or_an_item(store: Store) -> None:
    store.add_template("refund", "v10", V7)
    store.add_template("refund", "v9", V6)
    with store.bulk_writer() as writer:
        writer.add(
            [
                (Generation(id=f"g{n}", prompt="p", output=f"o{n}", model="m",
                            prompt_template="refund", prompt_version=version), ())
                for n, version in enumerate(["v9", "v9", "v8"])
            ]
        )  # fmt: skip
    listed = [(u.name, u.version, u.items, u.has_text) for u in store.templates()]
    assert listed == [
        ("refund", "v8", 1, False),
        ("refund", "v9", 2, True),
        ("refund", "v10", 0, True),
    ]


def test_the_versions_items_name_without_a_text_are_found_by_id(store: Store) -> None:
    with store.bulk_writer() as writer:
        writer.add(
            [
                (Generation(id=f"g{n}", prompt="p", output=f"o{n}", model="m",
                            prompt_template="refund", prompt_version=version), ())
                for n, version in enumerate(["v6", "v7", "v7", "v8"])
            ]
            + [(Generation(id="plain", prompt="p", output="o", model="m"), ())]
        )  # fmt: skip
    store.add_template("refund", "v7", V7)
    assert store.versions_without_text(["g0", "g1", "g2", "plain", "unknown"]) == [("refund", "v6")]
    assert store.versions_without_text(["g3"]) == [("refund", "v8")]
    assert store.versions_without_text([]) == []
