"""The sharded dict behaves as one dict."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.domain.sharded import ShardedDict

operations = st.lists(
    st.tuples(
        st.sampled_from(["set", "del", "update", "clear"]), st.text(max_size=3), st.integers()
    ),
    max_size=60,
)


@given(operations)
def test_a_sharded_dict_answers_as_a_dict_would(steps: list[tuple[str, str, int]]) -> None:
    sharded: ShardedDict[str, int] = ShardedDict()
    plain: dict[str, int] = {}
    for operation, key, value in steps:
        if operation == "set":
            sharded[key] = plain[key] = value
        elif operation == "del" and key in plain:
            del sharded[key], plain[key]
        elif operation == "update":
            sharded.update([(key, value), (key + "x", value)])
            plain.update([(key, value), (key + "x", value)])
        elif operation == "clear":
            sharded.clear()
            plain.clear()
        assert len(sharded) == len(plain)
        assert sorted(sharded) == sorted(plain)
        assert all(sharded.get(k) == v and k in sharded for k, v in plain.items())
        assert sharded.get(key + "?") == plain.get(key + "?")
        assert sharded.of(key) is sharded.of(key)
