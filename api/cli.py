"""The `reply-coach` command: serve the API, coach or score a draft from a file or stdin, run evals."""

import argparse
import asyncio
import json
import sys

from api.schemas import MAX_DRAFT_CHARS, CoachContext, CoachOptions, CoachRequest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reply-coach", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the HTTP API")
    serve.add_argument("--host", help="interface to listen on (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: PORT or 8000)")
    serve.add_argument("--workers", type=_workers, help="worker processes (default: REPLY_COACH_WORKERS or 1)")

    for name, help_text in (("coach", "score, critique and rewrite a draft"), ("score", "score a draft")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("file", help="the draft: a file path, or - for standard input")
        command.add_argument("--json", action="store_true", help="print the JSON body instead of a report")
        command.add_argument("--recipient", help="who the reply is addressed to")
        command.add_argument("--sender", help="your name, to sign the rewrite")
        command.add_argument("--company", help="the company that wrote to you, named in the rewrite")
        command.add_argument("--role", help="the role you applied for, named in the rewrite")
        if name == "coach":
            command.add_argument("--engine", choices=["auto", "local", "llm"], default="auto",
                                 help="auto (the default): llm when a model is configured, else local")
            command.add_argument("--model", help="a model on the allow-list")
            command.add_argument("--no-rewrite", action="store_true", help="scores and critiques only")

    commands.add_parser("eval", help="run the eval suite (see `reply-coach eval --help`)", add_help=False)

    args, rest = parser.parse_known_args(argv)
    if args.command == "eval":
        from evals.runner import main as eval_main

        return eval_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "serve":
        return _serve(args.host, args.port, args.workers)
    return _coach_or_score(args)


def _workers(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 64:
        raise argparse.ArgumentTypeError("must be between 1 and 64")
    return number


def _serve(host: str | None, port: int | None, workers: int | None) -> int:
    import uvicorn

    from api.app import create_app

    settings = _settings_or_none()
    if settings is None:
        return 2
    workers = workers or settings.workers
    # Proxy headers are trusted from FORWARDED_ALLOW_IPS only (uvicorn's default: 127.0.0.1).
    from api.observability import log_config

    # Logs are JSON lines with the request id; uvicorn's own access log is off (the app logs requests).
    common = {"host": host or settings.host, "port": port if port is not None else settings.port, "log_level": "info",
              "access_log": False, "timeout_keep_alive": 5, "log_config": log_config()}
    if workers == 1:
        uvicorn.run(create_app(settings), **common)
    else:
        # Each worker process builds its app from the same environment.
        uvicorn.run("api.app:create_app", factory=True, workers=workers, **common)
    return 0


def _settings_or_none():
    """The settings, or None once a bad one has been named on stderr (its value is never echoed)."""
    from pydantic import ValidationError

    from api.settings import get_settings, setting_name

    try:
        return get_settings()
    except ValidationError as error:
        for problem in error.errors():
            message = problem["msg"].removeprefix("Value error, ")
            print(f"reply-coach: bad setting {setting_name(problem['loc'])}: {message}", file=sys.stderr)
        return None


# What a request field is called on this command line, for error messages.
_OPTION_OF_FIELD = {"draft": "the draft", "recipient_name": "--recipient", "sender_name": "--sender",
                    "company": "--company", "role": "--role", "model": "--model"}


def _friendly(error) -> str:
    problem = error.errors()[0]
    field = str(problem["loc"][-1]) if problem["loc"] else ""
    message = problem["msg"].removeprefix("Value error, ")
    if problem["type"] == "string_too_long":
        message = f"must be at most {problem['ctx']['max_length']} characters"
    return f"{_OPTION_OF_FIELD.get(field, field)} {message}" if field else message


def _read_draft(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _coach_or_score(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from api.coach_errors import CoachError
    from api.judge import prepare_scoring, score_draft
    from api.report import print_coach_report, print_score_report

    try:
        text = _read_draft(args.file)
    except OSError as error:
        print(f"reply-coach: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"reply-coach: {args.file} is not UTF-8 text", file=sys.stderr)
        return 2
    if len(text) > MAX_DRAFT_CHARS:
        print(f"reply-coach: the draft is longer than {MAX_DRAFT_CHARS} characters", file=sys.stderr)
        return 2
    try:
        context = CoachContext(recipient_name=args.recipient, sender_name=args.sender, company=args.company,
                               role=args.role)
        if args.command == "score":
            draft = CoachRequest(draft=text).draft
        else:
            options = CoachOptions(engine=args.engine, model=args.model, rewrite=not args.no_rewrite)
            request = CoachRequest(draft=text, context=context, options=options)
    except ValidationError as error:
        print(f"reply-coach: {_friendly(error)}", file=sys.stderr)
        return 2
    prepare_scoring()
    try:
        if args.command == "score":
            scores = score_draft(draft, context).scores
            print(scores.model_dump_json(indent=2)) if args.json else print_score_report(text, scores)
            return 0
        from api.coaching import CoachService

        settings = _settings_or_none()
        if settings is None:
            return 2
        response = asyncio.run(CoachService(settings).coach(request))
    except CoachError as error:
        print(f"reply-coach: {error.message} ({error.code})", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(response.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        print_coach_report(text, response)
    return 0


if __name__ == "__main__":
    sys.exit(main())
