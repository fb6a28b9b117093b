"""The case list as a window onto the database (issue 28): the model holds the ids shown and
the rows of the pages looked at; the database filters, searches and sorts off the window's
thread. What it shows after any mix of saves, filters, searches and sorts must be what a
full reload shows, and the selection follows its case."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableView

from caseload_app.services.case_window import CaseWindowService
from caseload_app.services.caselist import CaseFilter, CaseListService
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import generate_demo
from caseload_app.ui.models import case_table
from caseload_app.ui.models.case_table import COLUMNS, PAGE, ROWS_HELD, CaseSource, CaseTableModel
from tests.helpers import NOW, TODAY
from tests.services.test_case_window import python_ids, python_sorted

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("qapp")]  # listings come by signal

TITLES = [c.title for c in COLUMNS]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from caseload_app.db.engine import open_database

    db = open_database(tmp_path_factory.mktemp("listwindow") / "list.sqlite3")
    generate_demo(db, children=250, seed=8, today=TODAY)
    yield db
    db.dispose()


class Counted:
    """The model's source, counting what it is asked."""

    def __init__(self, db) -> None:
        self.window = CaseWindowService(db, today=lambda: TODAY)
        self.listings = 0
        self.first_pages = 0
        self.pages: list[int] = []
        self.views: list[tuple] = []  # the views counted with each listing
        self.counted: list[tuple] = []  # the views counted after each save placed

    def listing(self, *asked):
        self.listings += 1
        self.views.append(asked[3])
        return self.window.listing(*asked)

    def rows(self, ids):
        self.pages.append(len(ids))
        return self.window.rows_by_id(ids)

    def first_page(self, *searched):
        """A search's first ten, found among the first 100 cases (a test's "large view")."""
        self.first_pages += 1
        return self.window.first_page(*searched, page=FIRST, scan=100, few=0)

    def counts(self, views):
        self.counted.append(tuple(views))
        return self.window.counts(views)

    def source(self) -> CaseSource:
        return CaseSource(self.listing, self.rows, self.first_page, self.counts)


FIRST = 10  # the first page's size in these tests


def loaded_model(db, views=()) -> tuple[CaseTableModel, Counted]:
    counted = Counted(db)
    model = CaseTableModel()
    model.set_source(counted.source())
    model.reload(views)
    model.wait_listed()
    return model, counted


def fail_the_next_listing(model: CaseTableModel, counted: Counted) -> None:
    """The model's next listing fails (a locked database); those after it are read."""
    failing = [True]

    def listing(*asked):
        if failing.pop() if failing else False:
            raise RuntimeError("database is locked")
        return counted.listing(*asked)

    model.set_source(CaseSource(listing, counted.rows))


def shown_in_a_view(qtbot, model: CaseTableModel) -> QTableView:
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    return view


def selected_cases(model: CaseTableModel, view: QTableView) -> list[int]:
    return [model.case_id_at(i.row()) for i in view.selectionModel().selectedRows()]


def shown_ids(model: CaseTableModel) -> list[int]:
    return [model.case_id_at(n) for n in range(model.rowCount())]


def expected(db, case_filter, text, sort) -> list[int]:
    if sort is None:
        return python_ids(db, TODAY, case_filter, text)
    title, descending = sort
    return python_sorted(db, TODAY, case_filter, text, title, descending)


def test_the_model_passes_the_tester_through_filters_searches_sorts_and_saves(demo, qtmodeltester):
    model, _ = loaded_model(demo, views=[CaseFilter(), CaseFilter(open_only=True)])
    qtmodeltester.check(model, force_py=True)  # stays connected: checks every change below
    model.set_filter(CaseFilter(open_only=True))
    model.wait_listed()
    model.set_query("smi")
    model.wait_listed()
    model.sort(TITLES.index("Child"), Qt.SortOrder.DescendingOrder)
    model.wait_listed()
    assert shown_ids(model) == expected(demo, CaseFilter(open_only=True), "smi", ("Child", True))
    model.set_query("")
    model.wait_listed()
    first = model.row_at(0)
    work = CaseworkService(demo, "test", today=lambda: TODAY, now=lambda: NOW)
    work.log_communication(first.case_id, NOW, "phone", "in", "Mum", "Hello")
    model.update_cases({first.case_id}, model._source.rows([first.case_id]))  # type: ignore[union-attr]
    model.wait_listed()
    assert model.row_at(model.find_case(first.case_id)).last_contact == NOW.date()


FILTERS = (
    CaseFilter(),
    CaseFilter(open_only=True),
    CaseFilter(rag="red"),
    CaseFilter(caseworker_id=1),
    CaseFilter(no_contact_14=True),
    CaseFilter(primary_need="ASD"),
)
SORTS = [None] + [(t, d) for t in TITLES for d in (False, True)]
SEARCHES = ("", "smi", "a s", "zz", "ow")
SAVES = st.tuples(
    st.sampled_from(["setting", "family", "name", "need", "contact", "exception"]),
    st.integers(0, 10_000),
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.one_of(
            SAVES.map(lambda s: ("save", s)),
            st.sampled_from(FILTERS).map(lambda f: ("filter", f)),
            st.sampled_from(SEARCHES).map(lambda q: ("search", q)),
            st.sampled_from(SORTS[1:]).map(lambda s: ("sort", s)),
            st.just(("wait", None)),  # a save after the list is idle may keep its order
        ),
        max_size=8,
    )
)
def test_after_saves_the_list_shows_what_a_full_reload_shows(tmp_path_factory, steps):
    from caseload_app.db.engine import open_database

    case_table.FIRST_SCAN = 20  # a search's first page is shown first, saves or not
    db = open_database(tmp_path_factory.mktemp("history") / "h.sqlite3")
    try:
        generate_demo(db, children=60, seed=5, today=TODAY)
        model, _ = loaded_model(db, views=FILTERS)
        for n in range(min(model.rowCount(), 30)):
            model.row_at(n)  # rows held before the saves: they must be put right
        work = CaseworkService(db, "test", today=lambda: TODAY, now=lambda: NOW)
        case_filter, text, sort = CaseFilter(), "", None
        for kind, what in steps:
            if kind == "save":
                saved = _save(db, work, *what)
                rows = CaseListService(db, today=lambda: TODAY).rows_for(saved).rows  # as the page
                model.update_cases(saved | {r.case_id for r in rows}, rows)
            elif kind == "wait":
                model.wait_listed()
            elif kind == "filter":
                case_filter = what
                model.set_filter(what)
            elif kind == "search":
                text = what
                model.set_query(what)
            else:
                sort = what
                model.sort(TITLES.index(what[0]), Qt.SortOrder(int(what[1])))
        model.wait_listed()
        assert shown_ids(model) == expected(db, case_filter, text, sort)
        fresh, _ = loaded_model(db)
        by_id = {r.case_id: r for r in fresh.rows()}
        assert model.rows() == [by_id[i] for i in shown_ids(model)]
        assert [model.row_at(n) for n in range(model.rowCount())] == model.rows()  # rows held
        assert model.total == len(python_ids(db, TODAY, case_filter, ""))
        for f in FILTERS:
            assert model.count_matching(f) == len(python_ids(db, TODAY, f, "")), f
    finally:
        case_table.FIRST_SCAN = FIRST_SCAN
        db.dispose()


FIRST_SCAN = case_table.FIRST_SCAN


def _save(db, work: CaseworkService, kind: str, pick: int) -> set[int]:
    """One save through the services, as a caseworker makes it: the case it was made on."""
    from sqlalchemy import select

    from caseload_app.db.models import Child, EhcpCase, Family
    from caseload_app.domain.errors import ValidationError
    from caseload_app.domain.exceptions import limits_for_ground
    from caseload_app.services.errors import UserError

    with db.read() as s:
        cases = s.execute(
            select(EhcpCase.id, Child.id, Child.version, Family.id, Family.version)
            .join(Child, EhcpCase.child_id == Child.id)
            .join(Family, Child.family_id == Family.id)
            .order_by(EhcpCase.id)
        ).all()
    case_id, child_id, child_version, family_id, family_version = cases[pick % len(cases)]
    if kind == "setting":
        work.update_child(child_id, child_version, {"setting": f"School {pick % 7}"})
    elif kind == "name":  # the search text and the child's sort key
        surname = ("Smithy", "Owen", "Zzyzx")[pick % 3]
        work.update_child(child_id, child_version, {"last_name": surname})
    elif kind == "need":
        work.update_child(child_id, child_version, {"primary_need": ("ASD", "SLCN")[pick % 2]})
    elif kind == "step":  # a new stage, next step and due date: the first case from here
        for case_id, *_ in cases[pick % len(cases) :] + cases:  # one may take today
            for key in ("assess_agreed", "issue", "final_issued"):  # each moves the due date
                with suppress(UserError, ValidationError):
                    work.record_action(case_id, work.get_case(case_id).version, key, TODAY)
                    return {case_id}
    elif kind == "family":
        work.update_family(family_id, family_version, {"parent_carer_name": f"Ádá {pick % 9}"})
    elif kind == "contact":
        work.log_communication(case_id, NOW, "phone", "in", "Mum", "Called")
    else:
        start = TODAY - timedelta(days=pick % 5)
        ground = "absent_from_area"
        # A closed case, or one whose step no exception holds: nothing saved.
        with suppress(UserError):
            work.record_exception(case_id, ground, limits_for_ground(ground), start, None, start)
    return {case_id}


SAVE_KINDS = ("setting", "family", "name", "need", "contact", "exception", "step")
# The sidebar's counts, and views shown that are not counted (a board cell's may not be).
COUNTED = (CaseFilter(), CaseFilter(primary_need="ASD"), CaseFilter(rag="red"))
SHOWN = (CaseFilter(), CaseFilter(no_contact_14=True), CaseFilter(caseworker_id=1), *COUNTED[1:])


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A small file copied for each save below (a save changes it)."""
    from caseload_app.db.engine import open_database

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = open_database(path)
    generate_demo(db, children=40, seed=11, today=TODAY)
    db.dispose()
    return path


def _saved_and_listed(db, model: CaseTableModel, kind: str, pick: int) -> None:
    """One save, and the model told of it as the page tells it."""
    work = CaseworkService(db, "test", today=lambda: TODAY, now=lambda: NOW)
    saved = _save(db, work, kind, pick)
    rows = CaseListService(db, today=lambda: TODAY).rows_for(saved).rows
    model.update_cases(saved | {r.case_id for r in rows}, rows)
    model.wait_listed()


@pytest.mark.parametrize("kind", SAVE_KINDS)
def test_a_save_of_a_case_anchored_shows_what_a_full_reload_shows_by_any_sort_and_search(
    template, tmp_path, monkeypatch, kind
):
    """Every case anchored, as if each were open in a tab: a save that moves a case (into or
    out of the view, a view counted, the search or its place in the sort) asks the order
    again; one that does not keeps it. Either way the list, the total and the counts are a
    full reload's."""
    import shutil

    from caseload_app.db.engine import open_database
    from caseload_app.ui.models import case_table

    monkeypatch.setattr(case_table, "ANCHORS_KEPT", 10_000)

    sorted_searched = [(CaseFilter(), s, t) for s in SORTS[:1] + SORTS[1::2] for t in ("", "smi")]
    sorted_searched += [(CaseFilter(), s, "") for s in SORTS[2::2]]  # each column descending
    filtered = [(f, None, "") for f in SHOWN[1:]]
    for n, (case_filter, sort, text) in enumerate(sorted_searched + filtered):
        path = tmp_path / f"{n}.sqlite3"
        shutil.copy(template, path)
        db = open_database(path)
        try:
            model, _ = loaded_model(db, views=COUNTED)
            model.set_filter(case_filter)
            if sort is not None:
                model.sort(TITLES.index(sort[0]), Qt.SortOrder(int(sort[1])))
            model.set_query(text)
            model.wait_listed()
            model.anchor([r.case_id for r in CaseListService(db).list_cases().rows])
            model.wait_listed()
            for pick in (n, n + 17):
                _saved_and_listed(db, model, kind, pick)
            assert shown_ids(model) == expected(db, case_filter, text, sort), (sort, text)
            assert model.total == len(python_ids(db, TODAY, case_filter, ""))
            for f in COUNTED:
                assert model.count_matching(f) == len(python_ids(db, TODAY, f, "")), (sort, f)
        finally:
            db.dispose()


def test_a_save_that_moves_nothing_keeps_the_order_without_asking_again(template, tmp_path):
    import shutil

    from caseload_app.db.engine import open_database

    shutil.copy(template, tmp_path / "f.sqlite3")
    db = open_database(tmp_path / "f.sqlite3")
    try:
        model, counted = loaded_model(db, views=FILTERS)
        case_id = model.case_id_at(5)
        pick = sorted(shown_ids(model)).index(case_id)  # _save picks cases by id
        _saved_and_listed(db, model, "setting", pick)
        assert counted.listings == 2  # no anchor when saved: the order is asked again
        _saved_and_listed(db, model, "setting", pick + 7 * len(shown_ids(model)))
        assert counted.listings == 2  # read with that order since: its new school moves nothing
        assert model.row_at(5).case_id == case_id
        assert model.row_at(5).setting == f"School {(pick + 7 * model.rowCount()) % 7}"
        model.sort(TITLES.index("Setting"), Qt.SortOrder.AscendingOrder)
        model.wait_listed()
        _saved_and_listed(db, model, "setting", pick + 1)
        assert counted.listings == 4  # sorted by school: it may move
        assert shown_ids(model) == expected(db, CaseFilter(), "", ("Setting", False))
    finally:
        db.dispose()


def test_a_case_changed_elsewhere_since_its_row_was_read_is_placed_by_what_the_order_read(
    template, tmp_path
):
    """A colleague (or the outbox) changes a case outside this window, a sort's listing shows
    it, and my save puts the case back as it was: the save is compared with the row read
    with the order shown, not an older one, so the list asks again and shows the case
    (found by a reviewer: compared with a row read before the colleague's change, the save
    seemed to move nothing and the case stayed out of the list)."""
    import shutil

    from sqlalchemy import select, update

    from caseload_app.db.engine import open_database
    from caseload_app.db.models import EhcpCase

    def give(case_id: int, worker: int) -> None:
        with db.uow() as s:
            s.execute(update(EhcpCase).where(EhcpCase.id == case_id).values(caseworker_id=worker))

    shutil.copy(template, tmp_path / "f.sqlite3")
    db = open_database(tmp_path / "f.sqlite3")
    try:
        with db.read() as s:
            case_id, mine = s.execute(
                select(EhcpCase.id, EhcpCase.caseworker_id).where(
                    EhcpCase.caseworker_id.is_not(None)
                )
            ).first()
            theirs = s.scalar(select(EhcpCase.caseworker_id).where(EhcpCase.caseworker_id != mine))
        view = CaseFilter(caseworker_id=mine)
        model, counted = loaded_model(db, views=(view,))
        model.set_filter(view)
        model.anchor({case_id})  # opened in a tab
        model.wait_listed()
        model.row_at(model.find_case(case_id))  # and its row read for the screen
        give(case_id, theirs)  # elsewhere: this window is not told
        model.sort(TITLES.index("Child"), Qt.SortOrder.AscendingOrder)
        model.wait_listed()
        assert case_id not in shown_ids(model)
        give(case_id, mine)  # my save, told as the page tells it
        rows = CaseListService(db, today=lambda: TODAY).rows_for({case_id}).rows
        model.update_cases({case_id} | {r.case_id for r in rows}, rows)
        model.wait_listed()
        assert shown_ids(model) == expected(db, view, "", ("Child", False))
        assert case_id in shown_ids(model)
        assert model.count_matching(view) == len(python_ids(db, TODAY, view, ""))
    finally:
        db.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_anchors_are_read_as_of_the_same_moment_as_the_order(
    request, tmp_path, monkeypatch, engine
):
    """On a team database each statement of a READ COMMITTED transaction sees its own
    moment: a colleague's save committed between the order and the anchors' rows was seen by
    the rows and not the order, and a later save then seemed to move nothing while its case
    stayed out of the list (found by a reviewer). The listing reads as of one moment."""
    from sqlalchemy import select, update

    from caseload_app.db.engine import open_database
    from caseload_app.db.models import Child, EhcpCase
    from caseload_app.services import case_window

    if engine == "postgresql":
        db = open_database(request.getfixturevalue("pg_database"))
    else:
        db = open_database(tmp_path / "f.sqlite3")
    try:
        generate_demo(db, children=30, seed=11, today=TODAY)
        with db.read() as s:
            case_id, mine = s.execute(
                select(EhcpCase.id, EhcpCase.caseworker_id)
                .where(EhcpCase.caseworker_id.is_not(None))
                .order_by(EhcpCase.id)
            ).first()
            theirs = s.scalar(select(EhcpCase.caseworker_id).where(EhcpCase.caseworker_id != mine))

        def give(worker: int) -> None:
            with db.uow() as s:
                s.execute(
                    update(EhcpCase).where(EhcpCase.id == case_id).values(caseworker_id=worker)
                )

        view = CaseFilter(caseworker_id=mine)
        model, _ = loaded_model(db, views=(view,))
        model.set_filter(view)
        model.anchor({case_id})  # opened in a tab
        model.wait_listed()
        give(theirs)  # a colleague takes the case: this window is not told
        read = case_window.rows_for_in
        between = [True]

        def given_back_between(s, ids, today):  # and gives it back after the order is read
            if between.pop() if between else False:
                give(mine)
            return read(s, ids, today)

        monkeypatch.setattr(case_window, "rows_for_in", given_back_between)
        model.sort(TITLES.index("Child"), Qt.SortOrder.AscendingOrder)
        model.wait_listed()
        with db.uow() as s:  # my save of the child's school: it keeps its place
            child_id = s.scalar(select(EhcpCase.child_id).where(EhcpCase.id == case_id))
            s.execute(update(Child).where(Child.id == child_id).values(setting="Elm Academy"))
        rows = CaseListService(db, today=lambda: TODAY).rows_for({case_id}).rows
        model.update_cases({case_id} | {r.case_id for r in rows}, rows)
        model.wait_listed()
        assert shown_ids(model) == expected(db, view, "", ("Child", False))
    finally:
        db.dispose()


def test_after_a_listing_that_failed_a_save_asks_the_order_again(template, tmp_path):
    """What is shown is then not what was asked (the new view failed to load): a save is
    never judged against it."""
    import shutil

    from caseload_app.db.engine import open_database

    shutil.copy(template, tmp_path / "f.sqlite3")
    db = open_database(tmp_path / "f.sqlite3")
    try:
        model, counted = loaded_model(db, views=FILTERS)
        case_id = model.case_id_at(3)
        pick = sorted(shown_ids(model)).index(case_id)
        model.anchor({case_id})
        model.wait_listed()
        fail_the_next_listing(model, counted)
        model.set_filter(CaseFilter(open_only=True))  # fails
        model.wait_listed()
        before = counted.listings
        _saved_and_listed(db, model, "setting", pick)
        assert counted.listings == before + 1
        assert shown_ids(model) == expected(db, CaseFilter(open_only=True), "", None)
    finally:
        db.dispose()


def test_rows_are_read_a_page_at_a_time_and_never_all_held(demo):
    model, counted = loaded_model(demo)
    assert counted.pages == []  # nothing read until shown
    model.row_at(0)
    assert counted.pages == [min(PAGE, model.rowCount())]
    model.row_at(1)
    assert len(counted.pages) == 1  # the same page
    model.row_at(model.rowCount() - 1)
    assert len(counted.pages) == 2 and len(model._held) <= 2 * PAGE
    assert ROWS_HELD < 50_000  # a bound well under a council's list


def test_roles_a_cell_never_answers_are_turned_away_before_its_row_is_read(demo):
    """A view asks every cell for a dozen roles on each paint: only those a cell answers
    look its row up (and may read a page)."""
    model, counted = loaded_model(demo)
    last = model.index(model.rowCount() - 1, 0)
    for role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.DecorationRole,
                 Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.SizeHintRole):  # fmt: skip
        assert model.data(last, role) is None
    assert counted.pages == []
    assert model.data(last, Qt.ItemDataRole.DisplayRole)  # a role it answers reads the page
    assert len(counted.pages) == 1


def test_a_fast_typist_is_answered_with_the_last_search_only(demo):
    model, counted = loaded_model(demo)
    before = counted.listings
    for text in ("s", "sm", "smi", "smit"):
        model.set_query(text)  # no waiting between keystrokes
    model.wait_listed()
    assert shown_ids(model) == expected(demo, CaseFilter(), "smit", None)
    assert counted.listings - before <= 2  # the first keystroke's, then the last's


def test_the_selection_follows_its_case_through_a_new_order(demo, qtbot):
    model, _ = loaded_model(demo)
    view = shown_in_a_view(qtbot, model)
    view.selectRow(5)
    chosen = model.case_id_at(5)
    model.sort(TITLES.index("Child"), Qt.SortOrder.AscendingOrder)
    model.wait_listed()
    selected = [i.row() for i in view.selectionModel().selectedRows()]
    assert [model.case_id_at(r) for r in selected] == [chosen]
    assert selected != [5] or model.case_id_at(5) == chosen
    model.set_query("zzzz-nobody")
    model.wait_listed()
    assert model.rowCount() == 0 and view.selectionModel().selectedRows() == []


def test_a_reload_of_the_same_cases_repaints_the_rows_it_read_again(demo):
    """A new day (or a team database others changed) keeps the order but not the colours:
    the rows held are dropped and the view told to repaint them."""
    model, _ = loaded_model(demo)
    model.row_at(0)  # a page held and painted
    told: list[str] = []
    model.dataChanged.connect(lambda *_: told.append("data"))
    model.reload()
    model.wait_listed()
    assert told == ["data"]


def test_a_failed_listing_still_answers_what_was_asked_meanwhile(demo):
    model, counted = loaded_model(demo)
    fail_the_next_listing(model, counted)
    errors: list[Exception] = []
    model.failed.connect(lambda exc, _details: errors.append(exc))
    model.set_query("zzzz-nobody")  # fails
    model.set_filter(CaseFilter(overdue=True))  # asked while it runs
    model.wait_listed()
    assert len(errors) == 1 and not model.busy
    assert shown_ids(model) == expected(demo, CaseFilter(overdue=True), "zzzz-nobody", None)


def test_a_case_gone_since_the_listing_is_left_out_of_the_selection(demo, qtbot):
    model, counted = loaded_model(demo)
    first, second = model.case_id_at(0), model.case_id_at(1)
    model.row_at(0)
    # The case deleted (its row no longer read), the listing that drops it not back yet.
    gone = CaseSource(
        counted.listing, lambda ids: [r for r in counted.rows(ids) if r.case_id != first]
    )
    model.set_source(gone)
    model._ask = lambda: None  # type: ignore[method-assign]
    model.update_cases({first}, [])  # the save that deleted it
    assert model.data(model.index(0, 0)) is None  # a blank row until the listing comes
    assert [r.case_id for r in model.rows_at([0, 1])] == [second]


def test_only_a_load_or_a_save_recounts_the_sidebar_never_a_keystroke(demo):
    views = (CaseFilter(), CaseFilter(open_only=True))
    model, counted = loaded_model(demo, views=views)
    assert counted.views == [views]
    for text in ("s", "sm"):
        model.set_query(text)
        model.wait_listed()
    model.set_filter(CaseFilter(overdue=True))
    model.wait_listed()
    model.sort(TITLES.index("Child"), Qt.SortOrder.AscendingOrder)
    model.wait_listed()
    assert counted.views[1:] == [(), (), (), ()]  # searched, filtered, sorted: not counted
    model.update_cases({model.case_id_at(0)}, [])
    model.wait_listed()
    assert counted.views[-1] == views and model.count_matching(CaseFilter()) is not None


@pytest.fixture
def large_views(monkeypatch):
    """The demo's views count as large: more cases than the head a first page is looked for
    in (5,000 on a real list)."""
    monkeypatch.setattr(case_table, "FIRST_SCAN", 100)


def test_a_search_in_a_large_view_shows_its_first_page_then_its_whole_list(
    demo, large_views, qtmodeltester
):
    model, counted = loaded_model(demo, views=[CaseFilter()])
    qtmodeltester.check(model, force_py=True)
    seen: list[tuple] = []
    model.paged.connect(lambda: seen.append(("paged", shown_ids(model), model.partial)))
    model.listed.connect(lambda: seen.append(("listed", shown_ids(model), model.partial)))
    total = model.total
    model.set_query("a")
    assert not model.answered
    model.wait_answered()
    assert model.answered and model.busy  # the first page shown, the whole list still read
    whole = expected(demo, CaseFilter(), "a", None)
    assert seen == [("paged", whole[:FIRST], True)]
    assert model.total == total  # the view's count stands meanwhile
    model.wait_listed()
    assert seen[-1] == ("listed", whole, False) and model.total == total
    assert counted.first_pages == 1


def test_a_first_page_s_whole_list_is_read_once_the_page_is_painted(demo, large_views, monkeypatch):
    """Read while the first page was painted, the whole list's thread took Python's lock
    from the painting half the time: it is asked once the view says it has painted the page
    (or after PAINT_FIRST_MS), and a letter typed meanwhile goes ahead at once."""
    monkeypatch.setattr(case_table, "PAINT_FIRST_MS", 60_000)
    model, counted = loaded_model(demo, views=[CaseFilter()])
    listings = counted.listings
    model.set_query("a")
    model.wait_answered()
    assert model.partial and model.waiting_paint and model.busy
    QApplication.processEvents()
    assert counted.listings == listings  # the whole list waits for the paint
    model.painted()
    model.wait_listed()
    assert counted.listings == listings + 1 and not model.partial
    assert shown_ids(model) == expected(demo, CaseFilter(), "a", None)
    model.set_query("e")
    model.wait_answered()
    assert model.waiting_paint
    model.set_query("el")  # typed before the paint: asked now, not after it
    assert not model.waiting_paint and model.busy
    model.wait_answered()
    model.painted()
    model.wait_listed()
    assert shown_ids(model) == expected(demo, CaseFilter(), "el", None)


def test_no_first_page_is_looked_for_in_a_small_view_or_before_its_size_is_known(demo, large_views):
    model, counted = loaded_model(demo)
    model.set_filter(CaseFilter(caseworker_id=1))
    model.set_query("a")  # a view not listed yet: how many it holds is not known
    model.wait_listed()
    assert counted.first_pages == 0
    model.set_query("an")  # 100 cases or fewer: its whole list is as quick
    model.wait_listed()
    assert model.total <= 100 and counted.first_pages == 0
    assert shown_ids(model) == expected(demo, CaseFilter(caseworker_id=1), "an", None)


def test_a_fast_typist_is_shown_no_first_page_of_letters_already_followed(demo, large_views):
    model, counted = loaded_model(demo)
    pages: list[list[int]] = []
    model.paged.connect(lambda: pages.append(shown_ids(model)))
    for text in ("a", "an", "ann"):
        model.set_query(text)  # no waiting between keystrokes
    model.wait_listed()
    assert shown_ids(model) == expected(demo, CaseFilter(), "ann", None)
    assert pages in ([], [expected(demo, CaseFilter(), "ann", None)[:FIRST]])
    assert counted.first_pages <= 2 and counted.listings <= 3  # the load's, "a"'s, "ann"'s


def test_a_save_while_a_first_page_is_shown_asks_the_whole_order_and_counts_again(
    template, tmp_path, large_views
):
    import shutil

    from caseload_app.db.engine import open_database

    path = tmp_path / "saved.sqlite3"
    shutil.copy(template, path)
    db = open_database(path)
    try:
        model, counted = loaded_model(db, views=COUNTED)
        case_table.FIRST_SCAN = 20  # the template's 40 cases: a large view
        model.set_query("e")
        model.wait_answered()
        assert model.partial
        listings, first_pages = counted.listings, counted.first_pages
        _saved_and_listed(db, model, "name", 3)  # a surname: in or out of the search
        assert counted.listings > listings and counted.views[-1] == COUNTED
        assert counted.first_pages == first_pages  # the save's order is read whole at once
        assert not model.partial
        assert shown_ids(model) == expected(db, CaseFilter(), "e", None)
        for f in COUNTED:
            assert model.count_matching(f) == len(python_ids(db, TODAY, f, "")), f
    finally:
        db.dispose()


def test_a_first_page_that_fails_still_shows_the_whole_list_and_no_error(demo, large_views):
    model, counted = loaded_model(demo)

    def broken(*_searched):
        raise RuntimeError("database is locked")

    model.set_source(CaseSource(counted.listing, counted.rows, broken))
    errors: list[Exception] = []
    model.failed.connect(lambda exc, _details: errors.append(exc))
    model.set_query("a")
    model.wait_listed()
    assert errors == [] and not model.partial
    assert shown_ids(model) == expected(demo, CaseFilter(), "a", None)


def test_a_letter_typed_keeps_the_selection_of_a_case_past_the_first_page(demo, large_views, qtbot):
    """A chosen case the new search still finds, but past its first page, is shown after
    that page until the whole list places it: left out, it lost the selection for good."""
    model, _ = loaded_model(demo)
    view = shown_in_a_view(qtbot, model)
    model.set_query("a")
    model.wait_listed()
    an = expected(demo, CaseFilter(), "an", None)
    chosen = an[FIRST + 5]  # found by "a" and "an", past the first page of "an"
    view.selectRow(model.find_case(chosen))
    pages: list[list[int]] = []
    model.paged.connect(lambda: pages.append(shown_ids(model)))
    model.set_query("an")
    model.wait_listed()
    assert pages == [an[:FIRST] + [chosen]]  # the page, then the chosen case
    assert shown_ids(model) == an
    selected = selected_cases(model, view)
    assert selected == [chosen] and model.case_id_at(view.currentIndex().row()) == chosen
    model.set_query("a")
    model.wait_listed()
    lost = next(i for i in shown_ids(model)[FIRST:] if i not in an)  # "a" finds it, "an" not
    view.selectRow(model.find_case(lost))
    pages.clear()
    model.set_query("an")  # it is left out of the page, and the selection with it
    model.wait_listed()
    assert pages == [an[:FIRST]] and selected_cases(model, view) == []


def test_opening_a_case_from_a_searched_list_asks_no_first_page_again(demo, large_views, qtbot):
    """A tab opened asks the order again, for the same search: the list it shows stands
    (it shrank to a first page, losing the selection past it)."""
    model, counted = loaded_model(demo)
    view = shown_in_a_view(qtbot, model)
    model.set_query("a")
    model.wait_listed()
    first_pages = counted.first_pages
    view.selectRow(30)
    chosen = model.case_id_at(30)
    sizes: list[int] = []
    model.paged.connect(lambda: sizes.append(model.rowCount()))
    model.anchor({chosen})  # as MainWindow.open_case does
    model.wait_listed()
    assert sizes == [] and counted.first_pages == first_pages
    selected = selected_cases(model, view)
    assert selected == [chosen]


def test_a_whole_list_that_fails_after_a_first_page_no_longer_says_searching(demo, large_views):
    model, counted = loaded_model(demo)
    fail_the_next_listing(model, counted)
    model.set_source(CaseSource(model._source.listing, counted.rows, counted.first_page))  # type: ignore[union-attr]
    errors: list[Exception] = []
    model.failed.connect(lambda exc, _details: errors.append(exc))
    model.set_query("a")
    model.wait_answered()
    assert model.partial
    model.wait_listed()
    assert len(errors) == 1 and not model.busy and not model.partial


def test_a_wider_search_keeps_the_selection_where_its_case_moves_further_down(demo, qtbot):
    """A letter deleted widens the list: the selected case moves to a row past the end of
    the list it was selected in, and its selection went (the old list's index was asked)."""
    model, _ = loaded_model(demo)
    view = shown_in_a_view(qtbot, model)
    model.set_query("an")
    model.wait_listed()
    narrow = shown_ids(model)
    chosen = narrow[-1]
    assert expected(demo, CaseFilter(), "a", None).index(chosen) >= len(narrow)
    view.selectRow(len(narrow) - 1)
    model.set_query("a")
    model.wait_listed()
    selected = selected_cases(model, view)
    assert selected == [chosen] and model.case_id_at(view.currentIndex().row()) == chosen


def test_a_save_recounts_only_the_views_it_moved_a_case_into_or_out_of(template, tmp_path):
    """The sidebar's counts are most of a save's listing at 50,000 children (no contact in
    14 days: 62 of 73 ms): a save is judged against the rows the order shown read, and only
    the views it moved a case into or out of are counted again."""
    import shutil

    from caseload_app.db.engine import open_database

    shutil.copy(template, tmp_path / "c.sqlite3")
    db = open_database(tmp_path / "c.sqlite3")
    try:
        model, counted = loaded_model(db, views=COUNTED)
        every = [r.case_id for r in CaseListService(db).list_cases().rows]
        model.anchor(every)
        model.sort(TITLES.index("Setting"), Qt.SortOrder.AscendingOrder)
        model.wait_listed()
        work = CaseworkService(db, "test", today=lambda: TODAY, now=lambda: NOW)

        def saved(changes: dict) -> tuple:
            row = next(r for r in CaseListService(db).list_cases().rows if r.case_id == case_id)
            child = work.get_case(row.case_id).child
            work.update_child(child.id, child.version, changes)
            rows = CaseListService(db, today=lambda: TODAY).rows_for({case_id}).rows
            listings, recounts = counted.listings, len(counted.counted)
            model.update_cases({case_id} | {r.case_id for r in rows}, rows)
            model.wait_listed()
            assert counted.listings == listings  # put in its place, the order not asked again
            assert shown_ids(model) == expected(db, CaseFilter(), "", ("Setting", False))
            for f in COUNTED:
                assert model.count_matching(f) == len(python_ids(db, TODAY, f, "")), f
            return counted.counted[-1] if len(counted.counted) > recounts else ()

        case_id = next(r.case_id for r in CaseListService(db).list_cases().rows
                       if r.primary_need == "ASD")  # fmt: skip
        assert saved({"setting": "Aardvark Academy"}) == ()  # in and out of the same views
        assert saved({"primary_need": "SLCN"}) == (CaseFilter(primary_need="ASD"),)
    finally:
        db.dispose()


def test_a_save_while_a_listing_is_read_asks_again_and_its_counts_stay_right(template, tmp_path):
    """Save one takes a case out of a view and asks the order again; save two puts it back
    before that listing answers. Judged against the order shown, save two moved nothing,
    and the listing read between the two was shown, counts and all, as if it were the
    latest (found by a reviewer). A save while a listing is read asks again."""
    import shutil
    import threading

    from caseload_app.db.engine import open_database

    shutil.copy(template, tmp_path / "r.sqlite3")
    db = open_database(tmp_path / "r.sqlite3")
    try:
        model, counted = loaded_model(db, views=COUNTED)
        rows = CaseListService(db).list_cases().rows
        model.anchor([r.case_id for r in rows])
        model.wait_listed()
        case_id = next(r.case_id for r in rows if r.primary_need == "ASD")
        work = CaseworkService(db, "test", today=lambda: TODAY, now=lambda: NOW)
        read, go = threading.Event(), threading.Event()

        def listing(*asked):
            got = counted.listing(*asked)  # read now...
            read.set()
            go.wait(10)  # ...answered later
            return got

        def need(value: str) -> None:
            child = work.get_case(case_id).child
            work.update_child(child.id, child.version, {"primary_need": value})
            fresh = CaseListService(db, today=lambda: TODAY).rows_for({case_id}).rows
            model.update_cases({case_id} | {r.case_id for r in fresh}, fresh)

        model.set_source(CaseSource(listing, counted.rows))
        need("SLCN")  # out of the ASD view: the order and that count asked again
        assert read.wait(10)
        need("ASD")  # back, as the order shown had it
        go.set()
        model.wait_listed()
        asd = CaseFilter(primary_need="ASD")
        assert model.count_matching(asd) == len(python_ids(db, TODAY, asd, ""))
        assert shown_ids(model) == expected(db, CaseFilter(), "", None)
    finally:
        db.dispose()


def test_a_case_deleted_with_its_contacts_recounts_its_family_s_views(template, tmp_path):
    """Deleting a case deletes the contacts logged on it: its sibling (another child of the
    family) may then have had none for 14 days, which no row the save is told of says
    (found by a reviewer). A case gone counts every view again."""
    import shutil

    from sqlalchemy import delete, select

    from caseload_app.db.engine import open_database
    from caseload_app.db.models import Child, Communication, EhcpCase
    from caseload_app.services.trash import TrashService

    quiet = CaseFilter(no_contact_14=True)
    shutil.copy(template, tmp_path / "d.sqlite3")
    db = open_database(tmp_path / "d.sqlite3")
    try:
        with db.read() as s:
            open_cases = s.execute(
                select(Child.family_id, EhcpCase.id)
                .join(Child, EhcpCase.child_id == Child.id)
                .where(EhcpCase.is_open.is_(True))
                .order_by(Child.family_id, EhcpCase.id)
            ).all()
        families: dict[int, list[int]] = {}
        for family, case_id in open_cases:
            families.setdefault(family, []).append(case_id)
        family, (doomed, _sibling, *_) = next((f, c) for f, c in families.items() if len(c) > 1)
        with db.uow() as s:
            s.execute(delete(Communication).where(Communication.family_id == family))
        work = CaseworkService(db, "test", today=lambda: TODAY, now=lambda: NOW)
        work.log_communication(doomed, NOW, "phone", "in", "Mum", "Called")  # on it alone
        model, counted = loaded_model(db, views=(*COUNTED, quiet))
        model.anchor({doomed})  # open in a tab
        model.wait_listed()
        TrashService(db, "test", today=lambda: TODAY, now=lambda: NOW).delete_case(doomed, "twice")
        rows = CaseListService(db, today=lambda: TODAY).rows_for({doomed}).rows
        model.update_cases({doomed} | {r.case_id for r in rows}, rows)
        model.wait_listed()
        assert counted.views[-1] == (*COUNTED, quiet)
        assert model.count_matching(quiet) == len(python_ids(db, TODAY, quiet, ""))
    finally:
        db.dispose()


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 60), max_size=5000).map(sorted),
    wanted=st.integers(-1, 61),
)
def test_a_saved_case_is_placed_where_the_order_puts_it_in_a_few_rounds(values, wanted):
    """`place` finds where a row goes among rows in order (after those equal to it, as
    the arrival order breaks a tie for a case saved again), reading a few dozen rows a
    round: at most three rounds for 5,000 rows, where a binary search would read 13 one
    by one, and the whole order 5,000."""
    import bisect

    from caseload_app.ui.models.case_table import PROBES, place

    ids = list(range(len(values)))  # a case's id is its place; its "row" its value
    rounds: list[int] = []

    def rows_of(asked):
        rounds.append(len(asked))
        return {i: values[i] for i in asked}

    got = place(ids, wanted, lambda a, b: a <= b, rows_of)
    assert got == bisect.bisect_right(values, wanted)
    assert len(rounds) <= 3
    assert all(n <= PROBES for n in rounds)


def test_on_a_team_database_a_save_reads_the_whole_order_with_colleagues_saves(
    template, tmp_path, qtbot
):
    """A colleague's save since the order shown was read leaves it unsorted: a case of mine
    put in its place in it landed among cases that sort before it (found by a reviewer,
    on PostgreSQL too). Signed in to a team database, a save that moves a case reads the
    whole order again, the colleague's change put right with it."""
    import shutil

    from caseload_app.db.engine import open_database
    from tests.helpers import open_main_window

    shutil.copy(template, tmp_path / "team.sqlite3")
    mine = open_database(tmp_path / "team.sqlite3")
    colleague = open_database(tmp_path / "team.sqlite3")  # another caseworker's window
    try:
        window = open_main_window(qtbot, mine, tmp_path, login="asha")  # a team login
        window.show_list(2)
        model = window.model
        model.sort(TITLES.index("Setting"), Qt.SortOrder.AscendingOrder)
        window.wait_loaded()
        ids = shown_ids(model)
        view = window.open_case(ids[1], "overview")
        window.wait_loaded()
        moved = ids[len(ids) // 2]
        theirs = CaseworkService(colleague, "dee", today=lambda: TODAY, now=lambda: NOW)
        child = theirs.get_case(moved).child
        theirs.update_child(child.id, child.version, {"setting": "zzz colleague"})
        target = model.row_at(3 * len(ids) // 4).setting or ""
        child = view.detail.child
        view.act(
            "Save",
            lambda: view.work.update_child(child.id, child.version, {"setting": target + "~"}),
        )
        window.wait_loaded()
        assert shown_ids(model) == CaseWindowService(mine, today=lambda: TODAY).case_ids(
            CaseFilter(), "", ("Setting", False)
        )
    finally:
        colleague.dispose()
