"""`flask --app webapp worker`: run background workers alone (team mode; `make run` starts one too).
`flask --app webapp queues`: the operator's broker-wide view of waiting messages (every team's).

The same as `huey_consumer tasks.huey -w 4 -k thread -d 0.05 -m 0.25`, but inside this app's settings.
"""
from __future__ import annotations

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    @app.cli.command("queues")
    def queues() -> None:
        """Broker-wide messages waiting per queue, every team's (the API shows each team only its own)."""
        from ..services import jobs

        counts, error = jobs.broker_counts()
        if error:
            raise click.ClickException(f"The broker cannot be read: {error}")
        click.echo("queue\tpending\tscheduled")
        for name, row in counts.items():
            click.echo(f"{name}\t{row['pending']}\t{row['scheduled']}")

    @app.cli.command("worker")
    @click.option("-w", "--workers", default=4, show_default=True, help="Worker threads.")
    @click.option("-k", "--worker-type", default="thread", type=click.Choice(["thread", "process"]),
                  show_default=True)
    @click.option("--max-delay", default=0.25, show_default=True,
                  help="Longest pause (s) between polls when a queue cannot block (after an error).")
    @click.option("--no-periodic", is_flag=True, help="Do not run the every-minute reaper here.")
    def worker(workers: int, worker_type: str, max_delay: float, no_periodic: bool) -> None:
        """Run a Huey consumer for Herald's queues (stop with Ctrl-C: running pieces finish)."""
        import tasks

        from ..huey_app import configure_from_app

        tasks.use_app(current_app._get_current_object())
        configure_from_app(current_app)
        consumer = tasks.huey.create_consumer(workers=workers, worker_type=worker_type, periodic=not no_periodic,
                                              initial_delay=0.05, backoff=1.15, max_delay=max_delay,
                                              check_worker_health=True)
        click.echo(f"Herald worker: {workers} {worker_type} worker(s) on {tasks.huey.backend} "
                   f"({current_app.config.get('REDIS_URL') or current_app.config['HUEY_PATH']})")
        consumer.run()
