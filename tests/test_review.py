"""The review app in a real browser and over HTTP, on a real run's database; the review sheet
without a reviewer; Label Studio and spaCy exchange; audit pages and their links from the report."""
from __future__ import annotations

import http.client
import json
import re
import shutil
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.review import default_reviewer
from pipeline.review_app import BackgroundServer, ReviewSettings

from .conftest import CORPUS

TOKEN = "test-token-for-the-review-app"
PDF = "eu-imex-2022-01-24.pdf"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pdfs")
    shutil.copy(CORPUS / PDF, folder / PDF)
    return folder


@pytest.fixture(scope="module")
def out(tmp_path_factory, folder) -> Path:
    out = tmp_path_factory.mktemp("outputs")
    assert main(["run", str(folder), "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def doc_id(out) -> str:
    return pd.read_csv(out / "documents.csv").doc_id.iloc[0]


@pytest.fixture(scope="module")
def server(out):
    with BackgroundServer(ReviewSettings(out, TOKEN, "tester")) as server:
        yield server


def corrections(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "meetings.sqlite") as db:
        return db.execute("SELECT * FROM corrections ORDER BY rowid").fetchall()


def call(server, path: str, body: bytes | None = None, headers: dict | None = None, token: bool = True):
    """(status, decoded JSON or text) of one request."""
    headers = dict(headers or {})
    if token:
        headers.setdefault("Authorization", f"token {TOKEN}")
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(server.url(path), data=body, headers=headers, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


def post(server, body: dict, **kw):
    return call(server, "/api/verdicts", json.dumps(body).encode(), **kw)


def mentions(server, doc_id: str, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in dict(doc_id=doc_id, **filters).items())
    status, found = call(server, f"/api/mentions?{query}")
    assert status == 200, found
    return found


def test_browser_marks_a_figure_wrong_and_the_next_run_drops_it(browser, server, out, folder, doc_id):
    page = browser.new_page()
    page.goto(server.url(f"/?token={TOKEN}"))
    assert "token" not in page.url  # the token became a cookie and left the address bar
    page.wait_for_selector("body[data-ready=yes]")
    assert page.locator("#documents tbody tr").count() == 1
    page.click(f"a[href='/documents/{doc_id}']")
    page.wait_for_selector("body[data-ready=yes]")
    page.select_option("#filter-label", "FIGURE")
    items = page.locator("#mentions li")
    figures = mentions(server, doc_id, label="FIGURE")
    assert items.count() == len(figures) > 2
    assert page.locator("#mentions li .chip.m-FIGURE").count() == len(figures)
    page.keyboard.press("j")  # the second figure
    chosen = page.locator("#mentions li.selected")
    mention_id = chosen.get_attribute("data-id")
    assert mention_id == figures[1]["mention_id"]
    figure = figures[1]
    page.wait_for_selector("#box", state="visible")  # the mention's box over its page image, rendered on demand
    scale = page.evaluate("document.getElementById('page-image').clientWidth") / page.evaluate(
        f"fetch('/api/documents/{doc_id}').then(r => r.json()).then(d => d.page_sizes[{figure['page']} - 1].width)")
    assert abs(page.locator("#box").bounding_box()["y"] - page.locator("#page-image").bounding_box()["y"]
               - figure["top"] * scale) < 6
    page.keyboard.press("w")
    page.wait_for_selector(f"#mentions li[data-id='{mention_id}'] .verdict.v-wrong")
    assert page.locator("#mentions li.selected").get_attribute("data-id") == figures[2]["mention_id"]  # moved on
    page.close()
    rows = [r for r in corrections(out) if r[5] == "wrong"]
    assert [(r[1], r[2], r[3], r[7]) for r in rows] == [("FIGURE", figure["start"], figure["end"], "tester")]

    assert main(["run", str(folder), "--out", str(out), "--quiet"]) == 0
    spans = set(zip(*pd.read_csv(out / "figures.csv")[["start", "end"]].values.T))
    assert (figure["start"], figure["end"]) not in spans
    assert (figures[2]["start"], figures[2]["end"]) in spans
    removed = [m for m in mentions(server, doc_id, label="FIGURE") if m["removed"]]
    assert [(m["start"], m["verdict"]) for m in removed] == [(figure["start"], "wrong")]  # still shown, to undo


def test_the_api_refuses_without_token_bad_bodies_and_unknown_mentions_writing_nothing(server, out, doc_id):
    first = mentions(server, doc_id, label="COUNTRY")[0]
    good = {"doc_id": doc_id, "mention_id": first["mention_id"], "verdict": "ok"}
    before = corrections(out)
    cookie = {"Cookie": f"pipeline-review-{server.port}={TOKEN}"}
    refused = [
        (post(server, good, token=False), 403),
        (call(server, "/api/documents", token=False), 403),
        (post(server, good, headers={"Authorization": "token wrong"}), 403),
        (post(server, good, token=False, headers=dict(cookie, Origin="http://evil.example")), 403),
        (post(server, good, headers={"Host": f"evil.example:{server.port}"}), 403),
        (call(server, "/api/verdicts", b"{not json"), 400),
        (call(server, "/api/verdicts", b"[1, 2]"), 400),
        (post(server, dict(good, mention_id="m99999")), 400),
        (post(server, dict(good, doc_id="0" * 64)), 400),
        (post(server, dict(good, verdict="maybe")), 400),
        (post(server, dict(good, extra=1)), 400),
        (post(server, {"doc_id": doc_id, "verdict": "ok"}), 400),
    ]
    for (status, answer), expected in refused:
        assert status == expected, answer
        assert answer["error"], answer
        assert corrections(out) == before
    assert "mention 'm99999'" in refused[7][0][1]["error"]
    figure = mentions(server, doc_id, label="FIGURE")[0]
    status, answer = post(server, {"doc_id": doc_id, "mention_id": figure["mention_id"], "verdict": "fix:many"})
    assert status == 400 and "number" in answer["error"] and corrections(out) == before

    assert call(server, f"/api/documents?token={TOKEN}", token=False)[0] == 200
    assert post(server, good, token=False, headers=cookie)[0] == 200  # the cookie, from this origin
    assert len(corrections(out)) == len(before) + 1


def test_a_token_in_the_url_becomes_a_strict_http_only_cookie(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", f"/documents/x?token={TOKEN}")
    answer = connection.getresponse()
    cookie = answer.getheader("set-cookie", "")
    assert answer.status == 303 and answer.getheader("location") == "/documents/x"
    assert f"pipeline-review-{server.port}={TOKEN}" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()


def test_two_reviewers_are_both_kept_the_latest_applies_and_agreement_is_shown(server, doc_id):
    target = mentions(server, doc_id, label="SPEAKER")[0]
    ask = {"doc_id": doc_id, "mention_id": target["mention_id"]}
    assert post(server, dict(ask, verdict="ok", reviewer="alice"))[0] == 200
    status, answer = post(server, dict(ask, verdict="wrong", reviewer="bob"))
    assert status == 200
    m = answer["mention"]
    assert [v["reviewer"] for v in m["verdicts"]] == ["alice", "bob"]
    assert m["agreement"] == "disagree" and m["verdict"] == "wrong"
    post(server, dict(ask, verdict="ok", reviewer="bob"))
    again = next(x for x in mentions(server, doc_id, reviewed="yes") if x["mention_id"] == target["mention_id"])
    assert again["agreement"] == "agree" and again["verdict"] == "ok" and len(again["verdicts"]) == 2
    status, docs = call(server, "/api/documents")
    assert docs[0]["reviewed"] >= 1 and docs[0]["counts"]["SPEAKER"] > 0


def test_label_studio_round_trip_gives_the_verdicts_of_the_app(server, out, doc_id, tmp_path):
    figures = mentions(server, doc_id, label="FIGURE")
    figures = [m for m in figures if not m["removed"]]
    marks = {m["mention_id"]: "ok" for m in figures}
    marks[figures[0]["mention_id"]] = "wrong"
    marks[figures[1]["mention_id"]] = "fix:12345"
    for mention_id, verdict in marks.items():
        asked = {"doc_id": doc_id, "mention_id": mention_id, "verdict": verdict, "reviewer": "app"}
        assert post(server, asked)[0] == 200

    tasks_file = tmp_path / "tasks.json"
    assert main(["audit", "export", str(out), "--format", "label-studio", "--label", "FIGURE", "-o",
                 str(tasks_file)]) == 0
    config = (tmp_path / "tasks.label-config.xml").read_text()
    assert config.count("<Label ") == 4 and 'perRegion="true"' in config
    tasks = json.loads(tasks_file.read_text())
    assert len(tasks) == 1 and tasks[0]["data"]["doc_id"] == doc_id
    # what an analyst leaves in Label Studio: the prediction accepted, one region deleted, one value retyped
    result = [dict(r, origin="prediction") for r in tasks[0]["predictions"][0]["result"]]
    by_id = {r["value"]["start"]: r["id"] for r in result}
    wrong, fixed = by_id[figures[0]["start"]], by_id[figures[1]["start"]]
    result = [r for r in result if r["id"] != wrong]
    for r in result:
        if r["id"] == fixed and r["type"] == "textarea":
            r["value"]["text"] = ["12345"]
    tasks[0]["annotations"] = [{"id": 1, "completed_by": 1, "result": result, "was_cancelled": False,
                                "ground_truth": False, "created_at": "2030-01-01T10:00:00.000000Z",
                                "updated_at": "2030-01-01T10:05:00.000000Z", "lead_time": 12.5}]
    export = tmp_path / "project.json"
    export.write_text(json.dumps(tasks))
    assert main(["audit", "import", str(export), "--out", str(out), "--reviewer", "label-studio"]) == 0

    rows = pd.DataFrame(corrections(out), columns=["doc_id", "label", "start", "end", "text", "verdict", "value",
                                                   "reviewer", "reviewed_at"])

    def verdicts(reviewer: str) -> set[tuple]:
        mine = rows[rows.reviewer == reviewer]
        return set(zip(mine.label, mine.start, mine.end, mine.text, mine.verdict, mine.value))

    assert verdicts("label-studio") == verdicts("app")
    assert len(verdicts("app")) == len(figures)
    agreed = {m["mention_id"]: m["agreement"] for m in mentions(server, doc_id, label="FIGURE")}
    assert agreed[figures[1]["mention_id"]] == "agree"


def test_spacy_export_holds_the_reviewed_mentions(out, doc_id, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    target = tmp_path / "reviewed.spacy"
    assert main(["audit", "export", str(out), "--format", "spacy", "-o", str(target)]) == 0
    docs = list(DocBin().from_disk(target).get_docs(spacy.blank("en").vocab))
    assert len(docs) == 1 and docs[0].user_data["doc_id"] == doc_id
    rows = pd.DataFrame(corrections(out), columns=["doc_id", "label", "start", "end", "text", "verdict", "value",
                                                   "reviewer", "reviewed_at"])
    latest = rows.sort_values("reviewed_at").drop_duplicates(["label", "start", "end"], keep="last")
    ents = {(e.start_char, e.label_): e.kb_id_ for e in docs[0].ents}
    assert ents and all(label in ("SPEAKER", "COUNTRY", "PROGRAMME", "FIGURE") for _, label in ents)
    for r in latest[latest.verdict == "wrong"].itertuples():
        assert (r.start, r.label) not in ents
    for r in latest[latest.verdict == "fix"].itertuples():
        assert ents.get((r.start, r.label)) == r.value


def test_a_review_sheet_without_reviewer_records_the_login_name(out, tmp_path):
    sheet = tmp_path / "review.csv"
    assert main(["audit", "export", str(out), "-o", str(sheet), "--label", "COUNTRY"]) == 0
    review = pd.read_csv(sheet, keep_default_na=False)
    review.loc[review.index[-1], "verdict"] = "ok"
    review.to_csv(sheet, index=False)
    assert main(["audit", "apply", str(sheet), "--out", str(out)]) == 0
    assert corrections(out)[-1][7] == default_reviewer()


def test_audit_pages_are_small_named_after_the_pdf_indexed_and_linked_from_the_report(out, doc_id):
    assert main(["audit", str(out)]) == 0
    page = out / "audit" / PDF.replace(".pdf", ".html")
    index = (out / "audit" / "index.html").read_text(encoding="utf-8")
    assert f"href='{page.name}'" in index
    html = page.read_text(encoding="utf-8")
    images = re.findall(r"data:image/webp;base64,([A-Za-z0-9+/=]+)", html)
    assert len(images) == pd.read_csv(out / "documents.csv").pages.iloc[0]
    assert max(len(i) for i in images) < 60_000  # a page of text in black and white, not a photograph
    assert main(["report", str(out)]) == 0
    report = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert f"href='../audit/{page.name}'" in report


def test_every_mention_is_shown_with_the_rule_and_the_reasons_that_kept_it(server, out, doc_id):
    shown = [m for m in mentions(server, doc_id) if not m["removed"]]
    assert shown and all(m["explanation"].startswith(m["rule"]) for m in shown)
    floor = [m for m in shown if m["label"] == "SPEAKER" and "took the floor" in m["explanation"]]
    assert floor, "a speaker who took the floor says which turn rule decided it"