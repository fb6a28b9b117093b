"""The demo's contact scale: the same data at 1.0 as before, more contacts when asked."""

from datetime import date

from caseload_app.db.engine import open_database
from caseload_app.services.demo import generate_demo


def test_contact_scale_multiplies_communications_and_keeps_the_default(tmp_path):
    made = []
    for n, scale in enumerate((1.0, 4.0)):
        db = open_database(tmp_path / f"demo{n}.sqlite3")
        made.append(
            generate_demo(db, children=300, seed=3, today=date(2026, 11, 24), contact_scale=scale)
        )
        db.dispose()
    plain, busy = made
    assert plain.children == busy.children == 300
    assert 3.5 * plain.communications <= busy.communications <= 4.5 * plain.communications
