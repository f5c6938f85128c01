import pytest

from sign2text.durations import format_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "-"), (0, "0m00s"), (247.4, "4m07s"), (3599.6, "1h00m"), (3900, "1h05m")],
)
def test_durations_read_as_hours_and_minutes_or_minutes_and_seconds(
    seconds: float | None, text: str
) -> None:
    assert format_duration(seconds) == text
