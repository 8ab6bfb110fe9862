"""Row ids and positions, checked against a plain list of ids under any mix of moves."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.row_order import RowOrder

# An operation: (kind, where as a fraction of the length, how many rows)
moves = st.lists(
    st.tuples(
        st.sampled_from(["append", "insert", "remove"]),
        st.floats(min_value=0, max_value=1),
        st.integers(min_value=0, max_value=40),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(moves)
def test_positions_match_a_plain_list_after_any_moves(operations):
    order, plain, gone = RowOrder(), [], []
    for kind, where, count in operations:
        position = round(where * len(plain))
        if kind == "append":
            new = order.append(count)
            plain.extend(new)
        elif kind == "insert":
            new = order.insert(position, count)
            plain[position:position] = new
        else:
            removed = order.remove(position, count)
            assert list(removed) == plain[position : position + count]
            gone += plain[position : position + count]
            del plain[position : position + count]
        assert list(order.ids) == plain
        assert all(order.position(row_id) == at for at, row_id in enumerate(plain))
        assert all(order.position(row_id) is None for row_id in gone)
        assert order.positions(plain[::3] + gone) == set(range(0, len(plain), 3))
    assert len(set(plain)) == len(plain)  # an id is never given twice


def test_a_file_is_one_run_and_an_undone_insert_joins_its_runs_again():
    order = RowOrder()
    order.append(1000)
    assert order.runs == 1
    order.insert(500, 3)
    assert order.runs == 3
    assert order.position(500) == 503 and order.position(1000) == 500
    order.remove(500, 3)
    assert order.runs == 1
    assert order.position(999) == 999


def test_rows_added_one_after_another_stay_one_run():
    order = RowOrder()
    order.append(10)
    for at in range(5, 9):  # typing new rows in one after the other
        order.insert(at, 1)
    assert order.runs == 3  # the head, the new rows, the tail
    assert [order.position(i) for i in range(10, 14)] == [5, 6, 7, 8]
