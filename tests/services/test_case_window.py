"""The case list's filters and search in SQL (services/case_window.py) show exactly the
cases the list's Python rules show (CaseFilter.finds), in the same
order, on any filter, search and day."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseload_app.db.engine import open_database
from caseload_app.domain.exceptions import limits_for_ground
from caseload_app.domain.text import fold
from caseload_app.services.case_window import CaseWindowService
from caseload_app.services.caselist import CaseFilter, CaseListService
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import NEEDS, generate_demo
from tests.helpers import TODAY, statements_sent

DAYS = st.integers(min_value=-400, max_value=400)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("window") / "window.sqlite3"
    db = open_database(path)
    generate_demo(db, children=300, seed=3, today=TODAY)
    rename_as_people_type(db)
    yield db
    db.dispose()


# Names as people type them: accents, capitals, particles, the same name twice.
CHILD_NAMES = [("Zoë", "Brontë"), ("zoe", "BRONTE"), ("Åsa", "Øberg"), ("Anna", "de la Cruz")]
CHILD_NAMES += [("Liam", "O'Neil"), ("Ælfric", "Smith-Jones"), ("anna", "De La Cruz")]
FAMILY_NAMES = ["Żaneta Ørsted", "zaneta orsted", "Mr O'Neil", "ÉMILE Zola", "émile zola", "A"]


def rename_as_people_type(db) -> None:
    from sqlalchemy import select, text

    from caseload_app.db.models import Child, Family

    with db.engine.begin() as conn:  # two caseworkers whose names fold alike: a tie
        name = conn.execute(text("SELECT name FROM caseworker WHERE id = 1")).scalar_one()
        conn.execute(text("UPDATE caseworker SET name = :n WHERE id = 2"), {"n": name.upper()})

    work = CaseworkService(db, "test", today=lambda: TODAY)
    for n, (first, last) in enumerate(CHILD_NAMES):
        with db.read() as s:
            version = s.scalar(select(Child.version).where(Child.id == n + 1))
        work.update_child(n + 1, version, {"first_name": first, "last_name": last})
    for n, name in enumerate(FAMILY_NAMES):
        with db.read() as s:
            family_id, version = s.execute(
                select(Family.id, Family.version).join(Child).where(Child.id == 2 * n + 20)
            ).one()
        work.update_family(family_id, version, {"parent_carer_name": name})


def python_ids(db, today: date, case_filter: CaseFilter, text: str) -> list[int]:
    """What today's list shows: every row built, then filtered and searched in Python."""
    query = fold(text).strip()
    rows = CaseListService(db, today=lambda: today).list_cases().rows
    return [r.case_id for r in rows if case_filter.finds(r, query)]


def sql_ids(db, today: date, case_filter: CaseFilter, text: str) -> list[int]:
    return CaseWindowService(db, today=lambda: today).case_ids(case_filter, text)


filters = st.builds(
    CaseFilter,
    caseworker_id=st.none() | st.integers(min_value=1, max_value=9),
    stage=st.none() | st.sampled_from(["request_received", "assessment", "plan_issued", "ceased"]),
    rag=st.none() | st.sampled_from(["red", "amber", "green", "grey", "none"]),
    primary_need=st.none() | st.sampled_from(NEEDS),
    overdue=st.booleans(),
    due_this_week=st.booleans(),
    no_contact_14=st.booleans(),
    open_only=st.booleans(),
    due_from_days=st.none() | st.integers(min_value=-60, max_value=60),
    due_to_days=st.none() | st.integers(min_value=-60, max_value=120),
    case_ids=st.lists(st.integers(min_value=1, max_value=320), max_size=5).map(tuple),
    next_step=st.none() | st.sampled_from(["decide_assess", "final_plan", "annual_review"]),
)
# Three letters or more are found through the trigram index (migration 0029), fewer by
# reading every child: both, with the quotes a trigram phrase must escape.
searches = st.sampled_from(
    ["", "a", "sm", "BH1", "bh1 2", "zoë", "%", "_", " ", "ol", "a %", "_ 1", "h _", "smith",
     "o'neil", "de la c", "brontë", 'o"n', '"', '""x', "b h 1", "cruz ", "x  y"]
) | st.text(alphabet="abcdehilmnorstuy 19%_\"'", max_size=6)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case_filter=filters, text=searches, shift=DAYS)
def test_sql_shows_what_the_python_rules_show(demo, case_filter, text, shift):
    today = TODAY + timedelta(days=shift)
    assert sql_ids(demo, today, case_filter, text) == python_ids(demo, today, case_filter, text)


def test_an_exception_greys_in_sql_as_in_python(demo):
    """Exceptions grey only the steps their time limits govern: the pairs held are looked
    up, the rule itself stays in Python."""
    today = TODAY
    grey = CaseFilter(rag="grey")
    rows = CaseListService(demo, today=lambda: today).list_cases().rows
    work = CaseworkService(demo, "test", today=lambda: today)
    ground = "absent_from_area"
    for stage in ("request_received", "assessment", "draft_issued"):
        row = next(r for r in rows if r.stage == stage and r.is_open and not r.exception_limits)
        start = today - timedelta(days=3)
        work.record_exception(row.case_id, ground, limits_for_ground(ground), start, None, start)
    greyed = python_ids(demo, today, grey, "")
    assert greyed  # exceptions against every limit grey the steps those limits govern
    assert sql_ids(demo, today, grey, "") == greyed
    for shift in (-30, 0, 30):  # and a later or earlier day alike
        day = today + timedelta(days=shift)
        for rag in ("grey", "red", "amber", "green"):
            f = CaseFilter(rag=rag)
            assert sql_ids(demo, day, f, "") == python_ids(demo, day, f, "")


BOUNDARY_FILTERS = [
    CaseFilter(due_this_week=True),
    CaseFilter(overdue=True),
    CaseFilter(no_contact_14=True),
    CaseFilter(rag="amber"),
    CaseFilter(rag="red"),
    CaseFilter(due_from_days=0, due_to_days=7),
]


def test_each_rule_agrees_on_the_days_at_its_edges(demo):
    """Days chosen so that cases sit exactly on each edge: due in 7 or 8 days, 14 or 15, 0
    or -1; last in touch 13 or 14 days ago."""
    rows = [r for r in CaseListService(demo, today=lambda: TODAY).list_cases().rows if r.is_open]
    days = set()
    for r in rows[::25]:
        if r.next_due is not None:
            days |= {r.next_due - timedelta(days=n) for n in (-1, 0, 7, 8, 14, 15)}
        if r.last_contact is not None:
            days |= {r.last_contact + timedelta(days=n) for n in (13, 14)}
    assert len(days) > 20
    for today in sorted(days):
        for case_filter in BOUNDARY_FILTERS:
            assert sql_ids(demo, today, case_filter, "") == python_ids(
                demo, today, case_filter, ""
            ), (today, case_filter)


@pytest.mark.parametrize("text", ["a %", "_ 1", "h _", "%", "_", "e%", "bh1 2", "Zoë", "  O "])
def test_a_search_is_the_typed_text_never_a_pattern(demo, text):
    """% and _ typed into the box are characters to find, not SQL's wildcards."""
    every = CaseFilter()
    assert sql_ids(demo, TODAY, every, text) == python_ids(demo, TODAY, every, text)


@pytest.mark.parametrize(
    "text", ["sm", "smi", "o'n", 'o"n', '"', '""x', "de la c", "b h 1", "ë", "brontë", "zo"]
)
def test_a_search_on_either_side_of_three_letters_finds_what_python_finds(demo, text):
    """Three letters or more are found through the trigram index (a quote typed is a quote
    to find), fewer by reading every child: the same cases either way."""
    every = CaseFilter()
    shown = python_ids(demo, TODAY, every, text)
    assert sql_ids(demo, TODAY, every, text) == shown
    assert shown or text.count('"') or text == "b h 1"  # most find someone


def test_the_sidebar_counts_in_one_query_agree(demo):
    views = [CaseFilter(), CaseFilter(open_only=True), *BOUNDARY_FILTERS, CaseFilter(rag="grey")]
    for shift in (-20, 0, 9):
        today = TODAY + timedelta(days=shift)
        counted = CaseWindowService(demo, today=lambda t=today: t).counts(views)
        assert counted == [len(python_ids(demo, today, v, "")) for v in views]
    assert CaseWindowService(demo, today=lambda: TODAY).counts([]) == []
    every = CaseWindowService(demo, today=lambda: TODAY).counts([CaseFilter()])
    assert every == [len(python_ids(demo, TODAY, CaseFilter(), ""))]  # no condition at all


def test_a_page_of_rows_by_id_is_the_list_rows_in_the_order_asked(demo):
    rows = CaseListService(demo, today=lambda: TODAY).list_cases().rows
    wanted = [rows[n].case_id for n in (40, 3, 17, 250)] + [999_999]  # the last: no case
    page = CaseWindowService(demo, today=lambda: TODAY).rows_by_id(wanted)
    by_id = {r.case_id: r for r in rows}
    assert page == [by_id[i] for i in wanted[:4]]


SORTED_IN_SQL = ["Child", "Family", "Setting", "Need", "Stage", "Next step", "Due"]
SORTED_IN_SQL += ["Days left", "RAG", "Caseworker", "Last contact"]


def python_sorted(db, today, case_filter, text, column: str, descending: bool) -> list[int]:
    """As the list sorts: each row's key from its column, a stable sort of the rows in
    their arrival order (ties keep it, descending too)."""
    from caseload_app.ui.models.case_table import COLUMNS

    spec = next(c for c in COLUMNS if c.title == column)
    key = spec.sort_key or spec.display
    rows = {r.case_id: r for r in CaseListService(db, today=lambda: today).list_cases().rows}
    ids = python_ids(db, today, case_filter, text)
    return sorted(ids, key=lambda i: key(rows[i]), reverse=descending)


@pytest.mark.parametrize("column", SORTED_IN_SQL)
@pytest.mark.parametrize("descending", [False, True])
def test_sql_sorts_each_column_as_the_list_does(demo, column, descending):
    for shift, case_filter in ((0, CaseFilter()), (-30, CaseFilter(open_only=True))):
        today = TODAY + timedelta(days=shift)
        window = CaseWindowService(demo, today=lambda t=today: t)
        got = window.case_ids(case_filter, "", sort=(column, descending))
        assert got == python_sorted(demo, today, case_filter, "", column, descending)


def plan_steps(db, sent, marker: str) -> list[str]:
    """The steps of SQLite's plan for the first statement sent that holds `marker`."""
    statement, parameters = next((st, p) for st, p in sent if marker in st)
    with db.engine.connect() as conn:
        return [
            str(row[-1])
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        ]


@pytest.mark.parametrize(
    ("sort", "text", "case_filter"),
    [
        (None, "", CaseFilter()),
        (("Due", False), "", CaseFilter()),
        (("Days left", False), "", CaseFilter()),
        (("Due", False), "smi", CaseFilter()),  # the children searched on their own
        (("Due", False), "", CaseFilter(primary_need="ASD", no_contact_14=True)),
    ],
)
def test_the_list_s_order_is_read_from_its_index_not_sorted(demo, sort, text, case_filter):
    """At 200,000 cases a sort of every id is most of the list's time: the plan of the
    statement the list sends must read the arrival index in order (no TEMP B-TREE), and
    never look up each case's child one by one (ten times slower than reading them once); a
    search of three letters or more finds its children through the trigram table."""
    with statements_sent(demo.engine) as sent:
        CaseWindowService(demo, today=lambda: TODAY).listing(case_filter, text, sort)
    plan = " ".join(plan_steps(demo, sent, "ORDER BY"))
    if len(text) >= 3:  # found through the trigram table (0029), never every child read
        assert "child_search VIRTUAL TABLE" in plan and not re.search("SCAN child(?!_)", plan)
    else:
        assert "SEARCH child" not in plan, plan  # never a child looked up case by case
    if not text and case_filter == CaseFilter():  # (a search may start from the few found)
        assert "ix_ehcp_case_arrival" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("text", ["smi", "sm"])
@pytest.mark.parametrize(
    "case_filter", [CaseFilter(open_only=True), CaseFilter(open_only=True, no_contact_14=True)]
)
def test_a_search_of_open_cases_goes_from_the_children_found_to_their_cases(
    demo, text, case_filter
):
    """SQLite, with no statistics, took "open" (an index's first column) to pick out a few
    cases: it read every open case to test each against the children found, then sorted
    them (22 → 4 ms for 1,200 children found at 50,000). The count of the view's cases,
    unsearched, still reads the open cases' index."""
    with statements_sent(demo.engine) as sent:
        CaseWindowService(demo, today=lambda: TODAY).listing(case_filter, text)
    plan = " ".join(plan_steps(demo, sent, "ORDER BY"))
    count_plan = " ".join(plan_steps(demo, sent, "count("))
    assert "ix_ehcp_case_child_id (child_id=?)" in plan and "is_open=?" not in plan, plan
    assert "is_open=?" in count_plan, count_plan


@pytest.mark.parametrize(
    ("case_filter", "index"),
    [
        (CaseFilter(caseworker_id=1, open_only=True), "ix_ehcp_case_worker_open_due"),
        (CaseFilter(open_only=True, stage="assessment"), "ix_ehcp_case_position"),
        (CaseFilter(open_only=True, overdue=True), "ix_ehcp_case_open_due"),
        (CaseFilter(open_only=True, due_this_week=True), "ix_ehcp_case_open_due"),
        (CaseFilter(open_only=True, due_from_days=0, due_to_days=14), "ix_ehcp_case_open_due"),
    ],
)
def test_a_narrower_view_of_open_cases_is_read_from_its_own_index(demo, case_filter, index):
    """An index giving the open cases in the list's order, tried, was taken by SQLite (no
    statistics) over the index of a view narrower than "open": a caseworker's 3-4 → 38-52
    ms at 20,000 children (found by a reviewer). Each such view keeps its own."""
    with statements_sent(demo.engine) as sent:
        CaseWindowService(demo, today=lambda: TODAY).listing(case_filter, "")
    plan = " ".join(plan_steps(demo, sent, "ORDER BY"))
    assert index in plan, plan


def expected_first_page(db, today, case_filter, text, page: int, scan: int) -> list[int] | None:
    """A search's first page as the Python rules find it: the first `page` cases it shows
    among the first `scan` cases of the whole list's order, if there are that many."""
    head = set(sql_ids(db, today, CaseFilter(), "")[:scan])
    found = [i for i in python_ids(db, today, case_filter, text) if i in head][:page]
    return found if len(found) == page else None


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    case_filter=filters,
    text=searches,
    shift=DAYS,
    page=st.integers(min_value=1, max_value=40),
    scan=st.integers(min_value=1, max_value=320),
)
def test_a_search_s_first_page_is_the_head_of_its_whole_list(
    demo, case_filter, text, shift, page, scan
):
    """Found among the head of the order alone, it is what the whole list shows first; and
    it is found whenever that head holds a page of it."""
    today = TODAY + timedelta(days=shift)
    window = CaseWindowService(demo, today=lambda: today)
    got = window.first_page(case_filter, text, page=page, scan=scan, few=0)
    if not fold(text).strip():
        assert got is None  # no search: the list's own order is read from its index
        return
    assert got == expected_first_page(demo, today, case_filter, text, page, scan)
    if got is not None:
        assert got == window.case_ids(case_filter, text)[:page]


def test_a_search_finding_few_children_is_listed_whole_without_reading_the_head(demo):
    """Fewer than `few` children found through the trigram table: no first page is looked
    for (the head would hold too few of them; its whole list is quick), and no child's text
    is read for it."""
    window = CaseWindowService(demo, today=lambda: TODAY)
    with demo.engine.connect() as conn:
        word = fold(conn.exec_driver_sql("SELECT last_name FROM child LIMIT 1").scalar())[:4]
    with statements_sent(demo.engine) as sent:
        assert window.first_page(CaseFilter(), word, page=1, scan=5000, few=0) is not None
    assert any("search_text" in st for st, _p in sent)
    with statements_sent(demo.engine) as sent:
        assert window.first_page(CaseFilter(), word, page=1, scan=5000, few=10_000) is None
    assert not any("search_text" in st for st, _p in sent), sent


@pytest.mark.parametrize("sort", [("Child", False), ("Due", True), ("RAG", False)])
def test_no_first_page_is_looked_for_in_a_list_sorted_by_a_column(demo, sort):
    window = CaseWindowService(demo, today=lambda: TODAY)
    assert window.first_page(CaseFilter(), "a", sort, page=1, scan=300) is None
    for arrival in (None, ("Due", False), ("Days left", False)):  # (one letter: no trigram)
        assert window.first_page(CaseFilter(), "a", arrival, page=1, scan=300) is not None


@pytest.mark.parametrize(
    "case_filter",
    [CaseFilter(), CaseFilter(open_only=True), CaseFilter(no_contact_14=True, rag="red")],
)
def test_a_first_page_reads_the_head_of_the_order_and_no_more(demo, case_filter):
    """Its cost may not grow with the database: the arrival index read for the head, each
    of its cases then looked up by id. No view's own index (open cases: nine in ten, read
    and sorted), and no child's text read but the head's."""
    with statements_sent(demo.engine) as sent:
        CaseWindowService(demo, today=lambda: TODAY).first_page(case_filter, "a")
    plan = plan_steps(demo, sent, "search_text")
    scans = [step for step in plan if step.startswith("SCAN")]
    assert scans[0] == "SCAN ehcp_case USING COVERING INDEX ix_ehcp_case_arrival", plan
    assert all(not s.startswith(("SCAN ehcp_case", "SCAN child")) for s in scans[1:]), plan
    assert "SEARCH ehcp_case USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
