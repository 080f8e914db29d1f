"""`faqbot`: the staff command line. Each command is a thin layer over the library."""

from __future__ import annotations

import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

import click

from .answering import Answer, Answerer
from .check import check_directory
from .config import ConfigError, check_faq_dir, load_config
from .evaluation import EvalFileError, evaluate, format_report, read_cases, unknown_ids
from .paths import default_faq_dir
from .report import JST, build_report, csv_bytes, format_text
from .settings import Privacy
from .store import SQLITE_FILE, Store, StoreUnavailable, utcnow
from .serve import exec_web, web_command
from .yamlfile import FaqFileError

faq_dir_option = click.option(
    "--faq-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="FAQ_DIR",
    default=default_faq_dir,
    show_default="$FAQ_DIR or ./faq",
    help="Folder with entries.yaml, synonyms.yaml and settings.yaml.",
)


def _answerer(faq_dir: Path) -> Answerer:
    if not faq_dir.is_dir():
        raise click.ClickException(f"FAQ directory not found: {faq_dir} (give --faq-dir or set FAQ_DIR)")
    try:
        return Answerer.from_directory(faq_dir)
    except FaqFileError as exc:
        raise click.ClickException(f"the FAQ files have errors (run 'faqbot check'):\n{exc}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clinic-faqbot")
def main() -> None:
    """Clinic FAQ bot: try questions, check and evaluate the FAQ, run the LINE webhook.

    Example:

        faqbot ask "エクソソームの副作用はありますか?"
    """


@main.command()
@click.argument("questions", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question per line (the evaluation contract).")
@faq_dir_option
def ask(questions: tuple[str, ...], as_json: bool, faq_dir: Path) -> None:
    """Show what the bot would reply to QUESTIONS.

    With --json and no QUESTIONS, reads one question per line from standard input.

    Example:

        faqbot ask "シミに効きますか"

        printf 'ニキビに効く?\\n予約したい\\n' | faqbot ask --json
    """
    answerer = _answerer(faq_dir)
    if not questions:
        if not as_json:
            raise click.UsageError("give a question, or use --json to read questions from standard input")
        questions = tuple(line.strip() for line in sys.stdin if line.strip())
    for question in questions:
        result = answerer.answer(question)
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            click.echo(describe(result))


def describe(result: Answer) -> str:
    """A reply as a person reads it: the why-line, then each message's text and buttons."""
    why = f"[{result.kind}"
    if result.entry_id:
        why += f" {result.entry_id}"
    why += f" score={result.score:g}"
    if result.candidates:
        why += " candidates=" + ", ".join(f"{c.id}:{c.score:g}" for c in result.candidates)
    lines = [f"Q: {result.question}", why + "]"]
    for message in result.messages:
        lines.extend("  " + line for line in message_text(message).splitlines())
    return "\n".join(lines) + "\n"


def message_text(message: dict) -> str:
    kind = message["type"]
    out: list[str] = []
    if kind == "text":
        out.append(message["text"])
    elif kind == "flex":
        for part in ("header", "body", "footer"):
            for item in message["contents"].get(part, {}).get("contents", []):
                if item["type"] == "text":
                    out.append(item["text"])
                elif item["type"] == "button":
                    out.append(f"[ボタン] {item['action']['label']} → {item['action']['uri']}")
    elif kind == "template":
        template = message["template"]
        out.append(f"{template.get('title', '')} {template['text']}".strip())
        out.extend(f"[ボタン] {a['label']} → {a['uri']}" for a in template["actions"])
    for item in message.get("quickReply", {}).get("items", []):
        action = item["action"]
        target = action.get("uri") or action.get("data") or action.get("text", "")
        out.append(f"[候補] {action['label']} → {target}")
    return "\n".join(out)


@main.command("eval")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="Print only the summary table, not every miss.")
@faq_dir_option
def eval_command(file: Path, quiet: bool, faq_dir: Path) -> None:
    """Score the bot on a labelled TSV file and list every miss.

    FILE has the columns question, expect, category; expect is an entry id (several joined
    by |), @fallback or @urgent. Exits with status 1 when an urgent message is missed or an
    out-of-scope question gets an FAQ answer.

    Example:

        faqbot eval faq/regression.tsv
    """
    answerer = _answerer(faq_dir)
    try:
        cases = read_cases(file)
    except EvalFileError as exc:
        raise click.ClickException(str(exc)) from None
    problems = unknown_ids(cases, {e.id for e in answerer.knowledge.entries})
    if problems:
        raise click.ClickException(f"{file}: " + "; ".join(problems))
    report = evaluate(cases, answerer.answer)
    text = format_report(report)
    if quiet:
        text = text.split("\n\nmisses")[0]
    click.echo(text)
    if report.harmful:
        sys.exit(1)


@main.command()
@click.option("--topics", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="faq-topics.md whose ids must all have an entry.")
@faq_dir_option
def check(topics: Path | None, faq_dir: Path) -> None:
    """Validate the FAQ files; errors name the file and line.

    Exits with status 1 when there is any error; warnings (placeholders still in the
    settings, long answers) are printed but do not fail.

    Example:

        faqbot check
    """
    problems = check_directory(faq_dir, topics_file=topics)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    if errors:
        click.echo(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)", err=True)
        sys.exit(1)
    click.echo(f"OK: {faq_dir} ({len(problems)} warning(s))")


def database_options(command):
    """--database-url and --data-dir, read from the environment like the web app does."""
    command = click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="DATA_DIR",
        default=Path("data"),
        show_default="$DATA_DIR or ./data",
        help=f"Folder of the SQLite database ({SQLITE_FILE}) when no database URL is given.",
    )(command)
    return click.option(
        "--database-url",
        envvar="DATABASE_URL",
        metavar="URL",
        help="PostgreSQL URL (postgres://user:password@host/db); default: $DATABASE_URL, else SQLite under --data-dir.",
    )(command)


def _store(database_url: str | None, data_dir: Path) -> Store:
    if not database_url and not (data_dir / SQLITE_FILE).exists():
        raise click.ClickException(f"no question log at {data_dir / SQLITE_FILE}: give --data-dir or --database-url (or set DATA_DIR / DATABASE_URL)")
    try:
        return Store.from_environment({}, data_dir=data_dir, url=database_url or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _period(days: int, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """Dates are Japan time; --until is inclusive (to the end of that day)."""
    end = datetime.combine(until.date() + timedelta(days=1), time(), JST) if until else utcnow()
    start = datetime.combine(since.date(), time(), JST) if since else end - timedelta(days=days)
    if start >= end:
        raise click.BadParameter("--since must be before --until", param_hint="--since")
    return start, end


@main.command()
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True, help="Report the last N days.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD, Japan time); overrides --days.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day, included (YYYY-MM-DD, Japan time).")
@click.option("--csv", "as_csv", is_flag=True, help="Write the question groups as CSV (UTF-8 with BOM, for Excel).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write to this file instead of the screen.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=70.0, show_default=True, help="How similar (0–100) two questions must be to share a group.")
@database_options
@faq_dir_option
def report(days: int, since: datetime | None, until: datetime | None, as_csv: bool, output: Path | None,
           threshold: float, database_url: str | None, data_dir: Path, faq_dir: Path) -> None:
    """What to add to the FAQ next: unanswered questions grouped, the most asked entries,
    and the share of each kind of reply.

    The CSV has the columns group,count,examples,nearest_entry,nearest_score,suggestion.

    Example:

        faqbot report --days 30

        faqbot report --since 2025-04-01 --until 2025-04-30 --csv -o report.csv
    """
    start, end = _period(days, since, until)
    store = _store(database_url, data_dir)
    try:
        rows = store.questions(start, end)
    except StoreUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    try:
        answerer: Answerer | None = Answerer.from_directory(faq_dir)
    except FaqFileError as exc:
        click.echo(f"warning: the FAQ files have errors, so entries are not checked against them:\n{exc}", err=True)
        answerer = None
    result = build_report(rows, since=start, until=end, answerer=answerer, threshold=threshold)
    data = csv_bytes(result) if as_csv else format_text(result).encode("utf-8")
    if output is not None:
        output.write_bytes(data)
        click.echo(f"wrote {output} ({len(result.groups)} group(s))", err=True)
    else:
        click.echo(data if as_csv else data.decode("utf-8"), nl=False)  # bytes go out unchanged, BOM included


@main.command()
@click.option("--days", type=click.IntRange(min=1), help="Keep this many days of questions (default: privacy.retention_days in settings.yaml).")
@database_options
@faq_dir_option
def purge(days: int | None, database_url: str | None, data_dir: Path, faq_dir: Path) -> None:
    """Delete logged questions older than the retention period, old webhook event ids and
    ended handoffs. The running bot also does this every hour.

    Example:

        faqbot purge

        DATABASE_URL=postgres://user:pass@host/db faqbot purge --days 30
    """
    if days is None:
        try:
            days = Answerer.from_directory(faq_dir).settings.privacy.retention_days
        except FaqFileError:
            days = Privacy().retention_days
            click.echo(f"warning: the FAQ files have errors; using the default retention of {days} days", err=True)
    store = _store(database_url, data_dir)
    try:
        counts = store.purge(days)
    except StoreUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"deleted {counts.questions} question(s) older than {days} days, "
               f"{counts.events} old event id(s), {counts.handoffs} ended handoff(s)")


@main.command()
@click.option("--port", type=int, envvar="PORT", default=8000, show_default="$PORT or 8000", help="Port to listen on.")
@click.option("--host", default=None, help="Interface to bind. Default: 0.0.0.0 with LINE credentials set, else 127.0.0.1.")
def serve(port: int, host: str | None) -> None:
    """Run the LINE webhook with gunicorn, exactly as the Procfile's web process does.

    Reads LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, LINE_API_ENDPOINT, BOOKING_URL,
    FAQ_DIR ... from the environment or a .env file. Without LINE credentials the server
    listens on 127.0.0.1 only and /callback answers 503; /healthz still works.

    Example:

        PORT=8000 faqbot serve
    """
    try:
        config = load_config()
        check_faq_dir(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if host is None:
        host = "0.0.0.0" if config.line_configured else "127.0.0.1"
    if not config.line_configured:
        click.echo("LINE credentials are not set: listening on 127.0.0.1 only; /callback answers 503.", err=True)
    if not config.line_configured or config.environ.get("SIMULATOR_TOKEN", "").strip():
        click.echo(f"simulator: http://127.0.0.1:{port}/simulator/", err=True)
    argv, cwd = web_command(port=port, host=host)
    click.echo(f"http://{host}:{port}/healthz  ({' '.join(argv[1:])})", err=True)
    exec_web(argv, cwd)
