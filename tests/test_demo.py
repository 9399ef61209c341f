from __future__ import annotations

from collections import Counter
from pathlib import Path

from reviewdesk.demo import demo_data, ensure_demo_store
from reviewdesk.domain import Reason, Severity, Verdict
from reviewdesk.store import Store


def test_the_demo_store_has_what_the_desk_and_statistics_need(tmp_path: Path) -> None:
    path = ensure_demo_store(tmp_path / "demo.sqlite")
    with Store.open(path) as store:
        counts = store.counts()
        assert counts.generations >= 300
        assert 0 < counts.decided < counts.generations
        assert counts.reviewers >= 3
        assert len(store.distinct("prompt_template")) >= 3
        assert len(store.distinct("model")) >= 3
        assert len(store.distinct("route")) >= 3
        entries = store.page(limit=1000)
        assert {e.top_severity for e in entries} >= set(Severity)
        versions = Counter((e.prompt_template, e.prompt_version) for e in entries)
        templates = Counter(template for template, _ in versions)
        assert all(count >= 2 for count in templates.values())
        twice = [e for e in entries if e.review_count >= 2]
        assert len(twice) >= 20
        verdicts = {d.verdict for e in twice for d in store.decisions_of(e.id)}
        assert verdicts == set(Verdict)
        first = store.next_pending("newcomer")
        assert first is not None
        generation = store.load(first.pk)
        assert isinstance(generation.prompt, tuple)
        assert [f.span for f in generation.flags if f.span]


def test_an_existing_demo_store_is_kept_and_reset_rebuilds_it(tmp_path: Path) -> None:
    path = ensure_demo_store(tmp_path / "demo.sqlite")
    with Store.open(path) as store:
        generation_id = store.page(limit=1)[0].id
        store.set_reasons([Reason(code="other", label="Other")])
    assert ensure_demo_store(path) == path
    with Store.open(path) as store:
        assert [r.code for r in store.reasons()] == ["other"]
    ensure_demo_store(path, reset=True)
    with Store.open(path) as store:
        assert len(store.reasons()) >= 9
        assert store.get(generation_id) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.sqlite"]


def test_the_demo_set_is_found_as_a_resource() -> None:
    assert demo_data().is_file()
    assert demo_data().stat().st_size > 100_000


def test_every_demo_version_has_its_template_text_and_they_differ(tmp_path: Path) -> None:
    from reviewdesk.stats import version_diff

    path = ensure_demo_store(tmp_path / "demo.sqlite")
    with Store.open(path) as store:
        uses = store.templates()
        assert uses and all(use.has_text and use.items > 0 for use in uses)
        # The items' system prompts were made from these texts: each one's prompt starts so.
        item = store.get(store.page(limit=1)[0].id)
        assert item is not None and not isinstance(item.prompt, str)
        assert item.prompt_template is not None and item.prompt_version is not None
        text = store.template(item.prompt_template, item.prompt_version)
        assert text is not None and item.prompt[0].content.startswith(text.text)
        diff = version_diff(store.engine, "refund-policy", "v7", "v6")
        assert diff.added > 0 and diff.removed > 0 and not diff.missing
