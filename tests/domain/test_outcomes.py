from app.domain.outcomes import OutcomeStatus, RecipientOutcome, join_rows


def outcome(phone: str, status: OutcomeStatus = OutcomeStatus.DELIVERED) -> RecipientOutcome:
    return RecipientOutcome(phone=phone, status=status, provider_status=status.value)


def test_a_repeated_number_gets_its_rows_in_order():
    rows = {"+447700900001": [3, 8], "+447700900002": [5]}
    joined = list(
        join_rows(
            [outcome("+447700900001"), outcome("+447700900002"), outcome("+447700900001")], rows
        )
    )
    assert [o.row for o in joined] == [3, 5, 8]


def test_an_outcome_for_a_number_never_sent_keeps_no_row():
    joined = list(join_rows([outcome("+15550100"), outcome("+15550100")], {"+15550100": [1]}))
    assert [o.row for o in joined] == [1, None]
