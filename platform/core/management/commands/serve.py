from django.core.management.base import BaseCommand, CommandParser

SERVERS = ("uvicorn", "daphne")


class Command(BaseCommand):
    help = "Serve the ASGI application (HTTP and WebSockets); run several behind a proxy to scale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--server",
            choices=SERVERS,
            default="uvicorn",
            help="uvicorn (websockets: the faster broadcast to a lecture hall) or daphne",
        )
        parser.add_argument("--access-log", default=None, help="file for the access log; default none")
        parser.add_argument(
            "--ws-deflate",
            action="store_true",
            help="compress WebSocket frames (permessage-deflate; uvicorn only): off by default, see below",
        )

    def handle(
        self, *args, host: str, port: int, server: str, access_log: str | None, ws_deflate: bool, **options
    ) -> None:
        if server == "daphne":
            from daphne.cli import CommandLineInterface

            argv = ["-b", host, "-p", str(port), "--proxy-headers"]
            if access_log:
                argv += ["--access-log", access_log]
            CommandLineInterface().run([*argv, "config.asgi:application"])
            return

        import gc
        import logging
        import sys

        import uvicorn

        # The event loop is busy writing frames to hundreds of sockets while the database thread waits
        # for the GIL to record an answer; a shorter switch interval keeps that wait (and the answer's
        # acknowledgement) short. Measured with benchmarks/bench_live_quiz.py.
        sys.setswitchinterval(0.0005)
        # 2,000 phones keep many objects alive, so the collector's default young-generation threshold
        # (700 allocations) starts collections every few milliseconds, and the older generations' passes
        # stall the event loop; the answers waiting behind them made most of the ack p99. Freezing
        # what start-up made keeps it out of every pass. Measured with benchmarks/bench_live_quiz.py.
        gc.set_threshold(50_000, 20, 100)
        gc.freeze()

        if access_log:
            handler = logging.FileHandler(access_log)
            logging.getLogger("uvicorn.access").addHandler(handler)
        uvicorn.run(
            "config.asgi:application",
            host=host,
            port=port,
            loop="asyncio",
            http="httptools",
            ws="websockets-sansio",
            # The game's frames are a few hundred bytes, one network packet compressed or not, so deflate
            # saves the lecture hall's Wi-Fi nothing while it compresses every frame once per socket: a
            # third of the event loop's time per broadcast to 2,000 phones (benchmarks/bench_live_quiz.py).
            ws_per_message_deflate=ws_deflate,
            proxy_headers=True,
            access_log=bool(access_log),
            log_level="warning",
            lifespan="off",
        )
