"""The statistics commands: stats, compare, routing, agreement, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.cli.app import run
from reviewdesk.demo import ensure_demo_store


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(ensure_demo_store(tmp_path_factory.mktemp("demo") / "demo.sqlite"))


@pytest.mark.parametrize("command", ["stats", "compare", "routing", "agreement", "report"])
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, _ = cli(capsys, command, "--help")
    assert code == 0 and "--store" in out


def test_stats_json_shape(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    code, out, err = cli(capsys, "stats", "--by", "prompt_version", "--json", "--store", demo)
    assert code == 0, err
    document = json.loads(out)
    assert (document["policy"], document["unit"]) == ("resolved", "items")
    # 136 decided items: 117 with a resolved label, 19 ties left out (and said so).
    assert document["left_out"] == {
        "policy": "resolved",
        "items": 19,
        "reason": "ties no adjudicator settled",
    }
    groups = document["groups"]
    assert sum(group["n"] for group in groups) == 117
    assert len(groups) == 8
    first = groups[0]
    assert set(first["group"]) == {"prompt_template", "prompt_version"}
    for key in (
        "n",
        "approve",
        "edit",
        "reject",
        "acceptance",
        "acceptance_low",
        "acceptance_high",
    ):
        assert key in first
    code, out, _ = cli(capsys, "stats", "--unit", "labels", "--json", "--store", demo)
    labels = json.loads(out)
    assert (labels["policy"], labels["unit"], labels["left_out"]["items"]) == (
        "latest",
        "labels",
        0,
    )
    assert sum(group["n"] for group in labels["groups"]) == 176
    assert all(group["items"] <= group["n"] for group in labels["groups"])
    code, out, _ = cli(capsys, "stats", "--by", "model,reviewer", "--json", "--store", demo)
    assert code == 0 and set(json.loads(out)["groups"][0]["group"]) == {"model", "reviewer"}


def test_stats_text_says_what_the_policy_left_out(
    capsys: pytest.CaptureFixture[str], demo: str
) -> None:
    code, out, err = cli(capsys, "stats", "--store", demo)
    assert code == 0 and "items by prompt_version (resolved policy)" in out
    assert "left out by the resolved policy: 19 decided items (ties no adjudicator settled)" in err
    code, _, err = cli(capsys, "stats", "--unit", "labels", "--policy", "majority", "--store", demo)
    assert code == 1 and "--unit labels counts each reviewer's latest label" in err


def test_stats_tables(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    code, out, _ = cli(
        capsys, "stats", "--by", "validator", "--store", demo, "--policy", "majority"
    )
    assert code == 0 and "pii" in out and "acceptance" in out


def test_bad_input_exits_1_with_a_message(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    code, out, err = cli(capsys, "stats", "--by", "colour", "--store", demo)
    assert code == 1 and out == "" and "unknown grouping 'colour'" in err
    code, _, err = cli(capsys, "compare", "nope", "v1", "v2", "--store", demo)
    assert code == 1 and "no prompt template 'nope'" in err
    code, _, err = cli(capsys, "stats", "--policy", "loudest", "--store", demo)
    assert code == 2 and "use resolved, majority, adjudicated" in err


def test_compare(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    code, out, err = cli(capsys, "compare", "refund-policy", "v7", "v6", "--store", demo, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["sentence"].startswith("v7 beats v6: +")
    assert result["left_out"]["items"] == 19
    code, out, _ = cli(capsys, "compare", "refund-policy", "v7", "v6", "--store", demo)
    assert code == 0 and "v7 beats v6" in out


def test_routing_writes_routing_json(
    capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path
) -> None:
    prices = tmp_path / "prices.toml"
    prices.write_text('[models."gpt-4o"]\ninput = 0.0025\noutput = 0.01\n', encoding="utf-8")
    out_file = tmp_path / "routing.json"
    code, out, err = cli(
        capsys, "routing", "--prices", str(prices), "--target", "0.5", "--out", str(out_file),
        "--store", demo,
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out_file.read_text(encoding="utf-8"))
    assert document["format"] == "reviewdesk-routing" and document["schema_version"] == 1
    assert document["target_acceptance"] == 0.5 and document["prices"] == "prices.toml"
    assert {route["route"] for route in document["routes"]} == {
        "commerce.copy", "data.sql", "health.summary", "support.refund",
    }  # fmt: skip
    assert "support.refund" in out
    code, out, _ = cli(capsys, "routing", "--json", "--store", demo)
    assert code == 0 and json.loads(out)["prices"] is None
    assert json.loads(out)["unresolved_items"] == 19
    code, out, _ = cli(capsys, "routing", "--json", "--policy", "latest", "--store", demo)
    assert json.loads(out)["unresolved_items"] == 0


def test_routing_into_a_missing_folder_says_so(
    capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path
) -> None:
    out_file = tmp_path / "missing" / "routing.json"
    code, _, err = cli(capsys, "routing", "--out", str(out_file), "--store", demo)
    assert code == 1
    assert f"cannot write {out_file}: No such file or directory" in err


def test_routing_with_a_bad_price_file(
    capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path
) -> None:
    prices = tmp_path / "prices.toml"
    prices.write_text('[models."gpt-4o"]\ninput = "lots"\noutput = 1\n', encoding="utf-8")
    code, out, err = cli(capsys, "routing", "--prices", str(prices), "--store", demo)
    assert code == 1 and out == ""
    assert "prices.toml:2: models.gpt-4o.input: expected a number" in err


def test_agreement(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    code, out, _ = cli(capsys, "agreement", "--store", demo, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["items"] == 40 and result["disagreement_count"] > 0
    code, out, _ = cli(capsys, "agreement", "--store", demo)
    assert code == 0 and "Krippendorff" in out


def test_report(capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path) -> None:
    out_file = tmp_path / "report.html"
    code, out, err = cli(capsys, "report", str(out_file), "--store", demo)
    assert code == 0 and out == "" and "wrote" in err
    assert "<svg" in out_file.read_text(encoding="utf-8")
    code, _, err = cli(capsys, "report", str(tmp_path / "no" / "r.html"), "--store", demo)
    assert code == 1 and "does not exist" in err


def test_a_missing_store_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = cli(capsys, "stats", "--store", str(tmp_path / "none.sqlite"))
    assert code == 1 and "there is no store" in err


def test_routing_states_its_target_and_report_takes_the_same_targets(
    capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path
) -> None:
    code, out, _ = cli(capsys, "routing", "--target", "0.5", "--store", demo)
    assert code == 0
    assert out.startswith("target: acceptance of at least 50%, the lower end of its 95% interval")
    assert "% a item" not in out and "$-" not in out
    code, _, err = cli(capsys, "report", str(tmp_path / "r.html"), "--target", "5", "--store", demo)
    assert code == 2 and "use a share between 0 and 1" in err
    assert not (tmp_path / "r.html").exists()


def test_a_dearer_advised_model_is_said_to_cost_more() -> None:
    from reviewdesk.cli.stats import _saving

    assert _saving(0.25, 1.5, 40) == " (saves 25% per item, $1.50 over 40 items)"
    assert _saving(-1.48, -0.09, 12) == " (costs 148% more per item, $0.09 more over 12 items)"
