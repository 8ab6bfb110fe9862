"""Time ``analyze`` per call on typical texts; prints microseconds per call.

Run from the repository root: ``.venv/bin/python -m benchmarks.sms_bench``. A batch calls
``analyze`` once per distinct text (~100k for a 1M-row personalised file), so the per-call figure
times 100k is the cost of a file.
"""

from __future__ import annotations

import timeit

from app.domain.links import DEFAULT_SHORT_LINK_LENGTH, analyze_as_sent
from app.domain.sms import analyze

ONE_SEGMENT_GSM = (
    "Hi Anna, your order #48213 has shipped and will arrive on Tuesday. "
    "Track it at our site or reply STOP to opt out."
)
THREE_SEGMENTS_GSM = (
    "Dear Jonathan, thank you for being with us for 5 years! To celebrate, we give you 20% off "
    "everything in store and online until Sunday. Use code [THANKS5] at checkout; it works on "
    "sale items too. Prices from 9.99€ (see terms). Opening hours: Mon-Fri 9:00-20:00, Sat "
    "10:00-18:00, Sun closed. Questions? Call 0800 123 456 or just reply to this message and one "
    "of our team will get back to you within the day. Reply STOP to opt out."
)
UCS2_ONE_SEGMENT = "Привет, Анна! Ваш заказ №48213 отправлен 🚚 Ждите во вторник."
UCS2_MULTIPART = (
    "Привет, Анна! Ваш заказ №48213 отправлен и прибудет во вторник 🚚. Отследить его можно "
    "на нашем сайте. Чтобы отписаться, ответьте СТОП. Хорошего дня! 👋"
)
WITH_LINK = (
    "Hi Anna, your order has shipped: https://shop.example.com/orders/48213/track?ref=sms "
    "Reply STOP to opt out."
)


def per_call_us(func: object, text: str, number: int = 20_000) -> float:
    seconds = min(timeit.repeat(lambda: func(text), number=number, repeat=5))  # type: ignore[operator]
    return seconds / number * 1e6


def main() -> None:
    for name, text in [
        ("GSM-7, 1 segment", ONE_SEGMENT_GSM),
        ("GSM-7, 3 segments", THREE_SEGMENTS_GSM),
        ("UCS-2, 1 segment", UCS2_ONE_SEGMENT),
        ("UCS-2, multipart", UCS2_MULTIPART),
    ]:
        result = analyze(text)
        print(
            f"analyze  {name:18} {result.encoding} {result.units:4} units "
            f"{result.segments} seg: {per_call_us(analyze, text):6.2f} us/call"
        )
    result = analyze_as_sent(WITH_LINK, DEFAULT_SHORT_LINK_LENGTH)
    us = per_call_us(lambda t: analyze_as_sent(t, DEFAULT_SHORT_LINK_LENGTH), WITH_LINK)
    print(f"analyze_as_sent, 1 URL  {result.encoding} {result.units:4} units: {us:6.2f} us/call")


if __name__ == "__main__":
    main()
