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
        command.add_argument("--company")
        command.add_argument("--role")
        if name == "coach":
            command.add_argument("--engine", choices=["auto", "local", "llm"], default="auto")
            command.add_argument("--model", help="a model on the allow-list")
            command.add_argument("--no-rewrite", action="store_true")

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
    import os

    import uvicorn

    from api.app import create_app
    from api.settings import get_settings

    if workers is not None:
        # Worker processes read their settings from the environment, like this one.
        os.environ["REPLY_COACH_WORKERS"] = str(workers)
        get_settings.cache_clear()
    settings = get_settings()
    where = {"host": host or settings.host, "port": port if port is not None else settings.port}
    if settings.workers > 1:
        # Each worker builds its own app, and takes connections only once its start-up has finished.
        uvicorn.run("api.app:create_app", factory=True, workers=settings.workers, log_level="info",
                    access_log=False, **where)
    else:
        uvicorn.run(create_app(settings), log_level="info", access_log=False, **where)
    return 0


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
    if len(text) > MAX_DRAFT_CHARS:
        print(f"reply-coach: the draft is longer than {MAX_DRAFT_CHARS} characters", file=sys.stderr)
        return 2
    context = CoachContext(recipient_name=args.recipient, sender_name=args.sender, company=args.company, role=args.role)
    prepare_scoring()
    try:
        if args.command == "score":
            scores = score_draft(CoachRequest(draft=text).draft, context).scores
            print(scores.model_dump_json(indent=2)) if args.json else print_score_report(text, scores)
            return 0
        from api.coaching import CoachService
        from api.settings import get_settings

        options = CoachOptions(engine=args.engine, model=args.model, rewrite=not args.no_rewrite)
        request = CoachRequest(draft=text, context=context, options=options)
        response = asyncio.run(CoachService(get_settings()).coach(request))
    except ValidationError as error:
        print(f"reply-coach: {error.errors()[0]['msg']}", file=sys.stderr)
        return 2
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
