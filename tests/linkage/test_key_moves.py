"""A person first seen without a valid ID takes their ID's key once it appears, and keeps the
identity of their alerts (linkage.person_key_origins): table-driven over three months."""

import duckdb
import polars as pl
import pytest

from linkage.key_memory import follow_key_moves


def units(record_keys: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({"unit_id": [f"rec:{r}" for r in record_keys], "unit_key": list(record_keys.values())})


def assigned(keys: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({"person_record_id": list(keys), "person_key": list(keys.values())})


def origins(con) -> dict[str, str]:
    return dict(con.execute("SELECT person_key, origin_key FROM linkage.person_key_origins").fetchall())


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_a_person_first_seen_without_an_id_keeps_their_first_key_as_origin(con):
    record = {"visit": "Psig-visit"}
    # June: a visit without an ID; the person is keyed on the record
    assert follow_key_moves(con, "2023-06", units(record), assigned({"visit": "Psig-visit", "med": "Pid-old"})) == 0
    # July: their ID appears on a new record and the visit links to it
    assert follow_key_moves(con, "2023-07", units(record), assigned({"visit": "Pid-new", "med": "Pid-old"})) == 1
    assert origins(con) == {"Pid-new": "Psig-visit"}
    # August: nothing moves; the July origin stands
    assert follow_key_moves(con, "2023-08", units(record), assigned({"visit": "Pid-new", "med": "Pid-old"})) == 0
    assert origins(con) == {"Pid-new": "Psig-visit"}


def test_a_duplicate_of_somebody_known_merges_into_them_without_taking_over(con):
    record = {"visit": "Psig-visit"}
    follow_key_moves(con, "2023-06", units(record), assigned({"visit": "Psig-visit", "med": "Pid-known"}))
    follow_key_moves(con, "2023-07", units(record), assigned({"visit": "Pid-known", "med": "Pid-known"}))
    assert origins(con) == {}, "Pid-known had its own alerts in June: they keep their identity"


def test_a_rerun_of_the_month_gives_the_same_origins(con):
    record = {"visit": "Psig-visit"}
    follow_key_moves(con, "2023-06", units(record), assigned({"visit": "Psig-visit"}))
    for _ in range(2):
        follow_key_moves(con, "2023-07", units(record), assigned({"visit": "Pid-new"}))
    assert con.execute("SELECT count(*) FROM linkage.person_key_origins").fetchall()[0][0] == 1
    assert con.execute("SELECT count(*) FROM linkage.person_keys_seen").fetchall()[0][0] == 2


def test_a_second_move_keeps_the_first_origin(con):
    record = {"visit": "Psig-visit"}
    follow_key_moves(con, "2023-06", units(record), assigned({"visit": "Psig-visit"}))
    follow_key_moves(con, "2023-07", units(record), assigned({"visit": "Pid-a"}))
    follow_key_moves(con, "2023-08", units(record), assigned({"visit": "Pid-b"}))  # a reviewer corrected the link
    assert dict(
        con.execute("SELECT person_key, origin_key FROM linkage.person_key_origins WHERE month = '2023-08'").fetchall()
    ) == {"Pid-b": "Psig-visit"}
