import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.reports.csv_export import neutralise, write_csv


@pytest.mark.parametrize("cell", ["=1+1", "+44 1202", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


@given(st.text())
def test_neutralised_cells_never_start_a_formula(text):
    assert not neutralise(text).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous export")

    def rows():
        yield ["a"]
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_csv(target, ["h"], rows())
    assert target.read_text() == "previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    assert write_csv(target, ["h"], [["x"], ["=y"]]) == 2
    assert target.read_text(encoding="utf-8-sig").splitlines() == ["h", "x", "'=y"]
