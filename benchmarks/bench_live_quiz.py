"""Load benchmark of the live quiz: N players over real WebSockets against the real ASGI server.

    python benchmarks/bench_live_quiz.py              # 2,000 players, 2 questions
    python benchmarks/bench_live_quiz.py --players 500 --questions 3 --redis redis://127.0.0.1:6379/14
    python benchmarks/bench_live_quiz.py --storm 1000  # 1,000 phones drop and reconnect at once

It sets up a fresh embedded site in a temporary folder (SQLite, in-process channel layer; with
--redis, the Redis channel layer), starts ``manage.py serve`` (uvicorn, or --server daphne) as its own
process, and simulates the players and the host from this process: every player joins with its own
Neptun code (100 connecting at once), the host advances, every player answers its question at a random
moment within --spread seconds. Between questions the host shows the scoreboard for --scoreboard-s
seconds (an instructor shows it for several; advancing the moment it appears would time the site's
writing of 2,000 scoreboards, which the floor does not send, as the next question's fan-out).

    join_all_s      first connection opened → the last player seated (welcome and lobby received)
    join_ms         one player's connection opened → seated
    ack_ms          answer sent → "answer.accepted" received (per answer)
    fanout_ms       host sends "advance" → that player has the "question" frame (per player and question)
    storm_*         with --storm N: N players drop (no closing handshake) when the last question arrives
                    and resume with their seat token at once; resume_ms is drop → snapshot received,
                    storm_ack_ms the acknowledgements of every answer to that question, seats_kept
                    the phones that came back to their own seat

Then the same clients run against a bare broadcast server (plain ``websockets``, no Django, no
database) in its own process on the same machine: the floor of what Python WebSockets do here.
Prints one JSON object.
"""

import argparse
import asyncio
import gc
import itertools
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMPRESSION: str | None = os.environ.get("BENCH_COMPRESSION", "deflate") or None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


def client_gc_settle() -> None:
    """Keep the client's own garbage collector out of the figures: 2,000 sockets make its full passes
    take a tenth of a second, long enough to read as a slow broadcast. The same for the site and the
    floor (the server does the same at start-up: core/management/commands/serve.py)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def neptun(i: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "B" + alphabet[(i // 10000) % 26] + f"{i % 10000:04d}"


# --- The clients (shared by both servers) ---------------------------------------------------------


class Run:
    def __init__(self, players: int, storm: int = 0, storm_question: int = -1) -> None:
        self.players = players
        self.joined = 0
        self.answers_sent = 0
        self.answers_acked = 0
        self.ack_ms: list[float] = []
        self.fanout_ms: list[float] = []
        self.fanout_by_question: dict[int, list[float]] = {}
        self.join_ms: list[float] = []
        self.advance_at: dict[int, float] = {}
        self.errors: list[str] = []
        self.join_s = 0.0
        # The reconnect storm: ``storm`` players drop their connection when question ``storm_question``
        # arrives (a Wi-Fi hiccup) and come back at once with their seat token.
        self.storm = storm
        self.storm_question = storm_question
        self.storm_ack_ms: list[float] = []
        self.resume_ms: list[float] = []
        self.seats_kept = 0


async def connect_and_sit(
    run: Run, url: str, origin: str, hello: dict[str, str]
) -> tuple[Any, dict[str, Any], dict[str, Any]] | None:
    """Open a socket, send ``hello`` (join or resume); return the socket, the welcome and the snapshot."""
    import websockets

    sock = await websockets.connect(
        url, origin=origin, open_timeout=120, ping_interval=None, max_size=2**22, compression=COMPRESSION
    )
    await sock.send(json.dumps(hello))
    welcome: dict[str, Any] = {}
    while True:
        frame = json.loads(await sock.recv())
        if frame["type"] == "welcome":
            welcome = frame
        elif frame["type"] == "error":
            run.errors.append(frame["message"])
            await sock.close()
            return None
        elif welcome or frame["type"] in ("lobby", "joined"):  # the floor server has no welcome
            return sock, welcome, frame


async def player(
    run: Run,
    url: str,
    index: int,
    questions: int,
    spread: float,
    joined: asyncio.Event,
    ready: asyncio.Semaphore,
    done: asyncio.Event,
    origin: str,
) -> None:
    async with ready:
        started = time.perf_counter()
        seated = await connect_and_sit(run, url, origin, {"type": "join", "neptun": neptun(index)})
        if seated is None:
            return
        run.join_ms.append((time.perf_counter() - started) * 1000)
    sock, welcome, _ = seated
    run.joined += 1
    if run.joined == run.players:
        joined.set()
    rng = random.Random(index)
    stormy = index < run.storm
    sent_at = 0.0
    answered = 0
    current = -1
    pending: dict[str, Any] | None = None  # a question to answer (a frame, or the snapshot after a resume)
    try:
        while answered < questions:
            frame = pending or json.loads(await sock.recv())
            pending = None
            kind = frame["type"]
            if kind == "question":
                q = frame["question"]["index"]
                if q in run.advance_at and not frame.get("resumed"):
                    run.fanout_ms.append((time.perf_counter() - run.advance_at[q]) * 1000)
                    run.fanout_by_question.setdefault(q, []).append(run.fanout_ms[-1])
                if stormy and q == run.storm_question and not frame.get("resumed"):
                    sock.transport.abort()  # the phone's Wi-Fi drops: no closing handshake
                    dropped = time.perf_counter()
                    resume = {"type": "resume", "seat": welcome["seat"]}
                    back = await connect_and_sit(run, url, origin, resume)
                    if back is None:
                        answered += 1
                        continue
                    sock, again, pending = back
                    run.resume_ms.append((time.perf_counter() - dropped) * 1000)
                    if again["player"]["id"] == welcome["player"]["id"] and again["seat"] == welcome["seat"]:
                        run.seats_kept += 1
                    pending["resumed"] = True
                    continue
                # As a phone does: tiles appear after "get ready" (earlier answers are refused).
                await asyncio.sleep(frame.get("ready_ms", 0) / 1000 + rng.uniform(0, spread))
                sent_at = time.perf_counter()
                await sock.send(json.dumps({"type": "answer", "question": q, "picks": [rng.randrange(2)]}))
                run.answers_sent += 1
                current = q
            elif kind in ("answer.accepted", "ack"):
                ms = (time.perf_counter() - sent_at) * 1000
                run.ack_ms.append(ms)
                if current == run.storm_question:
                    run.storm_ack_ms.append(ms)
                run.answers_acked += 1
                answered += 1
            elif kind == "error":
                run.errors.append(frame["message"])
                answered += 1
        await done.wait()
    finally:
        await sock.close()


async def drive(
    urls: list[str],
    host_url: str,
    players: int,
    questions: int,
    spread: float,
    cookie: str,
    origin: str,
    host_frames: tuple[str, str],
    storm: int = 0,
    scoreboard_s: float = 1.0,
) -> Run:
    """Connect the players, then as the host advance through the questions; return the figures."""
    import websockets

    run = Run(players, storm=storm, storm_question=questions - 1 if storm else -1)
    joined, done = asyncio.Event(), asyncio.Event()
    ready = asyncio.Semaphore(100)  # connections being opened at once
    tasks = [
        asyncio.create_task(player(run, url, i, questions, spread, joined, ready, done, origin))
        for i, url in zip(range(players), itertools.cycle(urls))
    ]
    headers = {"Cookie": cookie} if cookie else None
    async with websockets.connect(
        host_url, origin=origin, additional_headers=headers, max_size=2**24, ping_interval=None
    ) as host:
        frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def read_host() -> None:  # keep reading, or the server's pings go unanswered
            async for text in host:
                frames.put_nowait(json.loads(text))

        async def host_frame(kind: str) -> None:
            while (await asyncio.wait_for(frames.get(), timeout=120))["type"] != kind:
                pass

        reader = asyncio.create_task(read_host())
        started = time.perf_counter()
        try:
            await asyncio.wait_for(joined.wait(), timeout=300)
        except TimeoutError:
            run.errors.append(f"only {run.joined} of {players} joined in 300 s")
        run.join_s = round(time.perf_counter() - started, 1)
        client_gc_settle()
        await asyncio.sleep(1.0)
        phase, index = "lobby", -1
        for q in range(questions):
            run.advance_at[q] = time.perf_counter()
            await host.send(json.dumps({"type": "advance", "phase": phase, "index": index}))
            await host_frame("reveal")  # the question closes when everyone has answered
            if q + 1 < questions:
                await host.send(json.dumps({"type": "advance", "phase": "reveal", "index": q}))
                await host_frame(host_frames[0])
                await asyncio.sleep(scoreboard_s)
                phase, index = "scoreboard", q
        reader.cancel()
        done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return run


def figures(run: Run, answers_recorded: int) -> dict[str, Any]:
    storm = {}
    if run.storm:
        storm = {
            "storm_players": run.storm,
            "storm_question": run.storm_question,
            "storm_resumed": len(run.resume_ms),
            "storm_seats_kept": run.seats_kept,
            "storm_resume_ms_p50": percentile(run.resume_ms, 50),
            "storm_resume_ms_p99": percentile(run.resume_ms, 99),
            "storm_ack_ms_p50": percentile(run.storm_ack_ms, 50),
            "storm_ack_ms_p99": percentile(run.storm_ack_ms, 99),
        }
    return {
        "players": run.players,
        "joined": run.joined,
        "answers_sent": run.answers_sent,
        "answers_recorded": answers_recorded,
        "answers_acked": run.answers_acked,
        "ack_ms_p50": percentile(run.ack_ms, 50),
        "ack_ms_p99": percentile(run.ack_ms, 99),
        "fanout_ms_p50": percentile(run.fanout_ms, 50),
        "fanout_ms_p99": percentile(run.fanout_ms, 99),
        "fanout_ms_p50_p99_by_question": [
            [percentile(ms, 50), percentile(ms, 99)] for _, ms in sorted(run.fanout_by_question.items())
        ],
        "join_all_s": run.join_s,
        "join_ms_p50": percentile(run.join_ms, 50),
        "join_ms_p99": percentile(run.join_ms, 99),
        **storm,
        "errors": run.errors[:5],
    }


# --- The floor: a bare broadcast server -----------------------------------------------------------


def floor_server(port: int) -> None:
    """Plain websockets: players join (or resume); the host's "advance" is broadcast; answers are acked."""
    import websockets

    async def main() -> None:
        players: dict[Any, str] = {}  # socket → seat
        state: dict[str, Any] = {"index": -1, "answered": set(), "question": ""}
        hosts: set[Any] = set()

        async def handler(sock: Any) -> None:
            try:
                async for text in sock:
                    frame = json.loads(text)
                    kind = frame["type"]
                    if kind in ("join", "resume"):
                        seat = frame.get("neptun") or frame.get("seat")
                        players[sock] = seat
                        await sock.send(json.dumps({"type": "welcome", "seat": seat, "player": {"id": seat}}))
                        await sock.send(state["question"] or json.dumps({"type": "lobby"}))
                    elif kind == "host":
                        hosts.add(sock)
                    elif kind == "advance":
                        state["index"] += 1
                        state["answered"] = set()
                        state["question"] = json.dumps(
                            {"type": "question", "question": {"index": state["index"]}}
                        )
                        websockets.broadcast(list(players), state["question"])
                    elif kind == "answer":
                        await sock.send(json.dumps({"type": "ack", "question": frame["question"]}))
                        state["answered"].add(players[sock])
                        if len(state["answered"]) == len(set(players.values())):
                            websockets.broadcast(hosts, json.dumps({"type": "reveal"}))
            finally:
                players.pop(sock, None)

        # Compression as the site serves it (off unless --ws-deflate): the same frames on the wire.
        compression = "deflate" if os.environ.get("BENCH_WS_DEFLATE") else None
        async with websockets.serve(
            handler, "127.0.0.1", port, max_size=2**20, ping_interval=None, compression=compression
        ):
            await asyncio.Future()

    asyncio.run(main())


async def drive_floor(
    port: int, players: int, questions: int, spread: float, storm: int = 0, scoreboard_s: float = 1.0
) -> Run:
    import websockets

    url = f"ws://127.0.0.1:{port}/"
    run = Run(players, storm=storm, storm_question=questions - 1 if storm else -1)
    joined, done = asyncio.Event(), asyncio.Event()
    ready = asyncio.Semaphore(100)
    tasks = [
        asyncio.create_task(player(run, url, i, questions, spread, joined, ready, done, "http://x"))
        for i in range(players)
    ]
    async with websockets.connect(url, ping_interval=None) as host:
        await host.send(json.dumps({"type": "host"}))
        started = time.perf_counter()
        await asyncio.wait_for(joined.wait(), timeout=180)
        run.join_s = round(time.perf_counter() - started, 1)
        client_gc_settle()
        await asyncio.sleep(1.0)
        for q in range(questions):
            run.advance_at[q] = time.perf_counter()
            await host.send(json.dumps({"type": "advance"}))
            while json.loads(await asyncio.wait_for(host.recv(), timeout=120))["type"] != "reveal":
                pass
            if q + 1 < questions:
                await asyncio.sleep(scoreboard_s)
        done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return run


# --- The real site --------------------------------------------------------------------------------


def site_setup(data_dir: Path, players: int, questions: int, env: dict[str, str]) -> tuple[int, str, str]:
    """Migrate a fresh site; create the host, a quiz of single-choice questions and a game."""
    os.environ.update(env)
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import User
    from quizzes.authoring import QuestionDraft
    from quizzes.models import Quiz
    from quizzes.services import game_create, question_save

    call_command("migrate", verbosity=0)
    host = User.objects.create_user(username="bench-host", password="bench-host-password")
    quiz = Quiz.objects.create(title="Benchmark", owner=host)
    for q in range(questions):
        choices = [{"text": "Yes", "correct": True}, {"text": "No", "correct": False}]
        question_save(
            quiz=quiz,
            user=host,
            draft=QuestionDraft(kind="single", text=f"Question {q + 1}?", choices=choices, time_limit=120),
        )
    game = game_create(quiz=quiz, host=host)
    session = SessionStore()
    session[SESSION_KEY] = str(host.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = host.get_session_auth_hash()
    session.create()
    return game.id, game.pin, f"sessionid={session.session_key}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=2)
    parser.add_argument("--spread", type=float, default=3.0, help="players answer within this many seconds")
    parser.add_argument(
        "--scoreboard-s",
        type=float,
        default=1.0,
        help="the host shows the scoreboard this long between questions",
    )
    parser.add_argument("--redis", default="", help="use the Redis channel layer (REDIS_URL)")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes (needs --redis); players spread over them"
    )
    parser.add_argument("--database-url", default="", help="an empty database (DATABASE_URL), not SQLite")
    parser.add_argument("--floor-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument(
        "--storm",
        type=int,
        default=0,
        metavar="N",
        help="a reconnect storm: N players drop when the last question arrives and resume at once",
    )
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--debug", action="store_true", help="serve with DEBUG on (the demo's default)")
    parser.add_argument(
        "--ws-deflate", action="store_true", help="the server (and the floor) compress frames; off by default"
    )
    args = parser.parse_args()
    if args.floor_server:
        floor_server(args.floor_server)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.players + 1000)), hard))

    data_dir = Path(tempfile.mkdtemp(prefix="bench-live-quiz-"))
    env = {"DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING"}
    if not args.debug:
        # As a lecture runs it: DEBUG wraps every query in the debug cursor and keeps its SQL.
        env.update(DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost")
    if args.redis:
        env.update(REDIS_URL=args.redis, CHANNEL_PREFIX=f"bench{os.getpid()}")
    elif args.processes > 1:
        parser.error("--processes needs --redis (the processes share the Redis channel layer)")
    if args.database_url:
        # As production runs a web process (docs/deploy.md): psycopg's pool, not a connection per request.
        env.update(
            DATABASE_URL=args.database_url,
            DATABASE_POOL_MAX_SIZE=os.environ.get("DATABASE_POOL_MAX_SIZE", "8"),
        )
    game_id, pin, cookie = site_setup(data_dir, args.players, args.questions, env)
    ports = [free_port() for _ in range(args.processes)]
    servers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--server", args.server, "--port", str(port)]
            + (["--ws-deflate"] if args.ws_deflate else []),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    port = ports[0]
    result: dict[str, Any] = {
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "server": f"{args.server}, {args.processes} process{'es' if args.processes > 1 else ''}, "
        + ("Redis" if args.redis else "in-process")
        + " channel layer, "
        + ("PostgreSQL" if args.database_url else "SQLite")
        + (", DEBUG on" if args.debug else "")
        + (", permessage-deflate" if args.ws_deflate else ""),
        "questions": args.questions,
        "spread_s": args.spread,
        "scoreboard_s": args.scoreboard_s,
    }
    try:
        for each in ports:
            wait_port(each)
        started = time.perf_counter()
        run = asyncio.run(
            drive(
                [f"ws://127.0.0.1:{each}/ws/quizzes/play/{pin}/" for each in ports],
                f"ws://127.0.0.1:{port}/ws/quizzes/host/{game_id}/",
                args.players,
                args.questions,
                args.spread,
                cookie,
                f"http://127.0.0.1:{port}",
                ("scoreboard", "scoreboard"),
                storm=args.storm,
                scoreboard_s=args.scoreboard_s,
            )
        )
        from django.db.models import Sum

        from quizzes.models import Answer, Player

        result.update(figures(run, Answer.objects.filter(game_id=game_id).count()))
        seats = Player.objects.filter(game_id=game_id)
        result["seats_in_db"] = seats.count()
        result["seat_takeovers"] = seats.aggregate(n=Sum("takeovers"))["n"] or 0
        result["wall_s"] = round(time.perf_counter() - started, 1)
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    if not args.skip_floor:
        floor_port = free_port()
        floor = subprocess.Popen(
            [sys.executable, __file__, "--floor-server", str(floor_port)],
            env={**os.environ, "BENCH_WS_DEFLATE": "1" if args.ws_deflate else ""},
        )
        try:
            wait_port(floor_port)
            run = asyncio.run(
                drive_floor(
                    floor_port, args.players, args.questions, args.spread, args.storm, args.scoreboard_s
                )
            )
            result["floor"] = {
                "server": "bare websockets broadcast, no Django",
                **figures(run, run.answers_acked),
            }
        finally:
            floor.terminate()
            floor.wait(timeout=30)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
