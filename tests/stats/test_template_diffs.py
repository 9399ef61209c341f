"""A version comparison shows what changed in the template text: the diff from the older version
to the newer, in the HTML report (escaped) and from `reviewdesk compare`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reviewdesk.cli.app import run
from reviewdesk.stats import compare_versions, version_diff, write_report
from reviewdesk.store import Store
from tests.stats.conftest import StoreBuilder, d

V6 = "You answer refund questions.\nBe brief.\nNever promise a refund.\n"
V7 = (
    "You answer refund questions.\nBe kind and brief.\nNever promise a refund.\n"
    "Write <b>no</b> markup.\nKeep [bold]brackets[/bold] as typed.\n"
)


@pytest.fixture
def compared(builder: StoreBuilder, store: Store) -> Store:
    """refund-policy v7 (all approved) against v6 (all rejected), both texts in the registry;
    greeting v1 and v2 with no texts."""
    builder.add(
        [builder.item(d("ann", "approve"), prompt_version="v7") for _ in range(12)]
        + [
            builder.item(d("ann", "reject", reasons=["tone"]), prompt_version="v6")
            for _ in range(12)
        ]
        + [
            builder.item(d("ann", "approve"), prompt_template="greeting", prompt_version=v)
            for v in ("v1", "v2")
        ]
    )
    store.add_template("refund-policy", "v6", V6)
    store.add_template("refund-policy", "v7", V7)
    return store


def test_the_diff_runs_from_the_version_compared_against_to_the_one_compared(
    compared: Store,
) -> None:
    comparison = compare_versions(compared.engine, "refund-policy", "v7", "v6")
    assert comparison.sentence.startswith("v7 beats v6: +100.0 points")
    diff = version_diff(compared.engine, "refund-policy", "v7", "v6")
    assert (diff.old, diff.new, diff.added, diff.removed) == ("v6", "v7", 3, 1)
    assert [line.text for line in diff.lines if line.kind.value in ("added", "removed")] == [
        "-Be brief.",
        "+Be kind and brief.",
        "+Write <b>no</b> markup.",
        "+Keep [bold]brackets[/bold] as typed.",
    ]
    backwards = version_diff(compared.engine, "refund-policy", "v6", "v7")
    assert [line.text for line in backwards.lines][:2] == [
        "--- refund-policy@v7",
        "+++ refund-policy@v6",
    ]
    assert version_diff(compared.engine, "greeting", "v2", "v1").missing == ("v1", "v2")


def test_the_report_shows_the_changed_lines_beside_the_verdict(
    compared: Store, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    write_report(compared.engine, out)
    page = out.read_text(encoding="utf-8")
    section = page[page.index('<section id="prompt-versions">') :]
    verdict = section.index("v7 beats v6: +100.0 points")
    diff = section[verdict : section.index("</pre>", verdict)]
    assert re.findall(r'<span class="(added|removed)">([^<]*)</span>', diff) == [
        ("removed", "-Be brief."),
        ("added", "+Be kind and brief."),
        ("added", "+Write &lt;b&gt;no&lt;/b&gt; markup."),
        ("added", "+Keep [bold]brackets[/bold] as typed."),
    ]
    assert '<span class="context"> Never promise a refund.</span>' in diff
    assert "<b>no</b>" not in page  # the template's text is data, never markup
    greeting = section.index("v2")
    assert "no text for greeting@v1 and greeting@v2" in section[greeting:]


def test_compare_prints_the_diff_after_the_verdict(
    compared: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ("--store", str(compared.path))
    assert run(["compare", "refund-policy", "v7", "v6", *store]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    verdict = next(i for i, line in enumerate(lines) if line.startswith("v7 beats v6"))
    assert lines[verdict + 1 :] == [
        "",
        "--- refund-policy@v6",
        "+++ refund-policy@v7",
        "@@ -1,3 +1,5 @@",
        " You answer refund questions.",
        "-Be brief.",
        "+Be kind and brief.",
        " Never promise a refund.",
        "+Write <b>no</b> markup.",
        "+Keep [bold]brackets[/bold] as typed.",  # printed as typed: no console markup
    ]
    assert run(["compare", "refund-policy", "v7", "v6", "--json", *store]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["template_diff"]["from"] == "v6" and body["template_diff"]["missing"] == []
    assert "+Write <b>no</b> markup.\n" in body["template_diff"]["diff"]

    assert run(["compare", "greeting", "v2", "v1", *store]) == 0
    assert "template text: no text for greeting@v1 and greeting@v2" in capsys.readouterr().out
