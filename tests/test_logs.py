import io
import logging
import re
import time

from bot.logs import DATE_FORMAT, LINE_FORMAT, LineFormatter, configure_logging, format_fields, log_fields, logging_config


def test_fields_are_key_value_on_one_line() -> None:
    line = format_fields("event_replied", event_id="E1", kind="answer", latency_ms=12, ok=True, score=95.5, skipped=None)
    assert line == "event_replied event_id=E1 kind=answer latency_ms=12 ok=true score=95.5"


def test_values_with_spaces_quotes_or_newlines_stay_on_one_line() -> None:
    line = format_fields("x", reason='two words "quoted"\nnext')
    assert line == 'x reason="two words \\"quoted\\"\\nnext"'
    assert "\n" not in line


def test_a_value_ending_in_a_newline_is_quoted_too() -> None:
    assert format_fields("x", error="broken\n", empty="") == 'x error="broken\\n" empty=""'


def test_every_kind_of_value_is_written_as_before() -> None:
    import numpy as np

    line = format_fields("x", n=-3, big=np.float64(1234567.0), flag=False, words=("a", 1), tag=b"ok")
    assert line == "x n=-3 big=1.23457e+06 flag=false words=\"('a', 1)\" tag=\"b'ok'\""


def test_log_fields_respects_levels(caplog) -> None:
    logger = logging.getLogger("bot.test")
    with caplog.at_level(logging.WARNING, logger="bot.test"):
        log_fields(logger, "quiet", level=logging.INFO)
        log_fields(logger, "loud", level=logging.WARNING, n=1)
    assert [r.getMessage() for r in caplog.records] == ["loud n=1"]


def test_configured_format_and_quiet_sdk_loggers(monkeypatch) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    try:
        configure_logging("INFO")
        log_fields(logging.getLogger("bot.handler"), "event_replied", event_id="E1")
        logging.getLogger("linebot.v3.messaging.rest").debug("response body: secret")
        logging.getLogger("urllib3.connectionpool").info("http://api.line.me/ 200")
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    output = stream.getvalue()
    assert re.search(r"level=INFO logger=bot.handler pid=\d+ event_replied event_id=E1", output)
    assert "secret" not in output and "api.line.me" not in output


def test_gunicorn_loggers_share_the_root_handler() -> None:
    config = logging_config()
    assert config["loggers"]["gunicorn.error"]["handlers"] == [] and config["loggers"]["gunicorn.error"]["propagate"]
    assert config["loggers"]["linebot"]["level"] == "WARNING"


def test_the_time_text_is_made_once_per_second_and_matches_the_standard_formatter(monkeypatch) -> None:
    formatter = LineFormatter(LINE_FORMAT, DATE_FORMAT)
    standard = logging.Formatter(LINE_FORMAT, DATE_FORMAT)
    made = []
    real = time.strftime
    monkeypatch.setattr("bot.logs.time.strftime", lambda *args: made.append(args) or real(*args))
    records = [logging.makeLogRecord({"msg": "x", "created": t, "msecs": 0}) for t in (1_764_300_000.1, 1_764_300_000.9, 1_764_300_001.0)]
    lines = [formatter.format(record) for record in records]
    assert len(made) == 2
    assert lines == [standard.format(record) for record in records]
